//! [`CallbriefMcp`]: the MCP server handler. Lists the tools and prompts and runs each tool call
//! for the caller the transport authenticated.
//!
//! Every failure a model can act on (a wrong argument, an id that is not visible, an upstream
//! outage) comes back as a tool result with `isError: true` and a sentence saying what to do,
//! never as a JSON-RPC error: clients show tool results to the model but often hide protocol
//! errors. Only requests for a tool or prompt that does not exist are protocol errors.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, Implementation, ListPromptsResult, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::Serialize;
use serde_json::{json, Map, Value};
use service::dto::{AccountCallsResponse, AccountsResponse};
use service::ids::{parse_call_ids, parse_offsets};
use service::GongError;
use service::{
    render_markdown, AccountId, BriefingRequest, Caller, MaxChars, MeetingChoice, MeetingsRequest,
    Methodology, Rendering, Service, ServiceError, TranscriptsRequest, UserRef,
    DEFAULT_BRIEFING_CALLS, DEFAULT_CALL_LIST, DEFAULT_MEETING_HOURS,
};

use super::params::{
    self, FetchArgs, GetAccountBriefingArgs, GetCallTranscriptsArgs, ListAccountCallsArgs,
    ListMyMeetingsArgs, SearchAccountsArgs, SearchArgs,
};
use super::prompts;
use super::tools;
use super::McpConfig;

/// How a server introduces itself to the model (`instructions` of `initialize`).
const INSTRUCTIONS: &str = "callbrief prepares sales reps for customer meetings from Salesforce and \
Gong, with the signed-in person's own Salesforce permissions. To prepare a meeting: search_accounts \
by name, confirm the account with the person when several match, then get_account_briefing (one call: \
the next meeting and who is coming, what changed since the last call, account, open opportunities, \
contacts, recent calls with transcripts, and how to write it up); open the briefing with the meeting. \
For \"prepare me for today\", list_my_meetings first, then a briefing per meeting. \
list_account_calls and get_call_transcripts give finer control. Cite the call title and date for \
every insight.";

/// The MCP names of the arguments the service's messages refer to.
const ACCOUNT_ID_FIELD: &str = "account_id";
const CALL_IDS_FIELD: &str = "call_ids";
const MAX_CHARS_FIELD: &str = "max_chars";
const OFFSETS_FIELD: &str = "offsets";

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
    fn budget(&self, requested: Option<usize>) -> Result<MaxChars, String> {
        MaxChars::parse(MAX_CHARS_FIELD, requested, self.inner.config.max_chars)
            .map_err(service_message)
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
            tools::LIST_MY_MEETINGS => dispatch!(list_my_meetings),
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
        structured(&AccountsResponse { accounts }, None)
    }

    async fn list_account_calls(&self, caller: &Caller, args: ListAccountCallsArgs) -> ToolResult {
        let account_id =
            AccountId::parse(ACCOUNT_ID_FIELD, &args.account_id).map_err(service_message)?;
        let calls = self
            .service()
            .account_calls(caller, &account_id, args.limit.unwrap_or(DEFAULT_CALL_LIST))
            .await
            .map_err(service_message)?;
        structured(&AccountCallsResponse { account_id, calls }, None)
    }

    async fn list_my_meetings(&self, caller: &Caller, args: ListMyMeetingsArgs) -> ToolResult {
        let user = match args.user.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(user) => Some(UserRef::parse("user", user).map_err(service_message)?),
        };
        let request = MeetingsRequest {
            hours: args.hours.unwrap_or(DEFAULT_MEETING_HOURS),
            user,
        };
        let meetings = self
            .service()
            .my_meetings(caller, &request)
            .await
            .map_err(service_message)?;
        structured(&meetings, None)
    }

    async fn get_call_transcripts(
        &self,
        caller: &Caller,
        args: GetCallTranscriptsArgs,
    ) -> ToolResult {
        let request = TranscriptsRequest {
            call_ids: parse_call_ids(
                CALL_IDS_FIELD,
                &args.call_ids,
                self.inner.config.max_call_ids,
            )
            .map_err(service_message)?,
            max_chars: self.budget(args.max_chars)?,
            offsets: offsets(args.offsets)?,
            timestamps: args.timestamps.unwrap_or(false),
        };
        let answer = self
            .service()
            .transcripts(caller, &request)
            .await
            .map_err(service_message)?;
        if answer.not_accessible.len() == request.call_ids.len() {
            let ids: Vec<&str> = answer.not_accessible.iter().map(|id| id.as_str()).collect();
            return Err(format!(
                "none of the call ids {ids:?} is a Gong call you can see in Salesforce; \
                 list_account_calls gives the ids of an account's calls"
            ));
        }
        structured(&answer, None)
    }

    async fn get_account_briefing(
        &self,
        caller: &Caller,
        args: GetAccountBriefingArgs,
    ) -> ToolResult {
        let request = BriefingRequest {
            account_id: AccountId::parse(ACCOUNT_ID_FIELD, &args.account_id)
                .map_err(service_message)?,
            calls: args.calls.unwrap_or(DEFAULT_BRIEFING_CALLS),
            methodology: args.methodology.map(Methodology::from).unwrap_or_default(),
            max_chars: self.budget(args.max_chars)?,
            offsets: offsets(args.offsets)?,
            // The text item, which every client shows the model, is what the budget holds.
            rendering: Rendering::Markdown,
            transcripts: args.transcripts.map(Into::into).unwrap_or_default(),
            meeting: MeetingChoice::parse("meeting", args.meeting.as_deref().unwrap_or_default())
                .map_err(service_message)?,
        };
        let briefing = self
            .service()
            .briefing(caller, &request)
            .await
            .map_err(service_message)?;
        structured(&briefing, Some(render_markdown(&briefing)))
    }

    async fn search(&self, caller: &Caller, args: SearchArgs) -> ToolResult {
        let results = self
            .service()
            .search_records(caller, &args.query, self.inner.config.record_base_url())
            .await
            .map_err(service_message)?;
        text_only(&json!({ "results": results }))
    }

    async fn fetch(&self, caller: &Caller, args: FetchArgs) -> ToolResult {
        let document = self
            .service()
            .fetch_record(
                caller,
                &args.id,
                self.budget(None)?,
                self.inner.config.record_base_url(),
            )
            .await
            .map_err(service_message)?;
        text_only(&document)
    }
}

