//! The caller use case: which Salesforce user a token stands for ([`Caller`]), checked with
//! Salesforce and remembered briefly in the [`crate::identity::TokenCache`].

use std::time::Instant;

use salesforce::SalesforceError;
use secrecy::SecretString;

use crate::access::same_id;
use crate::error::ServiceError;
use crate::identity::{Caller, Identity};
use crate::service::{Service, TOKEN_CACHE_HITS, TOKEN_CACHE_MISSES};

impl Service {
    /// Checks a Salesforce access token (Salesforce's userinfo, cached for the TTL) and returns
    /// the caller it stands for. Forged, expired, revoked and other-org tokens are
    /// [`ServiceError::Unauthorized`]; an unreachable Salesforce is not (the token may be fine).
    pub async fn authenticate_salesforce_token(&self, token: &str) -> Result<Caller, ServiceError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(ServiceError::Unauthorized {
                message: "missing Salesforce access token".into(),
            });
        }
        let caller = |identity: Identity| Caller::SalesforceUser {
            token: SecretString::from(token.to_owned()),
            user_id: identity.user_id,
            name: identity.name,
        };
        if let Some(identity) = self.tokens.get(token, Instant::now()) {
            metrics::counter!(TOKEN_CACHE_HITS).increment(1);
            return Ok(caller(identity));
        }
        metrics::counter!(TOKEN_CACHE_MISSES).increment(1);
        let refused = || ServiceError::Unauthorized {
            message: "Salesforce did not accept the access token (forged, expired, revoked or \
                      from another org); sign in again"
                .into(),
        };
        if self.tokens.refused_recently(token, Instant::now()) {
            return Err(refused());
        }
        let client = self
            .base_salesforce()?
            .with_access_token(SecretString::from(token.to_owned()));
        let info = client.userinfo().await.map_err(|err| match err {
            SalesforceError::Unauthorized { .. }
            | SalesforceError::NotFound { .. }
            | SalesforceError::Api { status: 403, .. } => {
                self.tokens.put_refused(token, Instant::now());
                refused()
            }
            other => ServiceError::from_salesforce(other, true),
        })?;
        if let Some(expected) = &self.options.expected_org_id {
            if !same_id(expected, &info.organization_id) {
                tracing::info!("refused a Salesforce token of another org");
                self.tokens.put_refused(token, Instant::now());
                return Err(ServiceError::Unauthorized {
                    message: "the access token belongs to another Salesforce org".into(),
                });
            }
        }
        let identity = Identity {
            user_id: info.user_id,
            name: info.name,
        };
        self.tokens.put(token, identity.clone(), Instant::now());
        tracing::debug!(user_id = %identity.user_id, "salesforce token accepted");
        Ok(caller(identity))
    }

    /// Whether `token` was checked and accepted within the token cache's TTL, so using it
    /// costs no Salesforce call (a front door's sign-in limit spares such requests).
    pub fn knows_salesforce_token(&self, token: &str) -> bool {
        self.tokens.get(token.trim(), Instant::now()).is_some()
    }
}
