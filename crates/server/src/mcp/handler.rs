//! [`CallbriefMcp`]: the MCP server handler. Lists the tools and prompts and runs each tool call
//! for the caller the transport authenticated.
//!
//! Every failure a model can act on (a wrong argument, an id that is not visible, an upstream
//! outage) comes back as a tool result with `isError: true` and a sentence saying what to do,
//! never as a JSON-RPC error: clients show tool results to the model but often hide protocol
//! errors. Only requests for a tool or prompt that does not exist are protocol errors.

use std::collections::HashMap;
use std::sync::Arc;

use gong::GongError;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, Implementation, ListPromptsResult, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::Serialize;
use serde_json::{json, Map, Value};
use service::budget::{check_max_chars, fit_response, Rendering};
use service::{
    render_markdown, BriefingRequest, Caller, Methodology, Service, ServiceError,
    DEFAULT_BRIEFING_CALLS, DEFAULT_CALL_LIST,
};
use transcript::budget::Measure;
use transcript::CleanTranscript;

use super::ids::{salesforce_record_url, RecordRef};
use super::params::{
    self, FetchArgs, GetAccountBriefingArgs, GetCallTranscriptsArgs, ListAccountCallsArgs,
    SearchAccountsArgs, SearchArgs,
};
use super::prompts;
use super::research::{self, SearchResult};
use super::tools::{self, AccountsOutput, CallsOutput, TranscriptsOutput};
use super::McpConfig;
use crate::assemble::{assemble, Assembled};
use crate::error::ApiError;
use crate::validate::is_call_id;

/// How a server introduces itself to the model (`instructions` of `initialize`).
const INSTRUCTIONS: &str = "callbrief prepares sales reps for customer meetings from Salesforce and \
Gong, with the signed-in person's own Salesforce permissions. To prepare a meeting: search_accounts \
by name, confirm the account with the person when several match, then get_account_briefing (one call: \
account, open opportunities, contacts, recent calls with transcripts, and how to write it up). \
list_account_calls and get_call_transcripts give finer control. Cite the call title and date for \
every insight.";

/// Accounts whose recent calls `search` also lists, and calls per account: enough for deep
/// research to find a conversation, few enough to keep one search a handful of queries.
const SEARCH_CALL_ACCOUNTS: usize = 3;
const SEARCH_CALLS_PER_ACCOUNT: usize = 5;
/// Share of a fetched account's budget held back for the JSON around its Markdown (escaped
/// newlines and quotes, the envelope): one twentieth.
const FETCH_ENVELOPE_SHARE: usize = 20;
/// Tries at fitting a fetched account's briefing into the budget.
const FETCH_ATTEMPTS: usize = 3;
/// Most call ids per `get_call_transcripts`, as on the REST route.
const MAX_CALL_IDS: usize = 50;

/// The MCP server: tools and prompts over one [`Service`]. Cheap to clone (one per request in
/// stateless HTTP mode).
#[derive(Clone)]
pub struct CallbriefMcp {
    inner: Arc<Inner>,
}

struct Inner {
    service: Arc<Service>,
    config: McpConfig,
    /// The caller for transports without per-request auth (stdio); `None` means "read the
    /// caller the HTTP auth middleware stored in the request".
    fixed_caller: Option<Caller>,
}

/// Why a tool call failed, as a sentence for the model.
type ToolResult = Result<CallToolResult, String>;

impl CallbriefMcp {
    /// A handler whose callers are authenticated per HTTP request (see [`super::router`]).
    pub fn for_http(service: Arc<Service>, config: McpConfig) -> Self {
        Self::new(service, config, None)
    }

    /// A handler acting as `caller` on every call (stdio: the process's own credentials).
    pub fn for_caller(service: Arc<Service>, config: McpConfig, caller: Caller) -> Self {
        Self::new(service, config, Some(caller))
    }

    fn new(service: Arc<Service>, config: McpConfig, fixed_caller: Option<Caller>) -> Self {
        Self {
            inner: Arc::new(Inner {
                service,
                config,
                fixed_caller,
            }),
        }
    }

    fn service(&self) -> &Service {
        &self.inner.service
    }