/// A tool's `offsets`, held to the same rules as REST's.
fn offsets(
    raw: Option<std::collections::BTreeMap<String, usize>>,
) -> Result<std::collections::HashMap<String, usize>, String> {
    let raw = raw.unwrap_or_default();
    parse_offsets(
        OFFSETS_FIELD,
        raw.iter().map(|(id, offset)| (id, Some(*offset))),
    )
    .map_err(service_message)
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
        ServiceError::Validation { field, message } | ServiceError::TooMany { field, message } => {
            format!("{field}: {message}")
        }
        ServiceError::RateLimited {
            service,
            retry_after,
        } => rate_limited(&service.to_string(), retry_after),
        ServiceError::Gong(GongError::RateLimited { retry_after }) => {
            rate_limited("Gong", retry_after)
        }
        ServiceError::DeadlineExceeded { service, .. } => deadline_passed(&service.to_string()),
        ServiceError::Gong(GongError::DeadlineExceeded(_)) => deadline_passed("Gong"),
        ServiceError::NotConfigured { message } => {
            format!("callbrief is not set up for this: {message}")
        }
        other => other.to_string(),
    }
}

fn rate_limited(service: &str, retry_after: Option<std::time::Duration>) -> String {
    match retry_after {
        Some(wait) => format!(
            "{service} rate limit or API quota reached; try again in {} seconds",
            wait.as_secs().max(1)
        ),
        None => format!("{service} rate limit or API quota reached; try again in a minute"),
    }
}

fn deadline_passed(service: &str) -> String {
    format!("{service} did not answer in time; try again, or ask for fewer calls")
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
    fn service_errors_name_the_tool_arguments() {
        let message = service_message(AccountId::parse(ACCOUNT_ID_FIELD, "x").unwrap_err());
        assert!(message.starts_with("account_id: "), "{message}");
        let message = service_message(parse_call_ids(CALL_IDS_FIELD, &["1", "x"], 5).unwrap_err());
        assert!(message.starts_with("call_ids[1]: "), "{message}");
        let message =
            service_message(MaxChars::parse(MAX_CHARS_FIELD, Some(10), 5_000).unwrap_err());
        assert!(message.starts_with("max_chars: "), "{message}");
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
