//! A scalar's text with quotes and escapes undone, and what a plain scalar resolves to.

use std::borrow::Cow;

use super::tree::{Kind, Node};
use super::Unsupported;

/// What a scalar stands for, as YAML's core schema reads it.
pub(super) enum Scalar<'a> {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Str(Cow<'a, str>),
}

/// The node's string: a plain scalar as written, a quoted one with its escapes undone.
pub(super) fn cooked<'a>(text: &'a str, node: &Node) -> Result<Cow<'a, str>, Unsupported> {
    let raw = &text[node.offset as usize..(node.offset + node.len) as usize];
    match node.kind {
        Kind::Plain => Ok(Cow::Borrowed(raw)),
        Kind::Single => {
            let inner = &raw[1..raw.len() - 1];
            if inner.contains('\'') {
                Ok(Cow::Owned(inner.replace("''", "'")))
            } else {
                Ok(Cow::Borrowed(inner))
            }
        }
        Kind::Double => {
            let inner = &raw[1..raw.len() - 1];
            if inner.contains('\\') {
                unescape(inner).map(Cow::Owned)
            } else {
                Ok(Cow::Borrowed(inner))
            }
        }
        Kind::Map | Kind::Seq => Err(Unsupported),
    }
}

/// Double-quoted escapes; the rare ones are left to the full parser.
fn unescape(inner: &str) -> Result<String, Unsupported> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = match chars.next().ok_or(Unsupported)? {
            '\\' => '\\',
            '"' => '"',
            '/' => '/',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            ' ' => ' ',
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                // Exactly four hex digits: the number parser would also take a sign.
                if hex.len() != 4 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(Unsupported);
                }
                let code = u32::from_str_radix(&hex, 16).map_err(|_| Unsupported)?;
                char::from_u32(code).ok_or(Unsupported)?
            }
            _ => return Err(Unsupported),
        };
        out.push(escaped);
    }
    Ok(out)
}

/// A plain scalar's meaning; anything YAML 1.1 or 1.2 might read otherwise is left to the
/// full parser rather than guessed.
pub(super) fn resolve<'a>(text: &'a str, node: &Node) -> Result<Scalar<'a>, Unsupported> {
    let value = cooked(text, node)?;
    if node.kind != Kind::Plain {
        return Ok(Scalar::Str(value));
    }
    let Cow::Borrowed(plain) = value else {
        return Err(Unsupported);
    };
    match plain {
        "null" | "~" => return Ok(Scalar::Null),
        "true" => return Ok(Scalar::Bool(true)),
        "false" => return Ok(Scalar::Bool(false)),
        _ => {}
    }
    let first = plain.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Ok(number) = integer(plain) {
            return Ok(number);
        }
        // Only text no number, date or special float could be written with is a string.
        if plain.bytes().all(|b| NUMBER_LIKE.contains(&b)) {
            return Err(Unsupported);
        }
        return Ok(Scalar::Str(value));
    }
    const AMBIGUOUS: &[&str] = &[
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "=",
    ];
    if AMBIGUOUS
        .iter()
        .any(|word| plain.eq_ignore_ascii_case(word))
    {
        return Err(Unsupported);
    }
    Ok(Scalar::Str(value))
}

/// Every character a number, timestamp, `.inf` or `.nan` in any YAML version can hold.
const NUMBER_LIKE: &[u8] = b"0123456789._:+- eExXoObBabcdfABCDFtTzZiInN";

/// Decimal integers without sign, leading zero or separators; other numbers are not guessed.
fn integer(plain: &str) -> Result<Scalar<'static>, Unsupported> {
    let (negative, digits) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain),
    };
    let well_formed = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !well_formed || (negative && digits == "0") {
        return Err(Unsupported);
    }
    if negative {
        plain
            .parse::<i64>()
            .map(Scalar::Signed)
            .map_err(|_| Unsupported)
    } else {
        digits
            .parse::<u64>()
            .map(Scalar::Unsigned)
            .map_err(|_| Unsupported)
    }
}
