//! Issued OAuth artifacts: access tokens (with an expiry), refresh tokens and one-time
//! authorization codes. Values are random; nothing is derived from user data.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// How long an authorization code stays redeemable (Salesforce: 15 minutes).
pub const CODE_TTL: Duration = Duration::from_secs(15 * 60);

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Never issued, or revoked.
    Unknown,
    /// Issued but past its lifetime.
    Expired,
}

/// A session an access token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The user the token acts as.
    pub user_id: String,
    /// Granted scopes, space-separated.
    pub scope: String,
}

#[derive(Debug, Clone)]
struct AccessToken {
    grant: Grant,
    expires: Instant,
}

/// A redeemable authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The user who logged in.
    pub user_id: String,
    /// The client the code was issued to.
    pub client_id: String,
    /// The callback the code was sent to; the token request must repeat it.
    pub redirect_uri: String,
    /// Scopes asked for.
    pub scope: String,
    expires: Instant,
}

/// Every live token and code of one simulator.
#[derive(Debug, Default)]
pub struct Sessions {
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, Grant>,
    codes: HashMap<String, Code>,
}

fn random(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

impl Sessions {
    /// Issues an access token for `grant` living `ttl`. Expired tokens are dropped first so the
    /// table does not grow without bound.
    pub fn issue_access(
        &mut self,
        org_id: &str,
        grant: Grant,
        ttl: Duration,
        now: Instant,
    ) -> String {
        self.access.retain(|_, t| t.expires > now);
        let token = random(&format!("{org_id}!"));
        self.access.insert(
            token.clone(),
            AccessToken {
                grant,
                expires: now + ttl,
            },
        );
        token
    }

    /// Issues a refresh token (they do not expire, as with Salesforce's default policy).
    pub fn issue_refresh(&mut self, grant: Grant) -> String {
        let token = random("5Aep861");
        self.refresh.insert(token.clone(), grant);
        token
    }

    /// The session of an access token.
    pub fn check_access(&self, token: &str, now: Instant) -> Result<Grant, TokenState> {
        match self.access.get(token) {
            Some(t) if t.expires > now => Ok(t.grant.clone()),
            Some(_) => Err(TokenState::Expired),
            None => Err(TokenState::Unknown),
        }
    }

    /// The grant behind a refresh token.
    pub fn check_refresh(&self, token: &str) -> Option<Grant> {
        self.refresh.get(token).cloned()
    }

    /// The grant behind a refresh token, which stops working (rotation).
    pub fn take_refresh(&mut self, token: &str) -> Option<Grant> {
        self.refresh.remove(token)
    }

    /// Issues a one-time authorization code.
    pub fn issue_code(
        &mut self,
        user_id: &str,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        now: Instant,
    ) -> String {
        self.codes.retain(|_, c| c.expires > now);
        let code = random("aPrx");
        self.codes.insert(
            code.clone(),
            Code {
                user_id: user_id.to_string(),
                client_id: client_id.to_string(),
                redirect_uri: redirect_uri.to_string(),
                scope: scope.to_string(),
                expires: now + CODE_TTL,
            },
        );
        code
    }

    /// Redeems a code: it is removed whether or not it is still valid, so it works only once.
    pub fn take_code(&mut self, code: &str, now: Instant) -> Option<Code> {
        self.codes.remove(code).filter(|c| c.expires > now)
    }

    /// Revokes an access or refresh token; answers whether it existed.
    pub fn revoke(&mut self, token: &str) -> bool {
        self.access.remove(token).is_some() | self.refresh.remove(token).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            user_id: "005Tt0000000001AAA".into(),
            scope: "api".into(),
        }
    }

    #[test]
    fn access_tokens_expire() {
        let mut s = Sessions::default();
        let now = Instant::now();
        let t = s.issue_access("00D", grant(), Duration::from_secs(10), now);
        assert!(t.starts_with("00D!"));
        assert_eq!(s.check_access(&t, now), Ok(grant()));
        assert_eq!(
            s.check_access(&t, now + Duration::from_secs(11)),
            Err(TokenState::Expired)
        );
        assert_eq!(s.check_access("nope", now), Err(TokenState::Unknown));
        assert!(s.revoke(&t));
        assert_eq!(s.check_access(&t, now), Err(TokenState::Unknown));
    }

    #[test]
    fn codes_work_once_and_expire() {
        let mut s = Sessions::default();
        let now = Instant::now();
        let c = s.issue_code("005x", "cid", "https://cb/x", "api", now);
        assert!(s.take_code(&c, now).is_some());
        assert!(s.take_code(&c, now).is_none());
        let c = s.issue_code("005x", "cid", "https://cb/x", "api", now);
        assert!(s
            .take_code(&c, now + CODE_TTL + Duration::from_secs(1))
            .is_none());
    }

    #[test]
    fn tokens_are_random() {
        let mut s = Sessions::default();
        assert_ne!(s.issue_refresh(grant()), s.issue_refresh(grant()));
    }
}
