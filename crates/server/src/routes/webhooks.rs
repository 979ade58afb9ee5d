//! `POST /webhooks/gong`: Gong's "call processed" webhook (an automation rule's "Fire webhook"
//! action with a signed JWT). No API key: the token, checked against `GONG_WEBHOOK_PUBLIC_KEY`
//! and bound to this URL and this body, is the authentication. Anything else gets `401` with
//! the reason; a checked delivery gets `200` at once and its call is fetched in the background.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use service::webhook::{GongWebhook, WebhookOutcome};
use service::Service;

use crate::config::Settings;
use crate::error::ApiError;

/// The path Gong's rule posts to, under `CALLBRIEF_PUBLIC_URL`.
pub const WEBHOOK_PATH: &str = "/webhooks/gong";

/// What the route needs: the service, and the checks (none when webhooks are off).
#[derive(Clone)]
struct WebhookState {
    service: Arc<Service>,
    webhook: Option<Arc<GongWebhook>>,
    max_body_bytes: usize,
}

/// The answer to a checked delivery.
#[derive(Debug, Serialize)]
struct Accepted {
    /// `fetching`, `duplicate` or `test`.
    status: &'static str,
}

/// The route, with its own body limit, for any router state.
pub fn router<S: Clone + Send + Sync + 'static>(
    service: Arc<Service>,
    settings: &Settings,
) -> Router<S> {
    let webhook = settings.webhook.key.clone().and_then(|key| {
        let base = settings.public_url.as_ref()?;
        Some(Arc::new(GongWebhook {
            key,
            url: format!("{}{WEBHOOK_PATH}", base.as_str().trim_end_matches('/')),
        }))
    });
    let state = WebhookState {
        service,
        webhook,
        max_body_bytes: settings.webhook.max_body_bytes,
    };
    Router::new()
        .route(WEBHOOK_PATH, post(gong_webhook))
        .layer(DefaultBodyLimit::max(settings.webhook.max_body_bytes))
        .with_state(state)
}

async fn gong_webhook(
    State(state): State<WebhookState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Accepted>, ApiError> {
    let Some(webhook) = &state.webhook else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Gong webhooks are off: set GONG_WEBHOOK_PUBLIC_KEY (and CALLBRIEF_PUBLIC_URL)",
        ));
    };
    let body =
        body.map_err(|rejection| ApiError::unreadable_body(&rejection, state.max_body_bytes))?;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let outcome = state
        .service
        .gong_webhook(webhook, authorization, &body)
        .await
        .map_err(|refused| {
            tracing::info!(reason = %refused, "gong webhook refused");
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                refused.to_string(),
            )
        })?;
    let status = match outcome {
        WebhookOutcome::Test => "test",
        WebhookOutcome::Fetching => "fetching",
        WebhookOutcome::Duplicate => "duplicate",
        WebhookOutcome::Busy => {
            let mut busy = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "too many webhook fetches under way; deliver it again later",
            );
            busy.retry_after = Some(std::time::Duration::from_secs(60));
            return Err(busy);
        }
    };
    tracing::info!(status, "gong webhook accepted");
    Ok(Json(Accepted { status }))
}
