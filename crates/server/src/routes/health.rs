//! `GET /healthz` (liveness) and `GET /readyz` (readiness) for load balancers and orchestrators.
//!
//! Neither calls Gong: a Gong outage should show up as 502s on real requests, not as the
//! orchestrator restarting a healthy server, and a probe every few seconds must not spend the
//! daily quota. `/healthz` answers while the process serves; `/readyz` also checks that the
//! configuration is complete and that the process's own dependencies (the cache store, and
//! whatever the deployment added to [`service::Service::readiness`]) work, so a replica that
//! cannot do its work is taken out of rotation instead of failing requests.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Json;
use axum::Router;
use serde_json::{json, Map, Value};

use crate::state::AppState;

/// Answers `{"status":"ok"}` while the server is accepting requests.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `200 {"status":"ready","checks":{...}}` when every check passes, `200` with `"degraded"`
/// when they pass but the state shared with other replicas (Redis) does not answer (the
/// replica works alone at its degraded rate), else `503` with `"not_ready"`. Each check shows `ok` or `failed`; the reasons go to the log only, since the
/// route is public and a reason may name internal paths.
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let mut checks = Map::new();
    let mut ready = true;
    let mut record = |name: &str, outcome: Result<(), String>| {
        let word = match outcome {
            Ok(()) => "ok",
            Err(reason) => {
                tracing::warn!(check = name, %reason, "not ready");
                ready = false;
                "failed"
            }
        };
        checks.insert(name.to_owned(), Value::from(word));
    };
    let configuration = match state.configuration_problems.as_slice() {
        [] => Ok(()),
        problems => Err(problems.join("; ")),
    };
    record("configuration", configuration);
    let readiness = state.service.readiness().await;
    for check in readiness.checks {
        record(check.name, check.outcome);
    }
    for (name, reason) in &readiness.degraded {
        tracing::warn!(check = name, %reason, "degraded");
        checks.insert((*name).to_owned(), Value::from("degraded"));
    }
    // Informational: never takes the replica out of rotation.
    checks.insert("cache_at_rest".to_owned(), Value::from(state.cache_at_rest));
    let (status, word) = if ready && !readiness.degraded.is_empty() {
        (StatusCode::OK, "degraded")
    } else if ready {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    };
    (status, Json(json!({ "status": word, "checks": checks })))
}

/// `GET /healthz` and `GET /readyz`.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}
