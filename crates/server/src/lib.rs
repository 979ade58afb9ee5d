//! callbrief's HTTP front door: `POST /callTranscripts` for ChatGPT actions, its OpenAPI
//! document, health, API-key auth and request telemetry.
//!
//! Layout follows the usual split: [`config`] holds plain settings and the flags that fill them,
//! [`startup`] binds and runs, [`connections`] keeps the connection limits, [`telemetry`] sets
//! up logs; [`validate`] and [`assemble`] are the pure rules in the middle,
//! [`routes`] the thin handlers at the edge.

pub mod assemble;
pub mod auth;
pub mod caller_auth;
pub mod config;
pub mod connections;
pub mod error;
pub mod gpt;
pub mod mcp;
pub mod openapi;
pub mod routes;
pub mod service_setup;
pub mod startup;
pub mod telemetry;
pub mod validate;

pub use config::{AuthMode, LogFormat, SalesforceSettings, Settings};
pub use startup::Application;
