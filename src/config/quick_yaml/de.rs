//! Hands a scanned tree to serde; whatever it cannot hand over exactly is `Unsupported`.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::scalar::{cooked, resolve, Scalar};
use super::tree::{Kind, Node, Tree};
use super::{Unsupported, LOCATED_MARKER};
use crate::config::located::{byte_count, Position};

/// Types the environment schema does not hold are left to the full parser.
macro_rules! unsupported {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Unsupported> {
                Err(Unsupported)
            }
        )*
    };
}

/// One node of the tree, as a serde deserializer.
pub(super) struct NodeDe<'t, 'a> {
    pub tree: &'t Tree<'a>,
    pub index: usize,
}

impl<'t, 'a> NodeDe<'t, 'a> {
    fn node(&self) -> &'t Node {
        &self.tree.nodes[self.index]
    }

    fn scalar(&self) -> Result<Scalar<'a>, Unsupported> {
        resolve(self.tree.text, self.node())
    }

    fn entries(&self) -> Entries<'t, 'a> {
        Entries {
            tree: self.tree,
            at: self.index + 1,
            left: self.node().count as usize,
        }
    }

    /// Where the node was written, as a position records it.
    pub fn position(&self) -> Position {
        let node = self.node();
        Position {
            line: node.line,
            column: node.column,
            offset: node.offset,
            len: byte_count(node.len as usize),
            file: None,
        }
    }
}

/// The entries of a collection still to be read.
struct Entries<'t, 'a> {
    tree: &'t Tree<'a>,
    at: usize,
    left: usize,
}

impl<'t, 'a> Entries<'t, 'a> {
    fn take(&mut self) -> NodeDe<'t, 'a> {
        let index = self.at;
        self.at = self.tree.nodes[index].next_sibling(index);
        NodeDe {
            tree: self.tree,
            index,
        }
    }
}

impl<'de> de::SeqAccess<'de> for Entries<'_, '_> {
    type Error = Unsupported;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Unsupported> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.take()).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::MapAccess<'de> for Entries<'_, '_> {
    type Error = Unsupported;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Unsupported> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.take()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Unsupported> {
        seed.deserialize(self.take())
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_, '_> {
    type Error = Unsupported;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.node().kind {
            Kind::Map => visitor.visit_map(self.entries()),
            Kind::Seq => visitor.visit_seq(self.entries()),
            _ => match self.scalar()? {
                Scalar::Null => visitor.visit_unit(),
                Scalar::Bool(b) => visitor.visit_bool(b),
                Scalar::Unsigned(n) => visitor.visit_u64(n),
                Scalar::Signed(n) => visitor.visit_i64(n),
                Scalar::Str(s) => visitor.visit_str(&s),
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        // Only a plain scalar resolves to a boolean; a quoted `"true"` is a string.
        match self.scalar()? {
            Scalar::Bool(b) => visitor.visit_bool(b),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.scalar()? {
            Scalar::Unsigned(n) => visitor.visit_i64(i64::try_from(n).map_err(|_| Unsupported)?),
            Scalar::Signed(n) => visitor.visit_i64(n),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.scalar()? {
            Scalar::Unsigned(n) => visitor.visit_u64(n),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.scalar()? {
            Scalar::Str(s) => visitor.visit_str(&s),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        let is_null = self.node().kind == Kind::Plain && matches!(self.scalar()?, Scalar::Null);
        if is_null {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.scalar()? {
            Scalar::Null => visitor.visit_unit(),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.node().kind {
            Kind::Seq => visitor.visit_seq(self.entries()),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        match self.node().kind {
            Kind::Map => visitor.visit_map(self.entries()),
            _ => Err(Unsupported),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        if name == LOCATED_MARKER {
            super::POSITION.with(|p| p.set(Some(self.position())));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        match self.scalar()? {
            Scalar::Str(s) => {
                let variant: de::value::StrDeserializer<'_, Unsupported> =
                    s.as_ref().into_deserializer();
                visitor.visit_enum(variant)
            }
            _ => Err(Unsupported),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        // Even an ignored scalar must be one the full parser would read the same way.
        if !matches!(self.node().kind, Kind::Map | Kind::Seq) {
            cooked(self.tree.text, self.node())?;
        }
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { i8 i16 i32 u8 u16 u32 }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Unsupported> {
        Err(Unsupported)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, Unsupported> {
        Err(Unsupported)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Unsupported> {
        Err(Unsupported)
    }

    unsupported! {
        deserialize_i128 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_bytes deserialize_byte_buf
    }
}
