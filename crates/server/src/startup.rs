//! [`Application`]: binds the listener, wires routes and layers, and runs until told to stop.
//!
//! Binding happens in `build` (not `run`) so callers learn the real port before serving; with
//! port 0 that is how tests and the demo run many servers side by side.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{self, HeaderName};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::{self, ApiKeys};
use crate::config::{AuthMode, ConnectionSettings, Settings};
use crate::error::ApiError;
use crate::host_check::{self, KnownHosts};
use crate::oauth;
use crate::oauth::caller::{self, SalesforceAuth};
use crate::oauth::paths::PublicBase;
use crate::oauth::server::Audience;
use crate::routes;
use crate::shedding::{self, Shedder};
use crate::state::AppState;
use crate::telemetry;

/// The metrics listener, bound in `build` like the API's.
struct MetricsListener {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    handle: metrics_exporter_prometheus::PrometheusHandle,
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    connections: ConnectionSettings,
    local_addr: SocketAddr,
    router: Router,
    metrics: Option<MetricsListener>,
    /// The service and settings of the prefetch job, started with the server.
    prefetch: (Arc<service::Service>, crate::config::PrefetchSettings),
    /// When the cache upkeep, started with the server, works.
    upkeep: crate::cache_upkeep::UpkeepSettings,
}

impl Application {
    /// Validates `settings`, builds the service (and with it the process's one Gong client),
    /// binds the listener with the connection limits and wires the routes. Fails (before
    /// binding) when no API key is configured without `insecure_no_auth`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        warn_about(&settings);
        let service = crate::service_setup::build_service(&settings.service_settings())?;
        let metrics = match settings.metrics_addr {
            Some(addr) => {
                let handle = crate::metrics::handle()?;
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("could not listen for metrics on {addr}"))?;
                let local_addr = listener
                    .local_addr()
                    .context("could not read the bound metrics address")?;
                let router = crate::metrics::router(crate::metrics::MetricsState {
                    handle: handle.clone(),
                    service: service.clone(),
                });
                Some(MetricsListener {
                    listener,
                    local_addr,
                    router,
                    handle,
                })
            }
            None => None,
        };
        let listener = TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("could not listen on {}", settings.addr))?;
        let local_addr = listener
            .local_addr()
            .context("could not read the bound address")?;
        let prefetch = (service.clone(), settings.prefetch);
        let upkeep = crate::cache_upkeep::UpkeepSettings::of(&settings.gong);
        let router = app_router(&settings, service, local_addr);
        Ok(Self {
            listener,
            connections: settings.connections.clone(),
            local_addr,
            router,
            metrics,
            prefetch,
            upkeep,
        })
    }

    /// `http://<metrics address>/metrics` when the metrics listener is on.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics
            .as_ref()
            .map(|m| format!("http://{}{}", m.local_addr, crate::metrics::METRICS_PATH))
    }

    /// The port actually bound (the chosen one when the settings said 0).
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://<bound address>`, for clients on this machine.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting and lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then shuts down gracefully. Tests and the demo pass
    /// their own future (e.g. a oneshot receiver) to stop the server deterministically.
    pub async fn run_with_shutdown<F>(self, signal: F) -> std::io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        tracing::info!(addr = %self.local_addr, "callbrief listening");
        let (service, prefetch) = self.prefetch;
        let _upkeep = AbortOnDrop(crate::cache_upkeep::spawn(
            Arc::clone(&service),
            self.upkeep,
        ));
        let _prefetch = crate::prefetch_job::spawn(service, prefetch).map(AbortOnDrop);
        let Some(metrics) = self.metrics else {
            return crate::serve::serve(self.listener, self.router, self.connections, signal).await;
        };
        // One signal stops both listeners.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let stopping = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        tracing::info!(addr = %metrics.local_addr, "metrics listening");
        let upkeep = crate::metrics::spawn_upkeep(metrics.handle);
        let metrics_server = tokio::spawn(crate::serve::serve(
            metrics.listener,
            metrics.router,
            self.connections.clone(),
            stopping(stopped.clone()),
        ));
        let api = crate::serve::serve(self.listener, self.router, self.connections, async move {
            signal.await;
            let _ = stop.send(true);
        })
        .await;
        let _ = metrics_server.await;
        upkeep.abort();
        api
    }
}

