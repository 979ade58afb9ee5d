//! Looking into, emptying and erasing from the cache of Gong's answers without serving
//! (`callbrief cache`): the same settings as `serve`; no Gong request and no Gong credentials,
//! except to ask Gong which calls name an address.

use secrecy::SecretString;

use crate::error::ServiceError;
use crate::ids::CallId;
use crate::settings::{
    CacheConfig, CacheStats, GongAuth, GongConfig, RedisConfig, DEFAULT_BASE_URL,
};

/// What `callbrief cache erase` found and removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// The calls asked to be erased (named, cached with the address, or named by Gong).
    pub asked: Vec<CallId>,
    /// Those that were cached in some tier, and are no longer.
    pub removed: Vec<CallId>,
}

/// The cache of one deployment, opened for maintenance.
pub struct CacheAdmin {
    gong: gong::GongClient,
}

impl CacheAdmin {
    /// Opens the cache `config` describes. No request is sent, so the Gong credentials and URL
    /// are placeholders and the operator needs none.
    pub fn open(config: CacheConfig) -> Result<Self, ServiceError> {
        Self::open_shared(config, None)
    }

    /// [`Self::open`] with the replicas' Redis, whose shared tier an erase also empties.
    pub fn open_shared(
        config: CacheConfig,
        redis: Option<RedisConfig>,
    ) -> Result<Self, ServiceError> {
        let mut gong = GongConfig::new(
            DEFAULT_BASE_URL,
            GongAuth::Bearer(SecretString::from("cache-maintenance")),
        )?;
        gong.cache = config;
        gong.redis = redis;
        Ok(Self {
            gong: gong::GongClient::new(gong)?,
        })
    }

    /// The cache of a deployment with its Gong credentials, for an erase that also asks Gong
    /// which calls name an address.
    pub fn open_with_gong(config: GongConfig) -> Result<Self, ServiceError> {
        Ok(Self {
            gong: gong::GongClient::new(config)?,
        })
    }

    /// Removes `calls`, and every cached call one of whose parties has the address `email`
    /// (and, with `ask_gong`, every call Gong says references it), from every tier: memory,
    /// the store on disk (rewritten, so no trace stays in it) and Redis, where the erasure is
    /// logged for running servers to follow.
    pub async fn erase(
        &self,
        calls: &[CallId],
        email: Option<&str>,
        ask_gong: bool,
    ) -> Result<Erased, ServiceError> {
        let mut asked: Vec<CallId> = calls.to_vec();
        if let Some(email) = email {
            asked.extend(self.gong.cached_calls_with_email(email).await?);
            if ask_gong {
                asked.extend(self.gong.calls_referencing_email(email).await?);
            }
        }
        asked.sort();
        asked.dedup();
        if asked.is_empty() {
            return Ok(Erased::default());
        }
        let removed = self.gong.erase_cached(&asked).await?;
        Ok(Erased { asked, removed })
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
