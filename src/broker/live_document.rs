//! `GET /api/definitions` lowered as it is parsed: each object goes into the live state
//! when its closing brace is read, so the whole answer never exists twice in memory.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;

use super::lower::Lowering;

/// The definitions document as a seed: deserializing it feeds every object to `Lowering`.
pub struct LiveDocument<'a>(pub &'a mut Lowering);

impl<'de> DeserializeSeed<'de> for LiveDocument<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LiveDocument<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a definitions document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let lowering = self.0;
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            // As the whole document's reading did: a list given twice is refused, not merged.
            if seen.contains(&key) {
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            match key.as_str() {
                "users" => map.next_value_seed(Each::new(|u| lowering.user(u)))?,
                "permissions" => map.next_value_seed(Each::new(|p| lowering.permission(p)))?,
                "topic_permissions" => {
                    map.next_value_seed(Each::new(|p| lowering.topic_permission(p)))?
                }
                "parameters" => map.next_value_seed(Each::new(|p| lowering.parameter(p)))?,
                "global_parameters" => {
                    map.next_value_seed(Each::new(|g| lowering.global_parameter(g)))?
                }
                "policies" => map.next_value_seed(Each::new(|p| lowering.policy(p)))?,
                "queues" => map.next_value_seed(Each::new(|q| lowering.queue(q)))?,
                "exchanges" => map.next_value_seed(Each::new(|e| lowering.exchange(e)))?,
                "bindings" => map.next_value_seed(Each::new(|b| lowering.binding(b)))?,
                // Vhosts come from `/api/vhosts`, with the metadata 3.10's export leaves out.
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            seen.push(key);
        }
        Ok(())
    }
}

/// A list whose items are handed to `take` one by one, never collected.
struct Each<T, F> {
    take: F,
    item: PhantomData<T>,
}

impl<T, F: FnMut(T)> Each<T, F> {
    fn new(take: F) -> Self {
        Each {
            take,
            item: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T)> DeserializeSeed<'de> for Each<T, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(T)> Visitor<'de> for Each<T, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<T>()? {
            (self.take)(item);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_given_twice_is_refused() {
        let mut lowering = Lowering::new(Vec::new());
        let text = br#"{"queues": [], "exchanges": [], "queues": []}"#;
        let mut parser = serde_json::Deserializer::from_slice(text);
        let refused = LiveDocument(&mut lowering).deserialize(&mut parser);
        let reason = refused.expect_err("two queue lists").to_string();
        assert!(reason.contains("duplicate field `queues`"), "{reason}");
    }
}
