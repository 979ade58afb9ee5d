//! What Gong returned per call, kept in memory and on disk so repeated asks cost no requests.
//!
//! Keys are `tenant / lane / call id`: the tenant is a hash of the base URL and the credential's
//! identity, so two Gong companies sharing one store never see each other's calls; the lane is
//! the endpoint (and selector) the answer came from. Who may read which call is decided above
//! this layer, before ids are asked for.
//!
//! With Redis configured, a third tier below the two local ones (next paragraph) is shared by every replica: values sealed as
//! on disk (encrypted under the same key), each with the entry's expiry as its Redis TTL.
//!
//! Two local tiers: a memory tier bounded in bytes (`moka`; answers are kept decoded there, so
//! a hit parses nothing, each weighed at about what it takes in memory) over an embedded
//! store on disk (`redb`). redb is pure Rust (no C toolchain, unlike RocksDB or SQLite), keeps
//! one file with ACID transactions (a crash mid-write leaves the previous state, not a torn
//! value), and needs no server. The directory is created 0700 and the file 0600; values can be
//! encrypted at rest with AES-256-GCM (a random nonce per value, the entry's key as associated
//! data so a value cannot be moved to another key).
//!
//! The cache never fails a caller: an unreadable or corrupt store is logged and bypassed, and a
//! value that does not decrypt or decode is a miss, so the answer comes from Gong instead.
//! Found answers live [`crate::config::DEFAULT_CACHE_FOUND_TTL`]; "not found / no transcript
//! yet" only [`crate::config::DEFAULT_CACHE_MISSING_TTL`]; failures are never kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, AeadCore, OsRng, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use redb::{ReadableDatabase as _, ReadableTableMetadata as _, TableDefinition};
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::config::{CacheConfig, CacheMode};
use crate::item::{Got, Item, Outcome};
use crate::shared::SharedStore;
use crate::{wire, GongAuth, GongError};

use store::file::Store;
pub use store::file::STORE_FILE;

/// The one table: key bytes to stored value bytes.
const TABLE: TableDefinition<&[u8], &[u8]> = store::file::CALLS_TABLE;

/// First byte of a stored value: after the expiry, plain JSON.
const FORMAT_PLAIN: u8 = 0;
/// First byte of a stored value: after the expiry, a 12-byte nonce, then the AES-256-GCM
/// ciphertext of the JSON.
const FORMAT_AES_GCM: u8 = 1;
/// AES-GCM nonce length.
const NONCE_LEN: usize = 12;
/// Format byte and big-endian expiry (Unix seconds) in front of every stored value.
const HEADER_LEN: usize = 9;

/// Format, expiry and payload of a stored value, or `None` when it is too short to be one.
fn split_header(stored: &[u8]) -> Option<(u8, u64, &[u8])> {
    let (&format, rest) = stored.split_first()?;
    let (expires, payload) = rest.split_at_checked(HEADER_LEN - 1)?;
    Some((
        format,
        u64::from_be_bytes(expires.try_into().ok()?),
        payload,
    ))
}

/// What an encrypted value is bound to besides its ciphertext: its key (so it cannot be moved
/// to another call or tenant) and its expiry (so that cannot be extended).
fn associated_data(key: &[u8], expires: u64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(key.len() + 8);
    aad.extend_from_slice(key);
    aad.extend_from_slice(&expires.to_be_bytes());
    aad
}

