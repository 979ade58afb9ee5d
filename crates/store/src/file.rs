//! The store file on disk (redb), shared by the Gong cache and the vault: one handle per file
//! in the process (redb allows one), created readable by this user only.
//!
//! Removing an entry from redb frees its pages but does not overwrite them, and compaction
//! moves pages without clearing the ones it frees: removed text can stay readable in the file.
//! So a removal that must leave no trace ends with [`Store::rewrite`], which copies the live
//! entries into a fresh file and puts it in the old one's place.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock, Weak};

use redb::{ReadableDatabase as _, ReadableTable as _, TableDefinition};

/// File name of the store inside the cache directory.
pub const STORE_FILE: &str = "gong-cache.redb";

/// The Gong cache's table: key bytes (`tenant/lane/call id`) to stored value bytes.
pub const CALLS_TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("gong_calls");
/// The vault's table: record name to sealed record.
pub const SEALED_RECORDS_TABLE: TableDefinition<&str, &[u8]> =
    TableDefinition::new("sealed_records");

/// One open store per file in the process, shared by every client (tenant) using it: redb
/// allows one open handle per file.
fn open_stores() -> &'static Mutex<HashMap<PathBuf, Weak<Store>>> {
    static STORES: OnceLock<Mutex<HashMap<PathBuf, Weak<Store>>>> = OnceLock::new();
    STORES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The store file, open. Reads take the current database ([`Store::db`]); writes go through
/// [`Store::write`], which they share with [`Store::rewrite`], so no write lands in a file
/// being replaced.
pub struct Store {
    path: PathBuf,
    db: RwLock<Arc<redb::Database>>,
    writer: Mutex<()>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// What [`Store::rewrite`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rewritten {
    /// The file's size before.
    pub bytes_before: u64,
    /// The file's size after.
    pub bytes_after: u64,
}

