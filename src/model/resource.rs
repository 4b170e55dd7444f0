//! One object's comparable properties, normalised so equal meaning means equal value.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::props::Props;
use crate::model::secret_value::Secret;

/// Properties by field name, exactly as the broker's PUT body takes them, normalised.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    #[serde(serialize_with = "redacted")]
    pub props: Props,
    /// A desired password not yet hashed: hashed against the live salt before diffing.
    #[serde(skip)]
    pub password: Option<Secret>,
    /// The live binding's `properties_key`, needed only to delete it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties_key: Option<String>,
    /// Messages the live queue holds (read only when a destructive step needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<u64>,
}

/// Fields whose values never appear in output.
pub const SENSITIVE_FIELDS: &[&str] = &["password_hash"];

/// A URI's password (`amqp://user:secret@host` in shovel and federation parameters)
/// replaced by `***`, in every string of a value; everything else unchanged.
pub fn redact_credentials(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact_uri(s)),
        Value::Array(items) => Value::Array(items.iter().map(redact_credentials).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact_credentials(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `scheme://user:password@host...` becomes `scheme://user:***@host...`.
pub fn redact_uri(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_string();
    };
    let authority_start = scheme_end + 3;
    let rest = &text[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let Some(at) = authority.rfind('@') else {
        return text.to_string();
    };
    let Some(colon) = authority[..at].find(':') else {
        return text.to_string();
    };
    format!(
        "{}{}***{}",
        &text[..authority_start],
        &authority[..=colon],
        &text[authority_start + at..]
    )
}

/// Serialises properties with sensitive values replaced, so no output ever carries them.
fn redacted<S: serde::Serializer>(props: &Props, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(props.len()))?;
    for (key, value) in props {
        if SENSITIVE_FIELDS.contains(&key) {
            map.serialize_entry(key, "(sensitive)")?;
        } else {
            map.serialize_entry(key, &redact_credentials(value))?;
        }
    }
    map.end()
}

impl Resource {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, field: &'static str, value: Value) -> Self {
        self.props.insert(field, normalise_value(value));
        self
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.props.get(field)
    }

    pub fn str(&self, field: &str) -> Option<&str> {
        self.props.get(field).and_then(Value::as_str)
    }
}

/// Numbers that are whole become integers, maps are sorted, recursively: 5.0 and 5 are equal.
pub fn normalise_value(mut value: Value) -> Value {
    normalise(&mut value);
    value
}

/// `normalise_value` in place: a live state's maps are sorted without being rebuilt.
fn normalise(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::Object(map) => {
            map.values_mut().for_each(normalise);
            map.sort_keys();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_floats_become_integers() {
        assert_eq!(normalise_value(json!(5.0)), json!(5));
        assert_eq!(normalise_value(json!(5.5)), json!(5.5));
        assert_eq!(normalise_value(json!({"a": [1.0]})), json!({"a": [1]}));
    }

    #[test]
    fn sensitive_fields_never_serialise() {
        let r = Resource::new()
            .with("password_hash", json!("SECRETHASH"))
            .with("tags", json!([]));
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("SECRETHASH"), "{text}");
        assert!(text.contains("(sensitive)"));
    }

    #[test]
    fn uri_passwords_are_redacted() {
        assert_eq!(
            redact_uri("amqp://user:s3cret@host:5672/%2F"),
            "amqp://user:***@host:5672/%2F"
        );
        assert_eq!(redact_uri("amqps://u:p%40ss@h?x=1"), "amqps://u:***@h?x=1");
        assert_eq!(redact_uri("amqp://host/vhost"), "amqp://host/vhost");
        assert_eq!(redact_uri("amqp://user@host"), "amqp://user@host");
        assert_eq!(redact_uri("not a uri"), "not a uri");
        let value = json!({"src-uri": ["amqp://a:b@h1", "amqp://h2"], "n": 1});
        assert_eq!(
            redact_credentials(&value),
            json!({"src-uri": ["amqp://a:***@h1", "amqp://h2"], "n": 1})
        );
    }
}
