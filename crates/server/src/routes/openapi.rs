//! `GET /openapi.json`: the document a GPT action is created from. Public, like the paths it
//! describes are discoverable anyway; the document holds no secret.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// Serves the document generated once at startup.
pub async fn openapi_json(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.clone(),
    )
}

/// `GET /openapi.json`.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/openapi.json", get(openapi_json))
}
