//! Request validation as pure functions: headers and bytes in, clean call ids or an [`ApiError`] out.
//!
//! The body is parsed by hand rather than through a typed extractor so every rejection can name
//! the exact field and index (`callIds[2]`), which is what an assistant needs to fix its call.

use serde_json::Value;

use crate::error::ApiError;

/// Longest Gong call id: Gong ids are numeric strings of up to 20 digits.
pub const MAX_CALL_ID_DIGITS: usize = 20;

/// Accepts `application/json` and any `application/*+json`, with or without parameters
/// (`; charset=utf-8`), case-insensitively.
pub fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Whether `id` looks like a Gong call id: 1 to 20 ASCII digits.
pub fn is_call_id(id: &str) -> bool {
    (1..=MAX_CALL_ID_DIGITS).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

/// Parses `{"callIds": [...]}` and returns the distinct ids in first-seen order.
///
/// Unknown fields are ignored, so a caller sending more than we need still works.
pub fn call_ids(body: &[u8], max_call_ids: usize) -> Result<Vec<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            r#"request body is empty; send a JSON object like {"callIds": ["1234567890"]}"#,
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|err| {
        ApiError::bad_request(
            "invalid_json",
            format!("request body is not valid JSON: {err}"),
        )
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad_request(
            "invalid_json",
            r#"request body must be a JSON object like {"callIds": ["1234567890"]}"#,
        ));
    };
    let ids = match object.get("callIds") {
        None => {
            return Err(ApiError::bad_request(
                "invalid_call_ids",
                "callIds is required: a non-empty array of Gong call ids (strings of digits)",
            ))
        }
        Some(Value::Array(ids)) if ids.is_empty() => {
            return Err(ApiError::bad_request(
                "invalid_call_ids",
                "callIds must be a non-empty array; it is empty",
            ))
        }
        Some(Value::Array(ids)) => ids,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_call_ids",
                format!(
                    "callIds must be a non-empty array of strings; it is {}",
                    json_kind(other)
                ),
            ))
        }
    };

    let mut distinct: Vec<String> = Vec::with_capacity(ids.len().min(max_call_ids));
    for (index, id) in ids.iter().enumerate() {
        let id = match id {
            Value::String(s) if is_call_id(s) => s,
            Value::String(_) => {
                return Err(ApiError::bad_request(
                    "invalid_call_ids",
                    format!(
                        "callIds[{index}] must be a Gong call id: a string of 1 to \
                         {MAX_CALL_ID_DIGITS} digits"
                    ),
                ))
            }
            Value::Number(_) => {
                return Err(ApiError::bad_request(
                    "invalid_call_ids",
                    format!(
                        "callIds[{index}] must be a string, not a number \
                         (long ids lose digits as JSON numbers)"
                    ),
                ))
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_call_ids",
                    format!(
                        "callIds[{index}] must be a string of digits; it is {}",
                        json_kind(other)
                    ),
                ))
            }
        };
        if !distinct.iter().any(|seen| seen == id) {
            distinct.push(id.clone());
        }
    }
    if distinct.len() > max_call_ids {
        return Err(ApiError::bad_request(
            "too_many_call_ids",
            format!(
                "callIds has {} distinct ids; at most {max_call_ids} are allowed per request",
                distinct.len()
            ),
        ));
    }
    Ok(distinct)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(body: &str) -> (u16, String, String) {
        let e = call_ids(body.as_bytes(), 3).unwrap_err();
        (e.status.as_u16(), e.body.error, e.body.message)
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some(
            "Application/JSON; charset=utf-8"
        )));
        assert!(is_json_content_type(Some("application/vnd.api+json")));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(Some(
            "application/x-www-form-urlencoded"
        )));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn valid_ids_are_deduplicated_in_first_seen_order() {
        let ids = call_ids(br#"{"callIds":["3","1","3","2","1"],"extra":true}"#, 3).unwrap();
        assert_eq!(ids, ["3", "1", "2"]);
    }

    #[test]
    fn each_rejection_names_the_field() {
        assert_eq!(err("").1, "invalid_json");
        assert_eq!(err("{").1, "invalid_json");
        assert_eq!(err("[]").1, "invalid_json");
        let (status, code, message) = err("{}");
        assert_eq!((status, code.as_str()), (400, "invalid_call_ids"));
        assert!(message.contains("callIds is required"));
        assert!(err(r#"{"callIds":[]}"#).2.contains("empty"));
        assert!(err(r#"{"callIds":"1"}"#).2.contains("a string"));
        assert!(err(r#"{"callIds":["1","x"]}"#).2.contains("callIds[1]"));
        assert!(err(r#"{"callIds":["1",2]}"#)
            .2
            .contains("callIds[1] must be a string, not a number"));
        assert!(err(r#"{"callIds":[null]}"#).2.contains("callIds[0]"));
        assert!(err(r#"{"callIds":["123456789012345678901"]}"#)
            .2
            .contains("callIds[0]"));
        let (_, code, message) = err(r#"{"callIds":["1","2","3","4"]}"#);
        assert_eq!(code, "too_many_call_ids");
        assert!(message.contains("at most 3"));
    }

    proptest! {
        #[test]
        fn call_id_accepts_exactly_1_to_20_digits(s in "\\PC{0,24}") {
            let expected = (1..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit());
            prop_assert_eq!(is_call_id(&s), expected);
        }

        #[test]
        fn dedup_keeps_first_occurrences(ids in proptest::collection::vec("[0-9]{1,3}", 1..30)) {
            let body = serde_json::json!({ "callIds": ids }).to_string();
            let got = call_ids(body.as_bytes(), 1000).unwrap();
            let mut expected: Vec<String> = Vec::new();
            for id in &ids {
                if !expected.contains(id) {
                    expected.push(id.clone());
                }
            }
            prop_assert_eq!(got, expected);
        }
    }
}
