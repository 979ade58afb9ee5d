//! A Gong API v2 simulator over the sample org: the six endpoints callbrief uses, with
//! Gong's JSON shapes, Basic and Bearer auth, cursor pagination, 404-for-nothing-found,
//! per-second and daily limits answered with 429 + `Retry-After`, and injectable faults.

mod config;
mod error;
mod guard;
mod handlers;
mod query;
mod render;
mod stats;
pub mod webhooks;
mod wire;

pub use config::{Faults, GongSimConfig};
pub use error::NO_CALLS_FOUND;
pub use stats::SimStats;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::Router;
use fastrand::Rng;
use tokio::net::TcpListener;

use crate::org::SampleOrg;

/// The demo rule's webhook signing key (PKCS#8 PEM), with which the simulator signs the
/// webhooks it sends: a sample secret like `demo-password`, never a real one.
pub const DEMO_WEBHOOK_PRIVATE_KEY_PEM: &str = include_str!("demo_webhook_key.pem");
/// Its public key, what `GONG_WEBHOOK_PUBLIC_KEY` is set to against the simulator.
pub const DEMO_WEBHOOK_PUBLIC_KEY_PEM: &str = include_str!("demo_webhook_public.pem");

/// The Gong workspace every sample call belongs to (a `workspaceId` filter with another
/// value matches nothing).
pub const WORKSPACE_ID: &str = "5427583963470951537";

/// Shared state of one simulator instance.
pub(crate) struct SimState {
    org: Arc<SampleOrg>,
    config: GongSimConfig,
    stats: SimStats,
    limiter: Mutex<guard::Limiter>,
    dice: Mutex<Rng>,
}

/// The simulator as an axum router (routes under `/v2`), and the counters it updates.
pub fn router(org: Arc<SampleOrg>, config: GongSimConfig) -> (Router, SimStats) {
    let stats = SimStats::default();
    let state = Arc::new(SimState {
        org,
        limiter: Mutex::new(guard::Limiter::new(&config)),
        dice: Mutex::new(Rng::with_seed(config.faults.seed)),
        config,
        stats: stats.clone(),
    });
    let router = Router::new()
        .route("/v2/calls/transcript", post(handlers::transcript))
        .route("/v2/calls/extensive", post(handlers::extensive))
        .route("/v2/calls", get(handlers::list_calls))
        .route("/v2/calls/{id}", get(handlers::get_call))
        .route("/v2/users", get(handlers::list_users))
        .route(
            "/v2/data-privacy/data-for-email-address",
            get(handlers::data_for_email_address),
        )
        .fallback(handlers::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state);
    (router, stats)
}

/// Serves the simulator on `listener` until the task is dropped or fails.
pub async fn serve(
    listener: TcpListener,
    org: Arc<SampleOrg>,
    config: GongSimConfig,
) -> std::io::Result<()> {
    let (router, _) = router(org, config);
    axum::serve(listener, router).await
}

/// A simulator running in the background on a loopback port.
#[derive(Debug, Clone)]
pub struct RunningSim {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT` (no `/v2`), the form a Gong base URL takes.
    pub base_url: String,
    /// Its request counters.
    pub stats: SimStats,
}

/// Starts a simulator on `127.0.0.1:0` in a background task, for tests and demos. The task
/// keeps serving after the returned handle is dropped, until the runtime shuts down.
pub async fn spawn(org: Arc<SampleOrg>, config: GongSimConfig) -> std::io::Result<RunningSim> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (router, stats) = router(org, config);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!(error = %e, "gong simulator stopped");
        }
    });
    Ok(RunningSim {
        addr,
        base_url: format!("http://{addr}"),
        stats,
    })
}
