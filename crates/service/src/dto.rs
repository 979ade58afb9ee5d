//! The answers every front door sends, written once: REST renders them as JSON bodies (their
//! schemas go into the OpenAPI document), MCP as tool results (the same schemas become tool
//! output schemas), and the demo reads them back with `Deserialize`.
//!
//! The records inside them (accounts, calls, briefings) live in [`crate::model`]; this module
//! holds the envelopes of each use case.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A transcript as every answer carries it (defined with the cleaning rules in `transcript`).
pub use transcript::{CleanTranscript, Speaker};

use crate::ids::{AccountId, CallId};
use crate::model::{AccountHit, CallRow, Truncation};

/// Accounts found by name (`GET /accounts/search`, MCP `search_accounts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountsResponse {
    /// Matching accounts the caller can see (at most 10); confirm the right one with the person.
    pub accounts: Vec<AccountHit>,
}

/// An account's newest calls (`GET /accounts/{id}/calls`, MCP `list_account_calls`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountCallsResponse {
    /// The account the calls belong to.
    pub account_id: AccountId,
    /// The newest calls, newest first.
    pub calls: Vec<CallRow>,
}

/// Transcripts of chosen calls (MCP `get_call_transcripts`; REST wraps it in
/// [`TranscriptsResponse`]). Partial results are never silent: every requested id is in
/// `callTranscripts`, `notFound`, `failed` or `notAccessible`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptsAnswer {
    /// One entry per call with a transcript, in the order the ids were asked for (possibly
    /// cut; see `truncation`).
    pub call_transcripts: Vec<CleanTranscript>,
    /// Requested ids for which Gong has no transcript (unknown call, or not transcribed).
    pub not_found: Vec<CallId>,
    /// Requested ids that could not be fetched because Gong failed; retrying may help.
    pub failed: Vec<FailedCall>,
    /// Partial problems that did not stop the answer, e.g. call details that could not be fetched.
    pub warnings: Vec<String>,
    /// Requested ids that are not Gong calls the signed-in Salesforce user can see; they are
    /// not fetched (always empty with an API key).
    pub not_accessible: Vec<CallId>,
    /// Requested ids answered from callbrief's cache of Gong's answers instead of asking Gong
    /// again (a finished call's transcript does not change).
    #[serde(default)]
    pub cached_call_ids: Vec<CallId>,
    /// How the transcripts were fitted into the response's size budget, and where to read on.
    pub truncation: Truncation,
}

/// A requested call that Gong failed to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedCall {
    /// The Gong call id.
    pub call_id: CallId,
    /// What failed, e.g. `Gong answered 500: ...`.
    pub reason: String,
}

/// The `POST /callTranscripts` 200 body: Gong-style `{requestId, records, callTranscripts}`
/// (the original `getTranscriptsByCallIds` shape), then the rest of [`TranscriptsAnswer`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptsResponse {
    /// Identifies this request in callbrief's logs (same as the `x-request-id` header).
    pub request_id: String,
    /// Counts of the transcripts returned, in Gong's `records` shape.
    pub records: RecordsInfo,
    /// One entry per call with a transcript, in the order the ids were asked for.
    pub call_transcripts: Vec<CleanTranscript>,
    /// Requested ids for which Gong has no transcript (unknown call, or not transcribed).
    pub not_found: Vec<CallId>,
    /// Requested ids that could not be fetched because Gong failed; retrying may help.
    pub failed: Vec<FailedCall>,
    /// Partial problems that did not stop the answer, e.g. call details that could not be fetched.
    pub warnings: Vec<String>,
    /// Requested ids that are not Gong calls the signed-in Salesforce user can see; they are
    /// not fetched (always empty with an API key).
    pub not_accessible: Vec<CallId>,
    /// Requested ids answered from callbrief's cache of Gong's answers instead of asking Gong
    /// again (a finished call's transcript does not change).
    #[serde(default)]
    pub cached_call_ids: Vec<CallId>,
    /// How the transcripts were fitted into the response's size budget, and where to read on.
    pub truncation: Truncation,
}

impl TranscriptsResponse {
    /// The answer in the legacy envelope.
    pub fn new(request_id: String, answer: TranscriptsAnswer) -> Self {
        let count = i64::try_from(answer.call_transcripts.len()).unwrap_or(i64::MAX);
        Self {
            request_id,
            records: RecordsInfo::single_page(count),
            call_transcripts: answer.call_transcripts,
            not_found: answer.not_found,
            failed: answer.failed,
            warnings: answer.warnings,
            not_accessible: answer.not_accessible,
            cached_call_ids: answer.cached_call_ids,
            truncation: answer.truncation,
        }
    }

    /// Characters the envelope adds to a [`TranscriptsAnswer`] of at most `max_records`
    /// transcripts, as compact JSON: what the service must keep free of the budget so the
    /// whole body fits.
    pub fn envelope_chars(request_id: &str, max_records: usize) -> usize {
        let empty = TranscriptsAnswer {
            call_transcripts: Vec::new(),
            not_found: Vec::new(),
            failed: Vec::new(),
            warnings: Vec::new(),
            not_accessible: Vec::new(),
            cached_call_ids: Vec::new(),
            truncation: Truncation {
                max_chars: 0,
                truncated: false,
                calls: Vec::new(),
            },
        };
        let mut wrapped = Self::new(request_id.to_owned(), empty.clone());
        let most = i64::try_from(max_records).unwrap_or(i64::MAX);
        wrapped.records = RecordsInfo::single_page(most);
        let len = |text: Result<String, serde_json::Error>| {
            text.map(|t| t.chars().count()).unwrap_or_default()
        };
        len(serde_json::to_string(&wrapped)).saturating_sub(len(serde_json::to_string(&empty)))
    }
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

impl RecordsInfo {
    /// `count` records, all in page 0.
    pub fn single_page(count: i64) -> Self {
        Self {
            total_records: count,
            current_page_size: count,
            current_page_number: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_what_the_legacy_body_adds() {
        let answer = TranscriptsAnswer {
            call_transcripts: Vec::new(),
            not_found: vec![CallId::parse("id", "12").unwrap()],
            failed: Vec::new(),
            warnings: vec!["w".into()],
            not_accessible: Vec::new(),
            cached_call_ids: Vec::new(),
            truncation: Truncation {
                max_chars: 100_000,
                truncated: false,
                calls: Vec::new(),
            },
        };
        let plain = serde_json::to_string(&answer).unwrap().len();
        let wrapped = serde_json::to_string(&TranscriptsResponse::new("abc".into(), answer))
            .unwrap()
            .len();
        let envelope = TranscriptsResponse::envelope_chars("abc", 9);
        assert_eq!(plain + envelope, wrapped);
        assert!(TranscriptsResponse::envelope_chars("abc", 10) > envelope);
    }

    #[test]
    fn bodies_read_back_into_the_same_types() {
        let body = r#"{"requestId":"r","records":{"totalRecords":0,"currentPageSize":0,"currentPageNumber":0},"callTranscripts":[],"notFound":["1"],"failed":[{"callId":"2","reason":"x"}],"warnings":[],"notAccessible":[],"cachedCallIds":["1"],"truncation":{"maxChars":2000,"truncated":false,"calls":[]}}"#;
        let parsed: TranscriptsResponse = serde_json::from_str(body).unwrap();
        assert_eq!(parsed.failed[0].call_id.as_str(), "2");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), body);
    }
}
