//! callbrief's HTTP front door: `POST /callTranscripts` for ChatGPT actions, its OpenAPI
//! document, health, API-key auth and request telemetry.
//!
//! Layout follows the usual split: [`config`] holds plain settings and the flags that fill them,
//! [`startup`] binds and runs, [`serve`] keeps the connection limits, [`shedding`] the request limit, [`telemetry`] sets
//! up logs; [`routes`] are thin handlers that read the request ([`validate`]), call the
//! [`service::Service`], which owns every use case, and render its answer; [`mcp`] does the same
//! for MCP clients, sharing only the service with REST.

pub mod auth;
pub mod cache_upkeep;
pub mod client_addr;
pub mod config;
pub mod error;
pub mod gpt;
pub mod host_check;
pub mod mcp;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod prefetch_job;
pub mod routes;
pub mod serve;
pub mod service_setup;
pub mod shedding;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod validate;

pub use config::{AuthMode, LogFormat, OAuthMode, SalesforceSettings, Settings};
pub use startup::Application;
