//! Ids parsed once at the edge: [`CallId`] and [`AccountId`].
//!
//! Every front door (REST, MCP, the CLI) turns the caller's text into these types before it
//! calls the [`Service`](crate::Service), and the service takes nothing else, so an id that
//! reaches a SOQL query or a Gong request has been checked exactly once, by the rules here.
//! The parse functions take the caller's own name of the field (`callIds[2]` over REST,
//! `call_ids[2]` over MCP), so a rejection points at what the caller wrote.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ServiceError;

/// Pattern of a Salesforce account id (15 or 18 letters and digits, starting with `001`), as
/// the OpenAPI document states it so generated clients and fuzzers send well-formed ids (the one
/// place it is written; the document takes it from here).
pub const ACCOUNT_ID_PATTERN: &str = "^001[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$";

pub use gong::wire::{is_call_id, CallId, IdError, CALL_ID_PATTERN, MAX_CALL_ID_DIGITS};

/// A Salesforce account id: 15 or 18 letters and digits starting with `001`. Only such ids
/// are ever written into SOQL, so no quoting can be broken by one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "001Dm00000AbCdEIAV")]
pub struct AccountId(String);

/// Whether `id` is shaped like a Salesforce account id.
pub fn is_account_id(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18)
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
        && id.starts_with("001")
}

impl AccountId {
    /// Reads an account id (surrounding blanks ignored); the error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ServiceError> {
        let id = raw.trim();
        if is_account_id(id) {
            Ok(Self(id.to_owned()))
        } else {
            Err(ServiceError::validation(
                field,
                "must be a Salesforce account id: 15 or 18 letters and digits starting with 001, \
                 as returned by the account search",
            ))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = ServiceError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse("accountId", &raw)
    }
}