/// Removes the entries `drop` names (by key and stored value) from the store, every tenant,
/// and returns the keys removed; the file is then rewritten, so none of them stays readable
/// in it.
fn remove_where(
    store: &Store,
    drop: impl Fn(&[u8], &[u8]) -> bool,
) -> Result<Vec<Vec<u8>>, redb::Error> {
    let removed = store.write(|db| {
        let txn = db.begin_write()?;
        let mut removed = Vec::new();
        match txn.open_table(TABLE) {
            Ok(mut table) => {
                table.retain(|key, value| {
                    let gone = drop(key, value);
                    if gone {
                        removed.push(key.to_vec());
                    }
                    !gone
                })?;
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(e.into()),
        }
        txn.commit()?;
        Ok(removed)
    })?;
    if !removed.is_empty() {
        if let Err(reason) = store.rewrite() {
            tracing::warn!(%reason, "the cache store was not rewritten; removed entries may stay in its free pages until the next rewrite");
        }
    }
    Ok(removed)
}

/// Removes expired and malformed entries, so the file does not grow with calls nobody asks
/// for again, and returns how many went.
fn sweep_store(store: &Store) -> Result<u64, redb::Error> {
    let now = unix_now();
    let removed = remove_where(store, |_, value| {
        split_header(value).is_none_or(|(_, x, _)| x <= now)
    })?;
    Ok(removed.len() as u64)
}

/// A key and its stored value.
type Row = (Vec<u8>, Vec<u8>);

/// Calls `each` with the key and stored value of every entry of the store (every tenant).
fn for_each_entry(store: &Store, mut each: impl FnMut(&[u8], &[u8])) -> Result<(), redb::Error> {
    let txn = store.db().begin_read()?;
    let table = match txn.open_table(TABLE) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for row in redb::ReadableTable::iter(&table)? {
        let (k, v) = row?;
        each(k.value(), v.value());
    }
    Ok(())
}

/// Key and stored value of every entry of the store (every tenant).
fn every_row(store: &Store) -> Result<Vec<Row>, redb::Error> {
    let mut rows = Vec::new();
    for_each_entry(store, |k, v| rows.push((k.to_vec(), v.to_vec())))?;
    Ok(rows)
}

/// The call ids of the keys under `prefix` (a tenant's).
fn tenant_ids(store: &Store, prefix: &str) -> Result<Vec<String>, redb::Error> {
    let mut ids = Vec::new();
    for_each_entry(store, |key, _| {
        if key.starts_with(prefix.as_bytes()) {
            ids.extend(id_of_key(key).map(str::to_owned));
        }
    })?;
    Ok(ids)
}

/// The call id at the end of a cache key (`tenant/lane/id`).
fn id_of_key(key: &[u8]) -> Option<&str> {
    let at = key.iter().rposition(|b| *b == b'/')?;
    std::str::from_utf8(&key[at + 1..]).ok()
}

/// What a decoded answer takes in memory per byte of its JSON, as a fraction: measured with the
/// load bench's `memory` scenario (the process's RSS with the tier filled with decoded
/// answers, against the same tier holding their JSON), about 1.6. The tier's bound
/// (`CALLBRIEF_CACHE_MEMORY_MB`) is thereby close to the memory its answers take.
const DECODED_SIZE_PER_JSON_BYTE: (usize, usize) = (8, 5);

/// An answer in the memory tier: decoded, with its expiry (Unix seconds) and its weight (what
/// it takes in memory, estimated from its JSON's size), which is what the tier's bound counts.
#[derive(Clone)]
struct Kept {
    expires: u64,
    /// The item, or `None` for "not found".
    item: Option<Item>,
    weight: u32,
}

impl Kept {
    fn new(expires: u64, item: Option<Item>, json_len: usize) -> Self {
        let (numerator, denominator) = DECODED_SIZE_PER_JSON_BYTE;
        Self {
            expires,
            item,
            weight: u32::try_from(json_len.saturating_mul(numerator) / denominator)
                .unwrap_or(u32::MAX),
        }
    }

    fn live(&self, now: u64) -> bool {
        self.expires > now
    }

    fn got(&self) -> Got {
        self.item.clone().map_or(Got::NotFound, Got::Found)
    }

    /// Whether this is a call one of whose parties has `email` (lower case) as address.
    fn names_email(&self, email: &str) -> bool {
        let Some(Item::Call(call)) = &self.item else {
            return false;
        };
        call.parties.iter().any(|p| {
            p.email_address
                .as_deref()
                .is_some_and(|a| a.trim().eq_ignore_ascii_case(email))
        })
    }
}

/// What a sweep removed, per tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Expired entries dropped from memory.
    pub memory: u64,
    /// Expired entries dropped from the store on disk (then rewritten).
    pub disk: u64,
}

/// A cached answer: when it expires (Unix seconds) and the item, or `None` for "not found".
#[derive(Serialize)]
struct EnvelopeRef<'a, T> {
    x: u64,
    v: Option<&'a T>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    x: u64,
    v: Option<T>,
}

/// What the cache holds, for `callbrief cache stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStats {
    /// The mode in effect (disk falls back to memory when the store cannot be opened).
    pub mode: CacheMode,
    /// The store's file, when on disk.
    pub path: Option<PathBuf>,
    /// Whether values on disk are encrypted.
    pub encrypted: bool,
    /// Entries in memory.
    pub memory_entries: u64,
    /// Bytes of values in memory.
    pub memory_bytes: u64,
    /// Entries on disk (all tenants, including expired ones not yet replaced).
    pub disk_entries: u64,
    /// Size of the store's file.
    pub disk_file_bytes: u64,
}

