//! Black-box tests of the server over real HTTP, against the in-process Gong simulator.
//! One test binary (modules below) keeps link time down.

mod accounts;
mod auth;
mod browser;
mod cache;
mod call_source;
mod connections;
mod faults;
mod gpt;
mod helpers;
mod logs;
mod mcp;
mod meeting;
mod meetings;
mod metrics;
mod oauth_clients;
mod oauth_server;
mod oauth_tokens;
mod ops;
mod prefetch;
mod readiness;
mod replicas;
mod salesforce_sign_in;
mod sharing;
mod transcripts;
mod validation;
mod webhooks;
