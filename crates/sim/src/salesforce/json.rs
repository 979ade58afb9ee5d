//! JSON objects that keep their keys in insertion order, so records come out as Salesforce
//! writes them: `attributes` first, then the fields in the order they were selected.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// A JSON value whose objects keep key order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// Any plain JSON value.
    Leaf(serde_json::Value),
    /// An object, keys in order.
    Object(Vec<(String, Json)>),
    /// An array of values that may hold ordered objects.
    Array(Vec<Json>),
}

impl Json {
    /// The entry under `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Json::Leaf(_) | Json::Array(_) => None,
        }
    }

    /// The entry under `key`, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Object(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            Json::Leaf(_) | Json::Array(_) => None,
        }
    }

    /// Adds an entry to an object (no effect on other values).
    pub fn push(&mut self, key: &str, value: Json) {
        if let Json::Object(entries) = self {
            entries.push((key.to_string(), value));
        }
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Leaf(v) => v.serialize(serializer),
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Json::Array(items) => serializer.collect_seq(items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_order() {
        let mut o = Json::Object(Vec::new());
        o.push("zeta", Json::Leaf(1.into()));
        o.push("alpha", Json::Leaf(serde_json::Value::Null));
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"zeta":1,"alpha":null}"#
        );
        assert!(o.get("alpha").is_some());
        let a = Json::Array(vec![o, Json::Leaf(true.into())]);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"[{"zeta":1,"alpha":null},true]"#
        );
    }
}
