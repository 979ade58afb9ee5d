//! One connection to Redis with its health: a short time limit on every operation, and a
//! failure marks the connection degraded. While degraded, callers work from their own tiers,
//! a warning is logged (again at most once a minute), Redis is tried again at most once per
//! [`PROBE_INTERVAL`], and the first success ends it. Keys carry the deployment's namespace
//! and a per-use prefix (`<namespace>:<tenant>:`, the namespace `callbrief` unless set), so
//! deployments sharing one Redis never read or overwrite each other's keys.

use std::future::Future;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::RedisResult;
use secrecy::{ExposeSecret as _, SecretString};

use crate::ConfigError;

/// How often a degraded store tries Redis again: often enough to recover within a second or
/// two of Redis coming back, rarely enough that a dead Redis costs requests nothing.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// The namespace of every key unless a deployment sets its own.
pub const DEFAULT_NAMESPACE: &str = "callbrief";
/// How often a warning is repeated while Redis stays unreachable.
const WARN_INTERVAL: Duration = Duration::from_secs(60);
/// Where Redis is and how long one operation may take.
#[derive(Clone)]
pub struct RedisTarget {
    /// `redis://[:password@]host[:port][/db]` or `rediss://`; never logged.
    pub url: SecretString,
    /// Time limit of one operation.
    pub timeout: Duration,
    /// The first part of every key ([`DEFAULT_NAMESPACE`] unless set): one per deployment
    /// sharing the Redis.
    pub namespace: String,
}

/// Checks a key namespace: 1 to 64 letters, digits, `-`, `_` or `.` (no `:`, `*` or spaces,
/// which would let one namespace's patterns match another's keys).
pub fn check_namespace(namespace: &str) -> Result<(), ConfigError> {
    let fine = (1..=64).contains(&namespace.len())
        && namespace
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fine {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "the Redis key prefix {namespace:?} must be 1 to 64 letters, digits, '-', '_' or '.'"
        )))
    }
}

impl std::fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTarget")
            .field("at", &redacted(self.url.expose_secret()))
            .field("timeout", &self.timeout)
            .field("namespace", &self.namespace)
            .finish()
    }
}

/// Whether this client's shared state is in use; for readiness checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedHealth {
    /// No Redis configured: this replica counts alone.
    Off,
    /// Redis answers: limits, claims and the shared cache tier are shared.
    Ok,
    /// Redis does not answer: this replica works alone at the degraded rate until it does.
    Degraded(String),
}

/// Checks a Redis URL without echoing it (it may hold a password).
pub fn check_url(raw: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| ConfigError(format!("the Redis URL is not a valid URL ({e})")))?;
    if url.scheme() != "redis" && url.scheme() != "rediss" {
        return Err(ConfigError(format!(
            "the Redis URL must start with redis:// or rediss://, not {}://",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError("the Redis URL has no host".into()));
    }
    redis::Client::open(raw.trim())
        .map(drop)
        .map_err(|e| ConfigError(format!("the Redis URL is not usable ({:?})", e.kind())))
}

/// Scheme, host and port of a Redis URL: what logs may show of it.
pub fn redacted(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(url) => format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or("?"),
            url.port().unwrap_or(6379)
        ),
        Err(_) => "an unparsable URL".to_owned(),
    }
}

#[derive(Debug, Default)]
struct Health {
    /// Why Redis is not in use, while it is not.
    degraded: Option<String>,
    /// When the next try may go to Redis while degraded.
    retry_at: Option<std::time::Instant>,
    last_warning: Option<std::time::Instant>,
}

/// One use's connection to Redis (lazy: a Redis down at start only degrades it).
pub struct Redis {
    client: redis::Client,
    manager: OnceLock<ConnectionManager>,
    namespace: String,
    prefix: String,
    at: String,
    timeout: Duration,
    health: Mutex<Health>,
}

impl Redis {
    /// The connection for `tenant` (its keys start `<namespace>:<tenant>:`).
    pub fn new(target: &RedisTarget, tenant: &str) -> Result<Self, ConfigError> {
        let raw = target.url.expose_secret().trim();
        check_url(raw)?;
        check_namespace(&target.namespace)?;
        let client = redis::Client::open(raw)
            .map_err(|e| ConfigError(format!("the Redis URL is not usable ({:?})", e.kind())))?;
        Ok(Self {
            client,
            manager: OnceLock::new(),
            namespace: target.namespace.clone(),
            prefix: format!("{}:{tenant}:", target.namespace),
            at: redacted(raw),
            timeout: target.timeout,
            health: Mutex::new(Health::default()),
        })
    }