impl From<AccountId> for String {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AccountId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A Salesforce event id: 15 or 18 letters and digits starting with `00U` (the `Event` key
/// prefix). Only such ids are ever written into SOQL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "00UDm0000000001IAA")]
pub struct EventId(String);

/// Pattern of a Salesforce event id, as the OpenAPI document states it.
pub const EVENT_ID_PATTERN: &str = "^00U[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$";

/// Whether `id` is shaped like a Salesforce event id.
pub fn is_event_id(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18)
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
        && id.starts_with("00U")
}

impl EventId {
    /// Reads an event id (surrounding blanks ignored); the error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ServiceError> {
        let id = raw.trim();
        if is_event_id(id) {
            Ok(Self(id.to_owned()))
        } else {
            Err(ServiceError::validation(
                field,
                "must be next, none, or a Salesforce event id: 15 or 18 letters and digits \
                 starting with 00U",
            ))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EventId {
    type Error = ServiceError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse("meeting", &raw)
    }
}

impl From<EventId> for String {
    fn from(id: EventId) -> Self {
        id.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which meeting a briefing prepares for (`meeting=next|none|<event id>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MeetingChoice {
    /// The account's next event on the calendar, if any.
    #[default]
    Next,
    /// No meeting: the pack carries no meeting section.
    None,
    /// This event, which must be on the account (or one of its deals) and visible to the caller.
    Event(EventId),
}

impl MeetingChoice {
    /// Reads `next`, `none` (any case) or an event id; the error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ServiceError> {
        let text = raw.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("next") {
            Ok(Self::Next)
        } else if text.eq_ignore_ascii_case("none") {
            Ok(Self::None)
        } else {
            EventId::parse(field, text).map(Self::Event)
        }
    }

    /// How the choice is written in parameters.
    pub fn as_param(&self) -> &str {
        match self {
            Self::Next => "next",
            Self::None => "none",
            Self::Event(id) => id.as_str(),
        }
    }
}

/// Refuses a list of `count` items when it is over `max`, before anything in it is read: a
/// body of thousands of ids costs one comparison, not thousands of checks.
pub fn check_count(field: &str, count: usize, max: usize) -> Result<(), ServiceError> {
    if count > max {
        Err(ServiceError::TooMany {
            field: field.to_owned(),
            message: format!("has {count} items; at most {max} are allowed per request"),
        })
    } else {
        Ok(())
    }
}

/// Reads a list of call ids named `field`: at least one, at most `max` (counted before
/// duplicates are dropped), each checked with its index in the error (`field[2]`). Returns the
/// distinct ids in first-seen order.
pub fn parse_call_ids<S: AsRef<str>>(
    field: &str,
    raw: &[S],
    max: usize,
) -> Result<Vec<CallId>, ServiceError> {
    check_count(field, raw.len(), max)?;
    if raw.is_empty() {
        return Err(ServiceError::validation(
            field,
            "give at least one Gong call id (strings of digits)",
        ));
    }
    let ids = raw
        .iter()
        .enumerate()
        .map(|(i, id)| CallId::parse(&format!("{field}[{i}]"), id.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(distinct(ids))
}

/// Distinct values of `items`, first occurrence kept (one hash lookup per item).
pub fn distinct<T: Clone + Eq + std::hash::Hash>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

/// Most entries in an `offsets` map, on every front door.
pub const MAX_OFFSETS: usize = 100;

/// Reads `offsets` (call id → character offset) named `field`: at most [`MAX_OFFSETS`] entries,
/// each key a call id. Values must already be whole numbers (`None` names the entry as wrong).
pub fn parse_offsets<K: AsRef<str>>(
    field: &str,
    entries: impl ExactSizeIterator<Item = (K, Option<usize>)>,
) -> Result<std::collections::HashMap<String, usize>, ServiceError> {
    if entries.len() > MAX_OFFSETS {
        return Err(ServiceError::validation(
            field,
            format!("at most {MAX_OFFSETS} entries"),
        ));
    }
    entries
        .map(|(key, offset)| {
            let key = key.as_ref();
            if !is_call_id(key) {
                return Err(ServiceError::validation(
                    field,
                    format!(
                        "keys must be Gong call ids (1 to {MAX_CALL_ID_DIGITS} digits), got {:?}",
                        truncated(key)
                    ),
                ));
            }
            let offset = offset.ok_or_else(|| {
                ServiceError::validation(
                    field,
                    format!("the value for {key} must be a whole number of characters"),
                )
            })?;
            Ok((key.to_owned(), offset))
        })
        .collect()
}

/// At most 40 characters of what the caller sent, for an error message.
fn truncated(raw: &str) -> String {
    raw.chars().take(40).collect()
}

/// `offsets` as a JSON value: an object of call id → character offset; absent or `null` is
/// empty. Every front door holds offsets to the rules of [`parse_offsets`].
pub fn offsets_from_json(
    field: &str,
    value: Option<&serde_json::Value>,
) -> Result<HashMap<String, usize>, ServiceError> {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => Ok(HashMap::new()),
        Some(Value::Object(entries)) => parse_offsets(
            field,
            entries
                .iter()
                .map(|(id, v)| (id, v.as_u64().and_then(|o| usize::try_from(o).ok()))),
        ),
        Some(_) => Err(ServiceError::validation(
            field,
            r#"must be an object like {"7782342274025937895": 12345}"#,
        )),
    }
}

/// `offsets` as text (a query parameter, a command-line flag): the JSON object a cut marker
/// shows (`{"7782342274025937895": 12345}`), or the short form `7782342274025937895:12345,...`.
pub fn offsets_from_text(
    field: &str,
    raw: Option<&str>,
) -> Result<HashMap<String, usize>, ServiceError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(HashMap::new());
    };
    if raw.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(raw).map_err(|_| {
            ServiceError::validation(
                field,
                r#"not valid JSON; send {"<callId>": <offset>} as the marker shows"#,
            )
        })?;
        return offsets_from_json(field, Some(&value));
    }
    let pairs = raw
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            let (id, offset) = pair.split_once(':').ok_or_else(|| {
                ServiceError::validation(
                    field,
                    format!("{pair:?} is not <callId>:<offset> (or send the JSON object)"),
                )
            })?;
            Ok((
                id.trim(),
                offset
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .and_then(|o| usize::try_from(o).ok()),
            ))
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    parse_offsets(field, pairs.into_iter())
}

#[cfg(test)]
mod meeting_tests {
    use super::*;

    #[test]
    fn meeting_choices_are_next_none_or_an_event_id() {
        assert_eq!(
            MeetingChoice::parse("meeting", " NEXT ").ok(),
            Some(MeetingChoice::Next)
        );
        assert_eq!(
            MeetingChoice::parse("meeting", "").ok(),
            Some(MeetingChoice::Next)
        );
        assert_eq!(
            MeetingChoice::parse("meeting", "None").ok(),
            Some(MeetingChoice::None)
        );
        let id = "00UDm0000000001IAA";
        assert_eq!(
            MeetingChoice::parse("meeting", id)
                .ok()
                .map(|m| m.as_param().to_owned()),
            Some(id.to_owned())
        );
        for bad in [
            "001Dm0000000001IAA",
            "00U' OR Id != '",
            "later",
            "00UDm00000000",
        ] {
            assert!(MeetingChoice::parse("meeting", bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn field_of(err: ServiceError) -> String {
        match err {
            ServiceError::Validation { field, .. } | ServiceError::TooMany { field, .. } => field,
            other => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn account_ids_must_be_account_shaped() {
        assert!(AccountId::parse("id", "001Dm0000000001AAA").is_ok());
        assert_eq!(
            AccountId::parse("id", " 001Dm0000000001 ")
                .unwrap()
                .as_str(),
            "001Dm0000000001"
        );
        for bad in [
            "",
            "003Dm0000000001AAA",
            "001' OR Id != '",
            "001Dm00000000/1AAA",
        ] {
            assert_eq!(
                field_of(AccountId::parse("account_id", bad).unwrap_err()),
                "account_id"
            );
        }
    }

    #[test]
    fn call_id_lists_name_the_callers_field_and_index() {
        let err = parse_call_ids("call_ids", &["1", "x"], 5).unwrap_err();
        assert_eq!(field_of(err), "call_ids[1]");
        let err = parse_call_ids("callIds", &["1", "2", "123456789012345678901"], 5).unwrap_err();
        assert_eq!(field_of(err), "callIds[2]");
        assert_eq!(
            field_of(parse_call_ids::<&str>("call_ids", &[], 5).unwrap_err()),
            "call_ids"
        );
    }

    #[test]
    fn ids_are_counted_before_duplicates_are_dropped() {
        let many = vec!["1"; 4];
        let err = parse_call_ids("callIds", &many, 3).unwrap_err();
        assert!(matches!(err, ServiceError::TooMany { .. }), "{err}");
        // Counting comes first: a bad id past the limit is not even looked at.
        let mut many = vec!["1"; 10_000];
        many[9_000] = "x";
        let err = parse_call_ids("callIds", &many, 50).unwrap_err();
        assert!(matches!(err, ServiceError::TooMany { .. }), "{err}");
    }

    #[test]
    fn call_id_lists_keep_the_first_of_duplicates() {
        let ids = parse_call_ids("callIds", &["3", " 1", "3", "2", "1"], 5).unwrap();
        let ids: Vec<&str> = ids.iter().map(CallId::as_str).collect();
        assert_eq!(ids, ["3", "1", "2"]);
    }

    #[test]
    fn offsets_are_capped_and_keyed_by_call_ids() {
        let many: Vec<_> = (0..=MAX_OFFSETS)
            .map(|i| (i.to_string(), Some(1)))
            .collect();
        assert!(parse_offsets("offsets", many.into_iter()).is_err());
        let err = parse_offsets("offsets", [("abc", Some(1))].into_iter()).unwrap_err();
        assert_eq!(field_of(err), "offsets");
        let err = parse_offsets("offsets", [("1", None)].into_iter()).unwrap_err();
        assert!(err.to_string().contains("whole number"), "{err}");
        let ok = parse_offsets("offsets", [("12", Some(5))].into_iter()).unwrap();
        assert_eq!(ok["12"], 5);
    }

    #[test]
    fn ids_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<CallId>(r#""123""#).is_ok());
        assert!(serde_json::from_str::<CallId>(r#""12a""#).is_err());
        assert!(serde_json::from_str::<AccountId>(r#""001Dm0000000001AAA""#).is_ok());
        assert!(serde_json::from_str::<AccountId>(r#""003Dm0000000001AAA""#).is_err());
    }

    proptest! {
        #[test]
        fn call_id_accepts_exactly_1_to_20_digits(s in "\\PC{0,24}") {
            let expected = (1..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit());
            prop_assert_eq!(is_call_id(&s), expected);
        }

        #[test]
        fn dedup_keeps_first_occurrences(ids in proptest::collection::vec("[0-9]{1,3}", 1..30)) {
            let got = parse_call_ids("callIds", &ids, 1000).unwrap();
            let mut expected: Vec<String> = Vec::new();
            for id in &ids {
                if !expected.contains(id) {
                    expected.push(id.clone());
                }
            }
            let got: Vec<String> = got.into_iter().map(String::from).collect();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn account_pattern_matches_the_parser(s in "[0-9A-Za-z]{0,20}") {
            let pattern_ok = (s.len() == 15 || s.len() == 18) && s.starts_with("001");
            prop_assert_eq!(is_account_id(&s), pattern_ok);
        }
    }
}

/// Whose calendar to read with the service credentials: a Salesforce user id (`005…`) or a
/// username (Salesforce logins are e-mail shaped, at most 80 characters). Only these shapes
/// are ever written into SOQL (and then as escaped literals).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserRef {
    /// A user id, 15 or 18 letters and digits starting with `005`.
    Id(String),
    /// A username such as `maya.chen@callbrief-demo.com`.
    Username(String),
}

/// Longest Salesforce username.
pub const MAX_USERNAME_CHARS: usize = 80;

impl UserRef {
    /// Reads a user id or username (surrounding blanks ignored); the error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ServiceError> {
        let text = raw.trim();
        let is_id = (text.len() == 15 || text.len() == 18)
            && text.bytes().all(|b| b.is_ascii_alphanumeric())
            && text.starts_with("005");
        if is_id {
            return Ok(Self::Id(text.to_owned()));
        }
        let username = text.chars().count() <= MAX_USERNAME_CHARS
            && text
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if username {
            return Ok(Self::Username(text.to_owned()));
        }
        Err(ServiceError::validation(
            field,
            format!(
                "must be a Salesforce user id (15 or 18 letters and digits starting with 005) \
                 or a username (e-mail shaped, at most {MAX_USERNAME_CHARS} characters)"
            ),
        ))
    }
}
