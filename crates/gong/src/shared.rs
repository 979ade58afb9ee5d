//! What replicas share through Redis: the sliding window, the 429 pause, the daily count,
//! single-flight claims and a cache tier.
//!
//! Gong's limits are per company, so replicas serving one company must count together. Every
//! step that reads and writes the count is one Lua script, so it is atomic on the server, and
//! the window runs on Redis's clock (`TIME`) so that replicas with drifting clocks still share
//! one window. Keys are `callbrief:<tenant>:...` (the tenant is the cache's hash of base URL and
//! credential identity) and every key has an expiry:
//!
//! | key | what | expiry |
//! |---|---|---|
//! | `window` | sorted set of send instants (µs, Redis time) | 2 s after the last send |
//! | `pause` | present while a 429's `Retry-After` lasts | the pause |
//! | `day:<n>` | requests counted on UTC day `n` | 2 days |
//! | `claim:<lane>/<id>` | the replica fetching a call now | 60 s, or deleted when done |
//! | `pending:<lane>` | ids replicas wait for, scored by deadline, for others' requests to take along | 2 min after the last addition |
//! | `call:<lane>/<id>` | a cached answer, sealed as on disk | the cache's TTL |
//!
//! Redis is help, never a dependency: each operation has a short time limit, and a failure
//! marks the store degraded. While degraded the client works from its own tiers with a
//! conservative local rate, logs a warning (again at most once a minute), tries Redis again
//! at most once per [`PROBE_INTERVAL`], and is back on the shared state at the first success.

use std::future::Future;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};
use secrecy::ExposeSecret as _;

use crate::config::{check_url, redacted, RedisConfig};
use crate::GongError;

/// How often a degraded store tries Redis again: often enough to recover within a second or
/// two of Redis coming back, rarely enough that a dead Redis costs requests nothing.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// How often a warning is repeated while Redis stays unreachable.
const WARN_INTERVAL: Duration = Duration::from_secs(60);
/// How long the sliding window's set outlives its last send.
const WINDOW_KEY_TTL_MS: u64 = 2_000;
/// How long a lane's waiting set outlives its last addition: longer than any deadline.
const PENDING_KEY_TTL_MS: u64 = 120_000;
/// How long a day's count outlives the day (so a late replica still sees it).
const DAY_KEY_TTL_SECS: u64 = 2 * 24 * 60 * 60;

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

/// What the window script answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SharedSlot {
    Granted,
    /// Retry after this long (window full, or paused).
    Wait(Duration),
    QuotaSpent,
}

/// Takes a slot: KEYS window, pause, day; ARGV per_second, daily_limit, window µs, member
/// suffix, window key TTL ms, day key TTL s. Answers {0} granted, {1, wait_ms}, {2} quota spent.
const TAKE_SLOT: &str = r"
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return {1, pause} end
local daily = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
if daily > 0 and used >= daily then return {2, 0} end
local per_second = tonumber(ARGV[1])
if per_second > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local window = tonumber(ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if redis.call('ZCARD', KEYS[1]) >= per_second then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + window - now
    return {1, math.max(1, math.ceil(wait / 1000))}
  end
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[6])
return {0, 0}
";

/// Free slots and pause: KEYS window, pause; ARGV per_second, window µs. Answers {free, pause_ms}.
const PEEK: &str = r"
local pause = math.max(0, redis.call('PTTL', KEYS[2]))
local per_second = tonumber(ARGV[1])
if per_second == 0 then return {-1, pause} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[2])), '+inf')
return {math.max(0, per_second - n), pause}
";

/// Time until a slot frees: KEYS window, pause; ARGV per_second, window µs. Answers ms (0 = now).
const SLOT_WAIT: &str = r"
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return pause end
local per_second = tonumber(ARGV[1])
if per_second == 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf', 'WITHSCORES')
local n = #live / 2
if n < per_second then return 0 end
local oldest = tonumber(live[2 * (n - per_second) + 2])
return math.max(1, math.ceil((oldest + window - now) / 1000))
";

/// Pauses everyone: KEYS pause; ARGV ms. A shorter pause never shortens a longer one.
const PAUSE: &str = r"
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
";

/// Claims: KEYS the claims; ARGV owner, ttl ms. Answers 1 per key claimed, 0 per key held.
const CLAIM: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then out[i] = 1 else out[i] = 0 end
end
return out
";

