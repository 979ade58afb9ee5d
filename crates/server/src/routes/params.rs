//! Query and body parameters shared by the account and transcript routes, parsed by hand so
//! every rejection is a JSON 400 that names the parameter and says what is accepted.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::ApiError;
use crate::validate::is_call_id;

/// Most entries in `offsets`.
pub const MAX_OFFSETS: usize = 100;

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

fn offset_entry(id: &str, offset: Option<u64>) -> Result<(String, usize), ApiError> {
    if !is_call_id(id) {
        return Err(invalid(format!(
            "offsets: keys must be Gong call ids (1 to 20 digits), got {id:?}"
        )));
    }
    let offset = offset
        .and_then(|o| usize::try_from(o).ok())
        .ok_or_else(|| {
            invalid(format!(
                "offsets: the value for {id} must be a whole number of characters"
            ))
        })?;
    Ok((id.to_owned(), offset))
}

fn check_count(map: HashMap<String, usize>) -> Result<HashMap<String, usize>, ApiError> {
    if map.len() > MAX_OFFSETS {
        return Err(invalid(format!("offsets: at most {MAX_OFFSETS} entries")));
    }
    Ok(map)
}

/// `offsets` from a JSON body: an object of call id → character offset; absent or `null` is empty.
pub fn offsets_from_json(value: Option<&Value>) -> Result<HashMap<String, usize>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(HashMap::new()),
        Some(Value::Object(entries)) => check_count(
            entries
                .iter()
                .map(|(id, v)| offset_entry(id, v.as_u64()))
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => Err(invalid(
            r#"offsets: must be an object like {"7782342274025937895": 12345}"#.into(),
        )),
    }
}

/// `offsets` from a query string: the JSON object the cut marker shows
/// (`{"7782342274025937895": 12345}`), or the short form `7782342274025937895:12345,...`.
pub fn offsets_from_query(raw: Option<&str>) -> Result<HashMap<String, usize>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(HashMap::new());
    };
    if raw.starts_with('{') {
        let value: Value = serde_json::from_str(raw).map_err(|_| {
            invalid(
                r#"offsets: not valid JSON; send {"<callId>": <offset>} as the marker shows"#
                    .into(),
            )
        })?;
        return offsets_from_json(Some(&value));
    }
    check_count(
        raw.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|pair| {
                let (id, offset) = pair.split_once(':').ok_or_else(|| {
                    invalid(format!(
                        "offsets: {pair:?} is not <callId>:<offset> (or send the JSON object)"
                    ))
                })?;
                offset_entry(id.trim(), offset.trim().parse().ok())
            })
            .collect::<Result<_, _>>()?,
    )
}

/// `maxChars` and `offsets` of a `/callTranscripts` body (already checked to be a JSON object).
pub fn transcript_budget(
    body: &[u8],
    default_max: usize,
) -> Result<(usize, HashMap<String, usize>), ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request("invalid_json", "request body is not valid JSON"))?;
    let max_chars = max_chars_from_json(value.get("maxChars"), default_max)?;
    let max_chars = service::budget::check_max_chars(max_chars).map_err(ApiError::from)?;
    let offsets = offsets_from_json(value.get("offsets"))?;
    Ok((max_chars, offsets))
}

/// `maxChars` from a JSON body; `default` when absent or `null`.
pub fn max_chars_from_json(value: Option<&Value>, default: usize) -> Result<usize, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| invalid("maxChars: must be a whole number of characters".into())),
    }
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
        let many: serde_json::Map<String, Value> = (0..=MAX_OFFSETS)
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
        assert_eq!(max_chars_from_json(None, 7).unwrap(), 7);
        assert_eq!(max_chars_from_json(Some(&json!(9000)), 7).unwrap(), 9000);
        assert!(max_chars_from_json(Some(&json!("big")), 7).is_err());
    }
}
