//! Request validation as pure functions: headers and bytes in, parsed [`CallId`]s or an
//! [`ApiError`] out.
//!
//! The body is parsed by hand rather than through a typed extractor so every rejection can name
//! the exact field and index (`callIds[2]`), which is what an assistant needs to fix its call.
//! The rules of an id and of the list (its limit is counted before duplicates are dropped, so a
//! body of thousands of ids is refused at once) are the service's ([`service::ids`]); this module
//! only reads the JSON around them.

use serde_json::Value;
use service::ids::{check_count, parse_call_ids};
use service::{CallId, ServiceError};

use crate::error::ApiError;

/// The REST name of the list of call ids.
pub const CALL_IDS_FIELD: &str = "callIds";

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

/// Reads a request body as a JSON object, the one parse of it; every field is then read from
/// the object, each rejection naming its field.
pub fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
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
    Ok(object)
}

/// `callIds` of a body: the distinct ids in first-seen order.
///
/// Unknown fields are ignored, so a caller sending more than we need still works.
pub fn call_ids(
    object: &serde_json::Map<String, Value>,
    max_call_ids: usize,
) -> Result<Vec<CallId>, ApiError> {
    let ids = match object.get(CALL_IDS_FIELD) {
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
    check_count(CALL_IDS_FIELD, ids.len(), max_call_ids).map_err(call_ids_error)?;
    let texts = ids
        .iter()
        .enumerate()
        .map(|(index, id)| match id {
            Value::String(s) => Ok(s.as_str()),
            Value::Number(_) => Err(ServiceError::validation(
                format!("{CALL_IDS_FIELD}[{index}]"),
                "must be a string, not a number (long ids lose digits as JSON numbers)",
            )),
            other => Err(ServiceError::validation(
                format!("{CALL_IDS_FIELD}[{index}]"),
                format!("must be a string of digits; it is {}", json_kind(other)),
            )),
        })
        .collect::<Result<Vec<&str>, _>>()
        .map_err(call_ids_error)?;
    parse_call_ids(CALL_IDS_FIELD, &texts, max_call_ids).map_err(call_ids_error)
}

/// A rejected `callIds`, with the route's documented codes.
fn call_ids_error(err: ServiceError) -> ApiError {
    let code = match err {
        ServiceError::TooMany { .. } => "too_many_call_ids",
        _ => "invalid_call_ids",
    };
    ApiError::bad_request(code, err.to_string())
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

    /// The body read as the handler reads it.
    fn read(body: &[u8], max: usize) -> Result<Vec<CallId>, ApiError> {
        call_ids(&json_object(body)?, max)
    }

    fn err(body: &str) -> (u16, String, String) {
        let e = read(body.as_bytes(), 3).unwrap_err();
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
        let ids = read(br#"{"callIds":["3","1","3","2","1"],"extra":true}"#, 5).unwrap();
        let ids: Vec<&str> = ids.iter().map(CallId::as_str).collect();
        assert_eq!(ids, ["3", "1", "2"]);
    }

    #[test]
    fn the_limit_is_counted_before_anything_is_read() {
        let (_, code, message) = err(r#"{"callIds":["1","1","1","1"]}"#);
        assert_eq!(code, "too_many_call_ids");
        assert!(message.contains("at most 3"), "{message}");
        let (_, code, _) = err(r#"{"callIds":["1","2",3,null]}"#);
        assert_eq!(code, "too_many_call_ids");
    }

    #[test]
    fn each_rejection_names_the_field() {
        assert_eq!(err("").1, "invalid_json");
        assert_eq!(err("{").1, "invalid_json");
        assert_eq!(err("[]").1, "invalid_json");
        let (status, code, message) = err("{}");
        assert_eq!((status, code.as_str()), (400, "invalid_call_ids"));
        assert!(message.contains("callIds is required"));
        assert!(err(r#"{"callIds":[]}"#)
            .2
            .contains("callIds must be a non-empty array; it is empty"));
        assert!(err(r#"{"callIds":"1"}"#)
            .2
            .contains("callIds must be a non-empty array of strings; it is a string"));
        assert!(err(r#"{"callIds":["1","x"]}"#).2.contains("callIds[1]"));
        assert!(err(r#"{"callIds":["1",2]}"#)
            .2
            .contains("callIds[1]: must be a string, not a number"));
        assert!(err(r#"{"callIds":[null]}"#).2.contains("callIds[0]"));
        assert!(err(r#"{"callIds":["123456789012345678901"]}"#)
            .2
            .contains("callIds[0]"));
        let (_, code, message) = err(r#"{"callIds":["1","2","3","4"]}"#);
        assert_eq!(code, "too_many_call_ids");
        assert!(message.contains("at most 3"));
    }
}
