//! Small sealed records with an expiry, kept where the cache keeps Gong's answers: the OAuth
//! authorization server's codes, tokens and the Salesforce sessions behind them.
//!
//! A record is sealed with AES-256-GCM under the cache key (`CALLBRIEF_CACHE_KEY`), its name and
//! expiry authenticated as associated data, so a record cannot be moved to another name or have
//! its life extended. Where records live follows the cache:
//! - with Redis configured ([`RedisTarget`]) and a key, in Redis, so every replica sees every
//!   session, each record with its expiry as its Redis TTL;
//! - else with the cache on disk and a key, in the cache's store file (a table of its own, which
//!   `cache purge` leaves alone), so sessions survive a restart;
//! - else in this process's memory, sealed under a random key, and gone at restart.
//!
//! Credentials are never written outside the process unencrypted: without a key the vault stays
//! in memory whatever the cache does.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::Aes256Gcm;
use redb::ReadableDatabase as _;

use crate::file::{Store, SEALED_RECORDS_TABLE as TABLE};
use crate::redis::{Redis, RedisTarget};
use crate::CacheKey;
/// AES-GCM nonce length.
const NONCE_LEN: usize = 12;
/// Most records the memory tier holds (a `moka` cache: past it, the least used go first).
const MAX_MEMORY_RECORDS: usize = 100_000;

/// What the vault needs to know of the deployment: where the store file is (only when the
/// cache is on disk), and the key records are sealed with.
#[derive(Debug, Clone, Default)]
pub struct VaultSettings {
    /// The cache's directory, when the cache is on disk.
    pub dir: Option<std::path::PathBuf>,
    /// The sealing key (`CALLBRIEF_CACHE_KEY`); without it the vault stays in memory.
    pub key: Option<CacheKey>,
    /// Earlier keys, which still open what they sealed.
    pub previous_keys: Vec<CacheKey>,
}

/// Where the vault keeps its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultTier {
    /// This process's memory: records end with the process.
    Memory,
    /// The cache's store file on disk.
    Disk,
    /// Redis, shared by every replica.
    Shared,
}

/// Why the vault could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[error("the session store is unavailable: {0}")]
pub struct VaultError(String);

/// Sealed records by name. Cheap to share behind an `Arc`.
pub struct Vault {
    tier: VaultTier,
    /// Where the time is read (Unix seconds): the system clock, or a test's.
    clock: fn() -> u64,
    cipher: Aes256Gcm,
    /// Ciphers of earlier cache keys: they open what they sealed, and seal nothing.
    previous: Vec<Aes256Gcm>,
    /// Name → (expiry, sealed record), when the vault is in memory.
    memory: moka::sync::Cache<String, (u64, Vec<u8>)>,
    disk: Option<Arc<Store>>,
    shared: Option<Redis>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("tier", &self.tier).finish()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The memory tier: at most [`MAX_MEMORY_RECORDS`] records.
fn memory_tier() -> moka::sync::Cache<String, (u64, Vec<u8>)> {
    moka::sync::Cache::builder()
        .max_capacity(MAX_MEMORY_RECORDS as u64)
        .build()
}

fn associated_data(name: &str, expires: u64) -> Vec<u8> {
    let mut aad = b"callbrief-vault\n".to_vec();
    aad.extend_from_slice(name.as_bytes());
    aad.extend_from_slice(&expires.to_be_bytes());
    aad
}

impl Vault {
    /// The vault for the cache's settings and, when set, the replicas' Redis (see the module
    /// documentation for which tier is chosen).
    pub fn open(cache: &VaultSettings, redis: Option<&RedisTarget>) -> Result<Self, VaultError> {
        let key = cache.key.as_ref().map(|k| *k.bytes());
        let cipher = match key {
            Some(key) => Aes256Gcm::new_from_slice(&key),
            None => Ok(Aes256Gcm::new(&Aes256Gcm::generate_key(&mut OsRng))),
        }
        .map_err(|_| VaultError("the cache key is not an AES-256 key".into()))?;
        let previous = cache
            .previous_keys
            .iter()
            .filter_map(|k| Aes256Gcm::new_from_slice(k.bytes()).ok())
            .collect();
        let mut vault = Self {
            tier: VaultTier::Memory,
            clock: unix_now,
            cipher,
            previous,
            memory: memory_tier(),
            disk: None,
            shared: None,
        };
        if key.is_none() {
            return Ok(vault);
        }
        if let Some(redis) = redis {
            let store = Redis::new(redis, "vault").map_err(|e| VaultError(e.to_string()))?;
            vault.shared = Some(store);
            vault.tier = VaultTier::Shared;
        } else if let Some(dir) = &cache.dir {
            let path = dir.join(crate::file::STORE_FILE);
            match crate::file::open(dir, &path) {
                Ok(db) => {
                    vault.disk = Some(db);
                    vault.tier = VaultTier::Disk;
                }
                Err(reason) => {
                    tracing::warn!(%reason, "the cache store is unusable; sessions are kept in memory");
                }
            }
        }
        Ok(vault)
    }

