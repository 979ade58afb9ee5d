//! `GET /healthz`: liveness for load balancers and orchestrators.
//!
//! It does not call Gong: a Gong outage should show up as 502s on real requests, not as the
//! orchestrator restarting a healthy server.

use axum::Json;
use serde_json::{json, Value};

/// Answers `{"status":"ok"}` while the server is accepting requests.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
