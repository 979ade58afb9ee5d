#![warn(missing_docs)]
//! Where callbrief keeps what it keeps: the store file on disk ([`file`]), the connection to
//! the replicas' Redis ([`redis`]), the key everything is sealed with ([`CacheKey`]), and the
//! [`Vault`] of small sealed records with an expiry (the sign-in's codes, tokens and the
//! Salesforce sessions behind them).
//!
//! The Gong cache keeps its answers in the same file and the same Redis, through this crate's
//! handles; what it keeps and when it forgets stays in the `gong` crate.

pub mod file;
mod key;
pub mod redis;
pub mod vault;

pub use key::CacheKey;
pub use redis::{RedisTarget, SharedHealth};
pub use vault::{Vault, VaultError, VaultSettings, VaultTier};

/// A setting that cannot be used (a malformed key or Redis URL); the message never echoes the
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);