/// Stops a background task when the server stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The router of every route and layer, without a listener: for hosts that deliver requests
/// themselves (AWS Lambda, through `lambda_http`). Validates `settings` and builds the service
/// as [`Application::build`] does; documents name `CALLBRIEF_PUBLIC_URL`, else
/// `http://<addr>`. No metrics listener: such hosts have their own.
pub fn standalone_router(mut settings: Settings) -> anyhow::Result<Router> {
    settings.validate()?;
    settings.metrics_addr = None;
    warn_about(&settings);
    let service = crate::service_setup::build_service(&settings.service_settings())?;
    Ok(app_router(&settings, service, settings.addr))
}

/// Logs the settings that work but are likely mistakes.
fn warn_about(settings: &Settings) {
    if settings.api_keys.is_empty() && settings.auth_mode == AuthMode::ApiKey {
        tracing::warn!("running WITHOUT authentication (--insecure-no-auth): anyone who can reach this server can read call transcripts");
    }
    if settings.gong.deadline >= settings.request_timeout {
        tracing::warn!(
            gong_deadline_secs = settings.gong.deadline.as_secs_f64(),
            request_timeout_secs = settings.request_timeout.as_secs_f64(),
            "the Gong deadline is not below the request timeout; slow Gong answers will end as a generic timeout"
        );
    }
    if crate::state::cache_at_rest(&settings.gong) == "plain_text" {
        tracing::warn!(
            "Gong's answers (transcripts, names, e-mail addresses) are cached in clear on disk or in \
             Redis: set CALLBRIEF_CACHE_KEY to seal them, and CALLBRIEF_CACHE_REQUIRE_KEY to refuse \
             to start without it"
        );
    }
    for problem in settings.configuration_problems() {
        tracing::warn!(%problem, "configuration incomplete; /readyz answers 503");
    }
}

/// The app's router for a server reached at `local_addr` (unless `CALLBRIEF_PUBLIC_URL` says
/// otherwise).
fn app_router(
    settings: &Settings,
    service: Arc<service::Service>,
    local_addr: SocketAddr,
) -> Router {
    let server_url = settings
        .public_url
        .as_ref()
        .map(|u| u.as_str().to_owned())
        .unwrap_or_else(|| format!("http://{local_addr}"));
    let state = Arc::new(AppState {
        max_call_ids: settings.max_call_ids,
        max_body_bytes: settings.max_body_bytes,
        openapi_json: crate::openapi::document_json(
            &server_url,
            settings.max_call_ids,
            settings.auth_mode,
        ),
        service,
        max_response_chars: settings.max_response_chars,
        configuration_problems: settings.configuration_problems(),
        cache_at_rest: crate::state::cache_at_rest(&settings.gong),
    });
    let keys = Arc::new(ApiKeys::new(settings.api_keys.clone()));
    let gpt_kit = crate::gpt::Kit::new(
        &server_url,
        &settings.salesforce,
        settings.gong_fields.clone(),
    );
    router(state, keys, gpt_kit, settings)
}

/// Completes on Ctrl-C or (on Unix) SIGTERM, the signals orchestrators and terminals send.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

