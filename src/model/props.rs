//! An object's properties by field name, kept sorted in one small vector: a resource has
//! three or four, and a B-tree would spend a node of about a kilobyte on each resource.
//! Field names are the schema's own words, borrowed, not a string allocated per object.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Field name to value, in field-name order, each name once.
#[derive(Clone, Default, PartialEq)]
pub struct Props {
    entries: Vec<Entry>,
}

/// A field's name: a schema word (`durable`), or read from a document.
pub type Key = Cow<'static, str>;

type Entry = (Key, Value);

impl Props {
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key`, returning the value it replaces.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                // Exactly one more: a doubling vector would hold a quarter of its room empty.
                self.entries.reserve_exact(1);
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.into_iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn pair(entry: &Entry) -> (&str, &Value) {
    (entry.0.as_ref(), &entry.1)
}

impl<'a> IntoIterator for &'a Props {
    type Item = (&'a str, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Entry>, fn(&Entry) -> (&str, &Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries
            .iter()
            .map(pair as fn(&Entry) -> (&str, &Value))
    }
}

impl FromIterator<(String, Value)> for Props {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut props = Props::default();
        for (key, value) in iter {
            props.insert(key, value);
        }
        props
    }
}

/// Printed as a map, as the B-tree it replaces printed.
impl fmt::Debug for Props {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Props {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Props {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, Value>::deserialize(deserializer)?;
        Ok(Props {
            entries: map.into_iter().map(|(k, v)| (Key::from(k), v)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_one_value_per_key_in_key_order() {
        let mut props = Props::default();
        assert_eq!(props.insert("b", json!(1)), None);
        props.insert("a", json!(2));
        assert_eq!(props.insert("b", json!(3)), Some(json!(1)));
        assert_eq!(props.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(props.get("b"), Some(&json!(3)));
        assert_eq!(props.remove("a"), Some(json!(2)));
        assert!(!props.contains_key("a"));
        assert_eq!(props.len(), 1);
    }

    #[test]
    fn reads_and_writes_as_a_sorted_map() {
        let props: Props = serde_json::from_str(r#"{"z": 1, "a": {"y": 2}}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&props).unwrap(),
            r#"{"a":{"y":2},"z":1}"#
        );
        assert_eq!(
            format!("{props:?}"),
            r#"{"a": Object {"y": Number(2)}, "z": Number(1)}"#
        );
    }
}
