//! A value together with where it was written, for diagnostics that point at the source.

use std::borrow::{Borrow, Cow};
use std::cell::Cell;
use std::fmt;
use std::hash::{Hash, Hasher};

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::diagnostic::FileId;

/// Position of a node inside one source file (1-based line and column, byte range).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    /// Byte offset and length, 32 bits like line and column (a file is read whole, far below
    /// 4 GiB): every value read carries a position, so its size counts at 10,000 queues.
    pub offset: u32,
    pub len: u32,
    /// The file the value was read from, when the loader read it: a setting inherited through
    /// `extends` sits in a block declared in another file, and diagnostics must name its own.
    pub file: Option<u32>,
}

impl Position {
    /// The byte range, for slicing the source.
    pub fn start(&self) -> usize {
        self.offset as usize
    }

    /// The file the value was read from, if the loader stamped it.
    pub fn file_id(&self) -> Option<FileId> {
        self.file.map(|f| f as FileId)
    }
}

/// A byte offset or length as a position keeps it.
pub fn byte_count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

thread_local! {
    /// The file being parsed on this thread, stamped on every position read from it.
    static PARSING: Cell<Option<FileId>> = const { Cell::new(None) };
}

/// Runs `parse` with every [`Located`] it reads remembering `file`.
pub fn parsing_file<R>(file: FileId, parse: impl FnOnce() -> R) -> R {
    let outer = PARSING.with(|p| p.replace(Some(file)));
    let result = parse();
    PARSING.with(|p| p.set(outer));
    result
}

/// A deserialised value with its position; equality, order and hashing look at the value only.
#[derive(Clone, Debug, Default)]
pub struct Located<T> {
    pub value: T,
    pub at: Position,
}

impl<T> Located<T> {
    pub fn new(value: T, at: Position) -> Self {
        Self { value, at }
    }

    /// A value made by warren itself rather than read from a file.
    pub fn synthetic(value: T) -> Self {
        Self {
            value,
            at: Position::default(),
        }
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Located<T> {}

impl<T: Hash> Hash for Located<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}

impl<T: PartialOrd> PartialOrd for Located<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&other.value)
    }
}
impl<T: Ord> Ord for Located<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl Borrow<str> for Located<String> {
    fn borrow(&self) -> &str {
        &self.value
    }
}

impl<T: fmt::Display> fmt::Display for Located<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let file = PARSING.with(Cell::get).map(byte_count);
        if super::quick_yaml::reading() {
            return super::quick_yaml::located(deserializer, file);
        }
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let loc = spanned.referenced;
        let span = loc.span();
        Ok(Located {
            value: spanned.value,
            at: Position {
                line: loc.line() as u32,
                column: loc.column() as u32,
                offset: byte_count(span.byte_offset().unwrap_or(0) as usize),
                len: byte_count(span.byte_len().unwrap_or(0) as usize),
                file,
            },
        })
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    // The same id as `T`, so `Located<T>` and `T` share one definition.
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}
