//! `POST /callTranscripts` (and the original middleware's Azure route `POST /api/callTranscripts`): Gong call ids
//! in, clean transcripts out, in the original middleware's response shape plus `speakers`, `notFound`, `failed`
//! and `warnings`.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::routing::post;
use axum::Router;
use axum::{Extension, Json};
use serde::Serialize;
use service::dto::TranscriptsResponse;
use service::{CallId, Caller, TranscriptsRequest as ServiceRequest};
use tower_http::request_id::RequestId;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorResponses};
use crate::routes::params;
use crate::state::AppState;
use crate::validate;

// The document's description of the body (its doc comment is the schema's description). The
// handler reads the body once as a JSON object (`validate::json_object`) and each field from
// it, so every rejection names its field (`callIds[2]`).
/// The request body: which calls to fetch.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptsRequest {
    /// Gong call ids (numeric strings, up to 20 digits), e.g. from the Salesforce field
    /// `Gong__Call_ID__c`. Duplicates are ignored but count toward the limit (50 by default).
    #[schema(min_items = 1, max_items = 50)]
    pub call_ids: Vec<CallId>,
    /// Most characters in the response (default and ceiling: the server's limit, 100,000 by
    /// default, ChatGPT's); transcripts that do not fit are cut fairly at turn boundaries and
    /// marked.
    #[schema(minimum = 2000)]
    pub max_chars: Option<usize>,
    /// To read on after a cut: character offset per call id, as a cut marker names it,
    /// e.g. `{"7782342274025937895": 12345}`; at most 100 entries.
    pub offsets: Option<std::collections::HashMap<String, usize>>,
    /// `true` marks each turn with its time in the call (`[12:34] Speaker: text`), for citing.
    /// Default `false`: the original format.
    pub timestamps: Option<bool>,
}

/// Summary of the operation, ≤ 300 characters (a GPT Actions rule); checked in tests.
pub const SUMMARY: &str = "Get Gong call transcripts by call IDs";
/// Description of the operation, ≤ 300 characters (a GPT Actions rule); checked in tests.
pub const DESCRIPTION: &str = "Returns title, start, duration, Gong URL, attendees and the full \
transcript (one 'Speaker: text' paragraph per turn) for up to 50 Gong call IDs, e.g. the newest \
calls of a Salesforce account. Unknown IDs are listed in notFound; IDs Gong failed on in failed.";

/// Fetches transcripts and call details from Gong for the given call ids.
#[utoipa::path(
    post,
    path = "/callTranscripts",
    operation_id = "getTranscriptsByCallIds",
    summary = SUMMARY,
    description = DESCRIPTION,
    tag = "transcripts",
    request_body(
        content = TranscriptsRequest,
        content_type = "application/json",
        description = "The Gong call ids to fetch.",
    ),
    responses(
        (status = 200, description = "Transcripts of the calls found.", body = TranscriptsResponse),
        ErrorResponses,
    ),
    extensions(("x-openai-isConsequential" = json!(false))),
)]
pub async fn call_transcripts(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<([(HeaderName, HeaderValue); 1], Json<TranscriptsResponse>), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !validate::is_json_content_type(content_type) {
        return Err(ApiError::unsupported_media_type());
    }
    let body =
        body.map_err(|rejection| ApiError::unreadable_body(&rejection, state.max_body_bytes))?;
    let body = validate::json_object(&body)?;
    let call_ids = validate::call_ids(&body, state.max_call_ids)?;
    let (max_chars, offsets) = params::transcript_budget(&body, state.max_response_chars)?;
    let request_id = request_id
        .and_then(|Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // The legacy envelope (`requestId`, `records`) counts against the budget too.
    let envelope = TranscriptsResponse::envelope_chars(&request_id, call_ids.len());
    let request = ServiceRequest {
        call_ids,
        max_chars: max_chars.reserve(envelope),
        offsets,
        timestamps: params::timestamps(&body)?,
    };
    let distinct: HashSet<&str> = request.call_ids.iter().map(CallId::as_str).collect();
    let answer = state.service.transcripts(&caller, &request).await?;
    let fetched = distinct.len().saturating_sub(answer.not_accessible.len());
    let cache = cache_header(answer.cached_call_ids.len(), fetched);
    Ok((
        [(HeaderName::from_static(CACHE_HEADER), cache)],
        Json(TranscriptsResponse::new(request_id, answer)),
    ))
}

/// Response header saying how much of a transcripts answer came from the cache of Gong's
/// answers, so a client or an operator sees at a glance whether Gong was asked.
pub const CACHE_HEADER: &str = "x-callbrief-cache";

/// `hit` when every call the caller may read came from the cache, `miss` when none did (or
/// there was none to fetch), `partial` otherwise.
fn cache_header(cached: usize, fetched: usize) -> HeaderValue {
    HeaderValue::from_static(match cached {
        0 => "miss",
        n if n >= fetched => "hit",
        _ => "partial",
    })
}

/// `POST /callTranscripts`, also at `/api/callTranscripts` (the original design's path).
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/callTranscripts", post(call_transcripts))
        .route("/api/callTranscripts", post(call_transcripts))
}
