//! Prometheus metrics: the recorder every crate's `metrics` calls land in, the per-request
//! HTTP counters, and the `/metrics` listener.
//!
//! The listener is separate from the API (`CALLBRIEF_METRICS_ADDR`, off by default): metrics
//! say how much traffic and quota there is, which is no business of the API's callers, so the
//! port can stay on a private network while the API is public. Without it no recorder is
//! installed and every `metrics::counter!` in the workspace does nothing.
//!
//! Labels are fixed words only. A route is labelled by its template as the router matched it
//! (`/accounts/{id}/briefing`), never by the path a client sent (which holds account ids); an
//! unmatched path is `unmatched`. The Gong, Salesforce, cache and token-cache series are
//! recorded where the work happens (`gong::metrics`, `salesforce::metrics`, `service`).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// HTTP requests answered, by `route`, `method` and `status`.
pub const HTTP_REQUESTS: &str = "callbrief_http_requests_total";
/// Time to answer an HTTP request (until the response head), by `route`, `method` and `status`.
pub const HTTP_DURATION: &str = "callbrief_http_request_duration_seconds";

/// The path the listener serves.
pub const METRICS_PATH: &str = "/metrics";

/// Histogram buckets (seconds) of every `*_seconds` series: from a cache hit (about a
/// millisecond) to the 40 s request ceiling, with the 45 s ChatGPT limit as the last bound.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 45.0,
];

/// How often histogram samples are folded in when nobody scrapes, so memory stays bounded.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// The process's recorder, installed on first use. One per process because the `metrics`
/// facade has one global recorder; every server in the process renders the same registry.
pub fn handle() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)?
        .build_recorder();
    let handle = recorder.handle();
    // Losing the race to another thread leaves its recorder in place; use its handle.
    if metrics::set_global_recorder(recorder).is_ok() {
        describe();
        let _ = HANDLE.set(handle);
    }
    HANDLE
        .get()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("another metrics recorder is installed in this process"))
}

/// The HELP lines, for whoever builds dashboards from the scrape.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template, method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request."
    );
    describe_counter!(
        service::service_metrics::gong::REQUESTS,
        "Requests sent to Gong, by endpoint and status."
    );
    describe_histogram!(
        service::service_metrics::gong::REQUEST_DURATION,
        Unit::Seconds,
        "Time of one Gong attempt."
    );
    describe_counter!(
        service::service_metrics::gong::RETRIES,
        "Gong attempts retried, by endpoint and reason."
    );
    describe_counter!(
        service::service_metrics::gong::RATE_LIMITED,
        "Gong answers 429, by endpoint."
    );
    describe_histogram!(
        service::service_metrics::gong::LIMITER_WAIT,
        Unit::Seconds,
        "Time a Gong request waited for the rate limiter."
    );
    describe_gauge!(
        service::service_metrics::gong::QUOTA_USED,
        "Gong requests counted today."
    );
    describe_gauge!(
        service::service_metrics::gong::QUOTA_REMAINING,
        "Gong requests left of today's quota."
    );
    describe_gauge!(
        service::service_metrics::gong::QUEUED_IDS,
        "Call ids waiting for a Gong request slot."
    );
    describe_counter!(
        service::service_metrics::gong::CACHE_HITS,
        "Gong answers served from the cache, by tier."
    );
    describe_counter!(
        service::service_metrics::gong::CACHE_MISSES,
        "Cache lookups that went to Gong."
    );
    describe_gauge!(
        service::service_metrics::gong::CACHE_BYTES,
        Unit::Bytes,
        "Bytes the cache holds, by tier."
    );
    describe_gauge!(
        service::service_metrics::gong::CACHE_ENTRIES,
        "Entries the cache holds, by tier."
    );
    describe_counter!(
        service::service_metrics::gong::CACHE_EVICTIONS,
        "Entries evicted from the cache, by tier."
    );
    describe_counter!(
        salesforce::metrics::REQUESTS,
        "Requests sent to Salesforce, by endpoint and status."
    );
    describe_counter!(
        service::service_metrics::TOKEN_CACHE_HITS,
        "Salesforce token checks answered from the token cache."
    );
    describe_counter!(
        service::service_metrics::TOKEN_CACHE_MISSES,
        "Salesforce token checks that asked Salesforce."
    );
}

/// Middleware counting every request by route template, method and status. Put it outside
/// every other layer so refusals (401, 413, 429, 503, 504) are counted with their status.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |m| m.as_str().to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("route", route),
        ("method", method.to_owned()),
        ("status", status),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// A method as a label: the standard ones by name, anything else `other`, so a client cannot
/// create series at will.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// What the `/metrics` handler needs.
#[derive(Clone)]
pub struct MetricsState {
    /// The recorder's handle, to render.
    pub handle: PrometheusHandle,
    /// The service, whose state gauges are set just before rendering.
    pub service: Arc<service::Service>,
}

/// The metrics listener's router: `GET /metrics` in the Prometheus text format.
pub fn router(state: MetricsState) -> Router {
    Router::new()
        .route(METRICS_PATH, get(render))
        .with_state(state)
}

async fn render(State(state): State<MetricsState>) -> Response {
    state.service.record_gauges();
    let body = state.handle.render();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Folds histogram samples in every [`UPKEEP_INTERVAL`] until the process ends.
pub fn spawn_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP_INTERVAL);
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_are_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let custom = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&custom), "other");
    }
}
