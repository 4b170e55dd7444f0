//! `${name}` substitution in environment files, so one topology serves several environments.

use crate::config::diagnostic::DiagnosticKind;
use indexmap::IndexMap;

use super::diagnostic::{Diagnostic, FileId};
use super::located::{byte_count, Position};

/// Replaces every `${name}` outside comments; `$${` stays a literal `${`. Unknown names are reported.
pub fn substitute(
    text: &str,
    file: FileId,
    variables: &IndexMap<String, String>,
    problems: &mut Vec<Diagnostic>,
) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let code_len = comment_start(line).unwrap_or(line.len());
        substitute_span(&mut out, &line[..code_len], file, variables, problems);
        out.push_str(&line[code_len..]);
    }
    out
}

/// Where a YAML comment starts on a line: a `#` outside quotes, at the start or after a blank.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, ch) in line.char_indices() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if ch == '\'' || ch == '"' => quote = Some(ch),
            None if ch == '#' && previous.is_whitespace() => return Some(i),
            None => {}
        }
        previous = ch;
    }
    None
}

/// Appends `rest` to `out` with variables substituted; positions refer to the substituted text.
fn substitute_span(
    out: &mut String,
    mut rest: &str,
    file: FileId,
    variables: &IndexMap<String, String>,
    problems: &mut Vec<Diagnostic>,
) {
    while let Some(start) = rest.find("${") {
        let escaped = start > 0 && rest.as_bytes()[start - 1] == b'$';
        let Some(len) = rest[start + 2..].find('}') else {
            out.push_str(rest);
            return;
        };
        let name = &rest[start + 2..start + 2 + len];
        let end = start + 2 + len + 1;
        if escaped {
            out.push_str(&rest[..start - 1]);
            out.push_str(&rest[start..end]);
        } else {
            out.push_str(&rest[..start]);
            match variables.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    let at = position_of(out, out.len(), end - start);
                    problems.push(
                        Diagnostic::error(
                            DiagnosticKind::UnknownVariable,
                            format!("variable `{name}` is not defined"),
                        )
                        .at(file, at)
                        .help(known_names(variables)),
                    );
                    out.push_str(&rest[start..end]);
                }
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
}

fn known_names(variables: &IndexMap<String, String>) -> String {
    if variables.is_empty() {
        "define it under `variables:` in the environment's settings".to_string()
    } else {
        let names: Vec<&str> = variables.keys().map(String::as_str).collect();
        format!("defined variables: {}", names.join(", "))
    }
}

/// Line and column (1-based, in characters) of a byte offset; `text` needs to reach `offset` only.
pub fn position_of(text: &str, offset: usize, len: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    Position {
        line: line as u32,
        column: column as u32,
        offset: byte_count(offset),
        len: byte_count(len),
        file: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn replaces_known_variables() {
        let mut problems = Vec::new();
        let out = substitute(
            "vhosts:\n  ${vhost}:\n    x: ${a}${a}\n",
            0,
            &vars(&[("vhost", "/prod"), ("a", "1")]),
            &mut problems,
        );
        assert_eq!(out, "vhosts:\n  /prod:\n    x: 11\n");
        assert!(problems.is_empty());
    }

    #[test]
    fn reports_unknown_variable_with_its_position() {
        let mut problems = Vec::new();
        let out = substitute("a: 1\nb: x${nope}\n", 3, &vars(&[]), &mut problems);
        assert_eq!(out, "a: 1\nb: x${nope}\n");
        assert_eq!(problems.len(), 1);
        let place = problems[0].location.unwrap();
        assert_eq!((place.file, place.at.line, place.at.column), (3, 2, 5));
        assert_eq!(problems[0].code(), "unknown-variable");
    }

    #[test]
    fn comments_are_left_alone() {
        let mut problems = Vec::new();
        let out = substitute(
            "# uses ${x}\nk: '#${a}' # ${y}\nr: a.#${a}\n",
            0,
            &vars(&[("a", "1")]),
            &mut problems,
        );
        assert_eq!(out, "# uses ${x}\nk: '#1' # ${y}\nr: a.#1\n");
        assert!(problems.is_empty());
    }

    #[test]
    fn double_dollar_escapes() {
        let mut problems = Vec::new();
        let out = substitute("a: $${x}\n", 0, &vars(&[]), &mut problems);
        assert_eq!(out, "a: ${x}\n");
        assert!(problems.is_empty());
    }
}
