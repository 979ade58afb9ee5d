//! The tool list: names, descriptions, schemas and annotations, and the structured outputs.
//!
//! Every tool only reads (Salesforce records and Gong calls the caller may see), so all carry
//! `readOnlyHint: true`; they reach nothing beyond the company's own CRM and call recorder, so
//! `openWorldHint: false`. Outputs of the five account tools are the service's answers
//! ([`service::dto`]), the very types the REST API sends, so a client gets the same fields
//! whichever door it uses.

use std::sync::Arc;

use rmcp::handler::server::common::schema_for_input;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use service::dto::{AccountCallsResponse, AccountsResponse, TranscriptsAnswer};
use service::{Briefing, MyMeetings};

use super::params::{
    FetchArgs, GetAccountBriefingArgs, GetCallTranscriptsArgs, ListAccountCallsArgs,
    ListMyMeetingsArgs, SearchAccountsArgs, SearchArgs,
};
use super::schema::output_schema;

/// `search_accounts`: find the account by name.
pub const SEARCH_ACCOUNTS: &str = "search_accounts";
/// `list_account_calls`: the account's newest Gong calls.
pub const LIST_ACCOUNT_CALLS: &str = "list_account_calls";
/// `list_my_meetings`: the caller's customer meetings of the next hours.
pub const LIST_MY_MEETINGS: &str = "list_my_meetings";
/// `get_call_transcripts`: transcripts of chosen calls.
pub const GET_CALL_TRANSCRIPTS: &str = "get_call_transcripts";
/// `get_account_briefing`: the one-call meeting-prep pack.
pub const GET_ACCOUNT_BRIEFING: &str = "get_account_briefing";
/// `search`: ChatGPT deep research's search.
pub const SEARCH: &str = "search";
/// `fetch`: ChatGPT deep research's fetch.
pub const FETCH: &str = "fetch";

/// The annotations every tool carries: read-only, idempotent, closed world.
fn read_only(title: &str) -> ToolAnnotations {
    ToolAnnotations::with_title(title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false)
}

fn input<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    // Every argument type is a struct, whose schema root is an object: this cannot fail.
    schema_for_input::<T>().unwrap_or_default()
}

fn tool(
    name: &'static str,
    title: &str,
    description: &'static str,
    input: Arc<JsonObject>,
) -> Tool {
    Tool::new(name, description, input).annotate(read_only(title))
}

/// Every tool, as `tools/list` shows them.
pub fn list() -> Vec<Tool> {
    vec![
        tool(
            SEARCH_ACCOUNTS,
            "Search accounts",
            "Find Salesforce accounts by name (or part of it) among those you can see. Returns id, \
             name, industry, website, location and owner. When several match, ask the person which \
             one they mean before fetching a briefing.",
            input::<SearchAccountsArgs>(),
        )
        .with_raw_output_schema(output_schema::<AccountsResponse>()),
        tool(
            LIST_ACCOUNT_CALLS,
            "List account calls",
            "List an account's newest recorded Gong calls (title, start, duration, Gong link, call \
             id), newest first. Use the call ids with get_call_transcripts.",
            input::<ListAccountCallsArgs>(),
        )
        .with_raw_output_schema(output_schema::<AccountCallsResponse>()),
        tool(
            LIST_MY_MEETINGS,
            "List my meetings",
            "Your Salesforce meetings with customers in the next hours (default 24), soonest \
             first: event id, start, end, subject, account id and name, attendee count, and \
             whether the briefing's calls are cached already. For \"prepare me for today\": \
             then get_account_briefing for each, with meeting set to its event id.",
            input::<ListMyMeetingsArgs>(),
        )
        .with_raw_output_schema(output_schema::<MyMeetings>()),
        tool(
            GET_CALL_TRANSCRIPTS,
            "Get call transcripts",
            "Transcripts of Gong calls by call id, with title, date, duration, Gong link and \
             attendees. Long transcripts are cut fairly at turn boundaries to fit max_chars; \
             truncation.calls[].nextOffset says where to read on (pass it back in offsets).",
            input::<GetCallTranscriptsArgs>(),
        )
        .with_raw_output_schema(output_schema::<TranscriptsAnswer>()),
        tool(
            GET_ACCOUNT_BRIEFING,
            "Get account briefing",
            "Everything to prepare a meeting with one account in one call: the next meeting \
             (Salesforce event, who is coming, who is new) and what changed since the last call, \
             the account, open opportunities, key contacts, the stakeholder map (buying roles and who spoke), the \
             newest calls with attendees and Gong's intelligence (brief, key points, next steps, \
             outcome, trackers), their transcripts with each turn's time, and instructions for \
             writing a MEDPICC or SPICED briefing that cites each call and date. transcripts \
             chooses fit (default), full or none; meeting chooses next (default), none or an \
             event id. The text is the briefing as Markdown.",
            input::<GetAccountBriefingArgs>(),
        )
        .with_raw_output_schema(output_schema::<Briefing>()),
        tool(
            SEARCH,
            "Search",
            "Search the accounts you can see in Salesforce and their recent Gong calls. Returns \
             {\"results\": [{id, title, url}]}; pass an id to fetch for the full record.",
            input::<SearchArgs>(),
        ),
        tool(
            FETCH,
            "Fetch",
            "Fetch one search result by id: an account (\"account:<id>\") as a meeting-prep \
             briefing with its calls and transcripts, or a call (\"call:<id>\") as its transcript. \
             Returns {id, title, text, url, metadata}.",
            input::<FetchArgs>(),
        ),
    ]
}

/// One tool by name, for the transport's header checks.
pub fn get(name: &str) -> Option<Tool> {
    list().into_iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_read_only_tools_with_object_input_schemas() {
        let tools = list();
        assert_eq!(tools.len(), 7);
        for t in &tools {
            assert_eq!(t.input_schema["type"], "object", "{}", t.name);
            let a = t.annotations.as_ref().unwrap();
            assert_eq!(a.read_only_hint, Some(true), "{}", t.name);
            assert_eq!(a.open_world_hint, Some(false), "{}", t.name);
            assert!(t.description.as_ref().is_some_and(|d| !d.is_empty()));
        }
        for name in [
            SEARCH_ACCOUNTS,
            LIST_ACCOUNT_CALLS,
            LIST_MY_MEETINGS,
            GET_CALL_TRANSCRIPTS,
            GET_ACCOUNT_BRIEFING,
        ] {
            let schema = get(name).unwrap().output_schema.unwrap();
            assert_eq!(schema["type"], "object", "{name}");
        }
        assert!(get(SEARCH).unwrap().output_schema.is_none());
        assert!(get("nope").is_none());
    }

    #[test]
    fn the_briefing_schema_inlines_its_parts() {
        let schema = serde_json::Value::Object((*output_schema::<Briefing>()).clone());
        assert!(schema["$defs"]["AccountSummary"].is_object(), "{schema}");
        assert!(!schema.to_string().contains("#/components/"));
    }
}
