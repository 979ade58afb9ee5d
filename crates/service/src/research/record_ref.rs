//! Record ids of the `search` / `fetch` pair: one string names an account or a call.
//!
//! ChatGPT's deep research hands `fetch` back exactly the `id` that `search` returned, so the id
//! must say what kind of record it names: `account:<Salesforce Account id>` or
//! `call:<Gong call id>`. Pure parsing and formatting, no I/O.

use std::fmt;

/// What a `search` result or a `fetch` id refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRef {
    /// A Salesforce Account, by its 15- or 18-character id.
    Account(String),
    /// A Gong call, by its numeric Gong id.
    Call(String),
}

/// Prefix of account ids.
pub const ACCOUNT_PREFIX: &str = "account:";
/// Prefix of call ids.
pub const CALL_PREFIX: &str = "call:";

/// Why a record id was refused; the message tells the assistant what a good id looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordIdError {
    /// Neither `account:` nor `call:`.
    #[error("unknown id {0:?}: ids look like \"account:<Salesforce Account id>\" or \"call:<Gong call id>\", as returned by search")]
    UnknownKind(String),
    /// The part after the prefix is empty.
    #[error(
        "id {0:?} names no record: put the Salesforce Account id or Gong call id after the prefix"
    )]
    Empty(String),
}

impl RecordRef {
    /// Reads `account:<id>` or `call:<id>` (prefix case-insensitive, surrounding blanks ignored).
    /// The record id itself is checked by the service layer, which knows the exact rules.
    pub fn parse(raw: &str) -> Result<Self, RecordIdError> {
        let trimmed = raw.trim();
        let split = |prefix: &str| {
            let head = trimmed.get(..prefix.len())?;
            head.eq_ignore_ascii_case(prefix)
                .then(|| trimmed[prefix.len()..].trim().to_owned())
        };
        let (rest, make): (String, fn(String) -> RecordRef) =
            if let Some(rest) = split(ACCOUNT_PREFIX) {
                (rest, RecordRef::Account)
            } else if let Some(rest) = split(CALL_PREFIX) {
                (rest, RecordRef::Call)
            } else {
                return Err(RecordIdError::UnknownKind(trimmed.to_owned()));
            };
        if rest.is_empty() {
            return Err(RecordIdError::Empty(trimmed.to_owned()));
        }
        Ok(make(rest))
    }
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordRef::Account(id) => write!(f, "{ACCOUNT_PREFIX}{id}"),
            RecordRef::Call(id) => write!(f, "{CALL_PREFIX}{id}"),
        }
    }
}

/// The Salesforce Lightning link to a record: `<instance URL>/<id>` (Salesforce redirects it to
/// the record page), without a doubled slash whatever the instance URL ends with.
pub fn salesforce_record_url(instance_url: &str, record_id: &str) -> String {
    format!("{}/{record_id}", instance_url.trim_end_matches('/'))
}

/// Gong's own link to a call, for when the Salesforce record carries none.
pub fn gong_call_url(call_id: &str) -> String {
    format!("https://app.gong.io/call?id={call_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_both_kinds() {
        assert_eq!(
            RecordRef::parse("account:001000000000001AAA"),
            Ok(RecordRef::Account("001000000000001AAA".into()))
        );
        assert_eq!(
            RecordRef::parse(" Call: 7782342274025937895 "),
            Ok(RecordRef::Call("7782342274025937895".into()))
        );
    }

    #[test]
    fn refuses_other_kinds_and_empty_ids() {
        assert!(matches!(
            RecordRef::parse("opportunity:006"),
            Err(RecordIdError::UnknownKind(_))
        ));
        assert!(matches!(
            RecordRef::parse("001000000000001AAA"),
            Err(RecordIdError::UnknownKind(_))
        ));
        assert!(matches!(
            RecordRef::parse("call:  "),
            Err(RecordIdError::Empty(_))
        ));
        assert!(matches!(
            RecordRef::parse(""),
            Err(RecordIdError::UnknownKind(_))
        ));
        // A multi-byte character where the prefix would end must not panic.
        assert!(RecordRef::parse("accounté").is_err());
    }

    #[test]
    fn the_error_says_what_an_id_looks_like() {
        let message = RecordRef::parse("x").unwrap_err().to_string();
        assert!(
            message.contains("account:<Salesforce Account id>"),
            "{message}"
        );
    }

    #[test]
    fn links() {
        assert_eq!(
            salesforce_record_url("https://acme.my.salesforce.com/", "001A"),
            "https://acme.my.salesforce.com/001A"
        );
        assert_eq!(gong_call_url("42"), "https://app.gong.io/call?id=42");
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(id in "[A-Za-z0-9]{1,18}", call in any::<bool>()) {
            let record = if call { RecordRef::Call(id) } else { RecordRef::Account(id) };
            prop_assert_eq!(RecordRef::parse(&record.to_string()), Ok(record));
        }

        #[test]
        fn parse_never_panics(raw in "\\PC{0,40}") {
            let _ = RecordRef::parse(&raw);
        }
    }
}