    /// The caller: fixed for stdio, otherwise what the auth middleware put in the request.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Option<Caller> {
        if let Some(caller) = &self.inner.fixed_caller {
            return Some(caller.clone());
        }
        context
            .extensions
            .get::<http::request::Parts>()?
            .extensions
            .get::<Caller>()
            .cloned()
    }

    /// The budget for one answer: the caller's `max_chars`, never above the configured ceiling.
    fn budget(&self, requested: Option<usize>) -> Result<usize, String> {
        let ceiling = self.inner.config.max_chars;
        check_max_chars(requested.map_or(ceiling, |r| r.min(ceiling))).map_err(service_message)
    }

    fn account_url(&self, account_id: &str) -> String {
        salesforce_record_url(self.inner.config.record_base_url(), account_id)
    }

    /// Runs one tool; `Err` only for a tool that does not exist.
    async fn run(
        &self,
        caller: &Caller,
        name: &str,
        arguments: Option<Map<String, Value>>,
    ) -> Result<CallToolResult, ErrorData> {
        // Arguments are parsed per tool so that a wrong one is an `isError` result.
        macro_rules! dispatch {
            ($tool:ident) => {
                match params::parse(name, arguments) {
                    Ok(args) => self.$tool(caller, args).await,
                    Err(message) => Err(message),
                }
            };
        }
        let result = match name {
            tools::SEARCH_ACCOUNTS => dispatch!(search_accounts),
            tools::LIST_ACCOUNT_CALLS => dispatch!(list_account_calls),
            tools::GET_CALL_TRANSCRIPTS => dispatch!(get_call_transcripts),
            tools::GET_ACCOUNT_BRIEFING => dispatch!(get_account_briefing),
            tools::SEARCH => dispatch!(search),
            tools::FETCH => dispatch!(fetch),
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool {other:?}; tools/list names the tools"),
                    None,
                ))
            }
        };
        Ok(result
            .unwrap_or_else(|message| CallToolResult::error(vec![ContentBlock::text(message)])))
    }

    async fn search_accounts(&self, caller: &Caller, args: SearchAccountsArgs) -> ToolResult {
        let accounts = self
            .service()
            .search_accounts(caller, &args.name)
            .await
            .map_err(service_message)?;
        structured(&AccountsOutput { accounts }, None)
    }

    async fn list_account_calls(&self, caller: &Caller, args: ListAccountCallsArgs) -> ToolResult {
        let account_id = args.account_id.trim().to_owned();
        let calls = self
            .service()
            .account_calls(caller, &account_id, args.limit.unwrap_or(DEFAULT_CALL_LIST))
            .await
            .map_err(service_message)?;
        structured(&CallsOutput { account_id, calls }, None)
    }

    async fn get_call_transcripts(
        &self,
        caller: &Caller,
        args: GetCallTranscriptsArgs,
    ) -> ToolResult {
        let ids = call_ids(&args.call_ids)?;
        let max_chars = self.budget(args.max_chars)?;
        let fetched = self
            .service()
            .call_transcripts(caller, &ids)
            .await
            .map_err(service_message)?;
        let not_accessible = fetched.access.not_accessible;
        let readable = fetched.access.accessible;
        if readable.is_empty() {
            return Err(format!(
                "none of the call ids {not_accessible:?} is a Gong call you can see in Salesforce; \
                 list_account_calls gives the ids of an account's calls"
            ));
        }
        let Assembled {
            call_transcripts,
            not_found,
            failed,
            warnings,
        } = assemble(&readable, fetched.data).map_err(gong_message)?;
        let offsets: HashMap<String, usize> =
            args.offsets.unwrap_or_default().into_iter().collect();
        let output = fit_response(
            call_transcripts,
            &offsets,
            max_chars,
            Measure::JsonString,
            |call_transcripts, truncation| TranscriptsOutput {
                call_transcripts,
                not_accessible: not_accessible.clone(),
                not_found: not_found.clone(),
                failed: failed.clone(),
                warnings: warnings.clone(),
                truncation,
            },
            |output| serde_json::to_string(output).unwrap_or_default(),
        )
        .map_err(service_message)?;
        structured(&output, None)
    }

    async fn get_account_briefing(
        &self,
        caller: &Caller,
        args: GetAccountBriefingArgs,
    ) -> ToolResult {
        let request = BriefingRequest {
            account_id: args.account_id.trim().to_owned(),
            calls: args.calls.unwrap_or(DEFAULT_BRIEFING_CALLS),
            methodology: args.methodology.map(Methodology::from).unwrap_or_default(),
            max_chars: self.budget(args.max_chars)?,
            offsets: args.offsets.unwrap_or_default().into_iter().collect(),
            // The text item, which every client shows the model, is what the budget holds.
            rendering: Rendering::Markdown,
        };
        let briefing = self
            .service()
            .briefing(caller, &request)
            .await
            .map_err(service_message)?;
        structured(&briefing, Some(render_markdown(&briefing)))
    }

    async fn search(&self, caller: &Caller, args: SearchArgs) -> ToolResult {
        let accounts = self
            .service()
            .search_accounts(caller, &args.query)
            .await
            .map_err(service_message)?;
        let calls = futures::future::join_all(accounts.iter().take(SEARCH_CALL_ACCOUNTS).map(
            |a| async move {
                let listed = self
                    .service()
                    .account_calls(caller, &a.id, SEARCH_CALLS_PER_ACCOUNT)
                    .await;
                (a, listed)
            },
        ))
        .await;
        let mut results: Vec<SearchResult> = accounts
            .iter()
            .map(|a| research::account_result(a, self.account_url(&a.id)))
            .collect();
        for (account, listed) in calls {
            match listed {
                Ok(rows) => results.extend(
                    rows.iter()
                        .map(|row| research::call_result(row, &account.name)),
                ),
                // The accounts are the answer; their calls are a bonus that may fail alone.
                Err(err) => {
                    tracing::warn!(error = %err, "search: listing an account's calls failed")
                }
            }
        }
        text_only(&json!({ "results": results }))
    }

    async fn fetch(&self, caller: &Caller, args: FetchArgs) -> ToolResult {
        match RecordRef::parse(&args.id).map_err(|e| e.to_string())? {
            RecordRef::Account(id) => self.fetch_account(caller, id).await,
            RecordRef::Call(id) => self.fetch_call(caller, id).await,
        }
    }

    async fn fetch_account(&self, caller: &Caller, account_id: String) -> ToolResult {
        let budget = self.inner.config.max_chars;
        let mut request = BriefingRequest {
            max_chars: budget - budget / FETCH_ENVELOPE_SHARE,
            rendering: Rendering::Markdown,
            ..BriefingRequest::new(account_id.clone())
        };
        // JSON escaping of the Markdown (newlines, quotes) is the only growth past the briefing's
        // own budget; a retry with the overflow taken off settles the rare one still too long.
        for _ in 0..FETCH_ATTEMPTS {
            let briefing = self
                .service()
                .briefing(caller, &request)
                .await
                .map_err(service_message)?;
            let document = research::account_document(&briefing, self.account_url(&account_id));
            let text = serde_json::to_string(&document).unwrap_or_default();
            let over = text.chars().count().saturating_sub(budget);
            if over == 0 {
                return text_only(&document);
            }
            request.max_chars = request.max_chars.saturating_sub(over + over / 2 + 100);
        }
        Err(format!(
            "the briefing of account {account_id} does not fit the {budget}-character budget; \
             use get_account_briefing with fewer calls"
        ))
    }

    async fn fetch_call(&self, caller: &Caller, call_id: String) -> ToolResult {
        let ids = call_ids(std::slice::from_ref(&call_id))?;
        let fetched = self
            .service()
            .call_transcripts(caller, &ids)
            .await
            .map_err(service_message)?;
        if fetched.access.accessible.is_empty() {
            return Err(format!(
                "no call {call_id} that you can see in Salesforce; search finds the calls of your accounts"
            ));
        }
        let assembled = assemble(&fetched.access.accessible, fetched.data).map_err(gong_message)?;
        if let Some(failed) = assembled.failed.first() {
            return Err(format!(
                "Gong failed on call {call_id}: {}; try again",
                failed.reason
            ));
        }
        if assembled.call_transcripts.is_empty() {
            return Err(format!(
                "Gong has no transcript for call {call_id} (unknown or not transcribed)"
            ));
        }
        let id = RecordRef::Call(call_id).to_string();
        let document = fit_response(
            assembled.call_transcripts,
            &HashMap::new(),
            self.inner.config.max_chars,
            Measure::JsonString,
            |transcripts, _| {
                let transcript = transcripts
                    .into_iter()
                    .next()
                    .unwrap_or_else(empty_transcript);
                research::call_document(&id, &transcript)
            },
            |document| serde_json::to_string(document).unwrap_or_default(),
        )
        .map_err(service_message)?;
        text_only(&document)
    }
}

