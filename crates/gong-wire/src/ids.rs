//! Gong's call id, checked once where it enters: the type every layer above carries, from a
//! front door through the service and the Gong client into the answers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An id that breaks its rules, with the caller's own name of the field (`callIds[2]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    /// The caller's name of the field.
    pub field: String,
    /// What is wrong, and what is accepted.
    pub message: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for IdError {}

/// The first 40 characters of `raw`, for an error message.
fn truncated(raw: &str) -> String {
    raw.chars().take(40).collect()
}

/// Longest Gong call id: Gong ids are numeric strings of up to 20 digits.
pub const MAX_CALL_ID_DIGITS: usize = 20;

/// Pattern of a Gong call id, as the OpenAPI document states it (the one place it is written;
/// the document takes it from here).
pub const CALL_ID_PATTERN: &str = "^[0-9]{1,20}$";

/// A Gong call id: a numeric string of 1 to 20 digits. Kept as text: long ids lose digits as
/// JSON numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "schema", schema(value_type = String, example = "7782342274025937895"))]
pub struct CallId(String);

/// Whether `id` looks like a Gong call id: 1 to 20 ASCII digits.
pub fn is_call_id(id: &str) -> bool {
    (1..=MAX_CALL_ID_DIGITS).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

impl CallId {
    /// Reads a call id (surrounding blanks ignored); the error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, IdError> {
        let id = raw.trim();
        if is_call_id(id) {
            Ok(Self(id.to_owned()))
        } else {
            Err(IdError {
                field: field.to_owned(),
                message: format!(
                    "must be a Gong call id: a string of 1 to {MAX_CALL_ID_DIGITS} digits; got {:?}",
                    truncated(id)
                ),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CallId {
    type Error = IdError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse("callId", &raw)
    }
}

impl From<CallId> for String {
    fn from(id: CallId) -> Self {
        id.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An id equals its text, so answers compare with what was asked for.
impl PartialEq<str> for CallId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CallId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<str> for CallId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
