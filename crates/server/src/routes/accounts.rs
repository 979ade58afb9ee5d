//! The one-action flow: `GET /accounts/search` (find the account), `GET /accounts/{id}/calls`
//! (its newest Gong calls) and `GET /accounts/{id}/briefing` (everything for the meeting in
//! one call). Each acts for the request's [`Caller`], so Salesforce decides what it sees.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use axum::{Extension, Json};
use service::dto::{AccountCallsResponse, AccountsResponse};
use service::{
    AccountId, Briefing, BriefingRequest, Caller, MeetingChoice, Methodology, Rendering,
    TranscriptMode, DEFAULT_BRIEFING_CALLS, DEFAULT_CALL_LIST,
};

use crate::error::{ApiError, ErrorResponses};
use crate::routes::params::{max_chars_within, number, offsets_from_query, query_map};
use crate::state::AppState;

/// The REST name of the account id path parameter.
const ID_FIELD: &str = "id";

/// Summary of `searchAccounts` (≤ 300 characters).
pub const SEARCH_SUMMARY: &str = "Find Salesforce accounts by name";
/// Description of `searchAccounts` (≤ 300 characters).
pub const SEARCH_DESCRIPTION: &str = "Searches the Salesforce accounts the user can see by name \
(at least 2 letters; the last word may be partial). Show the results as 'Name - id' and ask the \
user to confirm one before getting its briefing.";
/// Summary of `listAccountCalls` (≤ 300 characters).
pub const CALLS_SUMMARY: &str = "List an account's newest Gong calls";
/// Description of `listAccountCalls` (≤ 300 characters).
pub const CALLS_DESCRIPTION: &str = "Lists the newest recorded Gong calls of a Salesforce account \
(title, start, duration, Gong link, Gong call id), newest first. Not needed before a briefing, \
which includes the calls.";
/// Summary of `getAccountBriefing` (≤ 300 characters).
pub const BRIEFING_SUMMARY: &str = "Get a meeting-prep briefing for an account";
/// Description of `getAccountBriefing` (≤ 300 characters).
pub const BRIEFING_DESCRIPTION: &str = "One call for everything: the next meeting and who is \
coming, what changed since the last call, account, deals, stakeholders, the newest calls with \
Gong's brief, key points and trackers, timed transcripts and write-up instructions (MEDPICC or \
SPICED).";

/// Finds accounts by name, as the caller sees them in Salesforce.
#[utoipa::path(
    get,
    path = "/accounts/search",
    operation_id = "searchAccounts",
    summary = SEARCH_SUMMARY,
    description = SEARCH_DESCRIPTION,
    tag = "accounts",
    params(
        ("name" = String, Query, description = "Part of the account name, at least 2 letters or digits, e.g. `Acme`.", min_length = 2, max_length = 100),
    ),
    responses(
        (status = 200, description = "Matching accounts (may be empty).", body = AccountsResponse),
        ErrorResponses,
    ),
    extensions(("x-openai-isConsequential" = json!(false))),
)]
pub async fn search_accounts(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Json<AccountsResponse>, ApiError> {
    let query = query_map(query.as_deref());
    let name = query.get("name").map(String::as_str).unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            "name: required, e.g. /accounts/search?name=Acme",
        ));
    }
    let accounts = state.service.search_accounts(&caller, name).await?;
    Ok(Json(AccountsResponse { accounts }))
}

