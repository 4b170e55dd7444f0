//! A small YAML writer for the files `warren import` produces: block maps, flow collections
//! for short lists, and scalars quoted only when they need it.
//!
//! Written by hand rather than through a serializer so the output reads like a person wrote
//! it (comments, flow-style bindings, keys in a chosen order) and quoting is exactly known.

use serde_json::Value;

use crate::config::located::Position;
use crate::config::schema::SecretSource;

/// Words YAML 1.1 or 1.2 would read as something other than a string.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
];

/// True when `text` can be written as a plain scalar (in block and flow context alike) and
/// reads back as the same string: a letter or `_` first, then letters, digits, `_`, `-`, `.`,
/// and not a reserved word.
fn is_plain(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str())
}

/// A string as a YAML scalar: plain when safe, else single-quoted (inner `'` doubled), or
/// double-quoted with escapes when it holds control characters (which single quotes cannot).
pub fn scalar(text: &str) -> String {
    if is_plain(text) {
        text.to_string()
    } else if text.chars().any(|c| c.is_control() || c == '\u{feff}') {
        double_quoted(text)
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// YAML reads a key written `key: value` only when it is at most 1024 characters long.
const IMPLICIT_KEY_LIMIT: usize = 1024;

/// The start of a map entry for `key` at `pad`: `key:` or, past the implicit key limit, the
/// explicit form `? key` then `:` on the next line at the same indentation.
pub fn key_start(pad: &str, key: &str) -> String {
    let written = scalar(key);
    if written.chars().count() <= IMPLICIT_KEY_LIMIT {
        format!("{pad}{written}:")
    } else {
        format!("{pad}? {written}\n{pad}:")
    }
}

/// `"..."` with `\` escapes; `"` itself is written as `\x22` so no bare quote character is left
/// inside (the loader's comment finder pairs quote characters naively).
fn double_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\x22"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value on one line: scalars as [`scalar`], collections in flow style.
pub fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) if map.is_empty() => "{}".to_string(),
        Value::Object(map) => {
            if let Some(text) = uri_with_password(value) {
                return text;
            }
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let key = scalar(k);
                    let explicit = if key.chars().count() > IMPLICIT_KEY_LIMIT {
                        "? "
                    } else {
                        ""
                    };
                    format!("{explicit}{key}: {}", inline(v))
                })
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

/// Appends `key: value` at `indent` spaces: maps as nested blocks, lists of scalars and empty
/// collections inline, lists of collections as `- ` items.
pub fn entry(out: &mut String, indent: usize, key: &str, value: &Value) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() && !written_inline(value) => {
            out.push_str(&format!("{}\n", key_start(&pad, key)));
            for (k, v) in map {
                entry(out, indent + 2, k, v);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            out.push_str(&format!("{}\n", key_start(&pad, key)));
            for item in items {
                out.push_str(&format!("{pad}  - {}\n", inline(item)));
            }
        }
        other => out.push_str(&format!("{} {}\n", key_start(&pad, key), inline(other))),
    }
}

/// `{ uri: ..., password: { env: ... } }` on one line, the URI first, as people read it.
fn uri_with_password(value: &Value) -> Option<String> {
    let map = value.as_object().filter(|m| m.len() == 2)?;
    let uri = map.get("uri")?.as_str()?;
    let password = map.get("password").filter(|p| is_secret_reference(p))?;
    Some(format!(
        "{{ uri: {}, password: {} }}",
        scalar(uri),
        inline(password)
    ))
}

/// Secret references, alone or beside a URI, are written on one line as people write them.
fn written_inline(value: &Value) -> bool {
    is_secret_reference(value) || uri_with_password(value).is_some()
}

/// `{ env: NAME }` or `{ file: PATH }`.
fn is_secret_reference(value: &Value) -> bool {
    SecretSource::reference(value, Position::default()).is_some()
}

