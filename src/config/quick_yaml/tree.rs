//! Scans the common subset of YAML into a flat list of nodes, or says it is outside that subset.

use super::Unsupported;

/// What a node is; scalars keep their quoting, which decides how they are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Map,
    Seq,
    Plain,
    Single,
    Double,
}

/// One node, in document order: a collection's entries follow it (a map's as key, value).
#[derive(Clone, Copy, Debug)]
pub(super) struct Node {
    pub kind: Kind,
    /// Entries of a collection (a map's pairs count once).
    pub count: u32,
    /// Index of the node after this one and all it holds.
    pub next: u32,
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub len: u32,
}

/// The scanned document: the text and its nodes, the root first.
pub(super) struct Tree<'a> {
    pub text: &'a str,
    pub nodes: Vec<Node>,
}

type Step<T> = Result<T, Unsupported>;

/// Characters that cannot start a plain scalar here.
const INDICATORS: &[u8] = b"-?:,[]{}#&*!|>'\"%@`";
const FLOW_INDICATORS: &[u8] = b",[]{}";
/// YAML allows an implicit key 1,024 characters up to its colon; longer ones, and keys near
/// that, are left to the full parser.
const MAX_KEY: usize = 1000;
/// The full parser's budget of nodes (scalars, sequences and mappings) in one document.
const MAX_NODES: usize = 250_000;
/// Its budget of scalar text; a text no longer than this cannot hold more.
const MAX_SCALAR_BYTES: usize = 64 * 1024 * 1024;
/// Deeper documents are left to the full parser and its own limit.
const MAX_DEPTH: u32 = 64;

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
    /// Indentation of the line the scanner stands on, once it stands at its content.
    indent: usize,
    eof: bool,
    depth: u32,
    /// The offset and column of the last node placed, so columns are counted once per line.
    last_column: (usize, u32),
    nodes: Vec<Node>,
}

