//! The one gateway to Salesforce's REST API: SOQL queries with `nextRecordsUrl` paging, SOSL
//! searches, record reads and userinfo; OAuth tokens for service credentials (fetched lazily,
//! refreshed once on 401); typed errors from Salesforce's error array; and the escaping that
//! keeps untrusted text inside SOQL literals and SOSL terms.

mod client;
mod config;
pub mod connected_app;
pub mod datetime;
mod error;
pub mod escape;
pub mod jwt_bearer;
pub mod metrics;
pub mod oauth_proxy;
mod wire;

pub use client::SalesforceClient;
pub use config::{normalize_version, Credentials, SalesforceConfig, DEFAULT_API_VERSION};
pub use error::SalesforceError;
pub use secrecy::SecretString;
pub use wire::UserInfo;

/// Result of every client operation.
pub type Result<T, E = SalesforceError> = std::result::Result<T, E>;
