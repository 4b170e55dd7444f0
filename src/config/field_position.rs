//! Where a key sits inside a value read as a whole (`Located<Value>` keeps only the
//! value's own position), found in the source text.

use super::located::Position;
use super::variables::position_of;

/// Where `key` is written inside the value at `value`: parameter values keep no nested
/// positions. The value ends at the first later line indented less than where it starts.
pub fn key_position(text: &str, value: Position, key: &str) -> Option<Position> {
    let indent = (value.column as usize).saturating_sub(1);
    let mut offset = value.start();
    let mut first = true;
    for line in text.get(value.start()..)?.split_inclusive('\n') {
        let body = line.trim_start();
        let blank = body.is_empty() || body.starts_with('#');
        if !first && !blank && line.len() - body.len() < indent {
            return None;
        }
        if let Some(column) = key_column(line, key) {
            return Some(position_of(text, offset + column, key.len()));
        }
        offset += line.len();
        first = false;
    }
    None
}

/// The byte column of `key` used as a mapping key (`key:`, `'key':`) in `line`.
fn key_column(line: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = line[from..].find(key) {
        let start = from + found;
        let after = line[start + key.len()..].trim_start_matches(['\'', '"', ' ']);
        let before = line[..start].chars().next_back();
        if after.starts_with(':') && !before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
            return Some(start);
        }
        from = start + key.len();
    }
    None
}
