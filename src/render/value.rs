//! How values read in every text format: strings as written, short values on one line,
//! long ones over several lines for line diffs.

use serde_json::Value;

use crate::model::resource::redact_uri;

/// Values whose one-line form is longer than this are shown as line diffs.
const LONG: usize = 60;

pub fn is_long(value: &Value) -> bool {
    inline(value).chars().count() > LONG
}

/// A control character as an escape, so names and values cannot break the layout.
pub fn escape_control(c: char) -> Vec<char> {
    match c {
        '\n' => vec!['\\', 'n'],
        '\r' => vec!['\\', 'r'],
        '\t' => vec!['\\', 't'],
        c if c.is_control() => c.escape_unicode().collect(),
        c => vec![c],
    }
}

/// A string quoted as users wrote it: a regex's backslashes are not doubled.
pub fn quote(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            c => out.extend(escape_control(c)),
        }
    }
    out.push('"');
    out
}

/// One-line form of a value: JSON-like, strings shown by [`quote`].
pub fn inline(value: &Value) -> String {
    match value {
        Value::String(s) => quote(&redact_uri(s)),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", quote(k), inline(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

/// Multi-line form for line diffs; a comma after every entry (as Terraform does), so
/// appending to a list or map changes no existing line.
pub fn pretty(value: &Value) -> String {
    match value {
        Value::String(s) => redact_uri(s).chars().flat_map(escape_control).collect(),
        other => {
            let mut out = String::new();
            pretty_into(&mut out, other, 0);
            out
        }
    }
}

fn pretty_into(out: &mut String, value: &Value, depth: usize) {
    type Entries<'a> = Vec<(Option<&'a String>, &'a Value)>;
    let (open, close, entries): (char, char, Entries) = match value {
        Value::Array(items) if !items.is_empty() => {
            ('[', ']', items.iter().map(|v| (None, v)).collect())
        }
        Value::Object(map) if !map.is_empty() => {
            ('{', '}', map.iter().map(|(k, v)| (Some(k), v)).collect())
        }
        other => return out.push_str(&inline(other)),
    };
    let pad = "  ".repeat(depth + 1);
    out.push(open);
    out.push('\n');
    for (key, item) in entries {
        out.push_str(&pad);
        if let Some(key) = key {
            out.push_str(&quote(key));
            out.push_str(": ");
        }
        pretty_into(out, item, depth + 1);
        out.push_str(",\n");
    }
    out.push_str(&"  ".repeat(depth));
    out.push(close);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn regexes_read_as_written() {
        assert_eq!(inline(&json!("^odoo\\.")), "\"^odoo\\.\"");
        assert_eq!(quote("a\"b\nc"), "\"a\\\"b\\nc\"");
    }

    #[test]
    fn long_values_span_lines_with_trailing_commas() {
        assert_eq!(
            pretty(&json!({"a": [1, 2]})),
            "{\n  \"a\": [\n    1,\n    2,\n  ],\n}"
        );
        assert!(!is_long(&json!(["administrator", "monitoring"])));
        assert!(is_long(&json!("x".repeat(61))));
    }
}
