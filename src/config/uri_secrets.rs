//! Shovel and federation URIs whose password comes from a secret source, so that no
//! credential is committed. A URI field (`src-uri`, `dest-uri`, `uri`; a string or a list)
//! takes, for each URI, one of:
//! - a literal string (refused when it carries a password, outside `local` environments);
//! - `{ env: NAME }` or `{ file: PATH }`: the whole URI is the secret;
//! - `{ uri: "amqp://user@host/vhost", password: { env: NAME } }`: the URI stays readable in
//!   the repository and warren inserts the percent-encoded password when it needs it.

use serde_json::{Map, Value};

use super::located::{Located, Position};
use super::schema::{EnvSecret, FileSecret, SecretSource};
use crate::secret::Secret;
use crate::uri_password::{canonical, uri_fields, with_password};

/// One URI as written in a parameter value.
#[derive(Debug, Clone)]
pub enum UriSource {
    Literal(String),
    Whole(SecretSource),
    WithPassword {
        uri: String,
        password: SecretSource,
    },
    /// A shape warren does not know, with the reason.
    Invalid(String),
}

/// One URI of a parameter: its field (`uri`, `src-uri[1]`, ...) and what was written.
#[derive(Debug, Clone)]
pub struct UriItem {
    pub field: String,
    pub source: UriSource,
}

/// Every URI the `component`'s `value` holds; `at` is where the value was written (nested
/// positions are not kept, so secret sources carry the value's).
pub fn uri_items(component: &str, value: &Value, at: Position) -> Vec<UriItem> {
    let mut items = Vec::new();
    for field in uri_fields(component) {
        match value.get(*field) {
            None => {}
            Some(Value::Array(list)) => {
                for (i, entry) in list.iter().enumerate() {
                    items.push(UriItem {
                        field: format!("{field}[{i}]"),
                        source: classify(entry, at),
                    });
                }
            }
            Some(entry) => items.push(UriItem {
                field: field.to_string(),
                source: classify(entry, at),
            }),
        }
    }
    items
}

fn classify(entry: &Value, at: Position) -> UriSource {
    let Value::Object(map) = entry else {
        return match entry {
            Value::String(s) => UriSource::Literal(s.clone()),
            other => UriSource::Invalid(format!("a URI must be text, not {other}")),
        };
    };
    let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_string);
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    match keys.as_slice() {
        ["env"] | ["file"] => match secret_of(entry, at) {
            Some(secret) => UriSource::Whole(secret),
            None => UriSource::Invalid(SHAPE.to_string()),
        },
        ["password", "uri"] | ["uri", "password"] => {
            match (
                text("uri"),
                map.get("password").and_then(|p| secret_of(p, at)),
            ) {
                (Some(uri), Some(password)) => UriSource::WithPassword { uri, password },
                _ => UriSource::Invalid(SHAPE.to_string()),
            }
        }
        _ => UriSource::Invalid(SHAPE.to_string()),
    }
}

const SHAPE: &str = "a URI is text, `{ env: NAME }`, `{ file: PATH }`, or \
                     `{ uri: TEXT, password: { env: NAME } | { file: PATH } }`";

fn secret_of(value: &Value, at: Position) -> Option<SecretSource> {
    let map = value.as_object().filter(|m| m.len() == 1)?;
    let located = |v: &Value| v.as_str().map(|s| Located::new(s.to_string(), at));
    if let Some(env) = map.get("env").and_then(located) {
        Some(SecretSource::Env(EnvSecret { env }))
    } else {
        map.get("file")
            .and_then(located)
            .map(|file| SecretSource::File(FileSecret { file }))
    }
}

