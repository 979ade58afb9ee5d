//! [`ServiceError`]: what can go wrong preparing a briefing, typed so each front door (HTTP,
//! MCP, CLI) can map every case to its own status without parsing messages.

use std::time::Duration;

/// What can go wrong talking to Gong, as [`ServiceError::Gong`] carries it.
pub use gong::GongError;
use salesforce::SalesforceError;

/// Which outside service failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// Gong's API.
    Gong,
    /// Salesforce's REST API.
    Salesforce,
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Upstream::Gong => "Gong",
            Upstream::Salesforce => "Salesforce",
        })
    }
}

/// A failure of a service operation. Messages name the field or step, never a token, a
/// credential or transcript text.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller's input is wrong; `field` names the parameter (e.g. `name`, `id`, `calls`).
    #[error("{field}: {message}")]
    Validation {
        /// The parameter at fault.
        field: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// A list is longer than the caller may send; `field` names the list. Kept apart from
    /// [`ServiceError::Validation`] because REST answers it with its own code.
    #[error("{field}: {message}")]
    TooMany {
        /// The list at fault.
        field: String,
        /// How many were sent and how many are allowed.
        message: String,
    },
    /// The record does not exist or the caller may not see it (Salesforce does not tell
    /// these apart, and neither does callbrief).
    #[error("{message}")]
    NotFound {
        /// What was not found.
        message: String,
    },
    /// The caller's Salesforce token is missing, forged, expired or from another org.
    #[error("{message}")]
    Unauthorized {
        /// Why, without the token.
        message: String,
    },
    /// The server is not set up for this operation (e.g. no Salesforce settings).
    #[error("{message}")]
    NotConfigured {
        /// Which setting is missing or wrong.
        message: String,
    },
    /// An upstream rate limit or quota is exhausted.
    #[error("{service} rate limit or API quota exhausted")]
    RateLimited {
        /// Which service.
        service: Upstream,
        /// How long the service asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// An upstream did not answer within its deadline.
    #[error("{service} did not answer in time")]
    DeadlineExceeded {
        /// Which service.
        service: Upstream,
        /// The deadline that passed, when known.
        limit: Option<Duration>,
    },
    /// Gong failed, with its own kind (credentials, failure, unreadable answer, unreachable,
    /// rate limit, deadline) kept so each front door can say which.
    #[error("Gong failed: {0}")]
    Gong(GongError),
    /// An upstream failed, refused callbrief's own credentials or answered garbage.
    #[error("{service} failed: {message}")]
    Upstream {
        /// Which service.
        service: Upstream,
        /// What failed.
        message: String,
    },
}

impl ServiceError {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Maps a Salesforce failure. `as_user` says whether the request ran with the caller's own
    /// token: then a rejected session is the caller's problem (401), not callbrief's.
    pub fn from_salesforce(err: SalesforceError, as_user: bool) -> Self {
        let service = Upstream::Salesforce;
        match err {
            SalesforceError::Unauthorized { .. } if as_user => ServiceError::Unauthorized {
                message: "Salesforce rejected the access token (expired, revoked or from another org); sign in again".into(),
            },
            SalesforceError::Unauthorized { code, .. } => ServiceError::Upstream {
                service,
                message: format!("Salesforce rejected callbrief's service session ({code}); check the SALESFORCE_* settings"),
            },
            SalesforceError::Auth { error, .. } => ServiceError::Upstream {
                service,
                message: format!("Salesforce refused callbrief's service credentials ({error}); check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET"),
            },
            SalesforceError::RequestLimit { .. } => ServiceError::RateLimited {
                service,
                retry_after: None,
            },
            SalesforceError::DeadlineExceeded(limit) => ServiceError::DeadlineExceeded {
                service,
                limit: Some(limit),
            },
            SalesforceError::Api {
                status,
                code,
                message,
            } if code == "INVALID_FIELD" || code == "INVALID_TYPE" => ServiceError::Upstream {
                service,
                message: format!(
                    "Salesforce answered {status} {code}: {message}; check the CALLBRIEF_GONG_* object and field names"
                ),
            },
            SalesforceError::Config(message) => ServiceError::NotConfigured { message },
            // Salesforce's own text and the OS's error go to the log, not to the caller.
            other => {
                tracing::warn!(error = %other, "Salesforce failed");
                let message = match other {
                    SalesforceError::Transport(_) => {
                        "the connection failed; try again shortly".to_owned()
                    }
                    SalesforceError::InvalidResponse(_) => {
                        "its answer could not be read; try again shortly".to_owned()
                    }
                    SalesforceError::Api { status, code, .. } => {
                        format!("it answered HTTP {status} ({code}); try again shortly")
                    }
                    SalesforceError::NotFound { code, .. } => {
                        format!("it answered 404 ({code})")
                    }
                    _ => "try again shortly".to_owned(),
                };
                ServiceError::Upstream { service, message }
            }
        }
    }
}

impl From<GongError> for ServiceError {
    /// Keeps the Gong failure whole; only a configuration error becomes
    /// [`ServiceError::NotConfigured`], since no retry can fix it.
    fn from(err: GongError) -> Self {
        match err {
            GongError::Config(message) => ServiceError::NotConfigured { message },
            other => ServiceError::Gong(other),
        }
    }
}

impl From<gong::wire::IdError> for ServiceError {
    fn from(err: gong::wire::IdError) -> Self {
        ServiceError::Validation {
            field: err.field,
            message: err.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_and_os_text_stay_out_of_messages_and_timeouts_are_timeouts() {
        let cases = [
            SalesforceError::Transport(
                "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
            ),
            SalesforceError::InvalidResponse("expected value at line 1 column 1: <html>".into()),
            SalesforceError::Api {
                status: 500,
                code: "UNKNOWN_EXCEPTION".into(),
                message: "An unexpected error occurred. Please include this ErrorId: 1234-5678".into(),
            },
        ];
        for err in cases {
            let shown = format!("{err}");
            match ServiceError::from_salesforce(err, true) {
                ServiceError::Upstream { message, .. } => {
                    for leak in ["os error", "<html>", "ErrorId", "tcp connect"] {
                        assert!(!message.contains(leak), "{message} (from {shown})");
                    }
                    assert!(message.contains("try again"), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            ServiceError::from_salesforce(
                SalesforceError::DeadlineExceeded(std::time::Duration::from_secs(10)),
                true
            ),
            ServiceError::DeadlineExceeded { .. }
        ));
    }

    #[test]
    fn a_rejected_user_session_is_unauthorized_but_a_service_one_is_upstream() {
        let err = || SalesforceError::Unauthorized {
            code: "INVALID_SESSION_ID".into(),
            message: "Session expired or invalid".into(),
        };
        assert!(matches!(
            ServiceError::from_salesforce(err(), true),
            ServiceError::Unauthorized { .. }
        ));
        assert!(matches!(
            ServiceError::from_salesforce(err(), false),
            ServiceError::Upstream {
                service: Upstream::Salesforce,
                ..
            }
        ));
    }

    #[test]
    fn limits_and_deadlines_keep_their_kind() {
        let e = ServiceError::from_salesforce(
            SalesforceError::RequestLimit {
                message: "x".into(),
            },
            true,
        );
        assert!(matches!(e, ServiceError::RateLimited { .. }));
        for refusal in [
            GongError::QuotaExhausted {
                resets_in: Duration::from_secs(600),
            },
            GongError::Busy {
                retry_after: Duration::from_secs(600),
            },
        ] {
            // Refused before reaching Gong: kept whole, so each front door can name the quota.
            let e = ServiceError::from(refusal.clone());
            assert!(
                matches!(&e, ServiceError::Gong(kept) if kept.to_string() == refusal.to_string()),
                "{e:?}"
            );
        }
        let e = ServiceError::from(GongError::DeadlineExceeded(Duration::from_secs(30)));
        assert!(matches!(
            e,
            ServiceError::Gong(GongError::DeadlineExceeded(_))
        ));
        let e = ServiceError::from_salesforce(
            SalesforceError::Api {
                status: 400,
                code: "INVALID_FIELD".into(),
                message: "No such column 'Gong__X__c'".into(),
            },
            false,
        );
        assert!(e.to_string().contains("CALLBRIEF_GONG_"), "{e}");
    }
}