    /// A vault in memory only (tests, and servers without a cache key).
    pub fn in_memory() -> Self {
        Self {
            tier: VaultTier::Memory,
            clock: unix_now,
            cipher: Aes256Gcm::new(&Aes256Gcm::generate_key(&mut OsRng)),
            previous: Vec::new(),
            memory: memory_tier(),
            disk: None,
            shared: None,
        }
    }

    /// This vault reading the time from `clock` (Unix seconds), for tests that move time.
    pub fn with_clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }

    /// Where records are kept.
    pub fn tier(&self) -> VaultTier {
        self.tier
    }

    fn seal(&self, name: &str, expires: u64, value: &[u8]) -> Result<Vec<u8>, VaultError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = associated_data(name, expires);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: value,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError("a record could not be sealed".into()))?;
        let mut out = Vec::with_capacity(8 + NONCE_LEN + sealed.len());
        out.extend_from_slice(&expires.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The value of a stored record, or `None` when it expired or does not open (written under
    /// a key that is neither the current one nor one of the previous ones).
    fn open_sealed(&self, name: &str, stored: &[u8]) -> Option<Vec<u8>> {
        let (expires, rest) = stored.split_at_checked(8)?;
        let expires = u64::from_be_bytes(expires.try_into().ok()?);
        if expires <= (self.clock)() {
            return None;
        }
        let (nonce, sealed) = rest.split_at_checked(NONCE_LEN)?;
        let aad = associated_data(name, expires);
        std::iter::once(&self.cipher)
            .chain(&self.previous)
            .find_map(|cipher| {
                cipher
                    .decrypt(
                        aes_gcm::Nonce::from_slice(nonce),
                        Payload {
                            msg: sealed,
                            aad: &aad,
                        },
                    )
                    .ok()
            })
    }

    /// Records in memory (pending evictions applied).
    #[cfg(test)]
    fn memory_len(&self) -> u64 {
        self.memory.run_pending_tasks();
        self.memory.entry_count()
    }

    /// Keeps `value` under `name` for `ttl` (at least a second), replacing what was there.
    pub async fn put(&self, name: &str, value: &[u8], ttl: Duration) -> Result<(), VaultError> {
        let expires = (self.clock)().saturating_add(ttl.as_secs().max(1));
        let sealed = self.seal(name, expires, value)?;
        match self.tier {
            VaultTier::Memory => {
                self.memory.insert(name.to_owned(), (expires, sealed));
                Ok(())
            }
            VaultTier::Disk => {
                let db = self.disk_db()?;
                let name = name.to_owned();
                blocking(move || {
                    db.write(|db| {
                        let txn = db.begin_write()?;
                        {
                            let mut table = txn.open_table(TABLE)?;
                            table.insert(name.as_str(), sealed.as_slice())?;
                        }
                        txn.commit()?;
                        Ok(())
                    })
                })
                .await
            }
            VaultTier::Shared => {
                let shared = self.shared_store()?;
                let ttl = Duration::from_secs(expires.saturating_sub((self.clock)()).max(1));
                shared
                    .vault_set(name, sealed, ttl)
                    .await
                    .ok_or_else(|| VaultError("Redis did not answer".into()))
            }
        }
    }

    /// The value under `name`, if any and not expired.
    pub async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, VaultError> {
        let stored = match self.tier {
            VaultTier::Memory => self.memory.get(name).map(|(_, v)| v),
            VaultTier::Disk => {
                let db = self.disk_db()?;
                let name = name.to_owned();
                blocking(move || {
                    let txn = db.db().begin_read()?;
                    let table = match txn.open_table(TABLE) {
                        Ok(table) => table,
                        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                        Err(e) => return Err(e.into()),
                    };
                    Ok(table.get(name.as_str())?.map(|v| v.value().to_vec()))
                })
                .await?
            }
            VaultTier::Shared => self
                .shared_store()?
                .vault_get(name)
                .await
                .ok_or_else(|| VaultError("Redis did not answer".into()))?,
        };
        Ok(stored.and_then(|s| self.open_sealed(name, &s)))
    }

    /// Removes the record under `name` and returns its value: of two concurrent takes of one
    /// record, only one gets it (one-time codes rely on this).
    pub async fn take(&self, name: &str) -> Result<Option<Vec<u8>>, VaultError> {
        let stored = match self.tier {
            VaultTier::Memory => self.memory.remove(name).map(|(_, v)| v),
            VaultTier::Disk => {
                let db = self.disk_db()?;
                let name = name.to_owned();
                blocking(move || {
                    db.write(|db| {
                        let txn = db.begin_write()?;
                        let value = {
                            let mut table = txn.open_table(TABLE)?;
                            let removed = table.remove(name.as_str())?;
                            removed.map(|v| v.value().to_vec())
                        };
                        txn.commit()?;
                        Ok(value)
                    })
                })
                .await?
            }
            VaultTier::Shared => self
                .shared_store()?
                .vault_take(name)
                .await
                .ok_or_else(|| VaultError("Redis did not answer".into()))?,
        };
        Ok(stored.and_then(|s| self.open_sealed(name, &s)))
    }

    /// `value` sealed for `ttl` under `name`, as URL-safe text to hand out (a form field, a
    /// cookie) instead of storing it: only a vault with the same key opens it, under the same
    /// name, before it expires. Stateless hand-outs let a server answer strangers without
    /// keeping anything for them.
    pub fn seal_token(
        &self,
        name: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<String, VaultError> {
        use base64::Engine as _;
        let expires = (self.clock)().saturating_add(ttl.as_secs().max(1));
        let sealed = self.seal(name, expires, value)?;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed))
    }

    /// The value [`Vault::seal_token`] sealed under `name`, or `None` when it is not such a
    /// token, was sealed under another name or key, or has expired.
    pub fn open_token(&self, name: &str, token: &str) -> Option<Vec<u8>> {
        use base64::Engine as _;
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        self.open_sealed(name, &sealed)
    }

    /// Claims `name` for `ttl` among every process sharing this vault: `true` for the one
    /// caller that got it, until it [`Vault::remove`]s it or `ttl` passes. Only Redis is shared
    /// between processes (a store file is opened by one process, memory by none other), so
    /// the other tiers always grant it; within a process, callers serialize themselves.
    pub async fn claim(&self, name: &str, ttl: Duration) -> Result<bool, VaultError> {
        match self.tier {
            VaultTier::Memory | VaultTier::Disk => Ok(true),
            VaultTier::Shared => self
                .shared_store()?
                .vault_claim(name, ttl)
                .await
                .ok_or_else(|| VaultError("Redis did not answer".into())),
        }
    }

    /// Removes the record under `name`, if any.
    pub async fn remove(&self, name: &str) -> Result<(), VaultError> {
        self.take(name).await.map(|_| ())
    }

    /// Drops expired records from memory and from the store file, and returns how many
    /// (Redis expires its own by their TTLs). Freed pages of the store file are reused by later
    /// records, so a swept file stops growing.
    pub async fn sweep(&self) -> Result<u64, VaultError> {
        let Some(db) = self.disk.clone() else {
            let now = (self.clock)();
            let expired: Vec<_> = self
                .memory
                .iter()
                .filter(|(_, (expires, _))| *expires <= now)
                .map(|(name, _)| name)
                .collect();
            for name in &expired {
                self.memory.invalidate(name.as_str());
            }
            return Ok(expired.len() as u64);
        };
        let now = (self.clock)();
        blocking(move || {
            db.write(|db| {
                let txn = db.begin_write()?;
                let before;
                let after;
                {
                    let mut table = txn.open_table(TABLE)?;
                    before = redb::ReadableTableMetadata::len(&table)?;
                    table.retain(|_, v| {
                        v.get(..8)
                            .and_then(|x| x.try_into().ok())
                            .is_some_and(|x| u64::from_be_bytes(x) > now)
                    })?;
                    after = redb::ReadableTableMetadata::len(&table)?;
                }
                txn.commit()?;
                Ok(before.saturating_sub(after))
            })
        })
        .await
    }

    fn disk_db(&self) -> Result<Arc<Store>, VaultError> {
        self.disk
            .clone()
            .ok_or_else(|| VaultError("no store on disk".into()))
    }

    fn shared_store(&self) -> Result<&Redis, VaultError> {
        self.shared
            .as_ref()
            .ok_or_else(|| VaultError("no Redis".into()))
    }
}