/// Routes and layers. Public routes (`/healthz`, `/openapi.json`, the GPT setup kit) skip the
/// API-key check.
fn router(
    state: Arc<AppState>,
    keys: Arc<ApiKeys>,
    gpt_kit: Result<crate::gpt::Kit, crate::gpt::KitError>,
    settings: &Settings,
) -> Router {
    let auth_server = oauth::authorization_server(settings, &state.service);
    let rest = routes::transcripts::router()
        .merge(routes::accounts::router())
        .merge(routes::meetings::router());
    let mcp = crate::mcp::router(
        state.service.clone(),
        crate::mcp::McpConfig::from_settings(settings),
    );
    // Every protected route acts for a Caller: the service account behind an API key, or the
    // Salesforce user whose token the request carries. In Salesforce mode `/mcp` gets its own
    // instance of the check, whose 401 names the OAuth discovery document MCP clients follow.
    let protected = match settings.auth_mode {
        AuthMode::ApiKey => rest
            .merge(mcp)
            .route_layer(middleware::from_fn(caller::act_as_service_account))
            .route_layer(middleware::from_fn_with_state(keys, auth::require_api_key)),
        AuthMode::Salesforce => {
            let mut rest_auth = SalesforceAuth::new(state.service.clone())
                .with_sign_in_limit(settings.connections.max_failed_sign_ins);
            let mut mcp_auth = rest_auth
                .clone()
                .with_resource_metadata(PublicBase::new(settings.public_url.as_ref()));
            if let Some(server) = &auth_server {
                rest_auth = rest_auth.with_oauth_server(server.clone(), Audience::Api);
                mcp_auth = mcp_auth.with_oauth_server(server.clone(), Audience::Mcp);
            }
            rest.route_layer(middleware::from_fn_with_state(
                Arc::new(rest_auth),
                caller::require_salesforce_user,
            ))
            .merge(mcp.route_layer(middleware::from_fn_with_state(
                Arc::new(mcp_auth),
                caller::require_salesforce_user,
            )))
        }
    }
    .layer(DefaultBodyLimit::max(settings.max_body_bytes))
    // Answers hold a rep's accounts and transcripts: no cache in between may keep them.
    .layer(middleware::map_response(no_store))
    // Every protected route does Gong or Salesforce work and holds its answers in memory;
    // past the limit a request is shed at once with 503 + Retry-After rather than queued.
    .layer(middleware::from_fn_with_state(
        Shedder::new(settings.connections.max_concurrent_requests),
        shedding::shed_load,
    ));
    let public = Router::new()
        .merge(routes::health::router())
        .merge(routes::openapi::router())
        .merge(routes::gpt::router(gpt_kit))
        .merge(oauth::router(settings, auth_server.as_ref()))
        .merge(crate::mcp::public_router(settings))
        .merge(routes::webhooks::router(state.service.clone(), settings));

    let mut router = protected
        .merge(public)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    // Without API keys nothing vouches for a request's Host (see `host_check`).
    let unkeyed = settings.auth_mode == AuthMode::Salesforce || settings.api_keys.is_empty();
    if unkeyed {
        router = router.layer(middleware::from_fn_with_state(
            KnownHosts::new(settings.public_url.as_ref()),
            host_check::require_known_host,
        ));
    }
    // Before every per-address limit: which client a request comes from.
    let router = router.layer(middleware::from_fn_with_state(
        settings.connections.trusted_proxies.clone(),
        crate::client_addr::resolve,
    ));
    let router = with_layers(router, settings.request_timeout);
    if settings.metrics_addr.is_some() {
        // Outermost, so every answer is counted with the status the client got.
        router.layer(middleware::from_fn(crate::metrics::track))
    } else {
        router
    }
}

/// Marks an answer `Cache-Control: no-store` unless its handler chose otherwise.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(axum::http::HeaderValue::from_static("no-store"));
    response
}

/// The cross-cutting layers, outermost first: credential headers marked sensitive, a caller's
/// request id kept only when short and plain, the request id set and echoed, the request span,
/// panics caught, and the whole-request timeout.
fn with_layers(router: Router, request_timeout: Duration) -> Router {
    let sensitive = [
        header::AUTHORIZATION,
        HeaderName::from_static(auth::X_API_KEY),
        HeaderName::from_static(auth::X_FUNCTIONS_KEY),
    ];
    let layers = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new(sensitive))
        .layer(middleware::from_fn(shedding::sanitize_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            request_timeout,
            self::request_timeout,
        ));
    router.layer(layers)
}

/// Backstop behind the Gong client's deadline: whatever happens, the caller gets a 504 JSON
/// answer before ChatGPT's 45 s limit instead of a hung connection.
async fn request_timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs_f64(), "request timed out");
            ApiError::request_timeout(limit).into_response()
        }
    }
}

/// A panic inside a handler becomes a 500 JSON answer without details; the panic message goes
/// to the log only (it may name internals), tied to the request by the span.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %detail, "handler panicked");
    ApiError::internal().into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn call(router: Router, path: &str) -> (StatusCode, Option<String>, serde_json::Value) {
        let request = Request::builder().uri(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let id = response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, id, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn a_panic_is_a_500_json_without_details() {
        async fn boom() -> &'static str {
            panic!("secret internals")
        }
        let router = with_layers(
            Router::new().route("/boom", get(boom)),
            Duration::from_secs(5),
        );
        let (status, id, body) = call(router, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(id.is_some(), "the request id is echoed on a panic too");
        assert_eq!(body["error"], "internal");
        assert!(!body.to_string().contains("secret internals"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_handler_is_cut_off_with_a_504_json() {
        async fn slow() -> &'static str {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }
        let router = with_layers(
            Router::new().route("/slow", get(slow)),
            Duration::from_millis(50),
        );
        let (status, _, body) = call(router, "/slow").await;
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(body["error"], "timeout");
    }
}
