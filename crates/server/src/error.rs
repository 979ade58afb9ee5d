//! [`ApiError`]: every non-200 answer, as one JSON shape.
//!
//! Callers are assistants that read the body to decide what to tell a person, so every error,
//! including the framework's own rejections, says `{"error": "<code>", "message": "<what and why>"}`
//! and never carries a stack trace, an upstream body or a secret.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use service::GongError;
use service::ServiceError;
use utoipa::ToSchema;

/// The JSON body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_call_ids`, `unauthorized`, `upstream_timeout`.
    pub error: String,
    /// What went wrong, naming the field or the upstream step.
    pub message: String,
}

/// The error answers of the API's operations, declared once so every operation documents the
/// same statuses with the same body. Only its OpenAPI description is used: answers are built
/// as [`ApiError`]s.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ErrorResponses {
    /// 400.
    #[response(
        status = 400,
        description = "Invalid request; the message names the field or parameter."
    )]
    BadRequest(ErrorBody),
    /// 401.
    #[response(status = 401, description = "Missing or invalid credentials.")]
    Unauthorized(ErrorBody),
    /// 404.
    #[response(status = 404, description = "No such account the caller can see.")]
    NotFound(ErrorBody),
    /// 413.
    #[response(status = 413, description = "Body too large.")]
    PayloadTooLarge(ErrorBody),
    /// 415.
    #[response(status = 415, description = "Content-Type is not application/json.")]
    UnsupportedMediaType(ErrorBody),
    /// 502.
    #[response(
        status = 502,
        description = "Salesforce or Gong failed or answered something unreadable."
    )]
    BadGateway(ErrorBody),
    /// 503.
    #[response(
        status = 503,
        description = "Not configured, or an upstream rate limit is reached; see Retry-After."
    )]
    Unavailable(ErrorBody),
    /// 504.
    #[response(status = 504, description = "An upstream did not answer in time.")]
    Timeout(ErrorBody),
}

/// An error answer: status, body, and (for rate limits) how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status sent.
    pub status: StatusCode,
    /// Code and message sent.
    pub body: ErrorBody,
    /// Sent as `Retry-After` (whole seconds, rounded up) when set.
    pub retry_after: Option<Duration>,
    /// Sent as `WWW-Authenticate` when set: `Bearer`, with parameters when the caller can learn
    /// more (see [`ApiError::with_resource_metadata`]).
    pub challenge: Option<String>,
}

impl ApiError {
    /// Any status with a code and a message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: code.to_owned(),
                message: message.into(),
            },
            retry_after: None,
            challenge: None,
        }
    }

    /// 400: the request body is wrong; `message` names the field.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401 with `WWW-Authenticate: Bearer`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            challenge: Some("Bearer".to_owned()),
            ..Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
        }
    }

    /// The challenge with `resource_metadata="<url>"` (RFC 9728 §5.1), which tells an OAuth
    /// client where to read how to sign in; MCP clients require it on a `401`. Answers without a
    /// challenge are left alone, and so is a URL a quoted string cannot carry.
    pub fn with_resource_metadata(mut self, url: &str) -> Self {
        let quotable = url
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
        if self.challenge.is_some() && quotable && !url.is_empty() {
            self.challenge = Some(format!("Bearer resource_metadata=\"{url}\""));
        }
        self
    }

    /// 413: the body is over the configured limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than {limit} bytes"),
        )
    }

    /// 413 when a body was over `limit`, else 400: a body that could not be read.
    pub fn unreadable_body(
        rejection: &axum::extract::rejection::BytesRejection,
        limit: usize,
    ) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::payload_too_large(limit)
        } else {
            Self::bad_request("invalid_body", "the request body could not be read")
        }
    }

    /// 415: the body is not declared as JSON.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type must be application/json",
        )
    }

    /// 404 for unknown paths.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route; see GET /openapi.json",
        )
    }

    /// 405 for a known path with the wrong method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed on this route; see GET /openapi.json",
        )
    }

    /// 504 when the whole request ran past the server's own ceiling.
    pub fn request_timeout(limit: Duration) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!(
                "the request did not finish within {} s; try again with fewer callIds",
                limit.as_secs()
            ),
        )
    }

    /// 500 without details: the last resort when something unexpected happened inside.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the request id in the x-request-id header identifies it in the server logs",
        )
    }
}