/// The cache of one client (one tenant).
pub(crate) struct Cache {
    /// Whether the configuration asked for the store on disk (it may have been unusable).
    wanted_disk: bool,
    tenant: String,
    memory: moka::sync::Cache<Vec<u8>, Kept>,
    disk: Option<Arc<Store>>,
    path: Option<PathBuf>,
    cipher: Option<Aes256Gcm>,
    /// Ciphers of earlier keys: they open what they sealed, and seal nothing.
    previous_ciphers: Vec<Aes256Gcm>,
    found_ttl: Duration,
    missing_ttl: Duration,
    /// The tier every replica shares (Redis), when configured.
    shared: Option<Arc<SharedStore>>,
}

impl Cache {
    /// The cache `config` asks for, or `None` when it is off; `shared` adds the replicas'
    /// common tier (Redis) below memory and disk.
    pub(crate) fn open(
        config: &CacheConfig,
        tenant: String,
        shared: Option<Arc<SharedStore>>,
    ) -> Option<Arc<Self>> {
        if config.mode == CacheMode::Off {
            return None;
        }
        let memory = moka::sync::Cache::builder()
            .max_capacity(config.memory_bytes)
            .weigher(|k: &Vec<u8>, v: &Kept| {
                u32::try_from(k.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(v.weight)
            })
            .eviction_listener(|_, _, cause| {
                if cause.was_evicted() {
                    crate::metrics::cache_eviction("memory");
                }
            })
            .build();
        let (disk, path) = if config.mode == CacheMode::Disk {
            let path = config.dir.join(STORE_FILE);
            match open_store(&config.dir, &path) {
                Ok(db) => (Some(db), Some(path)),
                Err(reason) => {
                    tracing::warn!(
                        path = %path.display(),
                        %reason,
                        "gong cache store unusable; caching in memory only"
                    );
                    (None, None)
                }
            }
        } else {
            (None, None)
        };
        let cipher = config
            .key
            .as_ref()
            .and_then(|k| Aes256Gcm::new_from_slice(k.bytes()).ok());
        let previous_ciphers = config
            .previous_keys
            .iter()
            .filter_map(|k| Aes256Gcm::new_from_slice(k.bytes()).ok())
            .collect();
        Some(Arc::new(Self {
            wanted_disk: config.mode == CacheMode::Disk,
            tenant,
            memory,
            disk,
            path,
            cipher,
            previous_ciphers,
            found_ttl: config.found_ttl,
            missing_ttl: config.missing_ttl,
            shared,
        }))
    }

    fn key(&self, lane: &str, id: &str) -> Vec<u8> {
        format!("{}/{lane}/{id}", self.tenant).into_bytes()
    }

    /// The cached answer for `id` in `lane` (found or not found), or `None` on a miss.
    pub(crate) fn get(&self, lane: &str, id: &str) -> Option<Got> {
        let found = self.lookup(lane, id);
        crate::metrics::cache_lookup(found.as_ref().map(|(_, tier)| *tier));
        found.map(|(got, _)| got)
    }

    /// The cached answer and the tier it came from.
    fn lookup(&self, lane: &str, id: &str) -> Option<(Got, &'static str)> {
        let key = self.key(lane, id);
        if let Some(kept) = self.memory.get(&key) {
            if kept.live(unix_now()) {
                return Some((kept.got(), "memory"));
            }
            self.memory.invalidate(&key);
        }
        let stored = self.disk_get(&key)?;
        let json = self.open_value(&key, &stored)?;
        let kept = decode(lane, &json)?;
        let got = kept.got();
        self.memory.insert(key, kept);
        Some((got, "disk"))
    }

    /// `Ok` when the cache can keep new answers: always in memory; with a store on disk, when
    /// a write transaction on it commits. The check writes no entry (an empty transaction still
    /// takes the store's write lock and commits to the file). `Err` says why not, for readiness
    /// checks; it names no key and no value.
    /// Whether a store on disk is open (its checks block on file I/O).
    pub(crate) fn has_disk(&self) -> bool {
        self.disk.is_some()
    }

    pub(crate) fn check_writable(&self) -> Result<(), String> {
        let Some(db) = &self.disk else {
            if self.wanted_disk {
                return Err(
                    "the cache store on disk could not be opened; caching in memory only".into(),
                );
            }
            return Ok(());
        };
        db.write(|db| {
            let txn = db.begin_write()?;
            txn.open_table(TABLE)?;
            txn.commit()?;
            Ok(())
        })
        .map_err(|e| format!("the cache store on disk is not writable: {e}"))
    }

    /// The cached answers for `ids` in `lane`: memory and disk first, then, for what they miss,
    /// the replicas' shared tier in one round trip.
    pub(crate) async fn get_many(&self, lane: &str, ids: &[String]) -> Vec<Option<Got>> {
        let mut answers: Vec<Option<Got>> = ids.iter().map(|id| self.get(lane, id)).collect();
        let misses: Vec<usize> = (0..ids.len()).filter(|i| answers[*i].is_none()).collect();
        if misses.is_empty() || self.shared.is_none() {
            return answers;
        }
        let wanted: Vec<String> = misses.iter().map(|i| ids[*i].clone()).collect();
        for (i, got) in misses.into_iter().zip(self.get_shared(lane, &wanted).await) {
            answers[i] = got;
        }
        answers
    }

    /// Whether an unexpired answer this cache can open is in some tier for each of `ids` in
    /// `lane`, without decoding any: what "is this briefing ready" asks, many times a page.
    pub(crate) async fn has_many(&self, lane: &str, ids: &[String]) -> Vec<bool> {
        let now = unix_now();
        let mut present: Vec<bool> = ids
            .iter()
            .map(|id| {
                let key = self.key(lane, id);
                if let Some(kept) = self.memory.get(&key) {
                    return kept.live(now);
                }
                self.disk_get(&key)
                    .is_some_and(|stored| self.open_value(&key, &stored).is_some())
            })
            .collect();
        let misses: Vec<usize> = (0..ids.len()).filter(|i| !present[*i]).collect();
        let Some(shared) = &self.shared else {
            return present;
        };
        if misses.is_empty() {
            return present;
        }
        let keys = misses
            .iter()
            .map(|i| shared.call_key(lane, &ids[*i]))
            .collect();
        if let Some(values) = shared.get_many(keys).await {
            for (i, stored) in misses.into_iter().zip(values) {
                let key = self.key(lane, &ids[i]);
                present[i] = stored.is_some_and(|s| self.open_value(&key, &s).is_some());
            }
        }
        present
    }

    /// The answers for `ids` in the shared tier only (none without one); hits are kept in memory.
    pub(crate) async fn get_shared(&self, lane: &str, ids: &[String]) -> Vec<Option<Got>> {
        let Some(shared) = &self.shared else {
            return vec![None; ids.len()];
        };
        let keys = ids.iter().map(|id| shared.call_key(lane, id)).collect();
        let Some(values) = shared.get_many(keys).await else {
            return vec![None; ids.len()];
        };
        ids.iter()
            .zip(values)
            .map(|(id, stored)| {
                let key = self.key(lane, id);
                let json = self.open_value(&key, &stored?)?;
                let kept = decode(lane, &json)?;
                let got = kept.got();
                self.memory.insert(key, kept);
                Some(got)
            })
            .collect()
    }

    fn disk_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let db = self.disk.as_ref()?;
        let read = || -> Result<Option<Vec<u8>>, redb::Error> {
            let txn = db.db().begin_read()?;
            let table = match txn.open_table(TABLE) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            Ok(table.get(key)?.map(|v| v.value().to_vec()))
        };
        match read() {
            Ok(value) => value,
            Err(error) => {
                tracing::warn!(%error, "gong cache store unreadable; asking Gong instead");
                None
            }
        }
    }

