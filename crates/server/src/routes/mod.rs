//! The HTTP routes. Each handler is small: validate, call one library function, shape the answer.

pub mod gpt;
pub mod health;
pub mod openapi;
pub mod transcripts;