fn empty_transcript() -> CleanTranscript {
    CleanTranscript {
        call_id: String::new(),
        title: None,
        started: None,
        duration: None,
        url: None,
        content: String::new(),
        speakers: Vec::new(),
    }
}

/// The distinct call ids asked for, each checked; the error names the first bad one.
fn call_ids(raw: &[String]) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = Vec::with_capacity(raw.len());
    for id in raw.iter().map(|id| id.trim()) {
        if !is_call_id(id) {
            return Err(format!(
                "call_ids: {id:?} is not a Gong call id (1 to 20 digits, as list_account_calls returns)"
            ));
        }
        if !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
    }
    match ids.len() {
        0 => Err("call_ids: give at least one Gong call id".into()),
        n if n > MAX_CALL_IDS => Err(format!(
            "call_ids: at most {MAX_CALL_IDS} distinct ids per call; got {n}"
        )),
        _ => Ok(ids),
    }
}

/// A success with `value` as structured content and `text` (or the JSON itself) as the text item.
fn structured<T: Serialize>(value: &T, text: Option<String>) -> ToolResult {
    let value = serde_json::to_value(value).map_err(|e| format!("internal error: {e}"))?;
    let text = text.unwrap_or_else(|| value.to_string());
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(value);
    Ok(result)
}