/// Lists an account's newest Gong calls.
#[utoipa::path(
    get,
    path = "/accounts/{id}/calls",
    operation_id = "listAccountCalls",
    summary = CALLS_SUMMARY,
    description = CALLS_DESCRIPTION,
    tag = "accounts",
    params(
        ("id" = String, Path, description = "Salesforce account id (15 or 18 letters and digits, starts with 001) from searchAccounts.", min_length = 15, max_length = 18),
        ("limit" = Option<u32>, Query, description = "How many calls, 1 to 100; default 10.", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "The account's newest calls.", body = AccountCallsResponse),
        ErrorResponses,
    ),
    extensions(("x-openai-isConsequential" = json!(false))),
)]
pub async fn list_account_calls(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<AccountCallsResponse>, ApiError> {
    let query = query_map(query.as_deref());
    let account_id = AccountId::parse(ID_FIELD, &id)?;
    let limit = number(&query, "limit", DEFAULT_CALL_LIST)?;
    let calls = state
        .service
        .account_calls(&caller, &account_id, limit)
        .await?;
    Ok(Json(AccountCallsResponse { account_id, calls }))
}

/// The briefing pack for one account.
#[utoipa::path(
    get,
    path = "/accounts/{id}/briefing",
    operation_id = "getAccountBriefing",
    summary = BRIEFING_SUMMARY,
    description = BRIEFING_DESCRIPTION,
    tag = "accounts",
    params(
        ("id" = String, Path, description = "Salesforce account id (15 or 18 letters and digits, starts with 001) from searchAccounts.", min_length = 15, max_length = 18),
        ("calls" = Option<u32>, Query, description = "How many of the newest calls to include, 1 to 20; default 3.", minimum = 1, maximum = 20),
        ("methodology" = inline(Option<Methodology>), Query, description = "How to write the briefing up: medpicc (default) or spiced."),
        ("maxChars" = Option<u32>, Query, description = "Most characters in the response; default and ceiling 100000 (ChatGPT's limit). Transcripts are cut fairly to fit.", minimum = 2000),
        ("offsets" = Option<String>, Query, description = "To read on after a cut: the offsets object a cut marker names, e.g. {\"7782342274025937895\": 12345}, or 7782342274025937895:12345. Each call's transcript starts there."),
        ("transcripts" = inline(Option<TranscriptMode>), Query, description = "fit (default): when transcripts do not fit, keep the turns around Gong's trackers and highlights and the customer's turns, each gap marked with its times and offset. full: in order, cut at the end. none: no transcripts, Gong's intelligence only."),
        ("meeting" = Option<String>, Query, description = "Which meeting to prepare for: next (default: the account's next Salesforce event), none (no meeting section), or a Salesforce event id (00U...) on this account. An event you cannot see answers 404.", max_length = 18),
    ),
    responses(
        (status = 200, description = "The briefing pack.", body = Briefing),
        ErrorResponses,
    ),
    extensions(("x-openai-isConsequential" = json!(false))),
)]
pub async fn account_briefing(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Briefing>, ApiError> {
    let account_id = AccountId::parse(ID_FIELD, &id)?;
    let query = query_map(query.as_deref());
    let methodology = match query.get("methodology").map(|m| m.trim()) {
        None | Some("") => Methodology::default(),
        Some(m) => m
            .parse()
            .map_err(|e: service::methodology::UnknownMethodology| {
                ApiError::bad_request("invalid_parameter", format!("methodology: {e}"))
            })?,
    };
    let request = BriefingRequest {
        account_id,
        calls: number(&query, "calls", DEFAULT_BRIEFING_CALLS)?,
        methodology,
        max_chars: max_chars_within(
            optional_number(&query, "maxChars")?,
            state.max_response_chars,
        )?,
        offsets: offsets_from_query(query.get("offsets").map(String::as_str))?,
        rendering: Rendering::Json,
        transcripts: match query.get("transcripts").map(|m| m.trim()) {
            None | Some("") => TranscriptMode::default(),
            Some(m) => m
                .parse()
                .map_err(|e: service::model::UnknownTranscriptMode| {
                    ApiError::bad_request("invalid_parameter", format!("transcripts: {e}"))
                })?,
        },
        meeting: MeetingChoice::parse(
            "meeting",
            query.get("meeting").map(String::as_str).unwrap_or_default(),
        )?,
    };
    let briefing = state.service.briefing(&caller, &request).await?;
    tracing::info!(
        calls = briefing.calls.len(),
        truncated = briefing.truncation.truncated,
        "served a briefing"
    );
    Ok(Json(briefing))
}

/// A whole number parameter, `None` when absent or empty.
fn optional_number(
    query: &std::collections::HashMap<String, String>,
    name: &str,
) -> Result<Option<usize>, ApiError> {
    match query.get(name).map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(_) => number(query, name, 0).map(Some),
    }
}

/// The account routes: search, an account's calls, its briefing.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/accounts/search", get(search_accounts))
        .route("/accounts/{id}/calls", get(list_account_calls))
        .route("/accounts/{id}/briefing", get(account_briefing))
}