/// Scans `text`, whose root must be a block mapping.
pub(super) fn scan(text: &str) -> Step<Tree<'_>> {
    if text.len() > MAX_SCALAR_BYTES || !printable(text.as_bytes()) {
        return Err(Unsupported);
    }
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        line_start: 0,
        indent: 0,
        eof: false,
        depth: 0,
        last_column: (0, 0),
        nodes: Vec::with_capacity(text.len() / 12),
    };
    scanner.document()?;
    if scanner.nodes.len() > MAX_NODES {
        return Err(Unsupported);
    }
    Ok(Tree {
        text,
        nodes: scanner.nodes,
    })
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// 1-based column in characters, counted on from the last node of the same line.
    fn column(&mut self, offset: usize) -> u32 {
        let (from, mut column) = match self.last_column {
            (at, column) if at >= self.line_start && at <= offset && column > 0 => (at, column),
            _ => (self.line_start, 1),
        };
        column += self.bytes[from..offset]
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count() as u32;
        self.last_column = (offset, column);
        column
    }

    fn push(&mut self, kind: Kind, offset: usize, len: usize) -> usize {
        let column = self.column(offset);
        self.nodes.push(Node {
            kind,
            count: 0,
            next: 0,
            line: self.line,
            column,
            offset: offset as u32,
            len: len as u32,
        });
        self.nodes.len() - 1
    }

    fn close(&mut self, index: usize, count: u32) {
        let next = self.nodes.len() as u32;
        let node = &mut self.nodes[index];
        node.count = count;
        node.next = next;
    }

    fn enter(&mut self) -> Step<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        Ok(())
    }

    fn is_break(b: Option<u8>) -> bool {
        matches!(b, None | Some(b'\n') | Some(b'\r'))
    }

    fn is_blank_or_break(b: Option<u8>) -> bool {
        matches!(b, None | Some(b' ' | b'\n' | b'\r'))
    }

    /// Steps over a line break (a lone `\r` is left to the full parser).
    fn line_break(&mut self) -> Step<()> {
        match self.peek() {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') if self.peek_at(1) == Some(b'\n') => self.pos += 2,
            Some(b'\r') => return Err(Unsupported),
            _ => {}
        }
        self.line += 1;
        self.line_start = self.pos;
        Ok(())
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// The rest of the current line from here, without its line break.
    fn rest_of_line(&self) -> &[u8] {
        let rest = &self.bytes[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        &rest[..end]
    }

    /// Steps over a comment up to the line break.
    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            self.pos += self.rest_of_line().len();
        }
    }

    /// After a value: only spaces and a comment may follow on its line; then the next content.
    fn finish_line(&mut self) -> Step<()> {
        let before = self.pos;
        self.skip_spaces();
        if self.peek() == Some(b'#') && self.pos == before {
            return Err(Unsupported);
        }
        self.skip_comment();
        if !Self::is_break(self.peek()) {
            return Err(Unsupported);
        }
        self.next_content_line()
    }

    /// From a line break, stands at the first content of the next line that has some.
    fn next_content_line(&mut self) -> Step<()> {
        loop {
            if self.pos >= self.bytes.len() {
                self.eof = true;
                return Ok(());
            }
            self.line_break()?;
            self.skip_spaces();
            match self.peek() {
                None => {
                    self.eof = true;
                    return Ok(());
                }
                Some(b'\n' | b'\r') => continue,
                Some(b'#') => {
                    self.skip_comment();
                    continue;
                }
                Some(b'\t') => return Err(Unsupported),
                Some(_) => {
                    self.indent = self.pos - self.line_start;
                    if self.indent == 0 && self.document_marker() {
                        return Err(Unsupported);
                    }
                    return Ok(());
                }
            }
        }
    }

    fn document_marker(&self) -> bool {
        let rest = &self.bytes[self.pos..];
        (rest.starts_with(b"---") || rest.starts_with(b"..."))
            && Self::is_blank_or_break(rest.get(3).copied())
    }

    fn document(&mut self) -> Step<()> {
        // A byte order mark never gets here: `printable` refuses it.
        // Stand at the first content as if a line break came before the text.
        self.skip_spaces();
        match self.peek() {
            Some(b'#') | Some(b'\n') | Some(b'\r') | None => {
                self.skip_comment();
                self.next_content_line()?;
            }
            Some(b'\t') => return Err(Unsupported),
            Some(_) => self.indent = self.pos,
        }
        if !self.eof && self.indent == 0 && self.document_marker() {
            if !self.bytes[self.pos..].starts_with(b"---") {
                return Err(Unsupported);
            }
            self.pos += 3;
            self.skip_spaces();
            self.skip_comment();
            if !Self::is_break(self.peek()) {
                return Err(Unsupported);
            }
            self.next_content_line()?;
            if self.eof {
                return Err(Unsupported);
            }
        }
        if self.eof {
            // Only comments: read as a mapping with nothing in it, as the full parser does.
            let index = self.push(Kind::Map, self.line_start, 0);
            self.close(index, 0);
            return Ok(());
        }
        if self.indent != 0 || !self.key_ahead() {
            return Err(Unsupported);
        }
        self.block_mapping(0)?;
        if !self.eof {
            return Err(Unsupported);
        }
        Ok(())
    }

    /// Whether the line from here holds `key:` followed by a space or its end.
    fn key_ahead(&self) -> bool {
        let line = self.rest_of_line();
        let after_key = match line.first() {
            Some(&q @ (b'"' | b'\'')) => match quoted_end(line, q) {
                Some(end) => end,
                None => return false,
            },
            Some(first) if INDICATORS.contains(first) => return false,
            _ => {
                let mut i = 0;
                loop {
                    if i >= line.len() {
                        return false;
                    }
                    if line[i] == b'#' && i > 0 && line[i - 1] == b' ' {
                        return false;
                    }
                    if line[i] == b':' && Self::is_blank_or_break(line.get(i + 1).copied()) {
                        return true;
                    }
                    i += 1;
                }
            }
        };
        let mut i = after_key;
        while line.get(i) == Some(&b' ') {
            i += 1;
        }
        line.get(i) == Some(&b':') && Self::is_blank_or_break(line.get(i + 1).copied())
    }

    /// A block node whose first line starts here, at the current indentation.
    fn block_node(&mut self) -> Step<()> {
        let indent = self.indent;
        if self.at_dash() {
            self.block_sequence(indent, false)
        } else if self.key_ahead() {
            self.block_mapping(indent)
        } else {
            Err(Unsupported)
        }
    }

    fn at_dash(&self) -> bool {
        self.peek() == Some(b'-') && Self::is_blank_or_break(self.peek_at(1))
    }

    fn block_mapping(&mut self, indent: usize) -> Step<()> {
        self.enter()?;
        let index = self.push(Kind::Map, self.pos, 0);
        let mut count = 0;
        loop {
            self.block_key()?;
            count += 1;
            self.skip_spaces();
            self.block_value(indent, true)?;
            if self.eof || self.indent < indent {
                break;
            }
            if self.indent > indent || self.at_dash() {
                return Err(Unsupported);
            }
            if !self.key_ahead() {
                return Err(Unsupported);
            }
        }
        self.close(index, count);
        self.check_unique_keys(index)?;
        self.depth -= 1;
        Ok(())
    }

    /// The value after `key:` or `- `, in a block collection at `indent`.
    fn block_value(&mut self, indent: usize, in_map: bool) -> Step<()> {
        match self.peek() {
            None | Some(b'#' | b'\n' | b'\r') => {
                self.skip_comment();
                self.next_content_line()?;
                if self.eof {
                    return Err(Unsupported);
                }
                if in_map && self.indent == indent && self.at_dash() {
                    return self.block_sequence(indent, true);
                }
                if self.indent <= indent {
                    // An empty value is null, left to the full parser.
                    return Err(Unsupported);
                }
                self.block_node()
            }
            Some(_) => {
                if !in_map && (self.at_dash() || self.key_ahead()) {
                    // `- - a` and `- key: value` start a collection on the dash's line.
                    let column = self.pos - self.line_start;
                    if self.at_dash() {
                        return Err(Unsupported);
                    }
                    self.indent = column;
                    return self.block_mapping(column);
                }
                self.inline_value(false, indent)?;
                self.finish_line()
            }
        }
    }

    /// A block sequence; one at its mapping key's own indentation (`indentless`) is placed,
    /// as the full parser places it, at its first item's content rather than at the dash.
    fn block_sequence(&mut self, indent: usize, indentless: bool) -> Step<()> {
        self.enter()?;
        let mut start = self.pos;
        if indentless {
            start += 1;
            while self.bytes.get(start) == Some(&b' ') {
                start += 1;
            }
            if matches!(self.bytes.get(start), None | Some(b'\n' | b'\r' | b'#')) {
                return Err(Unsupported);
            }
        }
        let index = self.push(Kind::Seq, start, 0);
        let mut count = 0;
        loop {
            self.pos += 1;
            self.skip_spaces();
            if self.peek() == Some(b'\t') {
                return Err(Unsupported);
            }
            self.block_value(indent, false)?;
            count += 1;
            if self.eof || self.indent < indent {
                break;
            }
            if self.indent > indent {
                return Err(Unsupported);
            }
            if !self.at_dash() {
                break;
            }
        }
        self.close(index, count);
        self.depth -= 1;
        Ok(())
    }

    fn block_key(&mut self) -> Step<()> {
        let start = self.pos;
        match self.peek() {
            Some(b'"' | b'\'') => self.quoted()?,
            Some(first) => {
                if INDICATORS.contains(&first) {
                    return Err(Unsupported);
                }
                let mut end = self.pos;
                while !(self.bytes[end] == b':'
                    && Self::is_blank_or_break(self.bytes.get(end + 1).copied()))
                {
                    end += 1;
                }
                let mut trimmed = end;
                while self.bytes[trimmed - 1] == b' ' {
                    trimmed -= 1;
                }
                self.plain_text(start, trimmed)?;
                self.push(Kind::Plain, start, trimmed - start);
                self.pos = end;
            }
            None => return Err(Unsupported),
        }
        self.skip_spaces();
        if self.peek() != Some(b':') || self.pos - start > MAX_KEY {
            return Err(Unsupported);
        }
        self.pos += 1;
        Ok(())
    }

    /// A plain scalar's text must not hold what would make it something else or an error.
    fn plain_text(&self, start: usize, end: usize) -> Step<()> {
        let text = &self.bytes[start..end];
        if text.is_empty() || text.iter().any(|&b| b < 0x20 || b == 0x7f) {
            return Err(Unsupported);
        }
        let negative_number = text[0] == b'-' && text.get(1).is_some_and(u8::is_ascii_digit);
        if INDICATORS.contains(&text[0]) && !negative_number {
            return Err(Unsupported);
        }
        for pair in text.windows(2) {
            if (pair[0] == b':' && pair[1] == b' ') || (pair[0] == b' ' && pair[1] == b'#') {
                return Err(Unsupported);
            }
        }
        if text.last() == Some(&b':') {
            return Err(Unsupported);
        }
        Ok(())
    }

    /// A scalar or flow collection on the current line; `indent` is the enclosing block's.
    fn inline_value(&mut self, in_flow: bool, indent: usize) -> Step<()> {
        match self.peek() {
            Some(b'{') => self.flow_mapping(indent),
            Some(b'[') => self.flow_sequence(indent),
            Some(b'"' | b'\'') => self.quoted(),
            Some(_) => self.plain(in_flow),
            None => Err(Unsupported),
        }
    }

    fn plain(&mut self, in_flow: bool) -> Step<()> {
        let start = self.pos;
        let mut end = start;
        loop {
            let b = self.bytes.get(end).copied();
            match b {
                None | Some(b'\n' | b'\r') => break,
                Some(b'#') if end > start && self.bytes[end - 1] == b' ' => break,
                Some(b':')
                    if in_flow
                        && (Self::is_blank_or_break(self.bytes.get(end + 1).copied())
                            || FLOW_INDICATORS.contains(&self.bytes[end + 1])) =>
                {
                    break
                }
                Some(c) if in_flow && FLOW_INDICATORS.contains(&c) => break,
                _ => end += 1,
            }
        }
        let mut trimmed = end;
        while trimmed > start && self.bytes[trimmed - 1] == b' ' {
            trimmed -= 1;
        }
        self.plain_text(start, trimmed)?;
        self.push(Kind::Plain, start, trimmed - start);
        self.pos = trimmed;
        Ok(())
    }

    /// A single- or double-quoted scalar on one line, by the quote it starts with.
    fn quoted(&mut self) -> Step<()> {
        let start = self.pos;
        let (kind, quote) = match self.peek() {
            Some(b'"') => (Kind::Double, b'"'),
            _ => (Kind::Single, b'\''),
        };
        let end = quoted_end(&self.bytes[start..], quote).ok_or(Unsupported)? + start;
        self.push(kind, start, end - start);
        self.pos = end;
        Ok(())
    }

    /// Inside a flow collection: spaces, line breaks and comments, each new line indented
    /// past the enclosing block.
    fn flow_space(&mut self, indent: usize) -> Step<()> {
        loop {
            let before = self.pos;
            self.skip_spaces();
            match self.peek() {
                Some(b'#') if self.pos > before || self.pos == self.line_start => {
                    self.skip_comment()
                }
                Some(b'\n' | b'\r') => {
                    self.line_break()?;
                    self.skip_spaces();
                    match self.peek() {
                        Some(b'\t') | None => return Err(Unsupported),
                        Some(b'\n' | b'\r' | b'#') => {}
                        Some(_) => {
                            if self.pos - self.line_start <= indent {
                                return Err(Unsupported);
                            }
                        }
                    }
                }
                Some(b'\t') => return Err(Unsupported),
                _ => return Ok(()),
            }
        }
    }

    fn flow_mapping(&mut self, indent: usize) -> Step<()> {
        self.enter()?;
        let index = self.push(Kind::Map, self.pos, 1);
        self.pos += 1;
        self.flow_space(indent)?;
        let mut count = 0;
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                let (key_line, key_start) = (self.line, self.pos);
                match self.peek() {
                    Some(b'"' | b'\'') => self.quoted()?,
                    Some(_) => self.plain(true)?,
                    None => return Err(Unsupported),
                }
                self.skip_spaces();
                if self.peek() != Some(b':')
                    || !Self::is_blank_or_break(self.peek_at(1))
                    || self.line != key_line
                    || self.pos - key_start > MAX_KEY
                {
                    return Err(Unsupported);
                }
                self.pos += 1;
                self.flow_space(indent)?;
                self.inline_value(true, indent)?;
                count += 1;
                if self.flow_entry_end(indent, b'}')? {
                    break;
                }
            }
        }
        self.close(index, count);
        self.check_unique_keys(index)?;
        self.depth -= 1;
        Ok(())
    }

    fn flow_sequence(&mut self, indent: usize) -> Step<()> {
        self.enter()?;
        let index = self.push(Kind::Seq, self.pos, 1);
        self.pos += 1;
        self.flow_space(indent)?;
        let mut count = 0;
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.inline_value(true, indent)?;
                count += 1;
                if self.flow_entry_end(indent, b']')? {
                    break;
                }
            }
        }
        self.close(index, count);
        self.depth -= 1;
        Ok(())
    }

    /// After a flow entry: whether the collection closed here (true) or a comma leads to
    /// another entry (false); a trailing comma is left to the full parser.
    fn flow_entry_end(&mut self, indent: usize, close: u8) -> Step<bool> {
        self.flow_space(indent)?;
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.flow_space(indent)?;
                if matches!(self.peek(), Some(b'}' | b']' | b',')) {
                    return Err(Unsupported);
                }
                Ok(false)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(Unsupported),
        }
    }

    /// Two equal keys in one mapping are an error the full parser reports.
    fn check_unique_keys(&self, index: usize) -> Step<()> {
        let map = self.nodes[index];
        if map.count < 2 {
            return Ok(());
        }
        let mut keys = Vec::with_capacity(map.count as usize);
        let mut at = index + 1;
        for _ in 0..map.count {
            keys.push(super::scalar::cooked(self.text, &self.nodes[at])?);
            at = self.nodes[at].next_sibling(at);
            at = self.nodes[at].next_sibling(at);
        }
        // Sorting is cheaper than hashing for the few keys most mappings have.
        keys.sort_unstable();
        if keys.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(Unsupported);
        }
        Ok(())
    }
}

