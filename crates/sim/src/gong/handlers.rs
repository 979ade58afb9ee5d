//! The six Gong endpoints. Each validates its input, selects from the org, paginates and
//! renders; failures are Gong-shaped [`ApiError`]s.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::query::{is_gong_id, paginate, Selection};
use super::render;
use super::wire::{
    request_id, CallReference, CallTranscripts, Calls, CallsResponse, EmailAddressReferences,
    ExtensiveRequest, Records, SpecificCall, TranscriptRequest, UsersMetadata,
};
use super::SimState;
use crate::org::{Call, UserRole};

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Malformed request body: {e}")))
}

/// The query string's parameters (first value wins).
fn params(raw: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The page of the selected calls that `cursor` asks for, for `endpoint`'s cursors. Gong
/// answers 404 when no call matches at all.
fn page_of_calls<'a>(
    state: &'a SimState,
    selection: &Selection,
    cursor: Option<&str>,
    endpoint: &str,
) -> Result<(Vec<Cow<'a, Call>>, Records), ApiError> {
    let calls = selection.select(&state.org);
    if calls.is_empty() {
        return Err(ApiError::no_calls());
    }
    paginate(
        calls,
        state.config.page_size,
        cursor,
        &selection.key(endpoint),
    )
}

/// Renders a page off the async workers. A page of a hundred generated hour-long calls takes
/// a noticeable slice of CPU; on the workers it would hold up other requests' arrival, which
/// is where Gong's rate limit is counted, and skew the limit the simulator enforces.
async fn rendered<T, F>(render: F) -> Result<Json<T>, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    match tokio::task::spawn_blocking(render).await {
        Ok(page) => page.map(Json),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page of calls failed");
            Err(ApiError::internal())
        }
    }
}

/// `POST /v2/calls/transcript`.
pub async fn transcript(
    State(state): State<Arc<SimState>>,
    body: Bytes,
) -> Result<Json<CallTranscripts>, ApiError> {
    let req: TranscriptRequest = parse(&body)?;
    let selection = Selection::from_filter(&req.filter)?;
    rendered(move || {
        let (page, records) =
            page_of_calls(&state, &selection, req.cursor.as_deref(), "transcript")?;
        Ok(CallTranscripts {
            request_id: request_id(),
            records,
            call_transcripts: page.iter().map(|c| render::transcript(c)).collect(),
        })
    })
    .await
}

/// `POST /v2/calls/extensive`.
pub async fn extensive(
    State(state): State<Arc<SimState>>,
    body: Bytes,
) -> Result<Json<Calls>, ApiError> {
    let req: ExtensiveRequest = parse(&body)?;
    let selection = Selection::from_filter(&req.filter)?;
    rendered(move || {
        let (page, records) =
            page_of_calls(&state, &selection, req.cursor.as_deref(), "extensive")?;
        let calls = page
            .iter()
            .map(|c| render::extensive(c, &state.org, &req.content_selector))
            .collect();
        Ok(Calls {
            request_id: request_id(),
            records,
            calls,
        })
    })
    .await
}

/// `GET /v2/calls?fromDateTime&toDateTime&workspaceId&cursor`.
pub async fn list_calls(
    State(state): State<Arc<SimState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<CallsResponse>, ApiError> {
    let p = params(raw);
    let selection = Selection::from_parts(
        param(&p, "fromDateTime"),
        param(&p, "toDateTime"),
        param(&p, "workspaceId").map(str::to_string),
        None,
        None,
    )?;
    let (page, records) = page_of_calls(&state, &selection, param(&p, "cursor"), "calls")?;
    Ok(Json(CallsResponse {
        request_id: request_id(),
        records,
        calls: page.iter().map(|c| render::basic(c, &state.org)).collect(),
    }))
}

/// `GET /v2/calls/{id}`.
pub async fn get_call(
    State(state): State<Arc<SimState>>,
    Path(id): Path<String>,
) -> Result<Json<SpecificCall>, ApiError> {
    if !is_gong_id(&id) {
        return Err(ApiError::bad_request(format!(
            "id: '{id}' is not a valid call id"
        )));
    }
    let call = match state.org.call(&id) {
        Some(call) => Cow::Borrowed(call),
        None => Cow::Owned(
            state
                .org
                .generated_call(&id)
                .ok_or_else(|| ApiError::not_found("Call ID was not found"))?,
        ),
    };
    Ok(Json(SpecificCall {
        request_id: request_id(),
        call: render::basic(&call, &state.org),
    }))
}

/// `GET /v2/data-privacy/data-for-email-address?emailAddress=`: the calls one of whose parties
/// has the address (any case), as Gong answers a privacy request. Calls the simulator makes up
/// on demand for unknown ids are not searched.
pub async fn data_for_email_address(
    State(state): State<Arc<SimState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<EmailAddressReferences>, ApiError> {
    let p = params(raw);
    let address = param(&p, "emailAddress").map(str::trim).unwrap_or("");
    if address.is_empty() || !address.contains('@') {
        return Err(ApiError::bad_request(
            "emailAddress: a valid email address is required",
        ));
    }
    let calls = state
        .org
        .calls_with_email(address)
        .map(|call| CallReference {
            id: call.gong_id.clone(),
            status: "COMPLETED",
            external_systems: Vec::new(),
        })
        .collect();
    Ok(Json(EmailAddressReferences {
        request_id: request_id(),
        emails: Vec::new(),
        calls,
        meetings: Vec::new(),
        customer_data: Vec::new(),
        customer_engagement: Vec::new(),
    }))
}

/// `GET /v2/users?cursor`: everyone with a Gong seat (not the integration user).
pub async fn list_users(
    State(state): State<Arc<SimState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<UsersMetadata>, ApiError> {
    let p = params(raw);
    let users: Vec<_> = state
        .org
        .users
        .iter()
        .filter(|u| u.role != UserRole::Integration)
        .collect();
    let (page, records) = paginate(users, state.config.page_size, param(&p, "cursor"), "users")?;
    Ok(Json(UsersMetadata {
        request_id: request_id(),
        records,
        users: page
            .into_iter()
            .map(|u| render::user(u, &state.org))
            .collect(),
    }))
}

/// Any other path.
pub async fn not_found() -> ApiError {
    ApiError::not_found("The requested resource was not found")
}
