//! What replicas share through Redis: the sliding window, the 429 pause, the daily count,
//! single-flight claims and a cache tier.
//!
//! Gong's limits are per company, so replicas serving one company must count together. Every
//! step that reads and writes the count is one Lua script, so it is atomic on the server, and
//! the window runs on Redis's clock (`TIME`) so that replicas with drifting clocks still share
//! one window. Keys are `<prefix>:<tenant>:...` (the tenant is the cache's hash of base URL and
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

use std::sync::OnceLock;
use std::time::Duration;

use redis::Script;

use crate::config::RedisConfig;
use crate::GongError;
pub use store::redis::{SharedHealth, PROBE_INTERVAL};

/// How long the sliding window's set outlives its last send.
const WINDOW_KEY_TTL_MS: u64 = 2_000;
/// How long a lane's waiting set outlives its last addition: longer than any deadline.
const PENDING_KEY_TTL_MS: u64 = 120_000;
/// How long a day's count outlives the day (so a late replica still sees it).
const DAY_KEY_TTL_SECS: u64 = 2 * 24 * 60 * 60;

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

/// Adds a replica's own sends while it went alone to the shared window and day: KEYS window,
/// day; ARGV window key TTL ms, day key TTL s, member prefix, requests to add to the day, then
/// the age in µs of each send still within the window. Answers 1.
const MERGE_SENDS: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 5, #ARGV do
  local at = now - tonumber(ARGV[i])
  redis.call('ZADD', KEYS[1], at, at .. ':' .. ARGV[3] .. ':' .. i)
end
if #ARGV >= 5 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local alone = tonumber(ARGV[4])
if alone > 0 then
  redis.call('INCRBY', KEYS[2], alone)
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
return 1
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

/// One client's view of the shared state in Redis: the connection (with its health) and
/// this replica's name in claims.
pub(crate) struct SharedStore {
    redis: store::redis::Redis,
    /// This replica's name in claims, so it only ever releases its own.
    owner: String,
}

impl std::ops::Deref for SharedStore {
    type Target = store::redis::Redis;

    fn deref(&self) -> &Self::Target {
        &self.redis
    }
}

impl SharedStore {
    /// The store for `tenant`; connects lazily, so a Redis down at start only degrades.
    pub(crate) fn new(config: &RedisConfig, tenant: &str) -> Result<Self, GongError> {
        Ok(Self {
            redis: store::redis::Redis::new(&config.target(), tenant)?,
            owner: format!("{:016x}", fastrand::u64(..)),
        })
    }

    /// The key of a cached answer.
    pub(crate) fn call_key(&self, lane: &str, id: &str) -> String {
        self.key(&format!("call:{lane}/{id}"))
    }