impl Node {
    /// The index after this node and everything it holds.
    pub fn next_sibling(&self, index: usize) -> usize {
        match self.kind {
            Kind::Map | Kind::Seq => self.next as usize,
            _ => index + 1,
        }
    }
}

/// The length of a quoted scalar at the start of `text`, closing quote included, when it ends
/// on its first line.
fn quoted_end(text: &[u8], quote: u8) -> Option<usize> {
    let mut i = 1;
    while i < text.len() {
        match text[i] {
            b'\n' | b'\r' => return None,
            b'\\' if quote == b'"' => {
                if matches!(text.get(i + 1), None | Some(b'\n' | b'\r')) {
                    return None;
                }
                i += 2
            }
            b'\'' if quote == b'\'' && text.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// No control characters but tab and line breaks, no C1 controls, no byte order mark.
fn printable(bytes: &[u8]) -> bool {
    // Files of printable ASCII, the usual case, pass in one sweep; the rest byte by byte.
    let plain_ascii = |b: &u8| (0x20..0x7f).contains(b) || *b == b'\n';
    if bytes.iter().all(plain_ascii) {
        return true;
    }
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\t' | b'\n' | b'\r' => {}
            0..=0x1f | 0x7f => return false,
            0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => return false,
            0xef if bytes.get(i + 1) == Some(&0xbb) && bytes.get(i + 2) == Some(&0xbf) => {
                return false
            }
            0xef if bytes.get(i + 1) == Some(&0xbf)
                && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
            {
                return false
            }
            _ => {}
        }
        i += 1;
    }
    true
}