/// A success whose only content is `value` as JSON text (the deep-research shape).
fn text_only<T: Serialize>(value: &T) -> ToolResult {
    let text = serde_json::to_string(value).map_err(|e| format!("internal error: {e}"))?;
    Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
}

/// A service failure as a sentence for the model, with the MCP argument names.
pub fn service_message(err: ServiceError) -> String {
    match err {
        ServiceError::Validation { field, message } => {
            let field = match field.as_str() {
                "id" => "account_id",
                "maxChars" => "max_chars",
                other => other,
            };
            format!("{field}: {message}")
        }
        ServiceError::RateLimited {
            service,
            retry_after,
        } => match retry_after {
            Some(wait) => format!(
                "{service} rate limit or API quota reached; try again in {} seconds",
                wait.as_secs().max(1)
            ),
            None => format!("{service} rate limit or API quota reached; try again in a minute"),
        },
        ServiceError::DeadlineExceeded { service, .. } => {
            format!("{service} did not answer in time; try again, or ask for fewer calls")
        }
        ServiceError::NotConfigured { message } => {
            format!("callbrief is not set up for this: {message}")
        }
        other => other.to_string(),
    }
}

/// A Gong failure as a sentence, in the REST API's words.
fn gong_message(err: GongError) -> String {
    ApiError::from(err).body.message
}

impl ServerHandler for CallbriefMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .build(),
        )
        .with_server_info(
            Implementation::new("callbrief", env!("CARGO_PKG_VERSION"))
                .with_title("callbrief: meeting prep from Salesforce and Gong"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::list()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::get(name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let Some(caller) = self.caller(&context) else {
            tracing::error!(tool = %name, "MCP tool call without an authenticated caller");
            return Ok(CallToolResult::error(vec![ContentBlock::text(
                "not signed in: the server did not authenticate this request",
            )])
            .into());
        };
        let result = self.run(&caller, &name, request.arguments).await?;
        tracing::info!(
            tool = %name,
            user_id = caller.user_id().unwrap_or("service"),
            is_error = result.is_error.unwrap_or(false),
            "MCP tool call"
        );
        Ok(result.into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let methodology = prompts::methodology(&request.name).ok_or_else(|| {
            ErrorData::invalid_params(
                format!(
                    "unknown prompt {:?}; prompts/list names the prompts",
                    request.name
                ),
                None,
            )
        })?;
        let account_name = request
            .arguments
            .as_ref()
            .and_then(|args| args.get(prompts::ACCOUNT_NAME))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                ErrorData::invalid_params(
                    format!("the prompt needs the argument {}", prompts::ACCOUNT_NAME),
                    None,
                )
            })?;
        Ok(prompts::render(methodology, account_name).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use service::Upstream;
    use std::time::Duration;

    #[test]
    fn call_ids_are_checked_and_deduplicated() {
        assert_eq!(
            call_ids(&[" 12 ".into(), "12".into(), "3".into()]).unwrap(),
            ["12", "3"]
        );
        assert!(call_ids(&[]).unwrap_err().contains("at least one"));
        assert!(call_ids(&["12a".into()]).unwrap_err().contains("\"12a\""));
        let many: Vec<String> = (0..51).map(|i| i.to_string()).collect();
        assert!(call_ids(&many).unwrap_err().contains("at most 50"));
    }

    #[test]
    fn service_errors_use_the_tool_argument_names() {
        let message = service_message(ServiceError::validation("id", "must be an account id"));
        assert_eq!(message, "account_id: must be an account id");
        let message = service_message(ServiceError::RateLimited {
            service: Upstream::Gong,
            retry_after: Some(Duration::from_secs(7)),
        });
        assert!(
            message.contains("Gong") && message.contains("7 seconds"),
            "{message}"
        );
    }

    #[test]
    fn a_structured_result_carries_text_and_structure() {
        let result = structured(&json!({"a": 1}), None).unwrap();
        assert_eq!(result.structured_content, Some(json!({"a": 1})));
        assert_eq!(result.is_error, Some(false));
        let text = result.content[0].as_text().unwrap().text.clone();
        assert_eq!(text, r#"{"a":1}"#);
        let result = structured(&json!({"a": 1}), Some("# A".into())).unwrap();
        assert_eq!(result.content[0].as_text().unwrap().text, "# A");
    }
}
