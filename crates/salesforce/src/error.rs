//! What can go wrong talking to Salesforce, typed so callers can map each case to a status.

use std::time::Duration;

/// A failure of a Salesforce operation. Messages carry Salesforce's own error text, never
/// credentials or tokens.
#[derive(Debug, thiserror::Error)]
pub enum SalesforceError {
    /// The configuration cannot work (bad URL or API version).
    #[error("invalid Salesforce configuration: {0}")]
    Config(String),
    /// An argument cannot be sent (an id or object name of the wrong shape).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The token endpoint refused the credentials (`invalid_grant`, `invalid_client`, ...).
    #[error("Salesforce login failed: {error}: {description}")]
    Auth {
        /// OAuth `error`.
        error: String,
        /// OAuth `error_description`.
        description: String,
    },
    /// 401: the session is invalid or expired (and, for service credentials, a fresh token
    /// did not help).
    #[error("Salesforce rejected the session ({code}): {message}")]
    Unauthorized {
        /// `errorCode`, usually `INVALID_SESSION_ID`.
        code: String,
        /// `message`.
        message: String,
    },
    /// 403 `REQUEST_LIMIT_EXCEEDED`: the org's API request quota is used up.
    #[error("Salesforce API request limit exceeded: {message}")]
    RequestLimit {
        /// `message`.
        message: String,
    },
    /// 404 on a path that must exist (a missing record is `Ok(None)` instead).
    #[error("Salesforce resource not found ({code}): {message}")]
    NotFound {
        /// `errorCode`.
        code: String,
        /// `message`.
        message: String,
    },
    /// Any other error answer, e.g. 400 `MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_TYPE`.
    #[error("Salesforce answered {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// `errorCode` (`UNKNOWN` when the body had none).
        code: String,
        /// `message`.
        message: String,
    },
    /// The operation's overall deadline passed.
    #[error("Salesforce did not finish within {0:?}")]
    DeadlineExceeded(Duration),
    /// Salesforce's answer could not be read (not JSON, wrong shape, unsafe next-page URL).
    #[error("Salesforce's response could not be read: {0}")]
    InvalidResponse(String),
    /// The connection failed or one request timed out.
    #[error("could not reach Salesforce: {0}")]
    Transport(String),
}

impl SalesforceError {
    /// Salesforce's `errorCode` (or OAuth `error`) when the failure came with one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            SalesforceError::Auth { error, .. } => Some(error),
            SalesforceError::Unauthorized { code, .. }
            | SalesforceError::NotFound { code, .. }
            | SalesforceError::Api { code, .. } => Some(code),
            SalesforceError::RequestLimit { .. } => Some("REQUEST_LIMIT_EXCEEDED"),
            _ => None,
        }
    }

    /// Whether the caller's query or search itself is at fault (a 400 from Salesforce), so it
    /// can be shown to whoever wrote it.
    pub fn is_bad_query(&self) -> bool {
        matches!(self, SalesforceError::Api { status: 400, .. })
    }
}
