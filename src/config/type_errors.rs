//! A file's type errors all at once: the parser stops at the first, so the bad scalar is
//! blanked to `~` (null, same length, so later positions hold) and the file parsed again.

use std::ops::Range;

/// Most type errors one file reports; past that the file is probably not an environment.
pub const MAX_TYPE_ERRORS: usize = 50;

/// Whether the parser's message is about a value's type (`invalid type: ...`, `invalid
/// value: ...`, `invalid i64`, `unknown variant ...`), which blanking the value gets past.
pub fn is_type_error(message: &str) -> bool {
    (message.starts_with("invalid ") && !message.starts_with("invalid yaml"))
        || message.starts_with("unknown variant")
}

/// Where the value is when the parser pointed at its key (`key: value`), else `offset`.
pub fn value_start(text: &str, offset: usize) -> usize {
    let Some(key) = scalar_at(text, offset) else {
        return offset;
    };
    let rest = &text[key.end..];
    let Some(after_colon) = rest.strip_prefix(':') else {
        return offset;
    };
    if !after_colon.starts_with([' ', '\t', '\n', '\r']) {
        return offset;
    }
    let skipped = skip_blank_and_comments(after_colon);
    key.end + 1 + (after_colon.len() - skipped.len())
}

/// The extent of the single-line scalar starting at `offset` (quotes included), if one does.
pub fn scalar_at(text: &str, offset: usize) -> Option<Range<usize>> {
    let rest = text.get(offset..)?;
    let first = rest.chars().next()?;
    let len = match first {
        '"' => closing(rest, '"', true)?,
        '\'' => closing(rest, '\'', false)?,
        '{' | '[' | '}' | ']' | ',' | '\n' | '\r' | '#' | '&' | '*' | '!' | '|' | '>' => {
            return None
        }
        _ => plain_len(rest),
    };
    (len > 0 && !rest[..len].contains('\n')).then(|| offset..offset + len)
}

/// The text with `range` replaced by `~` and spaces, so every other byte keeps its place.
pub fn blank(text: &str, range: Range<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..range.start]);
    out.push('~');
    out.push_str(&" ".repeat(range.len() - 1));
    out.push_str(&text[range.end..]);
    out
}

fn closing(rest: &str, quote: char, backslash_escapes: bool) -> Option<usize> {
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if backslash_escapes && c == '\\' {
            chars.next();
        } else if c == quote {
            // In single quotes, '' is an escaped quote.
            if !backslash_escapes && chars.peek().is_some_and(|(_, n)| *n == quote) {
                chars.next();
                continue;
            }
            return Some(i + c.len_utf8());
        }
    }
    None
}

/// A plain scalar ends at a line end, a comment, or (in a flow collection) `,` `}` `]`, or at
/// `: ` when it is a key.
fn plain_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        let b = bytes[end];
        let next_blank = bytes
            .get(end + 1)
            .is_none_or(|n| matches!(n, b' ' | b'\t' | b'\n' | b'\r'));
        let comment = b == b'#' && end > 0 && matches!(bytes[end - 1], b' ' | b'\t');
        if matches!(b, b'\n' | b'\r' | b',' | b'}' | b']') || comment || (b == b':' && next_blank) {
            break;
        }
        end += 1;
    }
    rest[..end].trim_end().len()
}

fn skip_blank_and_comments(mut text: &str) -> &str {
    loop {
        text = text.trim_start_matches([' ', '\t', '\n', '\r']);
        if text.starts_with('#') {
            text = text.find('\n').map_or("", |i| &text[i..]);
        } else {
            return text;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_leads_to_its_value_on_the_same_or_the_next_line() {
        let text = "q: { durable: \"no\", x: 1 }";
        let value = value_start(text, 5);
        assert_eq!(&text[scalar_at(text, value).unwrap()], "\"no\"");
        let text = "durable:  # why\n  'n''o'\nnext: 1";
        let value = value_start(text, 0);
        assert_eq!(&text[scalar_at(text, value).unwrap()], "'n''o'");
    }

    #[test]
    fn a_value_is_kept_where_the_parser_pointed_at_it() {
        let text = "limits: { max-queues: ten }";
        assert_eq!(value_start(text, 22), 22);
        assert_eq!(&text[scalar_at(text, 22).unwrap()], "ten");
    }

    #[test]
    fn only_value_errors_are_parsed_past() {
        assert!(is_type_error(
            "invalid type: string \"yes\", expected a boolean"
        ));
        assert!(is_type_error("invalid i64"));
        assert!(is_type_error(
            "unknown variant `quorom`, expected one of classic"
        ));
        assert!(!is_type_error(
            "while parsing a flow sequence, expected ',' or ']'"
        ));
        assert!(!is_type_error(
            "unknown field `durabel`, expected one of durable"
        ));
    }

    #[test]
    fn blanking_keeps_every_other_byte_in_place() {
        let text = "a: \"yes\" # c\nb: 1";
        let blanked = blank(text, 3..8);
        assert_eq!(blanked, "a: ~     # c\nb: 1");
        assert_eq!(blanked.len(), text.len());
    }

    #[test]
    fn collections_and_multi_line_scalars_are_not_blanked() {
        assert_eq!(scalar_at("{ a: 1 }", 0), None);
        assert_eq!(scalar_at("\"a\nb\"", 0), None);
        assert_eq!(scalar_at("\"unclosed", 0), None);
    }
}