impl Store {
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database to read from. A read that overlaps a rewrite reads the file it started
    /// with, which stays whole until its last reader lets go.
    pub fn db(&self) -> Arc<redb::Database> {
        Arc::clone(&self.db.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn lock_writer(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f`, which writes, on the current database, never during a rewrite.
    pub fn write<R>(
        &self,
        f: impl FnOnce(&redb::Database) -> Result<R, redb::Error>,
    ) -> Result<R, redb::Error> {
        let _writer = self.lock_writer();
        f(&self.db())
    }

    /// Copies every live entry of every table into a fresh file, flushed to disk, and renames
    /// it over the old one: what was removed before is in no file the store keeps. Readers go
    /// on meanwhile; writers wait. The cost is one copy of the live entries.
    pub fn rewrite(&self) -> Result<Rewritten, String> {
        let _writer = self.lock_writer();
        let bytes_before = file_len(&self.path);
        let fresh_path = self.path.with_extension("redb.rewrite");
        let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
        match std::fs::remove_file(&fresh_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail("cannot remove an earlier rewrite", &e)),
        }
        private_file(&fresh_path).map_err(|e| fail("cannot create the new file", &e))?;
        let fresh = builder()
            .create(&fresh_path)
            .map_err(|e| fail("cannot open the new file", &e))?;
        copy_live(&self.db(), &fresh).map_err(|e| fail("cannot copy the entries", &e))?;
        drop(fresh);
        std::fs::File::open(&fresh_path)
            .and_then(|f| f.sync_all())
            .map_err(|e| fail("cannot flush the new file", &e))?;
        std::fs::rename(&fresh_path, &self.path)
            .map_err(|e| fail("cannot put the new file in place", &e))?;
        if let Some(dir) = self.path.parent() {
            // The rename itself is durable once the directory is flushed (best effort: not
            // every platform opens directories).
            if let Ok(dir) = std::fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        let reopened = builder()
            .create(&self.path)
            .map_err(|e| fail("cannot reopen the store", &e))?;
        *self.db.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(reopened);
        Ok(Rewritten {
            bytes_before,
            bytes_after: file_len(&self.path),
        })
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn builder() -> redb::Builder {
    let mut builder = redb::Builder::new();
    builder.set_cache_size(STORE_PAGE_CACHE_BYTES);
    builder
}

/// Entries copied per transaction of a rewrite: a large store is copied in steps, so the
/// rewrite's memory stays bounded whatever the store's size.
const REWRITE_BATCH: usize = 4096;

/// Copies both tables of `from` into `to` (a fresh file nobody reads until it is complete).
fn copy_live(from: &redb::Database, to: &redb::Database) -> Result<(), redb::Error> {
    let read = from.begin_read()?;
    copy_table(&read, to, CALLS_TABLE)?;
    copy_table(&read, to, SEALED_RECORDS_TABLE)?;
    Ok(())
}

/// Copies one table, when it exists, [`REWRITE_BATCH`] entries a transaction.
fn copy_table<K: redb::Key + 'static>(
    read: &redb::ReadTransaction,
    to: &redb::Database,
    table: TableDefinition<K, &[u8]>,
) -> Result<(), redb::Error> {
    let source = match read.open_table(table) {
        Ok(source) => source,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut rows = source.iter()?.peekable();
    while rows.peek().is_some() {
        let write = to.begin_write()?;
        {
            let mut target = write.open_table(table)?;
            for row in rows.by_ref().take(REWRITE_BATCH) {
                let (k, v) = row?;
                target.insert(k.value(), v.value())?;
            }
        }
        write.commit()?;
    }
    Ok(())
}

/// Whether this is the first time in the process that `purpose` uses the store at `path`: a
/// user's work to do once per process (the cache's sweep of expired answers) asks it.
pub fn first_use(path: &Path, purpose: &'static str) -> bool {
    static USED: OnceLock<Mutex<HashSet<(PathBuf, &'static str)>>> = OnceLock::new();
    USED.get_or_init(|| Mutex::new(HashSet::new()))
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert((path.to_owned(), purpose))
}

/// Memory the disk store may keep of its own pages. The memory tier above it already holds the
/// hot values, so this stays small; the store's default (1 GiB) would let a busy server's RSS
/// grow by the size of everything it wrote.
const STORE_PAGE_CACHE_BYTES: usize = 4 * 1024 * 1024;

/// Opens (or creates) the store, sharing a handle already open in this process.
pub fn open(dir: &Path, path: &Path) -> Result<Arc<Store>, String> {
    let mut stores = open_stores().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(db) = stores.get(path).and_then(Weak::upgrade) {
        return Ok(db);
    }
    private_dir(dir).map_err(|e| format!("cannot create the directory: {e}"))?;
    private_file(path).map_err(|e| format!("cannot create the file: {e}"))?;
    let db = builder().create(path).map_err(|e| e.to_string())?;
    // Fails early on a file that opens but cannot be read.
    db.begin_read().map_err(|e| e.to_string())?;
    let store = Arc::new(Store {
        path: path.to_owned(),
        db: RwLock::new(Arc::new(db)),
        writer: Mutex::new(()),
    });
    stores.insert(path.to_owned(), Arc::downgrade(&store));
    Ok(store)
}

/// Creates `dir`, when missing, readable by this user only. A directory that exists is left as
/// it is (it may be a home directory or a mounted volume others rely on): the store file in it
/// is this user's alone either way ([`private_file`]).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        if dir.is_dir() {
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::info!(
                    dir = %dir.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the cache directory is open to other users; its store file is not"
                );
            }
            return Ok(());
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Creates `path` (if missing) readable by this user only, before redb opens it.
fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        drop(options.open(path)?);
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        drop(options.open(path)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::ReadableTableMetadata as _;

    #[test]
    fn a_rewrite_keeps_every_live_entry_of_both_tables_and_nothing_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE);
        let store = open(dir.path(), &path).unwrap();
        // More entries than one copy transaction takes.
        let n = REWRITE_BATCH * 2 + 17;
        store
            .write(|db| {
                let txn = db.begin_write()?;
                {
                    let mut calls = txn.open_table(CALLS_TABLE)?;
                    let mut records = txn.open_table(SEALED_RECORDS_TABLE)?;
                    for i in 0..n {
                        let value = format!("words of call {i:06} end");
                        calls.insert(format!("t/e/{i}").as_bytes(), value.as_bytes())?;
                        records.insert(format!("r{i}").as_str(), &b"sealed"[..])?;
                    }
                }
                txn.commit()?;
                let txn = db.begin_write()?;
                {
                    let mut calls = txn.open_table(CALLS_TABLE)?;
                    for i in (0..n).step_by(2) {
                        calls.remove(format!("t/e/{i}").as_bytes())?;
                    }
                }
                txn.commit()?;
                Ok(())
            })
            .unwrap();
        let rewritten = store.rewrite().unwrap();
        assert!(rewritten.bytes_after < rewritten.bytes_before);
        let db = store.db();
        let txn = db.begin_read().unwrap();
        assert_eq!(
            txn.open_table(CALLS_TABLE).unwrap().len().unwrap(),
            (n / 2) as u64
        );
        assert_eq!(
            txn.open_table(SEALED_RECORDS_TABLE).unwrap().len().unwrap(),
            n as u64
        );
        // Every call's words the file still holds, live or in freed pages: the odd ones only.
        let file = std::fs::read(&path).unwrap();
        let marker = b"words of call ";
        let held: std::collections::BTreeSet<usize> = file
            .windows(marker.len() + 6)
            .filter(|w| w.starts_with(marker))
            .filter_map(|w| std::str::from_utf8(&w[marker.len()..]).ok()?.parse().ok())
            .collect();
        assert_eq!(held.len(), n / 2);
        assert!(
            held.iter().all(|i| i % 2 == 1),
            "a removed call left a trace"
        );
        // Writes after a rewrite land in the new file.
        store
            .write(|db| {
                let txn = db.begin_write()?;
                txn.open_table(CALLS_TABLE)?
                    .insert(&b"t/e/new"[..], &b"v"[..])?;
                txn.commit()?;
                Ok(())
            })
            .unwrap();
        drop((txn, db, store));
        let reopened = open(dir.path(), &path).unwrap();
        let db = reopened.db();
        let txn = db.begin_read().unwrap();
        assert!(txn
            .open_table(CALLS_TABLE)
            .unwrap()
            .get(&b"t/e/new"[..])
            .unwrap()
            .is_some());
    }
}
