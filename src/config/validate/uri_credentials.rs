//! Shovel and federation URIs: a password is never a literal (outside `local`
//! environments), and a URI secret has one of the shapes `uri_secrets` knows.

use super::Checker;
use crate::config::diagnostic::Diagnostic;
use crate::config::located::Position;
use crate::config::uri_secrets::{uri_items, UriSource};
use crate::config::variables::position_of;
use crate::uri_password::{has_password, with_password};

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    for vhost in env.vhosts.values() {
        for ((component, name), parameter) in &vhost.parameters {
            let value = &parameter.spec.value;
            for item in uri_items(component, &value.value, value.at) {
                let what = format!("{} `{}`: `{}`", component, name, item.field);
                let problem = match &item.source {
                    UriSource::Literal(uri) if has_password(uri) && !env.settings.local => Some(
                        Diagnostic::error(
                            "secret-literal",
                            format!("{what} holds a password written in the file; secrets must not be committed"),
                        )
                        .help("write `{ uri: \"amqp://user@host\", password: { env: NAME } }`, or the whole URI as `{ env: NAME }`"),
                    ),
                    UriSource::WithPassword { uri, .. } => with_password(uri, "")
                        .err()
                        .map(|reason| Diagnostic::error("invalid-argument", format!("{what}: {reason}"))),
                    UriSource::Invalid(reason) => {
                        Some(Diagnostic::error("invalid-argument", format!("{what}: {reason}")))
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    let text = &env.sources.get(parameter.file).text;
                    let at = key_position(text, value.at, &item.field).unwrap_or(value.at);
                    c.push(problem.at(parameter.file, at));
                }
            }
        }
    }
}

/// Where the key of `field` (`src-uri[1]` looks for `src-uri`) is written inside the value
/// at `value`: parameter values keep no nested positions. The value ends at the first later
/// line indented less than where it starts.
fn key_position(text: &str, value: Position, field: &str) -> Option<Position> {
    let key = field.split('[').next().unwrap_or(field);
    let indent = (value.column as usize).saturating_sub(1);
    let mut offset = value.offset;
    let mut first = true;
    for line in text.get(value.offset..)?.split_inclusive('\n') {
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
