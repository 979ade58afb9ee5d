//! The store file on disk (redb), shared by the Gong cache and the vault: one handle per file
//! in the process (redb allows one), created readable by this user only.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use redb::ReadableDatabase as _;

/// File name of the store inside the cache directory.
pub const STORE_FILE: &str = "gong-cache.redb";

/// One open store per file in the process, shared by every client (tenant) using it: redb
/// allows one open handle per file.
fn open_stores() -> &'static Mutex<HashMap<PathBuf, Weak<redb::Database>>> {
    static STORES: OnceLock<Mutex<HashMap<PathBuf, Weak<redb::Database>>>> = OnceLock::new();
    STORES.get_or_init(|| Mutex::new(HashMap::new()))
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
pub fn open(dir: &Path, path: &Path) -> Result<Arc<redb::Database>, String> {
    let mut stores = open_stores().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(db) = stores.get(path).and_then(Weak::upgrade) {
        return Ok(db);
    }
    private_dir(dir).map_err(|e| format!("cannot create the directory: {e}"))?;
    private_file(path).map_err(|e| format!("cannot create the file: {e}"))?;
    let db = redb::Builder::new()
        .set_cache_size(STORE_PAGE_CACHE_BYTES)
        .create(path)
        .map_err(|e| e.to_string())?;
    // Fails early on a file that opens but cannot be read.
    db.begin_read().map_err(|e| e.to_string())?;
    let db = Arc::new(db);
    stores.insert(path.to_owned(), Arc::downgrade(&db));
    Ok(db)
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