    /// The JSON inside a stored value, or `None` when it has expired, does not decrypt or has
    /// an unknown format (another key, or encryption switched on or off since it was written).
    fn open_value(&self, key: &[u8], stored: &[u8]) -> Option<Vec<u8>> {
        let (format, expires, payload) = split_header(stored)?;
        if expires <= unix_now() {
            return None;
        }
        match (format, &self.cipher) {
            (FORMAT_PLAIN, None) => Some(payload.to_vec()),
            (FORMAT_AES_GCM, Some(cipher)) if payload.len() > NONCE_LEN => {
                let (nonce, ciphertext) = payload.split_at(NONCE_LEN);
                let nonce = aes_gcm::Nonce::from_slice(nonce);
                let aad = associated_data(key, expires);
                std::iter::once(cipher)
                    .chain(&self.previous_ciphers)
                    .find_map(|cipher| {
                        cipher
                            .decrypt(
                                nonce,
                                Payload {
                                    msg: ciphertext,
                                    aad: &aad,
                                },
                            )
                            .ok()
                    })
            }
            _ => None,
        }
    }

    /// The stored form of `json`: format byte, expiry (so expired entries can be swept without
    /// the key), then the JSON, plain or encrypted with the entry's key and expiry authenticated.
    fn seal(&self, key: &[u8], expires: u64, json: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + json.len() + 16);
        let Some(cipher) = &self.cipher else {
            out.push(FORMAT_PLAIN);
            out.extend_from_slice(&expires.to_be_bytes());
            out.extend_from_slice(json);
            return Some(out);
        };
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = associated_data(key, expires);
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: json,
                    aad: &aad,
                },
            )
            .ok()?;
        out.push(FORMAT_AES_GCM);
        out.extend_from_slice(&expires.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Some(out)
    }

    /// Keeps the found and not-found answers of one batch (failures are never kept). The disk
    /// and shared writes finish before the batch's answers are handed out, so an answer a
    /// caller has seen survives a restart and is there for every replica.
    pub(crate) async fn keep(self: &Arc<Self>, lane: &str, results: &[Outcome]) {
        let now = unix_now();
        let mut rows = Vec::with_capacity(results.len());
        let mut shared_rows = Vec::new();
        for Outcome { id, got } in results {
            let (x, json) = match got {
                Got::Found(item) => {
                    let x = now.saturating_add(self.found_ttl.as_secs());
                    let json = match item {
                        Item::Transcript(t) => serde_json::to_vec(&EnvelopeRef {
                            x,
                            v: Some(t.as_ref()),
                        }),
                        Item::Call(c) => serde_json::to_vec(&EnvelopeRef {
                            x,
                            v: Some(c.as_ref()),
                        }),
                    };
                    (x, json)
                }
                Got::NotFound if !self.missing_ttl.is_zero() => {
                    let x = now.saturating_add(self.missing_ttl.as_secs().max(1));
                    (x, serde_json::to_vec(&EnvelopeRef::<()> { x, v: None }))
                }
                Got::NotFound | Got::Failed(_) => continue,
            };
            let Ok(json) = json else { continue };
            let key = self.key(lane, id);
            let item = match got {
                Got::Found(item) => Some(item.clone()),
                Got::NotFound | Got::Failed(_) => None,
            };
            self.memory
                .insert(key.clone(), Kept::new(x, item, json.len()));
            if self.disk.is_none() && self.shared.is_none() {
                continue;
            }
            let Some(sealed) = self.seal(&key, x, &json) else {
                continue;
            };
            if let Some(shared) = &self.shared {
                let ttl = Duration::from_secs(x.saturating_sub(now));
                shared_rows.push((shared.call_key(lane, id), sealed.clone(), ttl));
            }
            if self.disk.is_some() {
                rows.push((key, sealed));
            }
        }
        if let Some(shared) = &self.shared {
            shared.set_many(shared_rows).await;
        }
        let Some(db) = self.disk.clone() else { return };
        if rows.is_empty() {
            return;
        }
        let write = move || -> Result<(), redb::Error> {
            db.write(|db| {
                let txn = db.begin_write()?;
                {
                    let mut table = txn.open_table(TABLE)?;
                    for (key, value) in &rows {
                        table.insert(key.as_slice(), value.as_slice())?;
                    }
                }
                txn.commit()?;
                Ok(())
            })
        };
        match tokio::task::spawn_blocking(write).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "gong cache store not written"),
            Err(error) => tracing::warn!(%error, "gong cache store write did not finish"),
        }
    }

    /// Counts of both tiers.
    pub(crate) fn stats(&self) -> CacheStats {
        self.memory.run_pending_tasks();
        let disk_entries = self.disk.as_ref().map_or(0, |db| {
            let count = || -> Result<u64, redb::Error> {
                let txn = db.db().begin_read()?;
                match txn.open_table(TABLE) {
                    Ok(table) => Ok(table.len()?),
                    Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
                    Err(e) => Err(e.into()),
                }
            };
            count().unwrap_or(0)
        });
        let disk_file_bytes = self
            .path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len());
        CacheStats {
            mode: if self.disk.is_some() {
                CacheMode::Disk
            } else {
                CacheMode::Memory
            },
            path: self.path.clone(),
            encrypted: self.cipher.is_some() && self.disk.is_some(),
            memory_entries: self.memory.entry_count(),
            memory_bytes: self.memory.weighted_size(),
            disk_entries,
            disk_file_bytes,
        }
    }

    /// Empties both tiers (every tenant of the store); returns the entries removed from disk.
    /// The file is rewritten, so nothing purged stays readable in it.
    pub(crate) fn purge(&self) -> Result<u64, GongError> {
        self.memory.invalidate_all();
        let Some(db) = &self.disk else {
            return Ok(0);
        };
        let removed = remove_where(db, |_, _| true)
            .map_err(|e| GongError::Config(format!("cannot purge the Gong cache: {e}")))?;
        Ok(removed.len() as u64)
    }

    /// Drops expired answers from memory and from the store on disk (every tenant), then
    /// rewrites the store when anything went. Redis expires its copies by their TTLs.
    pub(crate) fn sweep(&self) -> Result<Swept, GongError> {
        let now = unix_now();
        let expired: Vec<Arc<Vec<u8>>> = self
            .memory
            .iter()
            .filter(|(_, kept)| !kept.live(now))
            .map(|(key, _)| key)
            .collect();
        for key in &expired {
            self.memory.invalidate(key.as_slice());
        }
        let disk = match &self.disk {
            Some(db) => sweep_store(db)
                .map_err(|e| GongError::Config(format!("cannot sweep the Gong cache: {e}")))?,
            None => 0,
        };
        Ok(Swept {
            memory: expired.len() as u64,
            disk,
        })
    }

    /// Removes every cached answer about the calls `ids` (every lane, every tenant) from
    /// memory and disk, rewriting the store so none stays readable in it, and from the shared
    /// tier; returns the ids that were found in any tier.
    pub(crate) async fn erase(&self, ids: &[String]) -> Result<Vec<String>, GongError> {
        let mut found: std::collections::BTreeSet<String> =
            self.erase_local(ids).await?.into_iter().collect();
        if let Some(shared) = &self.shared {
            let removed = shared
                .erase_calls(ids, self.found_ttl)
                .await
                .ok_or_else(|| {
                    GongError::Config("Redis did not answer; nothing was erased there".into())
                })?;
            found.extend(removed);
        }
        Ok(found.into_iter().collect())
    }

    /// [`Self::erase`] in this process's tiers only (memory and disk).
    pub(crate) async fn erase_local(&self, ids: &[String]) -> Result<Vec<String>, GongError> {
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut found = std::collections::BTreeSet::new();
        let in_memory: Vec<Arc<Vec<u8>>> = self
            .memory
            .iter()
            .map(|(key, _)| key)
            .filter(|key| id_of_key(key).is_some_and(|id| wanted.contains(id)))
            .collect();
        for key in &in_memory {
            if let Some(id) = id_of_key(key) {
                found.insert(id.to_owned());
            }
            self.memory.invalidate(key.as_slice());
        }
        if let Some(db) = self.disk.clone() {
            let owned: std::collections::HashSet<String> = ids.iter().cloned().collect();
            let removed = tokio::task::spawn_blocking(move || {
                remove_where(&db, |key, _| {
                    id_of_key(key).is_some_and(|id| owned.contains(id))
                })
            })
            .await
            .map_err(|e| GongError::Config(format!("the erase did not finish: {e}")))?
            .map_err(|e| GongError::Config(format!("cannot erase from the Gong cache: {e}")))?;
            found.extend(
                removed
                    .iter()
                    .filter_map(|k| id_of_key(k))
                    .map(str::to_owned),
            );
        }
        Ok(found.into_iter().collect())
    }

    /// The ids of this tenant's cached calls in every tier this process reads (memory, disk,
    /// Redis), sorted: what a reconciliation asks Gong about.
    pub(crate) async fn cached_ids(&self) -> Result<Vec<String>, GongError> {
        let prefix = format!("{}/", self.tenant);
        let mut ids = std::collections::BTreeSet::new();
        for (key, _) in self.memory.iter() {
            if key.starts_with(prefix.as_bytes()) {
                ids.extend(id_of_key(&key).map(str::to_owned));
            }
        }
        if let Some(db) = self.disk.clone() {
            let on_disk = prefix.clone();
            let found = tokio::task::spawn_blocking(move || tenant_ids(&db, &on_disk))
                .await
                .map_err(|e| GongError::Config(format!("the listing did not finish: {e}")))?
                .map_err(|e| GongError::Config(format!("cannot read the Gong cache: {e}")))?;
            ids.extend(found);
        }
        if let Some(shared) = &self.shared {
            let found = shared.tenant_call_ids().await.ok_or_else(|| {
                GongError::Config("Redis did not answer; its calls were not listed".into())
            })?;
            ids.extend(found);
        }
        Ok(ids.into_iter().collect())
    }

    /// The ids of cached calls (details, every tenant, every tier this process reads) one of
    /// whose parties has `email`; what `cache erase --email` removes.
    pub(crate) async fn calls_with_email(&self, email: &str) -> Result<Vec<String>, GongError> {
        let email = email.trim().to_ascii_lowercase();
        let mut ids: std::collections::BTreeSet<String> = self
            .memory
            .iter()
            .filter(|(_, kept)| kept.names_email(&email))
            .filter_map(|(key, _)| id_of_key(&key).map(str::to_owned))
            .collect();
        let mut look = |key: &[u8], json: &[u8]| {
            if let Some(id) = id_of_key(key) {
                if json_names_email(json, &email) {
                    ids.insert(id.to_owned());
                }
            }
        };
        if let Some(db) = self.disk.clone() {
            let rows = tokio::task::spawn_blocking(move || every_row(&db))
                .await
                .map_err(|e| GongError::Config(format!("the search did not finish: {e}")))?
                .map_err(|e| GongError::Config(format!("cannot read the Gong cache: {e}")))?;
            for (key, stored) in rows {
                if let Some(json) = self.open_value(&key, &stored) {
                    look(&key, &json);
                }
            }
        }
        if let Some(shared) = &self.shared {
            let rows = shared.call_values().await.ok_or_else(|| {
                GongError::Config("Redis did not answer; its calls were not searched".into())
            })?;
            for (redis_key, stored) in rows {
                let Some(key) = shared.local_key(&redis_key) else {
                    continue;
                };
                if let Some(json) = self.open_value(&key, &stored) {
                    look(&key, &json);
                }
            }
        }
        Ok(ids.into_iter().collect())
    }
}