/// Makes every `${` read literally by the loader's `${name}` substitution: the loader treats
/// `${...}` up to the next `}` on a line as a variable unless it is written `$${...}`, so
/// each such span gets one more `$`. Comment lines are left alone (the loader skips them).
pub fn escape_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            let end = start + 2 + len + 1;
            out.push_str(&rest[..start]);
            out.push('$');
            out.push_str(&rest[start..end]);
            rest = &rest[end..];
        }
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AWKWARD: &[&str] = &[
        "",
        "plain.name_1-x",
        "with space",
        "/",
        "/creativeflow_prod",
        "#",
        "a #b",
        "key: value",
        "a:b",
        "*star",
        "&anchor",
        "!tag",
        "%pct",
        "@at",
        "`tick",
        "{brace}",
        "[bracket]",
        "a,b",
        "?q",
        "-dash",
        "- item",
        "|pipe",
        ">fold",
        "it's",
        "''",
        "\"dq\"",
        "back\\slash",
        "^odoo\\.",
        "true",
        "No",
        "null",
        "~",
        "1",
        "0x1F",
        "1e3",
        ".inf",
        "1_000",
        "12:30",
        " leading",
        "trailing ",
        "tab\there",
        "new\nline",
        "ünïcødé 🐇",
        "日本語",
        "$${literal}",
        "\u{7f}del",
    ];

    fn read_back(yaml: &str) -> String {
        serde_saphyr::from_str::<String>(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"))
    }

    #[test]
    fn every_scalar_reads_back_as_the_same_string() {
        for text in AWKWARD {
            let written = scalar(text);
            assert_eq!(&read_back(&written), text, "written as {written}");
        }
    }

    #[test]
    fn scalars_read_back_as_map_keys_and_in_flow_maps() {
        for text in AWKWARD {
            let block = format!("{}: {}\n", scalar(text), scalar(text));
            let map: indexmap::IndexMap<String, String> =
                serde_saphyr::from_str(&block).unwrap_or_else(|e| panic!("{block}: {e}"));
            assert_eq!(map.get(*text).map(String::as_str), Some(*text), "{block}");
            let flow = format!("x: {}\n", inline(&json!({ *text: *text, "k": [*text] })));
            let parsed: Value =
                serde_saphyr::from_str(&flow).unwrap_or_else(|e| panic!("{flow}: {e}"));
            assert_eq!(parsed["x"][*text], json!(text), "{flow}");
            assert_eq!(parsed["x"]["k"][0], json!(text), "{flow}");
        }
    }

    #[test]
    fn keys_past_the_implicit_limit_are_written_explicitly_and_read_back() {
        let long = "k".repeat(IMPLICIT_KEY_LIMIT + 1);
        let value = json!({ long.clone(): { "inner": [{ long.clone(): 1 }] }, "after": 2 });
        let mut out = String::new();
        entry(&mut out, 2, &long, &value[&long]);
        entry(&mut out, 2, "after", &value["after"]);
        let text = format!("top:\n{out}");
        let parsed: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(parsed["top"], value, "{text}");
        let flow = format!("x: {}\n", inline(&json!({ long.clone(): "v" })));
        let parsed: Value = serde_saphyr::from_str(&flow).unwrap_or_else(|e| panic!("{flow}: {e}"));
        assert_eq!(parsed["x"][&long], json!("v"));
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(scalar("ex.creativeflow.direct"), "ex.creativeflow.direct");
        assert_eq!(scalar("x-message-ttl"), "x-message-ttl");
        assert_eq!(scalar("/"), "'/'");
        assert_eq!(scalar("it's"), "'it''s'");
        assert_eq!(scalar("true"), "'true'");
        assert_eq!(scalar("#"), "'#'");
        assert_eq!(scalar(""), "''");
        assert_eq!(scalar("a\"b\nc"), "\"a\\x22b\\nc\"");
    }

    #[test]
    fn values_keep_their_types() {
        let value = json!({"n": 5, "f": 1.5, "b": true, "z": null, "s": "5", "l": [1, "a b"]});
        let mut out = String::new();
        entry(&mut out, 0, "v", &value);
        let parsed: Value = serde_saphyr::from_str(&out).unwrap();
        assert_eq!(parsed["v"], value, "{out}");
    }

    #[test]
    fn variable_syntax_is_escaped_for_the_loader() {
        assert_eq!(escape_variables("a: '${x}'\n"), "a: '$${x}'\n");
        assert_eq!(escape_variables("a: '${x'\n"), "a: '${x'\n");
        assert_eq!(escape_variables("{ a: '${x' }\n"), "{ a: '$${x' }\n");
        assert_eq!(escape_variables("# ${x}\n"), "# ${x}\n");
        let vars = indexmap::IndexMap::new();
        for text in ["a: '${x}'\n", "b: '$${y}'\n", "{ c: '${a${b}', d: 1 }\n"] {
            let mut problems = Vec::new();
            let loaded = crate::config::variables::substitute(
                &escape_variables(text),
                0,
                &vars,
                &mut problems,
            );
            assert!(problems.is_empty(), "{text}: {problems:?}");
            assert_eq!(loaded, text);
        }
    }

    #[test]
    fn uri_credentials_are_written_on_one_line_uri_first() {
        let secret = json!({ "password": { "env": "P" }, "uri": "amqp://u@h" });
        let mut out = String::new();
        entry(&mut out, 0, "uri", &secret);
        entry(&mut out, 0, "src-uri", &json!([secret, "amqp://h2"]));
        assert_eq!(
            out,
            "uri: { uri: 'amqp://u@h', password: { env: P } }\n\
             src-uri:\n  - { uri: 'amqp://u@h', password: { env: P } }\n  - 'amqp://h2'\n"
        );
    }
}