/// `value` with every URI secret resolved by `resolve`; the first failure is returned.
pub fn resolve_value<E>(
    component: &str,
    value: &Value,
    at: Position,
    resolve: &mut dyn FnMut(&SecretSource) -> Result<Secret, E>,
    invalid: impl Fn(String) -> E,
) -> Result<Value, E> {
    let fields = uri_fields(component);
    let Value::Object(map) = value else {
        return Ok(value.clone());
    };
    let mut resolved = Map::new();
    for (key, entry) in map {
        let entry = if fields.contains(&key.as_str()) {
            match entry {
                Value::Array(list) => Value::Array(
                    list.iter()
                        .map(|e| resolve_one(e, at, resolve, &invalid))
                        .collect::<Result<_, E>>()?,
                ),
                single => resolve_one(single, at, resolve, &invalid)?,
            }
        } else {
            entry.clone()
        };
        resolved.insert(key.clone(), entry);
    }
    Ok(Value::Object(resolved))
}

fn resolve_one<E>(
    entry: &Value,
    at: Position,
    resolve: &mut dyn FnMut(&SecretSource) -> Result<Secret, E>,
    invalid: &impl Fn(String) -> E,
) -> Result<Value, E> {
    // Canonical, as the live side is, so that one password in two encodings compares equal.
    match classify(entry, at) {
        UriSource::Literal(text) => Ok(Value::String(canonical(&text))),
        UriSource::Whole(source) => Ok(Value::String(canonical(resolve(&source)?.expose()))),
        UriSource::WithPassword { uri, password } => {
            let password = resolve(&password)?;
            with_password(&uri, password.expose())
                .map(Value::String)
                .map_err(invalid)
        }
        UriSource::Invalid(reason) => Err(invalid(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at() -> Position {
        Position {
            line: 3,
            column: 5,
            ..Position::default()
        }
    }

    fn resolve_from<'a>(
        values: &'a [(&'a str, &'a str)],
    ) -> impl FnMut(&SecretSource) -> Result<Secret, String> + 'a {
        move |source| match source {
            SecretSource::Env(e) => values
                .iter()
                .find(|(k, _)| *k == e.env.value)
                .map(|(_, v)| Secret::new(v.to_string()))
                .ok_or(format!("{} unset", e.env.value)),
            _ => Err("unexpected source".into()),
        }
    }

    #[test]
    fn every_uri_form_resolves_and_other_fields_stay() {
        let value = json!({
            "src-uri": [{"uri": "amqp://shovel@a", "password": {"env": "PW"}}, "amqp://b"],
            "dest-uri": {"env": "DEST"},
            "src-queue": "q",
        });
        let mut resolve = resolve_from(&[("PW", "s3cret"), ("DEST", "amqp://u:p@c/%2F")]);
        let resolved = resolve_value("shovel", &value, at(), &mut resolve, |r| r).unwrap();
        assert_eq!(
            resolved,
            json!({
                "src-uri": ["amqp://shovel:s3cret@a", "amqp://b"],
                "dest-uri": "amqp://u:p@c/%2F",
                "src-queue": "q",
            })
        );
    }

    #[test]
    fn a_missing_secret_or_an_unknown_shape_is_an_error() {
        let mut resolve = resolve_from(&[]);
        let missing = json!({"uri": {"env": "UNSET"}});
        assert_eq!(
            resolve_value("federation-upstream", &missing, at(), &mut resolve, |r| r),
            Err("UNSET unset".to_string())
        );
        let odd = json!({"uri": {"uri": "amqp://u@h", "secret": {"env": "X"}}});
        let error = resolve_value("federation-upstream", &odd, at(), &mut resolve, |r| r);
        assert!(error.unwrap_err().starts_with("a URI is text"));
    }

    #[test]
    fn items_name_their_field_and_other_components_have_none() {
        let value = json!({"uri": ["amqp://u:p@h", {"env": "X"}]});
        let items = uri_items("federation-upstream", &value, at());
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].field, "uri[0]");
        assert!(matches!(&items[0].source, UriSource::Literal(u) if u == "amqp://u:p@h"));
        assert!(matches!(items[1].source, UriSource::Whole(_)));
        assert!(uri_items("federation-upstream-set", &value, at()).is_empty());
    }
}
