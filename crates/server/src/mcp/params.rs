//! Tool arguments: what each tool accepts, with the JSON Schemas clients show the model.
//!
//! Arguments are read here rather than by the transport so that a wrong argument (a missing
//! field, a string where a number belongs) comes back as a tool result with `isError: true` and a
//! readable message, which the model can act on, instead of a JSON-RPC protocol error.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use service::{Methodology, TranscriptMode};

/// `search_accounts`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchAccountsArgs {
    /// The account name or part of it, e.g. "Acme". At least two characters.
    pub name: String,
}

/// `list_account_calls`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAccountCallsArgs {
    /// Salesforce Account id (15 or 18 characters, starts with 001), from search_accounts.
    pub account_id: String,
    /// How many of the newest calls to list (1-100, default 10).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<usize>,
}

/// `list_my_meetings`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListMyMeetingsArgs {
    /// How many hours ahead (1-168, default 24).
    #[schemars(range(min = 1, max = 168))]
    pub hours: Option<usize>,
    /// With an API key only: whose meetings, as a Salesforce user id (005...) or username.
    /// Leave it out when signed in with Salesforce: the meetings are then your own.
    pub user: Option<String>,
}

/// `get_call_transcripts`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCallTranscriptsArgs {
    /// Gong call ids (numeric strings), from list_account_calls. At most 50 by default
    /// (the server's CALLBRIEF_MAX_CALL_IDS); duplicates count.
    #[schemars(length(min = 1))]
    pub call_ids: Vec<String>,
    /// Largest answer in characters; transcripts are cut fairly at turn boundaries to fit.
    /// Defaults to the server's MCP budget, which is also the ceiling.
    #[schemars(range(min = 1000))]
    pub max_chars: Option<usize>,
    /// Where to continue each cut transcript: call id -> the `nextOffset` a previous answer
    /// gave; at most 100 entries.
    pub offsets: Option<std::collections::BTreeMap<String, usize>>,
    /// Mark each turn with its time in the call ("[12:34] Speaker: ..."), for citing; default
    /// false.
    pub timestamps: Option<bool>,
}

/// The write-up frameworks, as the model spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MethodologyArg {
    /// Metrics, Economic Buyer, Decision Criteria, Decision Process, Paper Process, Identify
    /// Pain, Champion, Competition.
    Medpicc,
    /// Situation, Pain, Impact, Critical Event, Decision.
    Spiced,
}

impl From<MethodologyArg> for Methodology {
    fn from(arg: MethodologyArg) -> Self {
        match arg {
            MethodologyArg::Medpicc => Methodology::Medpicc,
            MethodologyArg::Spiced => Methodology::Spiced,
        }
    }
}

/// How much transcript text a briefing carries, as the model spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptsArg {
    /// Transcripts in spoken order, cut at their end when they do not fit (read on with offsets).
    Full,
    /// When they do not fit, keep the turns around Gong's trackers and highlights and the
    /// customer's turns; each gap is marked with its time range and the offset to read on.
    Fit,
    /// No transcript text: account, deals, contacts and Gong's intelligence of each call.
    None,
}

impl From<TranscriptsArg> for TranscriptMode {
    fn from(arg: TranscriptsArg) -> Self {
        match arg {
            TranscriptsArg::Full => TranscriptMode::Full,
            TranscriptsArg::Fit => TranscriptMode::Fit,
            TranscriptsArg::None => TranscriptMode::None,
        }
    }
}

/// `get_account_briefing`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetAccountBriefingArgs {
    /// Salesforce Account id (15 or 18 characters, starts with 001), from search_accounts.
    pub account_id: String,
    /// How many of the newest calls to include (1-20, default 3).
    #[schemars(range(min = 1, max = 20))]
    pub calls: Option<usize>,
    /// The framework the briefing is written in (default medpicc).
    pub methodology: Option<MethodologyArg>,
    /// Largest answer in characters; transcripts are cut fairly at turn boundaries to fit.
    /// Defaults to the server's MCP budget, which is also the ceiling.
    #[schemars(range(min = 1000))]
    pub max_chars: Option<usize>,
    /// Where to continue each cut transcript: call id -> the `nextOffset` a previous answer
    /// gave; at most 100 entries.
    pub offsets: Option<std::collections::BTreeMap<String, usize>>,
    /// How much transcript text to include (default fit).
    pub transcripts: Option<TranscriptsArg>,
    /// Which meeting to prepare for: "next" (default: the account's next Salesforce event),
    /// "none", or a Salesforce event id (00U...) on this account.
    #[schemars(length(max = 18))]
    pub meeting: Option<String>,
}

/// `search` (ChatGPT deep research).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct SearchArgs {
    /// Words to look for: an account name or part of it.
    pub query: String,
}

/// `fetch` (ChatGPT deep research).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct FetchArgs {
    /// An id from search: "account:<Salesforce Account id>" or "call:<Gong call id>".
    pub id: String,
}

/// Reads a tool's arguments; the error is a sentence for the model, naming the tool.
pub fn parse<T: DeserializeOwned>(
    tool: &str,
    arguments: Option<serde_json::Map<String, serde_json::Value>>,
) -> Result<T, String> {
    let value = serde_json::Value::Object(arguments.unwrap_or_default());
    serde_json::from_value(value).map_err(|err| format!("invalid arguments for {tool}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: serde_json::Value) -> Option<serde_json::Map<String, serde_json::Value>> {
        value.as_object().cloned()
    }

    #[test]
    fn reads_optional_fields() {
        let got: GetAccountBriefingArgs = parse(
            "get_account_briefing",
            args(json!({"account_id": "001A", "methodology": "spiced", "offsets": {"42": 100}})),
        )
        .unwrap();
        assert_eq!(got.methodology, Some(MethodologyArg::Spiced));
        assert_eq!(got.offsets.unwrap()["42"], 100);
        assert_eq!(got.calls, None);
    }

    #[test]
    fn errors_name_the_tool_and_the_field() {
        let err = parse::<SearchAccountsArgs>("search_accounts", None).unwrap_err();
        assert!(
            err.contains("search_accounts") && err.contains("name"),
            "{err}"
        );
        let err = parse::<GetAccountBriefingArgs>(
            "get_account_briefing",
            args(json!({"account_id": "001A", "methodology": "bant"})),
        )
        .unwrap_err();
        assert!(err.contains("medpicc"), "{err}");
        let err = parse::<ListAccountCallsArgs>(
            "list_account_calls",
            args(json!({"account_id": "001A", "limt": 3})),
        )
        .unwrap_err();
        assert!(err.contains("limt"), "{err}");
    }

    #[test]
    fn input_schemas_are_objects_with_required_fields() {
        let schema =
            rmcp::handler::server::common::schema_for_input::<GetCallTranscriptsArgs>().unwrap();
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"], json!(["call_ids"]));
    }
}
