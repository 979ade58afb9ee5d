#![warn(missing_docs)]
//! The one gateway to Gong's API v2.
//!
//! Everything in callbrief that needs Gong asks [`GongClient`]; nothing else builds Gong requests.
//! That keeps auth, pagination, retries, the deadline, the rate limit and the cache in one place,
//! so a whole sales team can share one Gong company's limits (3 requests a second, 10,000 a day).
//!
//! An ask for calls goes through three layers:
//!
//! 1. **Cache** (`cache`): what Gong returned per call, per tenant (a hash of base URL and
//!    credential identity), in memory bounded in bytes over an embedded store on disk that
//!    survives restarts. A warm ask makes no Gong request at all.
//! 2. **Scheduler** (`scheduler`): the ids not cached wait in one queue per endpoint and
//!    caller. When a request slot opens, every waiting id of an endpoint leaves in one Gong
//!    request of up to `batch_size` ids (micro-batching), shared round-robin between callers
//!    (fairness); an id already queued or in flight is fetched once for all askers
//!    (single-flight). Work that cannot finish before its deadline is refused at once
//!    ([`GongError::Busy`]), as are new fetches once the daily budget is nearly spent
//!    ([`GongError::QuotaExhausted`]); cached calls are still served.
//! 3. **Limiter** ([`limiter`]): never more than `requests_per_second` requests in any
//!    one-second sliding window, a full rate whenever work waits, a 429 pausing all traffic
//!    for its `Retry-After`, and the daily count, over the [`SchedulerState`] trait in the
//!    process, and in Redis when replicas share them ([`shared`]).
//!
//! With Redis configured ([`RedisConfig`], module [`shared`]), replicas serving one Gong company
//! share the limiter's window, the 429 pause, the daily count, single-flight claims and a cache
//! tier, so together they stay within Gong's limits and a call fetched by one is served by all.
//! When Redis does not answer, each replica goes on alone at a conservative rate and reports
//! itself degraded ([`GongClient::shared_state_health`]) until Redis is back.
//!
//! Every caller still gets exactly its own ids back, its own partial failures and its own
//! deadline.

mod auth;
mod batch;
pub mod cache;
pub mod client;
pub mod config;
pub mod error;
mod http;
mod item;
pub mod limiter;
pub mod listing;
pub mod metrics;
mod paging;
mod retry;
pub mod scheduler;
pub mod shared;
pub mod webhook;

/// Gong's request and response bodies; a crate of their own so pure code can use them without
/// this client (see [`gong_wire`]), re-exported here so client users name one crate.
pub use gong_wire as wire;

pub use cache::{CacheStats, Swept};
pub use client::{CallData, GongClient, Reconciled, DEFAULT_CALLER};
pub use config::{CacheConfig, CacheKey, CacheMode, GongAuth, GongConfig, RedisConfig};
pub use error::GongError;
pub use limiter::{InProcessState, SchedulerState, Slot};
pub use listing::{ListingRequest, RecentCalls};
pub use scheduler::SchedulerStats;
pub use shared::SharedHealth;