    fn claim_key(&self, key: &str) -> String {
        self.key(&format!("claim:{key}"))
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

    /// Tells the other replicas what this one sent while it went alone: `ages` (how long ago
    /// each send still within the window left) join the shared window, and `alone` requests
    /// the count of UTC day `day`. `None` while Redis does not answer.
    pub(crate) async fn merge_sends(&self, ages: &[Duration], alone: u32, day: u64) -> Option<()> {
        static SCRIPT: OnceLock<Script> = OnceLock::new();
        let keys = [self.key("window"), self.key(&format!("day:{day}"))];
        let member = format!("{}:{:08x}", self.owner, fastrand::u32(..));
        let ages: Vec<u64> = ages
            .iter()
            .map(|age| u64::try_from(age.as_micros()).unwrap_or(u64::MAX))
            .collect();
        let _: i64 = self
            .run("merge_sends", |mut conn| async move {
                script(&SCRIPT, MERGE_SENDS)
                    .key(&keys[..])
                    .arg(WINDOW_KEY_TTL_MS)
                    .arg(DAY_KEY_TTL_SECS)
                    .arg(member)
                    .arg(alone)
                    .arg(ages)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Some(())
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

    /// The pattern of every cached answer's key, every tenant of the deployment.
    fn every_call_pattern(&self, lane_prefix: &str) -> String {
        self.namespace_key(&format!("*:call:{lane_prefix}*"))
    }

    /// The cache's local key (`tenant/lane/id`) of a Redis key of a cached answer
    /// (`<namespace>:<tenant>:call:<lane>/<id>`), which any tenant of the deployment wrote.
    pub(crate) fn local_key(&self, redis_key: &str) -> Option<Vec<u8>> {
        let rest = redis_key.strip_prefix(&self.namespace_key(""))?;
        let (tenant, call) = rest.split_once(":call:")?;
        Some(format!("{tenant}/{call}").into_bytes())
    }

    /// Removes every cached answer about the calls `ids` (every lane, every tenant of the
    /// deployment) and records the erasure in the deployment's erase log, which every replica
    /// follows to drop its own copies ([`Self::erased_since`]); entries older than `keep_log`
    /// leave the log. Returns the ids that had an answer here; `None` when Redis did not answer.
    pub(crate) async fn erase_calls(
        &self,
        ids: &[String],
        keep_log: Duration,
    ) -> Option<Vec<String>> {
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let keys: Vec<String> = self
            .scan(&self.every_call_pattern(""))
            .await?
            .into_iter()
            .filter(|k| k.rsplit('/').next().is_some_and(|id| wanted.contains(id)))
            .collect();
        let mut found: Vec<String> = keys
            .iter()
            .filter_map(|k| k.rsplit('/').next().map(str::to_owned))
            .collect();
        found.sort();
        found.dedup();
        let log = self.namespace_key("erased");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let oldest = now_ms.saturating_sub(u64::try_from(keep_log.as_millis()).unwrap_or(u64::MAX));
        let ids = ids.to_vec();
        self.run("cache_erase", |mut conn| async move {
            let mut pipe = redis::pipe();
            pipe.atomic();
            if !keys.is_empty() {
                pipe.cmd("DEL").arg(keys).ignore();
            }
            for id in ids {
                pipe.cmd("ZADD").arg(&log).arg(now_ms).arg(id).ignore();
            }
            pipe.cmd("ZREMRANGEBYSCORE")
                .arg(&log)
                .arg("-inf")
                .arg(format!("({oldest}"))
                .ignore();
            pipe.query_async::<()>(&mut conn).await
        })
        .await?;
        Some(found)
    }

    /// The calls erased after `since_ms` (Unix milliseconds) and when, from the deployment's
    /// erase log; `None` when Redis did not answer.
    pub(crate) async fn erased_since(&self, since_ms: u64) -> Option<Vec<(String, u64)>> {
        let log = self.namespace_key("erased");
        self.run("cache_erased_since", |mut conn| async move {
            redis::cmd("ZRANGEBYSCORE")
                .arg(log)
                .arg(format!("({since_ms}"))
                .arg("+inf")
                .arg("WITHSCORES")
                .query_async(&mut conn)
                .await
        })
        .await
    }

    /// The ids of this tenant's cached answers (any lane); `None` when Redis did not answer.
    pub(crate) async fn tenant_call_ids(&self) -> Option<Vec<String>> {
        let keys = self.scan(&self.key("call:*")).await?;
        Some(
            keys.iter()
                .filter_map(|k| k.rsplit('/').next().map(str::to_owned))
                .collect(),
        )
    }

    /// Every cached call's details (key and stored value), every tenant of the deployment;
    /// `None` when Redis did not answer.
    pub(crate) async fn call_values(&self) -> Option<Vec<(String, Vec<u8>)>> {
        let keys = self.scan(&self.every_call_pattern("e:")).await?;
        let mut rows = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(500) {
            let values = self.get_many(chunk.to_vec()).await?;
            rows.extend(
                chunk
                    .iter()
                    .cloned()
                    .zip(values)
                    .filter_map(|(k, v)| Some((k, v?))),
            );
        }
        Some(rows)
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
