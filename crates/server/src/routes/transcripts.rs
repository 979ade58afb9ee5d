//! `POST /callTranscripts` (and the original middleware's Azure route `POST /api/callTranscripts`): Gong call ids
//! in, clean transcripts out, in the original middleware's response shape plus `speakers`, `notFound`, `failed`
//! and `warnings`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use service::{Caller, Truncation};
use tower_http::request_id::RequestId;
use transcript::budget::Measure;
use transcript::CleanTranscript;
use utoipa::ToSchema;

use crate::assemble::{assemble, Assembled};
use crate::error::{ApiError, ErrorBody};
use crate::routes::params;
use crate::startup::AppState;
use crate::validate;

/// The request body: which calls to fetch.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptsRequest {
    /// Gong call ids (numeric strings, up to 20 digits), e.g. from the Salesforce field
    /// `Gong__Call_ID__c`. Duplicates are ignored; at most 50 distinct ids by default.
    #[schema(min_items = 1, max_items = 50)]
    pub call_ids: Vec<CallId>,
    /// Most characters in the response (default 100,000, ChatGPT's limit); transcripts that
    /// do not fit are cut fairly at turn boundaries and marked.
    #[schema(minimum = 2000)]
    pub max_chars: Option<usize>,
    /// To read on after a cut: character offset per call id, as a cut marker names it,
    /// e.g. `{"7782342274025937895": 12345}`.
    pub offsets: Option<std::collections::HashMap<String, usize>>,
}

/// A Gong call id: a numeric string of 1 to 20 digits.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(value_type = String, pattern = "^[0-9]{1,20}$", example = "7782342274025937895")]
pub struct CallId(pub String);

/// The 200 body: Gong-style `{requestId, records, callTranscripts}`, plus `notFound`, `failed`
/// and `warnings` so partial results are never silent.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptsResponse {
    /// Identifies this request in callbrief's logs (same as the `x-request-id` header).
    pub request_id: String,
    /// Counts of the transcripts returned, in Gong's `records` shape.
    pub records: RecordsInfo,
    /// One entry per call with a transcript, in the order the ids were asked for.
    pub call_transcripts: Vec<CleanTranscript>,
    /// Requested ids for which Gong has no transcript (unknown call, or not transcribed).
    pub not_found: Vec<String>,
    /// Requested ids that could not be fetched because Gong failed; retrying may help.
    pub failed: Vec<FailedCall>,
    /// Partial problems that did not stop the answer, e.g. call details that could not be fetched.
    pub warnings: Vec<String>,
    /// Requested ids that are not Gong calls the signed-in Salesforce user can see; they are
    /// not fetched (always empty with an API key).
    pub not_accessible: Vec<String>,
    /// How the transcripts were fitted into the response's size budget, and where to read on.
    pub truncation: Truncation,
}

/// Gong-style record counts (pages are merged, so this is always page 0 of 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordsInfo {
    /// Number of transcripts in `callTranscripts`.
    pub total_records: i64,
    /// Same as `totalRecords`: everything is returned in one page.
    pub current_page_size: i64,
    /// Always 0.
    pub current_page_number: i64,
}

/// A requested call that Gong failed to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedCall {
    /// The Gong call id.
    pub call_id: String,
    /// What failed, e.g. `Gong answered 500: ...`.
    pub reason: String,
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
        (status = 400, description = "Invalid body; the message names the field.", body = ErrorBody),
        (status = 401, description = "Missing or invalid credentials.", body = ErrorBody),
        (status = 413, description = "Body too large.", body = ErrorBody),
        (status = 415, description = "Content-Type is not application/json.", body = ErrorBody),
        (status = 502, description = "Gong failed or answered something unreadable.", body = ErrorBody),
        (status = 503, description = "Gong rate limit reached; see Retry-After.", body = ErrorBody),
        (status = 504, description = "Gong did not answer in time.", body = ErrorBody),
    ),
    extensions(("x-openai-isConsequential" = json!(false))),
)]
pub async fn call_transcripts(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TranscriptsResponse>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !validate::is_json_content_type(content_type) {
        return Err(ApiError::unsupported_media_type());
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(state.max_body_bytes)
        } else {
            ApiError::bad_request("invalid_body", "the request body could not be read")
        }
    })?;
    let requested = validate::call_ids(&body, state.max_call_ids)?;
    let (max_chars, offsets) = params::transcript_budget(&body, state.max_response_chars)?;
    // A Salesforce user gets only calls Salesforce shows them; the rest never reach Gong.
    let access = state
        .service
        .accessible_call_ids(&caller, &requested)
        .await?;
    let call_ids = access.accessible;

    let data = state.gong.calls_with_transcripts(&call_ids).await;
    let Assembled {
        call_transcripts,
        not_found,
        failed,
        warnings,
    } = match data.and_then(|data| assemble(&call_ids, data)) {
        Ok(assembled) => assembled,
        Err(err) => {
            tracing::warn!(requested = call_ids.len(), error = %err, "Gong fetch failed");
            return Err(ApiError::from(err));
        }
    };
    tracing::info!(
        requested = requested.len(),
        not_accessible = access.not_accessible.len(),
        returned = call_transcripts.len(),
        not_found = not_found.len(),
        failed = failed.len(),
        warnings = warnings.len(),
        "served call transcripts"
    );

    let count = i64::try_from(call_transcripts.len()).unwrap_or(i64::MAX);
    let request_id = request_id
        .and_then(|Extension(id)| id.header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let not_accessible = access.not_accessible;
    let response = service::budget::fit_response(
        call_transcripts,
        &offsets,
        max_chars,
        Measure::JsonString,
        |call_transcripts, truncation| TranscriptsResponse {
            request_id: request_id.clone(),
            records: RecordsInfo {
                total_records: count,
                current_page_size: count,
                current_page_number: 0,
            },
            call_transcripts,
            not_found: not_found.clone(),
            failed: failed.clone(),
            warnings: warnings.clone(),
            not_accessible: not_accessible.clone(),
            truncation,
        },
        |r| serde_json::to_string(r).unwrap_or_default(),
    )?;
    Ok(Json(response))
}