/// Takes up to ARGV[1] ids waiting in KEYS[1] (a sorted set scored by their askers' deadline,
/// Unix ms), most urgent first, after dropping those whose askers have given up.
const POP_PENDING: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local popped = redis.call('ZPOPMIN', KEYS[1], ARGV[1])
local out = {}
for i = 1, #popped, 2 do out[#out + 1] = popped[i] end
return out
";

/// Releases: KEYS the claims; ARGV owner. Only this owner's claims are removed.
const RELEASE: &str = r"
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
";

fn script(cell: &'static OnceLock<Script>, source: &str) -> &'static Script {
    cell.get_or_init(|| Script::new(source))
}

#[derive(Debug, Default)]
struct Health {
    /// Why Redis is not in use, while it is not.
    degraded: Option<String>,
    /// When the next try may go to Redis while degraded.
    retry_at: Option<std::time::Instant>,
    last_warning: Option<std::time::Instant>,
}

/// One client's view of the shared state in Redis.
pub(crate) struct SharedStore {
    client: redis::Client,
    manager: OnceLock<ConnectionManager>,
    prefix: String,
    /// This replica's name in claims, so it only ever releases its own.
    owner: String,
    at: String,
    timeout: Duration,
    health: Mutex<Health>,
}

impl SharedStore {
    /// The store for `tenant`; connects lazily, so a Redis down at start only degrades.
    pub(crate) fn new(config: &RedisConfig, tenant: &str) -> Result<Self, GongError> {
        let raw = config.url.expose_secret().trim();
        check_url(raw)?;
        let client = redis::Client::open(raw).map_err(|e| {
            GongError::Config(format!("the Redis URL is not usable ({:?})", e.kind()))
        })?;
        Ok(Self {
            client,
            manager: OnceLock::new(),
            prefix: format!("callbrief:{tenant}:"),
            owner: format!("{:016x}", fastrand::u64(..)),
            at: redacted(raw),
            timeout: config.timeout,
            health: Mutex::new(Health::default()),
        })
    }

    fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// The key of a cached answer.
    pub(crate) fn call_key(&self, lane: &str, id: &str) -> String {
        self.key(&format!("call:{lane}/{id}"))
    }

    fn claim_key(&self, key: &str) -> String {
        self.key(&format!("claim:{key}"))
    }

    fn health_lock(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last known health.
    pub(crate) fn health(&self) -> SharedHealth {
        match &self.health_lock().degraded {
            None => SharedHealth::Ok,
            Some(reason) => SharedHealth::Degraded(reason.clone()),
        }
    }

    /// Whether the last operation failed (the local rate applies).
    pub(crate) fn is_degraded(&self) -> bool {
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

    fn failed(&self, op: &'static str, reason: String) {
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
    async fn run<T, F, Fut>(&self, op: &'static str, f: F) -> Option<T>
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
    pub(crate) async fn probe(&self) -> SharedHealth {
        self.health_lock().retry_at = None;
        self.run("ping", |mut conn| async move {
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await;
        self.health()
    }

    /// Takes one slot of the shared window and daily count for UTC day `day`.
    pub(crate) async fn take_slot(
        &self,
        per_second: u32,
        daily_limit: u32,
        window: Duration,
        day: u64,
    ) -> Option<SharedSlot> {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        let keys = [
            self.key("window"),
            self.key("pause"),
            self.key(&format!("day:{day}")),
        ];
        let member = format!("{}:{:08x}", self.owner, fastrand::u32(..));
        let window_us = u64::try_from(window.as_micros()).unwrap_or(u64::MAX);
        let answer: Vec<i64> = self
            .run("take_slot", |mut conn| async move {
                script(&SCRIPT, TAKE_SLOT)
                    .key(&keys[..])
                    .arg(per_second)
                    .arg(daily_limit)
                    .arg(window_us)
                    .arg(member)
                    .arg(WINDOW_KEY_TTL_MS)
                    .arg(DAY_KEY_TTL_SECS)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        match answer.as_slice() {
            [0, ..] => Some(SharedSlot::Granted),
            [1, ms, ..] => Some(SharedSlot::Wait(Duration::from_millis(
                u64::try_from(*ms).unwrap_or(1).max(1),
            ))),
            [2, ..] => Some(SharedSlot::QuotaSpent),
            _ => {
                self.failed("take_slot", "an unexpected answer".into());
                None
            }
        }
    }

    /// Free slots in the shared window (`u32::MAX` when unlimited) and the pause left.
    pub(crate) async fn peek(&self, per_second: u32, window: Duration) -> Option<(u32, Duration)> {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        let keys = [self.key("window"), self.key("pause")];
        let window_us = u64::try_from(window.as_micros()).unwrap_or(u64::MAX);
        let answer: Vec<i64> = self
            .run("peek", |mut conn| async move {
                script(&SCRIPT, PEEK)
                    .key(&keys[..])
                    .arg(per_second)
                    .arg(window_us)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        let [free, pause_ms] = answer.as_slice() else {
            return None;
        };
        let free = if *free < 0 {
            u32::MAX
        } else {
            u32::try_from(*free).unwrap_or(u32::MAX)
        };
        Some((
            free,
            Duration::from_millis(u64::try_from(*pause_ms).unwrap_or(0)),
        ))
    }

    /// How long until the shared window has a free slot (zero: now), without taking it.
    pub(crate) async fn slot_wait(&self, per_second: u32, window: Duration) -> Option<Duration> {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        let keys = [self.key("window"), self.key("pause")];
        let window_us = u64::try_from(window.as_micros()).unwrap_or(u64::MAX);
        let ms: i64 = self
            .run("slot_wait", |mut conn| async move {
                script(&SCRIPT, SLOT_WAIT)
                    .key(&keys[..])
                    .arg(per_second)
                    .arg(window_us)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }

    /// Pauses every replica for `wait`.
    pub(crate) async fn pause(&self, wait: Duration) {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        let key = self.key("pause");
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run("pause", |mut conn| async move {
            script(&SCRIPT, PAUSE)
                .key(key)
                .arg(ms)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await;
    }

    /// Requests counted on UTC day `day` by every replica.
    pub(crate) async fn daily_used(&self, day: u64) -> Option<u32> {
        let key = self.key(&format!("day:{day}"));
        let used: Option<u32> = self
            .run("daily_used", |mut conn| async move {
                redis::cmd("GET").arg(key).query_async(&mut conn).await
            })
            .await?;
        Some(used.unwrap_or(0))
    }

    /// Claims each key for `ttl`; `true` where this replica now holds it.
    pub(crate) async fn claim_many(&self, keys: &[String], ttl: Duration) -> Option<Vec<bool>> {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        if keys.is_empty() {
            return Some(Vec::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.claim_key(k)).collect();
        let owner = self.owner.clone();
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let n = keys.len();
        let answer: Vec<i64> = self
            .run("claim", |mut conn| async move {
                script(&SCRIPT, CLAIM)
                    .key(keys)
                    .arg(owner)
                    .arg(ms)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        (answer.len() == n).then(|| answer.into_iter().map(|a| a == 1).collect())
    }

    /// Announces ids this replica waits for in `lane`, so that a replica whose request has room
    /// can take them along; `deadline_ms` (Unix ms) is when their askers give up.
    pub(crate) async fn push_pending(&self, lane: &str, ids: &[String], deadline_ms: u64) {
        if ids.is_empty() {
            return;
        }
        let key = self.key(&format!("pending:{lane}"));
        let ids = ids.to_vec();
        self.run("push_pending", |mut conn| async move {
            let mut pipe = redis::pipe();
            let mut zadd = redis::cmd("ZADD");
            zadd.arg(&key);
            for id in &ids {
                zadd.arg(deadline_ms).arg(id);
            }
            pipe.add_command(zadd).ignore();
            pipe.cmd("PEXPIRE")
                .arg(&key)
                .arg(PENDING_KEY_TTL_MS)
                .ignore();
            pipe.query_async::<()>(&mut conn).await
        })
        .await;
    }

    /// Takes up to `n` ids other replicas (or this one) wait for in `lane`.
    pub(crate) async fn pop_pending(&self, lane: &str, n: usize) -> Vec<String> {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        if n == 0 {
            return Vec::new();
        }
        let key = self.key(&format!("pending:{lane}"));
        self.run("pop_pending", |mut conn| async move {
            script(&SCRIPT, POP_PENDING)
                .key(key)
                .arg(n)
                .invoke_async::<Vec<String>>(&mut conn)
                .await
        })
        .await
        .unwrap_or_default()
    }

    /// Withdraws ids from `lane`'s waiting set (they are being fetched).
    pub(crate) async fn remove_pending(&self, lane: &str, ids: &[String]) {
        if ids.is_empty() {
            return;
        }
        let key = self.key(&format!("pending:{lane}"));
        let ids = ids.to_vec();
        self.run("remove_pending", |mut conn| async move {
            redis::cmd("ZREM")
                .arg(key)
                .arg(ids)
                .query_async::<i64>(&mut conn)
                .await
        })
        .await;
    }

    /// Whether each key is still claimed by someone.
    pub(crate) async fn claims_held(&self, keys: &[String]) -> Option<Vec<bool>> {
        if keys.is_empty() {
            return Some(Vec::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.claim_key(k)).collect();
        let n = keys.len();
        let held: Vec<Option<String>> = self
            .run("claims_held", |mut conn| async move {
                redis::cmd("MGET").arg(keys).query_async(&mut conn).await
            })
            .await?;
        (held.len() == n).then(|| held.into_iter().map(|h| h.is_some()).collect())
    }

    /// Gives this replica's claims back.
    pub(crate) async fn release_many(&self, keys: &[String]) {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        if keys.is_empty() {
            return;
        }
        let keys: Vec<String> = keys.iter().map(|k| self.claim_key(k)).collect();
        let owner = self.owner.clone();
        self.run("release", |mut conn| async move {
            script(&SCRIPT, RELEASE)
                .key(keys)
                .arg(owner)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await;
    }

    /// The stored values of `keys` (full keys, from [`Self::call_key`]).
    pub(crate) async fn get_many(&self, keys: Vec<String>) -> Option<Vec<Option<Vec<u8>>>> {
        if keys.is_empty() {
            return Some(Vec::new());
        }
        let n = keys.len();
        let values: Vec<Option<Vec<u8>>> = self
            .run("cache_get", |mut conn| async move {
                redis::cmd("MGET").arg(keys).query_async(&mut conn).await
            })
            .await?;
        (values.len() == n).then_some(values)
    }

    /// A sealed vault record (see [`crate::vault`]); `None` when Redis did not answer.
    pub(crate) async fn vault_get(&self, name: &str) -> Option<Option<Vec<u8>>> {
        let key = self.key(&format!("vault:{name}"));
        self.run("vault_get", |mut conn| async move {
            redis::cmd("GET").arg(key).query_async(&mut conn).await
        })
        .await
    }

    /// Removes a vault record and returns it, atomically (`GETDEL`).
    pub(crate) async fn vault_take(&self, name: &str) -> Option<Option<Vec<u8>>> {
        let key = self.key(&format!("vault:{name}"));
        self.run("vault_take", |mut conn| async move {
            redis::cmd("GETDEL").arg(key).query_async(&mut conn).await
        })
        .await
    }

    /// Stores a vault record living `ttl`; `None` when Redis did not answer.
    pub(crate) async fn vault_set(&self, name: &str, value: Vec<u8>, ttl: Duration) -> Option<()> {
        let key = self.key(&format!("vault:{name}"));
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run("vault_set", |mut conn| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .query_async::<()>(&mut conn)
                .await
        })
        .await
    }

    /// Creates a vault claim living `ttl` unless one exists (`SET NX PX`): `Some(true)` when
    /// this caller got it, `None` when Redis did not answer.
    pub(crate) async fn vault_claim(&self, name: &str, ttl: Duration) -> Option<bool> {
        let key = self.key(&format!("vault:{name}"));
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run("vault_claim", |mut conn| async move {
            redis::cmd("SET")
                .arg(key)
                .arg("claimed")
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .query_async::<Option<String>>(&mut conn)
                .await
        })
        .await
        .map(|set| set.is_some())
    }

    /// Stores values, each with its own expiry.
    pub(crate) async fn set_many(&self, rows: Vec<(String, Vec<u8>, Duration)>) {
        if rows.is_empty() {
            return;
        }
        self.run("cache_set", |mut conn| async move {
            let mut pipe = redis::pipe();
            for (key, value, ttl) in rows {
                let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
                pipe.cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("PX")
                    .arg(ms)
                    .ignore();
            }
            pipe.query_async::<()>(&mut conn).await
        })
        .await;
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
                Err(GongError::Config(msg)) => assert!(!msg.contains("hunter2"), "{msg}"),
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
