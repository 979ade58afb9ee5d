//! The HTTP routes. Each handler is small: validate, call one library function, shape the answer.

pub mod accounts;
pub mod gpt;
pub mod health;
pub mod meetings;
pub mod openapi;
pub mod params;
pub mod transcripts;
pub mod webhooks;