/// Seconds since the Unix epoch (the cache's expiry clock: it must survive restarts).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The answer inside a cached JSON envelope, as the memory tier keeps it, or `None` when
/// expired or unreadable.
fn decode(lane: &str, json: &[u8]) -> Option<Kept> {
    fn open<T: serde::de::DeserializeOwned>(json: &[u8]) -> Option<(u64, Option<T>)> {
        let envelope: Envelope<T> = serde_json::from_slice(json).ok()?;
        (envelope.x > unix_now()).then_some((envelope.x, envelope.v))
    }
    let (x, item) = if lane == "t" {
        let (x, t) = open::<wire::CallTranscript>(json)?;
        (x, t.map(|t| Item::Transcript(Arc::new(t))))
    } else {
        let (x, c) = open::<wire::ExtensiveCall>(json)?;
        (x, c.map(|c| Item::Call(Arc::new(c))))
    };
    Some(Kept::new(x, item, json.len()))
}

/// Whether a cached call's JSON names `email` (lower case) as a party's address.
fn json_names_email(json: &[u8], email: &str) -> bool {
    #[derive(Deserialize)]
    struct Party {
        #[serde(rename = "emailAddress")]
        email_address: Option<String>,
    }
    #[derive(Deserialize)]
    struct Call {
        #[serde(default)]
        parties: Vec<Party>,
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope<Call>>(json) else {
        return false;
    };
    envelope.v.is_some_and(|call| {
        call.parties.iter().any(|p| {
            p.email_address
                .as_deref()
                .is_some_and(|a| a.trim().eq_ignore_ascii_case(email))
        })
    })
}

/// Opens (or creates) the store, sharing a handle already open in this process; the first
/// time in the process, expired answers are swept.
pub(crate) fn open_store(dir: &Path, path: &Path) -> Result<Arc<Store>, String> {
    let db = store::file::open(dir, path)?;
    if store::file::first_use(path, "gong-cache-sweep") {
        if let Err(error) = sweep_store(&db) {
            tracing::warn!(%error, "expired gong cache entries not swept");
        }
    }
    Ok(db)
}

/// The tenant of a base URL and credentials: a hash, so keys on disk name no customer.
/// The credential's identity is the access key (not its secret) for key pairs, so rotating a
/// secret keeps the cache; a bearer token has no separate identity and is hashed whole.
pub(crate) fn tenant(base_url: &str, auth: &GongAuth) -> String {
    let identity = match auth {
        GongAuth::Basic { access_key, .. } => format!("key:{access_key}"),
        GongAuth::Encoded(encoded) => {
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.expose_secret().trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            match decoded.as_deref().and_then(|s| s.split_once(':')) {
                Some((key, _)) => format!("key:{key}"),
                None => format!("encoded:{}", encoded.expose_secret()),
            }
        }
        GongAuth::Bearer(token) => format!("bearer:{}", token.expose_secret()),
    };
    let digest = Sha256::digest(format!("callbrief-gong-tenant\n{base_url}\n{identity}"));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn basic(key: &str, secret: &str) -> GongAuth {
        GongAuth::Basic {
            access_key: key.into(),
            access_key_secret: SecretString::from(secret),
        }
    }

    #[test]
    fn tenants_differ_by_url_and_key_but_not_by_secret_or_spelling() {
        let a = tenant("https://a.api.gong.io/", &basic("k1", "s1"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, tenant("https://a.api.gong.io/", &basic("k1", "s2")));
        assert_ne!(a, tenant("https://b.api.gong.io/", &basic("k1", "s1")));
        assert_ne!(a, tenant("https://a.api.gong.io/", &basic("k2", "s1")));
        // The pre-encoded form of the same key pair is the same tenant.
        let encoded = GongAuth::Encoded(SecretString::from("azE6czE=")); // base64("k1:s1")
        assert_eq!(a, tenant("https://a.api.gong.io/", &encoded));
        let t1 = tenant("https://a.api.gong.io/", &GongAuth::Bearer("t1".into()));
        let t2 = tenant("https://a.api.gong.io/", &GongAuth::Bearer("t2".into()));
        assert_ne!(t1, t2);
        assert!(!t1.contains("t1"));
    }

    #[test]
    fn expired_or_garbled_envelopes_are_misses() {
        let future = unix_now() + 60;
        let found = format!(r#"{{"x":{future},"v":{{"callId":"1","transcript":[]}}}}"#);
        let kept = decode("t", found.as_bytes()).unwrap();
        assert_eq!(kept.expires, future);
        assert_eq!(kept.weight as usize, found.len() * 8 / 5);
        assert!(matches!(kept.got(), Got::Found(Item::Transcript(_))));
        let missing = format!(r#"{{"x":{future},"v":null}}"#);
        assert!(matches!(
            decode("t", missing.as_bytes()).map(|k| k.got()),
            Some(Got::NotFound)
        ));
        let expired = r#"{"x":1,"v":{"callId":"1","transcript":[]}}"#;
        assert!(decode("t", expired.as_bytes()).is_none());
        assert!(decode("t", b"\x00garbage").is_none());
        // A transcript is not a call.
        assert!(decode("e:0", found.as_bytes()).is_none());
    }

    #[test]
    fn sweeping_drops_expired_and_malformed_entries_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = store::file::open(dir.path(), &dir.path().join(STORE_FILE)).unwrap();
        let db = store.db();
        let now = unix_now();
        let value = |x: u64| {
            let mut v = vec![FORMAT_PLAIN];
            v.extend_from_slice(&x.to_be_bytes());
            v.extend_from_slice(b"{}");
            v
        };
        let txn = db.begin_write().unwrap();
        {
            let mut table = txn.open_table(TABLE).unwrap();
            table.insert(&b"live"[..], &value(now + 60)[..]).unwrap();
            table.insert(&b"old"[..], &value(now - 1)[..]).unwrap();
            table.insert(&b"short"[..], &[0u8, 1][..]).unwrap();
        }
        txn.commit().unwrap();
        assert_eq!(sweep_store(&store).unwrap(), 2);
        let txn = store.db().begin_read().unwrap();
        let table = txn.open_table(TABLE).unwrap();
        assert_eq!(table.len().unwrap(), 1);
        assert!(table.get(&b"live"[..]).unwrap().is_some());
    }

    #[test]
    fn an_encrypted_value_is_bound_to_its_key_and_expiry() {
        let config = CacheConfig {
            mode: CacheMode::Memory,
            key: Some(crate::CacheKey::from_bytes([7; 32])),
            ..CacheConfig::off()
        };
        let cache = Cache::open(&config, "tenant".into(), None).unwrap();
        let x = unix_now() + 60;
        let json = br#"{"text":"confidential words"}"#;
        let sealed = cache.seal(b"k1", x, json).unwrap();
        assert_eq!(sealed[0], FORMAT_AES_GCM);
        assert!(!sealed.windows(12).any(|w| w == b"confidential"));
        assert_eq!(cache.open_value(b"k1", &sealed).as_deref(), Some(&json[..]));
        assert!(cache.open_value(b"k2", &sealed).is_none());
        let mut extended = sealed.clone();
        extended[1..HEADER_LEN].copy_from_slice(&(x + 3600).to_be_bytes());
        assert!(cache.open_value(b"k1", &extended).is_none());
        let mut flipped = sealed.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        assert!(cache.open_value(b"k1", &flipped).is_none());
        // Two seals of one value differ: a fresh nonce each time.
        assert_ne!(cache.seal(b"k1", x, json).unwrap(), sealed);
        // Expired values are misses before any decryption.
        let old = cache.seal(b"k1", unix_now() - 1, json).unwrap();
        assert!(cache.open_value(b"k1", &old).is_none());
    }
}
