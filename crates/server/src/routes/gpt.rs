//! The GPT setup routes, public like `/openapi.json` (they hold no secret):
//! `GET /openapi/salesforce.json`, the two-action GPT's Salesforce action document, and
//! `GET /gpt/instructions?methodology=medpicc|spiced&variant=one-action|two-action`, the setup
//! guide as Markdown.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::error::ApiError;
use crate::gpt::{Kit, KitError, Methodology, Variant};

/// What the routes serve: the kit, or why it cannot be generated; the Salesforce document is
/// rendered once.
struct GptState {
    kit: Result<Kit, KitError>,
    salesforce_json: Option<String>,
}

/// The two routes with their own state, ready to merge into the app's router.
pub fn router<S>(kit: Result<Kit, KitError>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let salesforce_json = kit.as_ref().ok().map(Kit::salesforce_action_json);
    let state = Arc::new(GptState {
        kit,
        salesforce_json,
    });
    Router::new()
        .route("/openapi/salesforce.json", get(salesforce_openapi))
        .route("/gpt/instructions", get(instructions))
        .with_state(state)
}

/// 503 naming the missing setting.
fn not_configured(err: &KitError) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "salesforce_not_configured",
        err.to_string(),
    )
}

async fn salesforce_openapi(State(state): State<Arc<GptState>>) -> Response {
    match (&state.salesforce_json, &state.kit) {
        (Some(json), _) => {
            ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response()
        }
        (None, Err(err)) => not_configured(err).into_response(),
        (None, Ok(_)) => ApiError::internal().into_response(),
    }
}

/// Query of `GET /gpt/instructions`; both optional (MEDPICC, one action by default).
#[derive(Debug, Deserialize)]
struct InstructionsQuery {
    methodology: Option<String>,
    variant: Option<String>,
}

async fn instructions(
    State(state): State<Arc<GptState>>,
    query: Result<Query<InstructionsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request(
            "invalid_query",
            "the query string could not be read; use ?methodology=medpicc|spiced&variant=one-action|two-action",
        )
    })?;
    let methodology = match query.methodology.as_deref() {
        None => Methodology::default(),
        Some(raw) => raw
            .parse::<Methodology>()
            .map_err(|e| ApiError::bad_request("invalid_methodology", e.to_string()))?,
    };
    let variant = match query.variant.as_deref() {
        None => Variant::default(),
        Some(raw) => raw
            .parse::<Variant>()
            .map_err(|e| ApiError::bad_request("invalid_variant", e.to_string()))?,
    };
    let kit = state.kit.as_ref().map_err(not_configured)?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        kit.guide(variant, methodology),
    )
        .into_response())
}