impl From<GongError> for ApiError {
    /// Maps a Gong failure to the status an assistant can act on: 502 when Gong failed or
    /// answered garbage, 503 (with `Retry-After`) when it is rate limiting us, 504 when it was too slow.
    fn from(err: GongError) -> Self {
        match err {
            GongError::Unauthorized { status, .. } => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unauthorized",
                format!(
                    "Gong rejected callbrief's Gong credentials (HTTP {status}); \
                     the server's GONG_* settings need fixing"
                ),
            ),
            // Gong's own text and the OS's error go to the log, not to the caller.
            GongError::Upstream { status, message } => {
                tracing::warn!(status, gong_error = %message, "Gong answered an error");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "upstream_error",
                    format!("Gong failed to return transcripts (HTTP {status}); try again shortly"),
                )
            }
            GongError::InvalidResponse(detail) => {
                tracing::warn!(%detail, "Gong's answer could not be read");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "upstream_invalid_response",
                    "Gong's transcript response could not be read; try again shortly",
                )
            }
            GongError::Transport(detail) => {
                tracing::warn!(%detail, "Gong could not be reached");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "upstream_unreachable",
                    "could not reach Gong (the connection failed); try again shortly",
                )
            }
            GongError::RateLimited { retry_after } => ApiError {
                retry_after: Some(retry_after.unwrap_or(Duration::from_secs(1))),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_rate_limited",
                    "Gong's API rate limit is exhausted; retry after the Retry-After seconds",
                )
            },
            GongError::QuotaExhausted { resets_in } => ApiError {
                retry_after: Some(resets_in),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_quota_exhausted",
                    "Gong's daily API quota is spent; cached calls are still served, \
                     new ones after the Retry-After seconds",
                )
            },
            GongError::Busy { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_busy",
                    "too many Gong requests are queued to answer in time; retry after the Retry-After seconds",
                )
            },
            GongError::DeadlineExceeded(limit) => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                format!(
                    "Gong did not return the transcripts within {} s; try again with fewer callIds",
                    limit.as_secs_f64().ceil() as u64
                ),
            ),
            GongError::Config(_) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "misconfigured",
                "callbrief's Gong settings are invalid; see the server logs",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        let headers = response.headers_mut();
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if let Some(challenge) = self.challenge {
            let value = HeaderValue::from_str(&challenge)
                .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    /// 400 names the parameter, 404 for accounts the caller cannot see, 401 only when the
    /// caller's token is at fault, and the gateway statuses when Gong or Salesforce failed.
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Validation { field, message } => ApiError::bad_request(
                "invalid_parameter",
                format!("{field}: {message}"),
            ),
            ServiceError::TooMany { field, message } => ApiError::bad_request(
                "invalid_parameter",
                format!("{field}: {message}"),
            ),
            ServiceError::NotFound { message } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            ServiceError::Gong(err) => ApiError::from(err),
            ServiceError::Unauthorized { message } => ApiError::unauthorized(message),
            ServiceError::NotConfigured { message } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_configured", message)
            }
            ServiceError::RateLimited {
                service,
                retry_after,
            } => ApiError {
                retry_after: Some(retry_after.unwrap_or(Duration::from_secs(1))),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_rate_limited",
                    format!("{service}'s rate limit or API quota is exhausted; retry after the Retry-After seconds"),
                )
            },
            ServiceError::DeadlineExceeded { service, .. } => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                format!("{service} did not answer in time; try again, or ask for fewer calls"),
            ),
            ServiceError::Upstream { service, message } => {
                tracing::warn!(%service, error = %message, "upstream failure");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "upstream_error",
                    format!("{service} failed: {message}"),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use service::Upstream;

    #[test]
    fn service_errors_map_to_statuses_an_assistant_can_act_on() {
        let cases = [
            (
                ServiceError::validation("name", "too short"),
                400,
                "invalid_parameter",
            ),
            (
                ServiceError::NotFound {
                    message: "x".into(),
                },
                404,
                "not_found",
            ),
            (
                ServiceError::Unauthorized {
                    message: "x".into(),
                },
                401,
                "unauthorized",
            ),
            (
                ServiceError::RateLimited {
                    service: Upstream::Salesforce,
                    retry_after: None,
                },
                503,
                "upstream_rate_limited",
            ),
            (
                ServiceError::DeadlineExceeded {
                    service: Upstream::Gong,
                    limit: None,
                },
                504,
                "upstream_timeout",
            ),
            (
                ServiceError::Upstream {
                    service: Upstream::Salesforce,
                    message: "x".into(),
                },
                502,
                "upstream_error",
            ),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err);
            assert_eq!(api.status.as_u16(), status, "{code}");
            assert_eq!(api.body.error, code);
        }
        let api = ApiError::from(ServiceError::validation("name", "too short"));
        assert_eq!(api.body.message, "name: too short");
    }

    #[test]
    fn gong_errors_map_to_gateway_statuses() {
        let cases = [
            (
                GongError::Unauthorized {
                    status: 401,
                    message: "x".into(),
                },
                502,
                "upstream_unauthorized",
            ),
            (
                GongError::Upstream {
                    status: 500,
                    message: "x".into(),
                },
                502,
                "upstream_error",
            ),
            (
                GongError::InvalidResponse("x".into()),
                502,
                "upstream_invalid_response",
            ),
            (
                GongError::Transport("x".into()),
                502,
                "upstream_unreachable",
            ),
            (
                GongError::RateLimited { retry_after: None },
                503,
                "upstream_rate_limited",
            ),
            (
                GongError::DeadlineExceeded(Duration::from_secs(30)),
                504,
                "upstream_timeout",
            ),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err);
            assert_eq!(api.status.as_u16(), status, "{code}");
            assert_eq!(api.body.error, code);
        }
    }

    #[test]
    fn retry_after_is_rounded_up_to_whole_seconds() {
        let api = ApiError::from(GongError::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
        });
        let response = api.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }

    #[test]
    fn unauthorized_carries_a_bearer_challenge() {
        let response = ApiError::unauthorized("no").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }

    #[test]
    fn resource_metadata_joins_the_challenge_of_a_401_only() {
        let url = "https://cb.example.com/.well-known/oauth-protected-resource/mcp";
        let response = ApiError::unauthorized("no")
            .with_resource_metadata(url)
            .into_response();
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            format!("Bearer resource_metadata=\"{url}\"").as_str()
        );
        let not_found = ApiError::not_found().with_resource_metadata(url);
        assert_eq!(not_found.challenge, None);
        let response = not_found.into_response();
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn a_url_that_would_break_the_quoted_string_is_left_out() {
        for url in ["http://a\"b", "http://a b", "http://a\\b", ""] {
            let api = ApiError::unauthorized("no").with_resource_metadata(url);
            assert_eq!(api.challenge.as_deref(), Some("Bearer"), "{url:?}");
        }
    }
}
