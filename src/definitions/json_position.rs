//! Where a value sits in a JSON text, by its path (`users`, 0, `limits`, ...): serde_json
//! keeps no positions, and a problem in a definitions file should name its line and column.

use crate::config::diagnostic::{Diagnostic, FileId};
use crate::config::located::Position;

/// A JSON document being read, for placing diagnostics: its text and its file.
pub struct JsonDocument<'a> {
    pub text: &'a str,
    pub file: FileId,
}

impl JsonDocument<'_> {
    /// `diagnostic` at the value `path` leads to, or on the whole file when there is none.
    pub fn place(&self, diagnostic: Diagnostic, path: &[Step]) -> Diagnostic {
        match position(self.text, path) {
            Some((line, column)) => diagnostic.at(
                self.file,
                Position {
                    line: line as u32,
                    column: column as u32,
                    ..Position::default()
                },
            ),
            None => diagnostic.in_file(self.file),
        }
    }
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// 1-based (line, column) of the value at `path` in `text`; None when the text is not JSON
/// or has no such value. Columns count characters.
pub fn position(text: &str, path: &[Step]) -> Option<(usize, usize)> {
    let mut scanner = Scanner { text, at: 0 };
    let offset = scanner.find(path)?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Some((line, column))
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// The byte offset of the value at `path`, starting at the value under the cursor.
    fn find(&mut self, path: &[Step]) -> Option<usize> {
        self.skip_space();
        let Some((step, rest)) = path.split_first() else {
            return Some(self.at);
        };
        match (step, self.peek()?) {
            (Step::Key(wanted), b'{') => {
                // The last of duplicate keys, which is the one serde_json keeps.
                self.at += 1;
                let mut found = None;
                loop {
                    self.skip_space();
                    if self.peek()? == b'}' {
                        return found;
                    }
                    let key = self.string()?;
                    self.eat(b':')?;
                    if &key == wanted {
                        let mut inner = Scanner {
                            text: self.text,
                            at: self.at,
                        };
                        found = inner.find(rest).or(found);
                    }
                    self.skip_value()?;
                    self.skip_space();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b'}' => return found,
                        _ => return None,
                    }
                }
            }
            (Step::Index(wanted), b'[') => {
                self.at += 1;
                for _ in 0..*wanted {
                    self.skip_value()?;
                    self.eat(b',')?;
                }
                self.find(rest)
            }
            _ => None,
        }
    }

    /// A string's decoded text; the cursor must be on its opening quote.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.skip_string()?;
        serde_json::from_str(&self.text[start..self.at]).ok()
    }

    fn skip_string(&mut self) -> Option<()> {
        (self.peek()? == b'"').then_some(())?;
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                _ => self.at += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        self.skip_space();
        match self.peek()? {
            b'"' => self.skip_string(),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.at += 1;
                self.skip_space();
                if self.peek()? == close {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    if open == b'{' {
                        self.skip_space();
                        self.skip_string()?;
                        self.eat(b':')?;
                    }
                    self.skip_value()?;
                    self.skip_space();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b if b == close => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Step {
        Step::Key(k.to_string())
    }

    const DOC: &str = "{\n  \"vhosts\": [{\"name\": \"/\"}],\n  \"users\": [\n    {\"name\": \"a\\\"b\", \"tags\": []},\n    {\"name\": \"é\", \"limits\": {\"max-connections\": \"two\"}}\n  ]\n}\n";

    #[test]
    fn finds_a_nested_value_past_escapes_and_non_ascii_text() {
        let path = [
            key("users"),
            Step::Index(1),
            key("limits"),
            key("max-connections"),
        ];
        assert_eq!(position(DOC, &path), Some((5, 49)));
        assert_eq!(position(DOC, &[key("users"), Step::Index(0)]), Some((4, 5)));
        assert_eq!(position(DOC, &[key("vhosts")]), Some((2, 13)));
    }

    #[test]
    fn of_duplicate_keys_the_last_one_counts() {
        let doc = "{\"a\": {\"k\": 1, \"k\": 2}}";
        assert_eq!(position(doc, &[key("a"), key("k")]), Some((1, 21)));
        assert_eq!(position("{\"a\": {}}", &[key("a"), key("k")]), None);
    }

    #[test]
    fn a_missing_path_or_broken_text_has_no_position() {
        assert_eq!(position(DOC, &[key("queues")]), None);
        assert_eq!(position(DOC, &[key("users"), Step::Index(2)]), None);
        assert_eq!(
            position("{\"users\": [", &[key("users"), Step::Index(1)]),
            None
        );
    }
}
