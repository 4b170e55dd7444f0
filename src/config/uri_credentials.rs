//! Shovel and federation URIs whose password comes from a secret source, so that no
//! credential is committed. A URI field (`src-uri`, `dest-uri`, `uri`; a string or a list)
//! takes, for each URI, one of:
//! - a literal string (refused when it carries a password, outside `local` environments);
//! - `{ env: NAME }` or `{ file: PATH }`: the whole URI is the secret;
//! - `{ uri: "amqp://user@host/vhost", password: { env: NAME } }`: the URI stays readable in
//!   the repository and warren inserts the percent-encoded password when it needs it.

use serde_json::Value;

use super::diagnostic::FileId;
use super::environment::Environment;
use super::field_position::key_position;
use super::located::Position;
use super::schema::SecretSource;
use crate::format::uri_credentials::{canonical, try_map_uris, uri_fields, with_password};
use crate::model::secret_value::Secret;

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
    /// Where the field's key is written (the value's position when it cannot be found).
    pub at: Position,
    pub source: UriSource,
}

/// Every URI the `component`'s `value` holds; `at` is where the value was written in
/// `text`, and each item (and its secret source) carries its field's own position.
pub fn uri_items(component: &str, value: &Value, at: Position, text: &str) -> Vec<UriItem> {
    let mut items = Vec::new();
    for field in uri_fields(component) {
        let field_at = key_position(text, at, field).unwrap_or(at);
        match value.get(*field) {
            None => {}
            Some(Value::Array(list)) => {
                for (i, entry) in list.iter().enumerate() {
                    items.push(UriItem {
                        field: format!("{field}[{i}]"),
                        at: field_at,
                        source: classify(entry, field_at),
                    });
                }
            }
            Some(entry) => items.push(UriItem {
                field: field.to_string(),
                at: field_at,
                source: classify(entry, field_at),
            }),
        }
    }
    items
}

/// One URI of a vhost's runtime parameter, for the checks that look at them all.
pub struct ParameterUri<'a> {
    pub component: &'a str,
    pub name: &'a str,
    pub file: FileId,
    pub item: UriItem,
}

/// Every shovel and federation URI the environment declares.
pub fn parameter_uris(env: &Environment) -> Vec<ParameterUri<'_>> {
    let mut found = Vec::new();
    for vhost in env.vhosts.values() {
        for ((component, name), parameter) in &vhost.parameters {
            let value = &parameter.spec.value;
            let text = &env.sources.get(parameter.file).text;
            for item in uri_items(component, &value.value, value.at, text) {
                found.push(ParameterUri {
                    component,
                    name,
                    file: parameter.file,
                    item,
                });
            }
        }
    }
    found
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
        ["env"] | ["file"] => match SecretSource::reference(entry, at) {
            Some(secret) => UriSource::Whole(secret),
            None => UriSource::Invalid(SHAPE.to_string()),
        },
        ["password", "uri"] | ["uri", "password"] => {
            match (
                text("uri"),
                map.get("password")
                    .and_then(|p| SecretSource::reference(p, at)),
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

/// `value` with every URI secret resolved by `resolve`; the first failure is returned,
/// `invalid` making it from a reason and the field's position.
pub fn resolve_value<E>(
    component: &str,
    value: &Value,
    at: Position,
    text: &str,
    resolve: &mut dyn FnMut(&SecretSource) -> Result<Secret, E>,
    invalid: impl Fn(String, Position) -> E,
) -> Result<Value, E> {
    try_map_uris(component, value, |key, entry| {
        let field_at = key_position(text, at, key).unwrap_or(at);
        resolve_one(classify(entry, field_at), field_at, resolve, &invalid)
    })
}

fn resolve_one<E>(
    source: UriSource,
    at: Position,
    resolve: &mut dyn FnMut(&SecretSource) -> Result<Secret, E>,
    invalid: &impl Fn(String, Position) -> E,
) -> Result<Value, E> {
    // Canonical, as the live side is, so that one password in two encodings compares equal.
    match source {
        UriSource::Literal(text) => Ok(Value::String(canonical(&text))),
        UriSource::Whole(source) => Ok(Value::String(canonical(resolve(&source)?.expose()))),
        UriSource::WithPassword { uri, password } => {
            let password = resolve(&password)?;
            with_password(&uri, password.expose())
                .map(Value::String)
                .map_err(|reason| invalid(reason.to_string(), at))
        }
        UriSource::Invalid(reason) => Err(invalid(reason, at)),
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

    /// What the test resolver and `invalid` report.
    #[derive(Debug, PartialEq)]
    enum Failure {
        Unset(String),
        UnexpectedSource,
        Invalid(String),
    }

    fn resolve_from<'a>(
        values: &'a [(&'a str, &'a str)],
    ) -> impl FnMut(&SecretSource) -> Result<Secret, Failure> + 'a {
        move |source| match source {
            SecretSource::Env(e) => values
                .iter()
                .find(|(k, _)| *k == e.env.value)
                .map(|(_, v)| Secret::new(v.to_string()))
                .ok_or(Failure::Unset(e.env.value.clone())),
            _ => Err(Failure::UnexpectedSource),
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
        let resolved = resolve_value("shovel", &value, at(), "", &mut resolve, |r, _| {
            Failure::Invalid(r)
        })
        .unwrap();
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
            resolve_value(
                "federation-upstream",
                &missing,
                at(),
                "",
                &mut resolve,
                |r, _| Failure::Invalid(r)
            ),
            Err(Failure::Unset("UNSET".to_string()))
        );
        let odd = json!({"uri": {"uri": "amqp://u@h", "secret": {"env": "X"}}});
        let error = resolve_value(
            "federation-upstream",
            &odd,
            at(),
            "",
            &mut resolve,
            |r, _| Failure::Invalid(r),
        );
        assert!(matches!(error, Err(Failure::Invalid(r)) if r.starts_with("a URI is text")));
    }

    #[test]
    fn items_name_their_field_and_other_components_have_none() {
        let value = json!({"uri": ["amqp://u:p@h", {"env": "X"}]});
        let items = uri_items("federation-upstream", &value, at(), "");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].field, "uri[0]");
        assert!(matches!(&items[0].source, UriSource::Literal(u) if u == "amqp://u:p@h"));
        assert!(matches!(items[1].source, UriSource::Whole(_)));
        assert!(uri_items("federation-upstream-set", &value, at(), "").is_empty());
    }
}
