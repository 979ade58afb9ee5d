//! [`GongClient`]: auth, pagination, batching, rate limit, retries and one deadline per operation.

use crate::{wire, GongConfig, GongError};

/// What `calls_with_transcripts` gathered. A failure of one part never loses the others:
/// transcripts fetched are returned even when metadata failed, and vice versa.
#[derive(Debug, Default)]
pub struct CallData {
    /// Transcripts Gong returned (all pages, all batches that succeeded), in Gong's order.
    pub transcripts: Vec<wire::CallTranscript>,
    /// Metadata and parties of the calls (all pages, all batches that succeeded).
    pub calls: Vec<wire::ExtensiveCall>,
    /// Set when some or all transcript requests failed; ids of failed batches are in `failed_call_ids`.
    pub transcript_error: Option<GongError>,
    /// Set when some or all metadata requests failed.
    pub metadata_error: Option<GongError>,
    /// Call ids whose transcript batch failed.
    pub failed_call_ids: Vec<String>,
}

/// Cheap to clone (shares one connection pool and one rate limiter per process).
#[derive(Clone)]
pub struct GongClient {
    _config: GongConfig,
}

impl GongClient {
    /// Builds the client and its process-wide limiter.
    pub fn new(config: GongConfig) -> Result<Self, GongError> {
        Ok(Self { _config: config })
    }

    /// Transcripts and call metadata (with parties) for `call_ids`, both requested concurrently,
    /// every page and batch, inside the configured deadline. Gong's "No calls found" 404 is empty.
    /// Returns `Err` only when nothing at all could be fetched.
    pub async fn calls_with_transcripts(&self, call_ids: &[String]) -> Result<CallData, GongError> {
        todo!("{call_ids:?}")
    }

    /// Transcripts only (all pages and batches).
    pub async fn transcripts(&self, call_ids: &[String]) -> Result<Vec<wire::CallTranscript>, GongError> {
        todo!("{call_ids:?}")
    }

    /// `/v2/calls/extensive` for `call_ids` with the given selector (all pages and batches).
    pub async fn extensive(
        &self,
        call_ids: &[String],
        selector: &wire::ContentSelector,
    ) -> Result<Vec<wire::ExtensiveCall>, GongError> {
        todo!("{call_ids:?} {selector:?}")
    }

    /// `GET /v2/calls` between two ISO-8601 instants (all pages).
    pub async fn list_calls(
        &self,
        from_date_time: &str,
        to_date_time: Option<&str>,
    ) -> Result<Vec<wire::CallMetaData>, GongError> {
        todo!("{from_date_time} {to_date_time:?}")
    }

    /// `GET /v2/users` (all pages).
    pub async fn users(&self) -> Result<Vec<wire::User>, GongError> {
        todo!()
    }
}
