#![warn(missing_docs)]
//! The one gateway to Gong's API v2.
//!
//! Everything in callbrief that needs Gong asks [`GongClient`]; nothing else builds Gong requests.
//! That keeps auth, pagination, batching, the process-wide rate limit, retries and the overall
//! deadline in one place, where a later cache can plug in too.

mod auth;
mod batch;
pub mod client;
pub mod config;
pub mod error;
mod http;
mod limiter;
mod paging;
mod retry;

/// Gong's request and response bodies; a crate of their own so pure code can use them without
/// this client (see [`gong_wire`]), re-exported here so client users name one crate.
pub use gong_wire as wire;

pub use client::{CallData, GongClient};
pub use config::{GongAuth, GongConfig};
pub use error::GongError;
