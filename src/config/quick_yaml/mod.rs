//! A fast reader for the YAML environments are usually written in: block and flow
//! collections, quoted and plain scalars, comments. Anything else (anchors, tags, block
//! scalars, multi-line scalars, empty values, numbers other than plain decimal integers,
//! words YAML 1.1 reads as booleans), and any document that would not deserialise, is
//! `Unsupported`: the caller then reads it with the full parser, which also words every error.
//! A document this reader accepts deserialises exactly as the full parser would read it,
//! positions included.

mod de;
mod scalar;
mod tree;

#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;

use super::located::{Located, Position};

/// The document is outside the subset this reader takes; the full parser must read it.
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("outside the YAML this reader takes")
    }
}

impl std::error::Error for Unsupported {}

impl serde::de::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

/// The newtype name a [`Located`] asks for, so this reader hands over the node's position.
const LOCATED_MARKER: &str = "$warren::located";

thread_local! {
    /// True while this reader deserialises, so a [`Located`] asks it for positions.
    static READING: Cell<bool> = const { Cell::new(false) };
    /// The position of the node a [`Located`] is about to read.
    static POSITION: Cell<Option<Position>> = const { Cell::new(None) };
}

/// The document read from `text`, or `None` when the full parser must read it.
pub fn read<T: DeserializeOwned>(text: &str) -> Option<T> {
    let tree = tree::scan(text).ok()?;
    let _reading = Reading::start();
    T::deserialize(de::NodeDe {
        tree: &tree,
        index: 0,
    })
    .ok()
}

/// Marks this thread as reading until dropped, even when a deserialiser panics.
struct Reading(bool);

impl Reading {
    fn start() -> Self {
        Reading(READING.with(|r| r.replace(true)))
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        READING.with(|r| r.set(self.0));
    }
}

/// Whether a [`Located`] is being read by this reader.
pub fn reading() -> bool {
    READING.with(Cell::get)
}

/// Reads a [`Located`] through this reader: the position first, then the value.
pub fn located<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
    file: Option<u32>,
) -> Result<Located<T>, D::Error> {
    struct LocatedVisitor<T>(Option<u32>, std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for LocatedVisitor<T> {
        type Value = Located<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a value with its position")
        }

        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Located<T>, D::Error> {
            let position = POSITION.with(|p| p.take());
            let mut at = position.ok_or_else(|| serde::de::Error::custom("no position"))?;
            at.file = self.0;
            Ok(Located::new(T::deserialize(d)?, at))
        }
    }

    deserializer.deserialize_newtype_struct(
        LOCATED_MARKER,
        LocatedVisitor(file, std::marker::PhantomData),
    )
}
