//! A binding's arguments: part of its identity, so ordered and hashable, and read as a map.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::resource::normalise_value;

/// The arguments, normalised (keys sorted, whole floats as integers), with their canonical
/// JSON text, by which they compare and hash: `Value` is neither `Ord` nor `Hash`.
#[derive(Clone, Debug)]
pub struct BindingArguments {
    /// None when there are none, as for most bindings: nothing allocated, and every id
    /// (a binding's is the largest) stays small.
    given: Option<Box<Given>>,
}

#[derive(Clone, Debug)]
struct Given {
    map: Map<String, Value>,
    canonical: String,
}

static NO_ARGUMENTS: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

impl BindingArguments {
    pub fn new(arguments: &Map<String, Value>) -> Self {
        if arguments.is_empty() {
            return BindingArguments { given: None };
        }
        let map = match normalise_value(Value::Object(arguments.clone())) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        // A map of JSON values always serialises.
        let canonical = serde_json::to_string(&map).unwrap_or_default();
        BindingArguments {
            given: Some(Box::new(Given { map, canonical })),
        }
    }

    pub fn map(&self) -> &Map<String, Value> {
        self.given.as_ref().map_or(&NO_ARGUMENTS, |g| &g.map)
    }

    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    /// The canonical JSON text, e.g. `{"x-match":"all"}`.
    pub fn as_str(&self) -> &str {
        self.given.as_ref().map_or("{}", |g| &g.canonical)
    }
}

impl Default for BindingArguments {
    fn default() -> Self {
        BindingArguments::new(&Map::new())
    }
}

impl PartialEq for BindingArguments {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for BindingArguments {}

impl PartialOrd for BindingArguments {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BindingArguments {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for BindingArguments {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for BindingArguments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Written as the object it is, in plans and saved plans alike.
impl Serialize for BindingArguments {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BindingArguments {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        Ok(BindingArguments::new(&map))
    }
}

/// An object of any values, described where it is used.
impl JsonSchema for BindingArguments {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "BindingArguments".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Map::<String, Value>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(value: Value) -> BindingArguments {
        BindingArguments::new(value.as_object().expect("a map"))
    }

    #[test]
    fn key_order_and_float_form_do_not_matter() {
        let a = of(json!({"b": 1.0, "a": "x"}));
        let b = of(json!({"a": "x", "b": 1}));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), r#"{"a":"x","b":1}"#);
        assert_eq!(a.map().keys().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn saved_as_an_object_and_read_back() {
        let a = of(json!({"x-match": "all", "k": [1, 2]}));
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(text, r#"{"k":[1,2],"x-match":"all"}"#);
        let back: BindingArguments = serde_json::from_str(&text).unwrap();
        assert_eq!(back, a);
        assert!(serde_json::from_str::<BindingArguments>(r#""not an object""#).is_err());
    }

    #[test]
    fn none_read_and_written_as_an_empty_object() {
        let none = BindingArguments::default();
        assert_eq!(none.as_str(), "{}");
        assert!(none.is_empty() && none.map().is_empty());
        assert_eq!(none, of(json!({})));
        let some = of(json!({"a": 1}));
        assert_eq!(none.cmp(&some), "{}".cmp(some.as_str()));
        assert_eq!(serde_json::to_string(&none).unwrap(), "{}");
    }
}
