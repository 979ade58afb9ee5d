//! Who is asking: [`Caller`], and the short-lived cache of Salesforce token checks
//! ([`TokenCache`]); checking a token is the [`crate::caller`] use case.
//!
//! In Salesforce mode every request carries the person's own Salesforce access token. Asking
//! Salesforce who it belongs to on every request would double the latency of each call, so the
//! answer is kept for a short, settable time. The cache is keyed by a SHA-256 digest of the
//! token: raw tokens are never stored as keys, so a memory dump of the map does not yield
//! usable credentials by their keys. A revoked token keeps working for at most one TTL.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use sha2::{Digest, Sha256};

/// Default time a token check is trusted: one minute.
pub const DEFAULT_TOKEN_CACHE_TTL: Duration = Duration::from_secs(60);

/// Most cached token checks; beyond this, expired entries are dropped (and, if that is not
/// enough, all of them), so a flood of distinct tokens cannot grow memory without bound.
const MAX_CACHED_TOKENS: usize = 10_000;

/// The fairness key of every API-key holder: see [`Caller::fairness_key`].
pub const SERVICE_FAIRNESS_KEY: &str = "service";

/// Who a request acts for, which decides what Salesforce lets it see.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A holder of a callbrief API key: Salesforce is reached with the service credentials,
    /// and `/callTranscripts` serves any call id (the original middleware's model).
    ServiceAccount,
    /// A Salesforce user, signed in through OAuth: every Salesforce query runs with their
    /// token, so Salesforce's sharing rules decide what they see.
    SalesforceUser {
        /// The user's access token (redacted in debug output).
        token: SecretString,
        /// Salesforce user id (`005...`).
        user_id: String,
        /// Full name, for logs and greetings.
        name: String,
    },
}

impl Caller {
    /// The Salesforce user id, for logs (`None` for the service account).
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Caller::ServiceAccount => None,
            Caller::SalesforceUser { user_id, .. } => Some(user_id),
        }
    }

    /// Whose turn a Gong fetch takes in the client's round-robin: the Salesforce user id, or
    /// `service` for API-key holders (who share the service credentials, so they share a turn).
    /// Never a credential, since it may appear in logs and statistics.
    pub fn fairness_key(&self) -> &str {
        self.user_id().unwrap_or(SERVICE_FAIRNESS_KEY)
    }
}

/// What a successful token check established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Salesforce user id.
    pub user_id: String,
    /// Full name.
    pub name: String,
}

/// How long a token Salesforce refused is refused again without asking: a client retrying a
/// bad token (or a script trying many) costs one userinfo call per token, not one per request.
pub const REFUSAL_TTL: Duration = Duration::from_secs(30);

/// Token checks that are still fresh, by digest of the token: accepted ones for the TTL,
/// refused ones for [`REFUSAL_TTL`] (at most the TTL). Each map is a `moka` cache bounded to
/// [`MAX_CACHED_TOKENS`] entries whose entries also leave after their lifetime; freshness is
/// decided against the `now` a caller passes, so tests need no waiting.
pub struct TokenCache {
    ttl: Duration,
    entries: moka::sync::Cache<[u8; 32], (Instant, Identity)>,
    refused: moka::sync::Cache<[u8; 32], Instant>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("ttl", &self.ttl)
            .field("entries", &self.entries.entry_count())
            .finish_non_exhaustive()
    }
}

/// The cache key of `token`.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A map of at most [`MAX_CACHED_TOKENS`] entries, each gone `ttl` after it was written.
fn bounded<V: Clone + Send + Sync + 'static>(ttl: Duration) -> moka::sync::Cache<[u8; 32], V> {
    moka::sync::Cache::builder()
        .max_capacity(MAX_CACHED_TOKENS as u64)
        .time_to_live(ttl.max(Duration::from_millis(1)))
        .build()
}

