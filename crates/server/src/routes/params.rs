//! Query and body parameters shared by the account and transcript routes, parsed by hand so
//! every rejection is a JSON 400 that names the parameter and says what is accepted. The rules
//! themselves (what an offset key is, how many there may be, the budget's bounds and ceiling)
//! are the service's, shared with MCP.

use std::collections::HashMap;

use serde_json::Value;
use service::MaxChars;

use crate::error::ApiError;

/// The REST name of the offsets parameter.
pub const OFFSETS_FIELD: &str = "offsets";
/// The REST name of the budget parameter.
pub const MAX_CHARS_FIELD: &str = "maxChars";

/// A query string as `name → value` (the last occurrence wins).
pub fn query_map(raw: Option<&str>) -> HashMap<String, String> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("invalid_parameter", message)
}

/// A whole number parameter; `default` when absent or empty.
pub fn number(
    query: &HashMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match query.get(name).map(|v| v.trim()) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| invalid(format!("{name}: must be a whole number, got {v:?}"))),
    }
}

/// `offsets` from a JSON body: an object of call id → character offset; absent or `null` is empty.
pub fn offsets_from_json(value: Option<&Value>) -> Result<HashMap<String, usize>, ApiError> {
    service::ids::offsets_from_json(OFFSETS_FIELD, value).map_err(|e| invalid(e.to_string()))
}

/// `offsets` from a query string (see [`service::ids::offsets_from_text`]).
pub fn offsets_from_query(raw: Option<&str>) -> Result<HashMap<String, usize>, ApiError> {
    service::ids::offsets_from_text(OFFSETS_FIELD, raw).map_err(|e| invalid(e.to_string()))
}

/// `maxChars` and `offsets` of a `/callTranscripts` body (already checked to be a JSON object);
/// `ceiling` is `CALLBRIEF_MAX_RESPONSE_CHARS`.
pub fn transcript_budget(
    body: &serde_json::Map<String, Value>,
    ceiling: usize,
) -> Result<(MaxChars, HashMap<String, usize>), ApiError> {
    let value = body;
    let max_chars = max_chars_from_json(value.get(MAX_CHARS_FIELD))?;
    let max_chars = max_chars_within(max_chars, ceiling)?;
    let offsets = offsets_from_json(value.get(OFFSETS_FIELD))?;
    Ok((max_chars, offsets))
}

/// `timestamps` from a JSON body: `false` when absent or `null`.
pub fn timestamps(body: &serde_json::Map<String, Value>) -> Result<bool, ApiError> {
    match body.get("timestamps") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid("timestamps: must be true or false".into())),
    }
}

/// `maxChars` from a JSON body; `None` when absent or `null`.
pub fn max_chars_from_json(value: Option<&Value>) -> Result<Option<usize>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid("maxChars: must be a whole number of characters".into())),
    }
}

/// The caller's `maxChars` (or the default), never above `ceiling`, the server's
/// `CALLBRIEF_MAX_RESPONSE_CHARS`.
pub fn max_chars_within(requested: Option<usize>, ceiling: usize) -> Result<MaxChars, ApiError> {
    Ok(MaxChars::parse(MAX_CHARS_FIELD, requested, ceiling)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offsets_in_both_query_forms() {
        let want = HashMap::from([("123".to_string(), 456), ("9".to_string(), 0)]);
        assert_eq!(
            offsets_from_query(Some(r#"{"123": 456, "9": 0}"#)).unwrap(),
            want
        );
        assert_eq!(offsets_from_query(Some("123:456, 9:0")).unwrap(), want);
        assert!(offsets_from_query(None).unwrap().is_empty());
        assert!(offsets_from_query(Some(" ")).unwrap().is_empty());
    }

    #[test]
    fn bad_offsets_name_the_parameter() {
        for bad in [
            r#"{"abc": 1}"#,
            r#"{"1": -1}"#,
            r#"{"1": "x"}"#,
            "1=2",
            "{",
            "1:x",
            r#"[1]"#,
        ] {
            let err = offsets_from_query(Some(bad)).unwrap_err();
            assert_eq!(err.status.as_u16(), 400, "{bad}");
            assert!(
                err.body.message.starts_with("offsets: "),
                "{bad}: {}",
                err.body.message
            );
        }
        let many: serde_json::Map<String, Value> = (0..=service::ids::MAX_OFFSETS)
            .map(|i| (i.to_string(), json!(1)))
            .collect();
        assert!(offsets_from_json(Some(&Value::Object(many))).is_err());
    }

    #[test]
    fn numbers_and_max_chars() {
        let q = query_map(Some("limit=5&calls=&x=abc"));
        assert_eq!(number(&q, "limit", 10).unwrap(), 5);
        assert_eq!(number(&q, "calls", 3).unwrap(), 3);
        assert_eq!(number(&q, "missing", 3).unwrap(), 3);
        assert!(number(&q, "x", 3)
            .unwrap_err()
            .body
            .message
            .starts_with("x: "));
        assert_eq!(max_chars_from_json(None).unwrap(), None);
        assert_eq!(max_chars_from_json(Some(&json!(9000))).unwrap(), Some(9000));
        assert!(max_chars_from_json(Some(&json!("big"))).is_err());
        assert_eq!(max_chars_within(Some(9000), 5000).unwrap().get(), 5000);
        let err = max_chars_within(Some(10), 5000).unwrap_err();
        assert!(err.body.message.starts_with("maxChars: "), "{err:?}");
    }
}
