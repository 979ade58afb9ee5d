//! Looking into and emptying the cache of Gong's answers without serving (`callbrief cache`):
//! the same settings as `serve`, no Gong request, no Gong credentials.

use secrecy::SecretString;

use crate::error::ServiceError;
use crate::settings::{CacheConfig, CacheStats, GongAuth, GongConfig, DEFAULT_BASE_URL};

/// The cache of one deployment, opened for maintenance.
pub struct CacheAdmin {
    gong: gong::GongClient,
}

impl CacheAdmin {
    /// Opens the cache `config` describes. No request is sent, so the Gong credentials and URL
    /// are placeholders and the operator needs none.
    pub fn open(config: CacheConfig) -> Result<Self, ServiceError> {
        let mut gong = GongConfig::new(
            DEFAULT_BASE_URL,
            GongAuth::Bearer(SecretString::from("cache-maintenance")),
        )?;
        gong.cache = config;
        Ok(Self {
            gong: gong::GongClient::new(gong)?,
        })
    }

    /// Where the cache is and what each tier holds; `None` when the cache is off.
    pub fn stats(&self) -> Option<CacheStats> {
        self.gong.cache_stats()
    }

    /// Empties the store and says how many entries went.
    pub fn purge(&self) -> Result<u64, ServiceError> {
        Ok(self.gong.purge_cache()?)
    }
}