impl TokenCache {
    /// An empty cache whose entries live `ttl` (zero turns caching off).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: bounded(ttl),
            refused: bounded(ttl.min(REFUSAL_TTL)),
        }
    }

    /// Whether Salesforce refused `token` less than [`REFUSAL_TTL`] before `now`.
    pub fn refused_recently(&self, token: &str, now: Instant) -> bool {
        let ttl = self.ttl.min(REFUSAL_TTL);
        self.refused
            .get(&digest(token))
            .is_some_and(|at| now.saturating_duration_since(at) < ttl)
    }

    /// Remembers that Salesforce refused `token` at `now`.
    pub fn put_refused(&self, token: &str, now: Instant) {
        if self.ttl.min(REFUSAL_TTL).is_zero() {
            return;
        }
        self.refused.insert(digest(token), now);
    }

    /// The identity checked for `token` less than a TTL before `now`.
    pub fn get(&self, token: &str, now: Instant) -> Option<Identity> {
        let key = digest(token);
        match self.entries.get(&key) {
            Some((at, identity)) if now.saturating_duration_since(at) < self.ttl => Some(identity),
            Some(_) => {
                self.entries.invalidate(&key);
                None
            }
            None => None,
        }
    }

    /// Remembers that `token` belonged to `identity` at `now`.
    pub fn put(&self, token: &str, identity: Identity, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        self.entries.insert(digest(token), (now, identity));
    }

    /// How many checks are cached (after pending evictions are applied).
    pub fn len(&self) -> usize {
        self.entries.run_pending_tasks();
        usize::try_from(self.entries.entry_count()).unwrap_or(usize::MAX)
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any key equals `bytes` (tests use it to show raw tokens are not keys).
    #[cfg(test)]
    fn has_key(&self, bytes: &[u8]) -> bool {
        self.entries.iter().any(|(k, _)| k.as_slice() == bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fairness_key_is_the_user_id_or_the_service_never_a_token() {
        let user = Caller::SalesforceUser {
            token: SecretString::from("00Dxx!secret-token"),
            user_id: "005A".into(),
            name: "Maya Chen".into(),
        };
        assert_eq!(user.fairness_key(), "005A");
        assert_eq!(Caller::ServiceAccount.fairness_key(), SERVICE_FAIRNESS_KEY);
    }

    fn maya() -> Identity {
        Identity {
            user_id: "005A".into(),
            name: "Maya Chen".into(),
        }
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = TokenCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        cache.put("tok", maya(), t0);
        assert_eq!(cache.get("tok", t0 + Duration::from_secs(59)), Some(maya()));
        assert_eq!(cache.get("other", t0), None);
        assert_eq!(cache.get("tok", t0 + Duration::from_secs(60)), None);
        assert!(cache.is_empty(), "an expired entry is dropped when read");
    }

    #[test]
    fn keys_are_digests_not_tokens() {
        let cache = TokenCache::new(Duration::from_secs(60));
        let token = "00Dxx0000001gPL!AQ4AQFakeTokenValue0123456789abcdef";
        cache.put(token, maya(), Instant::now());
        assert!(!cache.has_key(token.as_bytes()));
        assert!(!cache.has_key(&token.as_bytes()[..32]));
        assert!(cache.has_key(&digest(token)));
    }

    #[test]
    fn zero_ttl_caches_nothing_and_size_is_bounded() {
        let off = TokenCache::new(Duration::ZERO);
        off.put("t", maya(), Instant::now());
        assert!(off.is_empty());
        let cache = TokenCache::new(Duration::from_secs(60));
        let now = Instant::now();
        for i in 0..MAX_CACHED_TOKENS + 5 {
            cache.put(&format!("t{i}"), maya(), now);
        }
        assert!(cache.len() <= MAX_CACHED_TOKENS);
    }

    #[test]
    fn debug_output_hides_the_token() {
        let caller = Caller::SalesforceUser {
            token: SecretString::from("00D!secret-token"),
            user_id: "005A".into(),
            name: "Maya".into(),
        };
        let text = format!("{caller:?}");
        assert!(!text.contains("secret-token"), "{text}");
        assert_eq!(caller.user_id(), Some("005A"));
    }

    #[test]
    fn refusals_are_remembered_briefly_and_by_digest_only() {
        let cache = TokenCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(!cache.refused_recently("bogus", t0));
        cache.put_refused("bogus", t0);
        assert!(cache.refused_recently("bogus", t0 + Duration::from_secs(29)));
        assert!(!cache.refused_recently("bogus", t0 + REFUSAL_TTL));
        assert!(!cache.refused_recently("other", t0));
        assert!(
            cache.get("bogus", t0).is_none(),
            "a refusal is not an identity"
        );
        let off = TokenCache::new(Duration::ZERO);
        off.put_refused("bogus", t0);
        assert!(!off.refused_recently("bogus", t0));
    }
}
