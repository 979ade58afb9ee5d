//! Salesforce's error answers: the REST API's `[{"message","errorCode"}]` array and the OAuth
//! endpoints' `{"error","error_description"}` object.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::soql::QueryError;

/// The message of 401 `INVALID_SESSION_ID`.
pub const SESSION_EXPIRED: &str = "Session expired or invalid";
/// The message of 404 `NOT_FOUND`.
pub const NOT_FOUND_MESSAGE: &str = "The requested resource does not exist";

/// A non-2xx answer of the REST API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Salesforce's `errorCode`.
    pub code: &'static str,
    /// Salesforce's `message`.
    pub message: String,
}

impl ApiError {
    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    /// 401 `INVALID_SESSION_ID`: no token, an unknown one, or an expired one.
    pub fn invalid_session() -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "INVALID_SESSION_ID",
            message: SESSION_EXPIRED.into(),
        }
    }

    /// 403 `REQUEST_LIMIT_EXCEEDED`: the org's API request quota is used up.
    pub fn request_limit() -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "REQUEST_LIMIT_EXCEEDED",
            message: "TotalRequests Limit exceeded.".into(),
        }
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found() -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: NOT_FOUND_MESSAGE.into(),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> ApiError {
        ApiError::bad_request(e.code.as_str(), e.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!([{ "message": self.message, "errorCode": self.code }]);
        (self.status, Json(body)).into_response()
    }
}

/// A refusal of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// HTTP status (400 for every case Salesforce documents, 401 for a bad token on userinfo).
    pub status: StatusCode,
    /// `error`.
    pub error: &'static str,
    /// `error_description`.
    pub description: &'static str,
}

impl OAuthError {
    /// 400 with `error` and `error_description`.
    pub fn new(error: &'static str, description: &'static str) -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description,
        }
    }

    /// Wrong user name or password.
    pub fn authentication_failure() -> OAuthError {
        OAuthError::new("invalid_grant", "authentication failure")
    }

    /// An unknown `client_id`.
    pub fn invalid_client_id() -> OAuthError {
        OAuthError::new("invalid_client_id", "client identifier invalid")
    }

    /// A wrong or missing `client_secret`.
    pub fn invalid_client() -> OAuthError {
        OAuthError::new("invalid_client", "invalid client credentials")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_have_salesforce_shapes() {
        let r = ApiError::invalid_session().into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            v,
            json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
        );
        let r = OAuthError::authentication_failure().into_response();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            v,
            json!({"error": "invalid_grant", "error_description": "authentication failure"})
        );
    }
}
