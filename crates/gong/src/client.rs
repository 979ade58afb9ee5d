//! [`GongClient`]: auth, pagination, batching, rate limit, retries and one deadline per operation.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::http::{Call, Transport};
use crate::limiter::Limiter;
use crate::paging::{self, Page};
use crate::{auth, batch, config, wire, GongConfig, GongError};

/// Longest time to wait for a TCP/TLS connection, however long an attempt may take.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `User-Agent` of every request, so Gong's logs can tell callbrief's traffic apart.
const USER_AGENT: &str = concat!("callbrief/", env!("CARGO_PKG_VERSION"));

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
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    deadline: Duration,
    batch_size: usize,
}

impl std::fmt::Debug for GongClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credentials stay out of debug output.
        f.debug_struct("GongClient")
            .field("base_url", &self.inner.transport.base_url.as_str())
            .field("deadline", &self.inner.deadline)
            .field("batch_size", &self.inner.batch_size)
            .finish_non_exhaustive()
    }
}

/// One batch's ids and what fetching them came to.
type BatchResult<'a, T> = (&'a [String], Result<Vec<T>, GongError>);

impl GongClient {
    /// Builds the client and its process-wide limiter.
    pub fn new(config: GongConfig) -> Result<Self, GongError> {
        // The field is public, so it may not have gone through `parse_base_url`.
        let base_url = config::parse_base_url(config.base_url.as_str())?;
        let auth = auth::header_value(&config.auth)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.attempt_timeout.min(MAX_CONNECT_TIMEOUT))
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .build()
            .map_err(|e| GongError::Config(format!("cannot build the HTTP client: {e}")))?;
        let transport = Transport {
            http,
            base_url,
            auth,
            limiter: Limiter::new(config.requests_per_second),
            attempt_timeout: config.attempt_timeout,
            max_retries: config.max_retries,
            initial_backoff: config.initial_backoff,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                deadline: config.deadline,
                batch_size: config.batch_size.max(1),
            }),
        })
    }

    /// Transcripts and call metadata (with parties) for `call_ids`, both requested concurrently,
    /// every page and batch, inside the configured deadline. Gong's "No calls found" 404 is empty.
    /// Duplicate and blank ids are dropped before sending; no ids means no request.
    /// Returns `Err` only when every transcript batch failed (with the first batch's error):
    /// then there is nothing to show. Any lesser failure is reported inside [`CallData`].
    pub async fn calls_with_transcripts(&self, call_ids: &[String]) -> Result<CallData, GongError> {
        let ids = batch::dedupe(call_ids);
        if ids.is_empty() {
            return Ok(CallData::default());
        }
        let deadline = self.deadline();
        let selector = wire::ContentSelector::parties_only();
        let span = tracing::info_span!("gong", op = "calls_with_transcripts", ids = ids.len());
        let (transcripts, calls) = async {
            tokio::join!(
                self.transcript_batches(&ids, deadline),
                self.extensive_batches(&ids, &selector, deadline)
            )
        }
        .instrument(span)
        .await;

        let mut data = CallData::default();
        let transcript_batches = transcripts.len();
        let mut failed_batches = 0;
        for (chunk, result) in transcripts {
            match result {
                Ok(items) => data.transcripts.extend(items),
                Err(error) => {
                    failed_batches += 1;
                    data.failed_call_ids.extend_from_slice(chunk);
                    data.transcript_error.get_or_insert(error);
                }
            }
        }
        for (_, result) in calls {
            match result {
                Ok(items) => data.calls.extend(items),
                Err(error) => {
                    data.metadata_error.get_or_insert(error);
                }
            }
        }
        if failed_batches == transcript_batches {
            if let Some(error) = data.transcript_error.take() {
                return Err(error);
            }
        }
        if let Some(error) = &data.metadata_error {
            tracing::warn!(%error, "gong call metadata incomplete; transcripts returned without it");
        }
        if let Some(error) = &data.transcript_error {
            tracing::warn!(%error, failed = data.failed_call_ids.len(), "some gong transcript batches failed");
        }
        Ok(data)
    }

    /// Transcripts only (all pages and batches); any failed batch fails the whole call.
    pub async fn transcripts(
        &self,
        call_ids: &[String],
    ) -> Result<Vec<wire::CallTranscript>, GongError> {
        let ids = batch::dedupe(call_ids);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let span = tracing::info_span!("gong", op = "transcripts", ids = ids.len());
        let batches = self
            .transcript_batches(&ids, self.deadline())
            .instrument(span)
            .await;
        all_or_first_error(batches)
    }

    /// `/v2/calls/extensive` for `call_ids` with the given selector (all pages and batches); any
    /// failed batch fails the whole call.
    pub async fn extensive(
        &self,
        call_ids: &[String],
        selector: &wire::ContentSelector,
    ) -> Result<Vec<wire::ExtensiveCall>, GongError> {
        let ids = batch::dedupe(call_ids);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let span = tracing::info_span!("gong", op = "extensive", ids = ids.len());
        let batches = self
            .extensive_batches(&ids, selector, self.deadline())
            .instrument(span)
            .await;
        all_or_first_error(batches)
    }

    /// `GET /v2/calls` between two ISO-8601 instants (all pages).
    pub async fn list_calls(
        &self,
        from_date_time: &str,
        to_date_time: Option<&str>,
    ) -> Result<Vec<wire::CallMetaData>, GongError> {
        let mut query = vec![("fromDateTime", from_date_time.to_owned())];
        if let Some(to) = to_date_time {
            query.push(("toDateTime", to.to_owned()));
        }
        let span = tracing::info_span!("gong", op = "list_calls");
        self.get_all::<wire::CallsResponse>("v2/calls", query)
            .instrument(span)
            .await
    }

    /// `GET /v2/users` (all pages).
    pub async fn users(&self) -> Result<Vec<wire::User>, GongError> {
        let span = tracing::info_span!("gong", op = "users");
        self.get_all::<wire::UsersResponse>("v2/users", Vec::new())
            .instrument(span)
            .await
    }

    /// When the operation starting now must be over.
    fn deadline(&self) -> Instant {
        Instant::now() + self.inner.deadline
    }

    /// `fut`, cut off at `deadline` with [`GongError::DeadlineExceeded`].
    async fn within<T>(
        &self,
        deadline: Instant,
        fut: impl Future<Output = Result<T, GongError>>,
    ) -> Result<T, GongError> {
        tokio::time::timeout_at(deadline, fut)
            .await
            .unwrap_or(Err(GongError::DeadlineExceeded(self.inner.deadline)))
    }

    /// Every page of a GET list endpoint, with `?cursor=` for the pages after the first.
    async fn get_all<P: Page>(
        &self,
        path: &'static str,
        query: Vec<(&'static str, String)>,
    ) -> Result<Vec<P::Item>, GongError> {
        let deadline = self.deadline();
        let pages = paging::collect::<P>(&self.inner.transport, deadline, |cursor| {
            let mut query = query.clone();
            if let Some(cursor) = cursor {
                query.push(("cursor", cursor.to_owned()));
            }
            Ok(Call::get(path, query))
        });
        self.within(deadline, pages).await
    }

    /// `/v2/calls/transcript` for `ids` (already de-duplicated), one concurrent request chain per batch.
    async fn transcript_batches<'a>(
        &self,
        ids: &'a [String],
        deadline: Instant,
    ) -> Vec<BatchResult<'a, wire::CallTranscript>> {
        self.post_batches::<wire::TranscriptResponse, _>(
            "v2/calls/transcript",
            ids,
            deadline,
            |cursor, filter| wire::TranscriptRequest { cursor, filter },
        )
        .await
    }

    /// `/v2/calls/extensive` for `ids` (already de-duplicated), one concurrent request chain per batch.
    async fn extensive_batches<'a>(
        &self,
        ids: &'a [String],
        selector: &wire::ContentSelector,
        deadline: Instant,
    ) -> Vec<BatchResult<'a, wire::ExtensiveCall>> {
        self.post_batches::<wire::ExtensiveResponse, _>(
            "v2/calls/extensive",
            ids,
            deadline,
            |cursor, filter| wire::ExtensiveRequest {
                cursor,
                filter,
                content_selector: selector.clone(),
            },
        )
        .await
    }

    /// Every page of the POST endpoint `path` for `ids` in batches, one concurrent request chain
    /// per batch; `body` writes a page's request from its cursor and the batch's filter.
    async fn post_batches<'a, P: Page, B: serde::Serialize>(
        &self,
        path: &'static str,
        ids: &'a [String],
        deadline: Instant,
        body: impl Fn(Option<String>, wire::CallsFilter) -> B,
    ) -> Vec<BatchResult<'a, P::Item>> {
        let body = &body;
        let batches = batch::chunks(ids, self.inner.batch_size).map(|chunk| async move {
            let filter = ids_filter(chunk);
            let pages = paging::collect::<P>(&self.inner.transport, deadline, |cursor| {
                Call::post(path, &body(cursor.map(str::to_owned), filter.clone()))
            });
            (chunk, self.within(deadline, pages).await)
        });
        join_all(batches).await
    }
}

/// A filter selecting exactly `ids`.
fn ids_filter(ids: &[String]) -> wire::CallsFilter {
    wire::CallsFilter {
        call_ids: Some(ids.to_vec()),
        ..wire::CallsFilter::default()
    }
}

/// All batches' items in order, or the first batch's error.
fn all_or_first_error<T>(batches: Vec<BatchResult<'_, T>>) -> Result<Vec<T>, GongError> {
    let mut items = Vec::new();
    for (_, result) in batches {
        items.extend(result?);
    }
    Ok(items)
}