/// The vault's records in Redis, under `vault:<name>`.
impl Redis {
    /// A sealed vault record (see the vault); `None` when Redis did not answer.
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
}

/// Runs a store transaction off the async threads.
async fn blocking<T, F>(f: F) -> Result<T, VaultError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, redb::Error> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(VaultError(error.to_string())),
        Err(error) => Err(VaultError(error.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk_config(dir: &std::path::Path, key: Option<CacheKey>) -> VaultSettings {
        VaultSettings {
            dir: Some(dir.to_owned()),
            key,
            ..VaultSettings::default()
        }
    }

    fn key(byte: u8) -> CacheKey {
        CacheKey::from_bytes([byte; 32])
    }

    #[tokio::test]
    async fn records_are_kept_taken_once_and_removed() {
        let vault = Vault::in_memory();
        vault
            .put("a", b"one", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(vault.get("a").await.unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(vault.take("a").await.unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(vault.take("a").await.unwrap(), None);
        vault
            .put("b", b"two", Duration::from_secs(60))
            .await
            .unwrap();
        vault.remove("b").await.unwrap();
        assert_eq!(vault.get("b").await.unwrap(), None);
    }

    #[tokio::test]
    async fn on_disk_records_are_encrypted_and_need_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open(&disk_config(dir.path(), Some(key(7))), None).unwrap();
        assert_eq!(vault.tier(), VaultTier::Disk);
        let secret = b"salesforce-refresh-token-value";
        vault
            .put("s", secret, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(vault.get("s").await.unwrap().as_deref(), Some(&secret[..]));
        drop(vault);
        let file = std::fs::read(dir.path().join(crate::file::STORE_FILE)).unwrap();
        assert!(!file.windows(secret.len()).any(|w| w == secret));
        let rotated = Vault::open(&disk_config(dir.path(), Some(key(8))), None).unwrap();
        assert_eq!(
            rotated.get("s").await.unwrap(),
            None,
            "another key opens nothing"
        );
        let same = Vault::open(&disk_config(dir.path(), Some(key(7))), None).unwrap();
        assert!(
            same.get("s").await.unwrap().is_some(),
            "a restart keeps sessions"
        );
    }

    #[tokio::test]
    async fn without_a_key_nothing_leaves_memory() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open(&disk_config(dir.path(), None), None).unwrap();
        assert_eq!(vault.tier(), VaultTier::Memory);
        vault.put("s", b"x", Duration::from_secs(60)).await.unwrap();
        assert!(!dir.path().join(crate::file::STORE_FILE).exists());
    }

    #[test]
    fn a_sealed_token_opens_only_under_its_name_and_key() {
        let vault = Vault::in_memory();
        let token = vault
            .seal_token("consent", b"request", Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            vault.open_token("consent", &token).as_deref(),
            Some(&b"request"[..])
        );
        assert_eq!(vault.open_token("other", &token), None);
        assert_eq!(Vault::in_memory().open_token("consent", &token), None);
        assert_eq!(vault.open_token("consent", "not base64!"), None);
        let mut tampered = token.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            vault.open_token("consent", &String::from_utf8(tampered).unwrap()),
            None
        );
    }

    #[tokio::test]
    async fn a_sweep_drops_expired_records_in_memory_and_on_disk() {
        let memory = Vault::in_memory();
        let dir = tempfile::tempdir().unwrap();
        let disk = Vault::open(&disk_config(dir.path(), Some(key(3))), None).unwrap();
        for vault in [&memory, &disk] {
            vault
                .put("live", b"x", Duration::from_secs(600))
                .await
                .unwrap();
            // Written as already expired: what a record is once its time has passed.
            let sealed = vault.seal("old", unix_now() - 1, b"y").unwrap();
            match vault.tier() {
                VaultTier::Memory => {
                    vault.memory.insert("old".into(), (unix_now() - 1, sealed));
                }
                _ => {
                    let db = vault.disk_db().unwrap().db();
                    let txn = db.begin_write().unwrap();
                    txn.open_table(TABLE)
                        .unwrap()
                        .insert("old", sealed.as_slice())
                        .unwrap();
                    txn.commit().unwrap();
                }
            }
            assert_eq!(vault.sweep().await.unwrap(), 1, "{:?}", vault.tier());
            assert!(vault.get("live").await.unwrap().is_some());
            assert_eq!(vault.sweep().await.unwrap(), 0);
        }
    }

    #[tokio::test]
    async fn a_rotated_key_opens_what_the_previous_key_sealed_and_seals_with_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let old = Vault::open(&disk_config(dir.path(), Some(key(1))), None).unwrap();
        old.put("session", b"kept", Duration::from_secs(60))
            .await
            .unwrap();
        let token = old
            .seal_token("t", b"cookie", Duration::from_secs(60))
            .unwrap();
        drop(old);
        let rotated_config = VaultSettings {
            previous_keys: vec![key(1)],
            ..disk_config(dir.path(), Some(key(2)))
        };
        let rotated = Vault::open(&rotated_config, None).unwrap();
        assert_eq!(
            rotated.get("session").await.unwrap().as_deref(),
            Some(&b"kept"[..])
        );
        assert_eq!(
            rotated.open_token("t", &token).as_deref(),
            Some(&b"cookie"[..])
        );
        rotated
            .put("new", b"v", Duration::from_secs(60))
            .await
            .unwrap();
        drop(rotated);
        // What the new key sealed does not open under the old one: it was sealed with the new.
        let old_again = Vault::open(&disk_config(dir.path(), Some(key(1))), None).unwrap();
        assert_eq!(old_again.get("new").await.unwrap(), None);
        drop(old_again);
        // The new key alone no longer opens the old records.
        let new_only = Vault::open(&disk_config(dir.path(), Some(key(2))), None).unwrap();
        assert_eq!(new_only.get("session").await.unwrap(), None);
        assert!(new_only.get("new").await.unwrap().is_some());
    }

    /// A clock for [`a_day_of_refreshes_leaves_no_expired_record_behind`], moved by the test.
    static NOW: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_800_000_000);

    fn test_now() -> u64 {
        NOW.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[tokio::test]
    async fn a_day_of_refreshes_leaves_no_expired_record_behind() {
        use std::sync::atomic::Ordering::SeqCst;
        let dir = tempfile::tempdir().unwrap();
        let memory = Vault::in_memory().with_clock(test_now);
        let disk = Vault::open(&disk_config(dir.path(), Some(key(9))), None)
            .unwrap()
            .with_clock(test_now);
        let hour = Duration::from_secs(3600);
        let month = Duration::from_secs(30 * 86_400);
        // Every 10 minutes for a day, a client refreshes: a new access token (an hour), a new
        // refresh token and the used one's marker (a month); every 10 minutes a sweep runs.
        let records = |vault: &Vault| -> u64 {
            match vault.tier() {
                VaultTier::Memory => vault.memory_len(),
                _ => {
                    let db = vault.disk_db().unwrap().db();
                    let txn = db.begin_read().unwrap();
                    redb::ReadableTableMetadata::len(&txn.open_table(TABLE).unwrap()).unwrap()
                }
            }
        };
        let ticks = 24 * 6;
        for tick in 0..ticks {
            for vault in [&memory, &disk] {
                vault
                    .put(&format!("access/{tick}"), b"a", hour)
                    .await
                    .unwrap();
                vault
                    .put(&format!("refresh/{tick}"), b"r", month)
                    .await
                    .unwrap();
                vault
                    .put(&format!("used-refresh/{tick}"), b"u", month)
                    .await
                    .unwrap();
                vault.sweep().await.unwrap();
            }
            NOW.fetch_add(600, SeqCst);
        }
        for vault in [&memory, &disk] {
            vault.sweep().await.unwrap();
            // Access tokens put less than an hour ago (the last five) and the month-long
            // records of the day live; every expired access token is gone.
            assert_eq!(records(vault), 5 + 2 * ticks, "{:?}", vault.tier());
            assert!(vault
                .get(&format!("access/{}", ticks - 1))
                .await
                .unwrap()
                .is_some());
            assert!(vault.get("access/0").await.unwrap().is_none());
        }
    }

    #[test]
    fn a_record_is_bound_to_its_name() {
        let vault = Vault::in_memory();
        let x = unix_now() + 60;
        let sealed = vault.seal("a", x, b"v").unwrap();
        assert!(vault.open_sealed("a", &sealed).is_some());
        assert!(vault.open_sealed("b", &sealed).is_none());
        let mut longer = sealed.clone();
        longer[..8].copy_from_slice(&(x + 1000).to_be_bytes());
        assert!(vault.open_sealed("a", &longer).is_none());
    }
}
