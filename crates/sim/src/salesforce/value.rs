//! Field values: how they compare in filters and sorts, and how Salesforce writes them in JSON.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};

/// The value of one field of one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An empty field (`null` in JSON).
    Null,
    /// Text of any text-like type.
    Text(String),
    /// A record id (the record's own or a lookup's).
    Id(String),
    /// A whole number.
    Int(i64),
    /// A decimal number (double, currency, percent).
    Number(f64),
    /// True or false.
    Bool(bool),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant.
    DateTime(DateTime<Utc>),
}

impl Value {
    /// Text, or null when empty (Salesforce stores empty text as null).
    pub fn text(s: impl Into<String>) -> Value {
        let s = s.into();
        if s.is_empty() {
            Value::Null
        } else {
            Value::Text(s)
        }
    }

    /// An optional id.
    pub fn opt_id(id: Option<&str>) -> Value {
        match id {
            Some(id) if !id.is_empty() => Value::Id(id.to_string()),
            _ => Value::Null,
        }
    }

    /// Whether the field is empty.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The id held by an id field, for following lookups.
    pub fn as_id(&self) -> Option<&str> {
        match self {
            Value::Id(id) => Some(id),
            _ => None,
        }
    }

    /// The text searches look at, if the value is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value as Salesforce's REST API writes it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Text(s) | Value::Id(s) => serde_json::Value::String(s.clone()),
            Value::Int(n) => serde_json::Value::from(*n),
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Date(d) => serde_json::Value::String(d.format("%Y-%m-%d").to_string()),
            Value::DateTime(t) => serde_json::Value::String(format_datetime(t)),
        }
    }

    /// Order of two non-null values of the same field; text ignores case as in Salesforce.
    /// Values of different kinds (never produced for one field) compare equal.
    pub fn compare(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => cmp_ignore_case(a, b),
            (Value::Id(a), Value::Id(b)) => id_key(a).cmp(id_key(b)),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.total_cmp(b),
            (Value::Int(a), Value::Number(b)) => (*a as f64).total_cmp(b),
            (Value::Number(a), Value::Int(b)) => a.total_cmp(&(*b as f64)),
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::DateTime(a), Value::DateTime(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }
}

/// Salesforce's datetime format in REST answers: `2024-01-15T17:00:00.000+0000`.
pub fn format_datetime(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// Case-insensitive text order.
pub fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// The part of an id that identifies the record: its first 15 characters, so that the
/// 15- and 18-character forms of one id are equal.
pub fn id_key(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

/// Whether `s` has the shape of a Salesforce id (15 or 18 ASCII letters and digits).
pub fn is_id_shaped(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn json_shapes_follow_salesforce() {
        let t = Utc
            .with_ymd_and_hms(2024, 1, 15, 17, 0, 5)
            .single()
            .unwrap();
        assert_eq!(
            Value::DateTime(t).to_json(),
            serde_json::json!("2024-01-15T17:00:05.000+0000")
        );
        assert_eq!(Value::Number(1500.0).to_json().to_string(), "1500.0");
        assert_eq!(Value::text("").to_json(), serde_json::Value::Null);
    }

    #[test]
    fn ids_compare_on_their_15_character_key() {
        let a = Value::Id("001Dm0000000001AAA".into());
        let b = Value::Id("001Dm0000000001".into());
        assert_eq!(a.compare(&b), Ordering::Equal);
        assert!(is_id_shaped("001Dm0000000001"));
        assert!(!is_id_shaped("001Dm00000000-1"));
    }

    #[test]
    fn text_compares_ignoring_case() {
        assert_eq!(cmp_ignore_case("acme", "ACME"), Ordering::Equal);
        assert_eq!(cmp_ignore_case("Acme", "beta"), Ordering::Less);
    }
}
