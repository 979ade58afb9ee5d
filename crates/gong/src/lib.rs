//! The one gateway to Gong's API v2.
//!
//! Everything in callbrief that needs Gong asks [`GongClient`]; nothing else builds Gong requests.
//! That keeps auth, pagination, batching, the process-wide rate limit, retries and the overall
//! deadline in one place, where a later cache can plug in too.

pub mod client;
pub mod config;
pub mod error;
pub mod wire;

pub use client::{CallData, GongClient};
pub use config::{GongAuth, GongConfig};
pub use error::GongError;