    /// The full key of `suffix` under this connection's prefix.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// The full key of `suffix` under the deployment's namespace alone (what every tenant of
    /// the deployment shares).
    pub fn namespace_key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.namespace)
    }

    /// Every key matching `pattern` (`SCAN`, a page at a time, so Redis is never blocked);
    /// `None` when Redis did not answer.
    pub async fn scan(&self, pattern: &str) -> Option<Vec<String>> {
        let mut keys = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let pattern = pattern.to_owned();
            let (next, page): (u64, Vec<String>) = self
                .run("scan", |mut conn| async move {
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(pattern)
                        .arg("COUNT")
                        .arg(1000)
                        .query_async(&mut conn)
                        .await
                })
                .await?;
            keys.extend(page);
            if next == 0 {
                keys.sort();
                keys.dedup();
                return Some(keys);
            }
            cursor = next;
        }
    }

    fn health_lock(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last known health.
    pub fn health(&self) -> SharedHealth {
        match &self.health_lock().degraded {
            None => SharedHealth::Ok,
            Some(reason) => SharedHealth::Degraded(reason.clone()),
        }
    }

    /// Whether the last operation failed (the local rate applies).
    pub fn is_degraded(&self) -> bool {
        self.health_lock().degraded.is_some()
    }

    /// Whether an operation may go to Redis now: always when healthy, once per probe interval
    /// when degraded.
    fn may_try(&self) -> bool {
        let mut health = self.health_lock();
        if health.degraded.is_none() {
            return true;
        }
        let now = std::time::Instant::now();
        if health.retry_at.is_some_and(|at| at > now) {
            return false;
        }
        health.retry_at = Some(now + PROBE_INTERVAL);
        true
    }

    fn succeeded(&self) {
        let mut health = self.health_lock();
        if health.degraded.take().is_some() {
            health.retry_at = None;
            tracing::warn!(at = %self.at, "redis answers again; gong limits and cache shared again");
        }
    }

    /// Marks the connection degraded because `op` failed for `reason` (also for answers that
    /// came back but make no sense).
    pub fn failed(&self, op: &'static str, reason: String) {
        let mut health = self.health_lock();
        let now = std::time::Instant::now();
        let first = health.degraded.is_none();
        let due = health
            .last_warning
            .is_none_or(|at| now.duration_since(at) >= WARN_INTERVAL);
        if first || due {
            tracing::warn!(
                at = %self.at,
                op,
                %reason,
                "redis unavailable; this replica works alone at its degraded request rate"
            );
            health.last_warning = Some(now);
        }
        health.degraded = Some(reason);
        health.retry_at = Some(now + PROBE_INTERVAL);
    }

    fn manager(&self) -> Result<ConnectionManager, String> {
        if let Some(manager) = self.manager.get() {
            return Ok(manager.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(self.timeout);
        let manager = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| format!("cannot set up the connection ({:?})", e.kind()))?;
        Ok(self.manager.get_or_init(|| manager).clone())
    }

    /// Runs one operation within the time limit; `None` when Redis is skipped or failed.
    pub async fn run<T, F, Fut>(&self, op: &'static str, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if !self.may_try() {
            return None;
        }
        let conn = match self.manager() {
            Ok(conn) => conn,
            Err(reason) => {
                self.failed(op, reason);
                return None;
            }
        };
        match tokio::time::timeout(self.timeout, f(conn)).await {
            Ok(Ok(value)) => {
                self.succeeded();
                Some(value)
            }
            Ok(Err(error)) if !error.is_timeout() => {
                // Redis errors name the failure (refused, auth, script), never the URL.
                self.failed(op, error.to_string());
                None
            }
            Ok(Err(_)) | Err(_) => {
                self.failed(
                    op,
                    format!("no answer within {} ms", self.timeout.as_millis()),
                );
                None
            }
        }
    }

    /// Pings Redis now (even while degraded) and returns the health that follows.
    pub async fn probe(&self) -> SharedHealth {
        self.health_lock().retry_at = None;
        self.run("ping", |mut conn| async move {
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await;
        self.health()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_never_echoed() {
        assert!(check_url("redis://127.0.0.1:6379").is_ok());
        assert!(check_url("rediss://:hunter2@cache.example.com:6380/0").is_ok());
        for bad in ["", "http://x:hunter2@h", "redis://", "not a url hunter2"] {
            match check_url(bad) {
                Err(ConfigError(msg)) => assert!(!msg.contains("hunter2"), "{msg}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(
            redacted("rediss://user:hunter2@cache.example.com:6380/2"),
            "rediss://cache.example.com:6380"
        );
        assert_eq!(redacted("redis://:pw@h"), "redis://h:6379");
    }
}
