//! Lists and maps read from YAML, trimmed to their length once read: ten thousand queues
//! each keep room for the one binding they have, not the four a growing list reserves.

use std::hash::{BuildHasher, Hash};

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};

pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut list = Vec::<T>::deserialize(deserializer)?;
    list.shrink_to_fit();
    Ok(list)
}

pub fn map<'de, D, K, V, S>(deserializer: D) -> Result<IndexMap<K, V, S>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
{
    let mut map = IndexMap::<K, V, S>::deserialize(deserializer)?;
    map.shrink_to_fit();
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "list")]
        items: Vec<u32>,
        #[serde(deserialize_with = "map")]
        pairs: IndexMap<String, u32>,
    }

    #[test]
    fn what_is_read_keeps_no_spare_room() {
        let held: Holder = serde_json::from_str(r#"{"items":[1],"pairs":{"a":1}}"#).unwrap();
        assert_eq!(held.items, vec![1]);
        assert_eq!(held.items.capacity(), 1);
        assert_eq!(held.pairs.capacity(), 1);
    }
}
