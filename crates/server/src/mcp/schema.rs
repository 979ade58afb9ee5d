//! Tool output schemas from the same type descriptions the REST API's OpenAPI document uses.
//!
//! A tool's `structuredContent` is the very JSON the REST route answers with, so its
//! `outputSchema` is derived from the same `utoipa` schema rather than written twice: the type's
//! schema becomes the root, every schema it references is inlined under `$defs`, and OpenAPI's
//! `#/components/schemas/X` references become JSON Schema's `#/$defs/X`. utoipa writes OpenAPI
//! 3.1, whose schema dialect is JSON Schema 2020-12, which is what MCP expects.

use std::sync::Arc;

use rmcp::model::JsonObject;
use serde_json::{Map, Value};
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

const OPENAPI_REF_PREFIX: &str = "#/components/schemas/";
const DEFS_REF_PREFIX: &str = "#/$defs/";

/// The JSON Schema of `T` as a standalone document (root object, referenced types in `$defs`).
pub fn output_schema<T: ToSchema>() -> Arc<JsonObject> {
    let mut referenced: Vec<(String, RefOr<Schema>)> = Vec::new();
    T::schemas(&mut referenced);
    Arc::new(standalone(
        to_value(&T::schema()),
        referenced
            .iter()
            .map(|(name, schema)| (name.clone(), to_value(schema))),
    ))
}

/// Builds the standalone schema from the root schema and its named dependencies: pure, so the
/// rewriting is tested on plain JSON.
pub fn standalone(root: Value, referenced: impl Iterator<Item = (String, Value)>) -> JsonObject {
    let mut object = match rewrite_refs(root) {
        Value::Object(object) => object,
        other => {
            let mut object = Map::new();
            object.insert("allOf".into(), Value::Array(vec![other]));
            object
        }
    };
    let defs: Map<String, Value> = referenced
        .map(|(name, schema)| (name, rewrite_refs(schema)))
        .collect();
    if !defs.is_empty() {
        object.insert("$defs".into(), Value::Object(defs));
    }
    object
}

fn to_value<S: serde::Serialize>(schema: &S) -> Value {
    // Serialising utoipa's own schema types cannot fail (plain maps, strings and numbers).
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

/// Rewrites every `$ref` from the OpenAPI components form to the `$defs` form, recursively.
fn rewrite_refs(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("$ref", Value::String(target)) => Value::String(
                            target
                                .strip_prefix(OPENAPI_REF_PREFIX)
                                .map(|name| format!("{DEFS_REF_PREFIX}{name}"))
                                .unwrap_or(target),
                        ),
                        (_, other) => rewrite_refs(other),
                    };
                    (key, value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(rewrite_refs).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Serialize, ToSchema)]
    struct Inner {
        name: String,
    }

    #[derive(serde::Serialize, ToSchema)]
    struct Outer {
        items: Vec<Inner>,
        note: Option<String>,
    }

    #[test]
    fn references_point_into_defs() {
        let schema = Value::Object((*output_schema::<Outer>()).clone());
        assert_eq!(schema["type"], "object");
        assert_eq!(
            schema["properties"]["items"]["items"]["$ref"],
            "#/$defs/Inner"
        );
        assert_eq!(
            schema["$defs"]["Inner"]["properties"]["name"]["type"],
            "string"
        );
        assert!(!schema.to_string().contains("#/components/"), "{schema}");
    }

    #[test]
    fn the_schema_validates_what_the_type_serialises() {
        let schema = Value::Object((*output_schema::<Outer>()).clone());
        let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
        let value = serde_json::to_value(Outer {
            items: vec![Inner { name: "a".into() }],
            note: None,
        })
        .unwrap();
        assert!(validator.is_valid(&value), "{value} against {schema}");
        assert!(!validator.is_valid(&json!({"items": [{"name": 1}], "note": null})));
    }

    #[test]
    fn a_non_object_root_is_wrapped() {
        let got = standalone(json!(true), std::iter::empty());
        assert_eq!(Value::Object(got), json!({"allOf": [true]}));
    }
}
