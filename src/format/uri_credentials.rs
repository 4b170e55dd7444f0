//! The password inside an AMQP URI's userinfo (`amqp://user:password@host`): found, taken
//! out, put in, and written in one canonical encoding so that equal passwords compare equal.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::Value;

/// The URI fields of each parameter component (each one URI or a list of them).
pub const URI_FIELDS: &[(&str, &[&str])] = &[
    ("shovel", &["src-uri", "dest-uri"]),
    ("federation-upstream", &["uri"]),
];

/// The URI fields of `component`, if it has any.
pub fn uri_fields(component: &str) -> &'static [&'static str] {
    URI_FIELDS
        .iter()
        .find(|(c, _)| *c == component)
        .map(|(_, fields)| *fields)
        .unwrap_or_default()
}

/// `value` with `f` applied to every URI entry of its URI fields (`f` gets the field's key
/// and the entry as written: a string, or an object for a URI secret); the first error ends it.
pub fn try_map_uris<E>(
    component: &str,
    value: &Value,
    mut f: impl FnMut(&str, &Value) -> Result<Value, E>,
) -> Result<Value, E> {
    let fields = uri_fields(component);
    let Value::Object(map) = value else {
        return Ok(value.clone());
    };
    let mut mapped = serde_json::Map::new();
    for (key, entry) in map {
        let entry = match entry {
            _ if !fields.contains(&key.as_str()) => entry.clone(),
            Value::Array(list) => {
                Value::Array(list.iter().map(|e| f(key, e)).collect::<Result<_, E>>()?)
            }
            single => f(key, single)?,
        };
        mapped.insert(key.clone(), entry);
    }
    Ok(Value::Object(mapped))
}

/// `value` with `f` applied to every URI string of its URI fields.
pub fn map_uris(component: &str, value: &Value, f: impl Fn(&str) -> String) -> Value {
    let mapped = try_map_uris(component, value, |_, entry| {
        Ok::<_, std::convert::Infallible>(match entry {
            Value::String(s) => Value::String(f(s)),
            other => other.clone(),
        })
    });
    match mapped {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

/// Everything RFC 3986 does not allow in a userinfo password (unreserved, sub-delims and
/// `:` stay as they are).
const NOT_IN_USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Where a URI's authority (`user:pass@host:port`) starts, and its text.
fn authority(uri: &str) -> Option<(usize, &str)> {
    let start = uri.find("://")? + 3;
    let rest = &uri[start..];
    Some((
        start,
        &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())],
    ))
}

/// `scheme://user:pass@host...` -> (`scheme://user@host...`, `pass` as written, still
/// percent-encoded); None when there is no password, or an empty one.
pub fn split_password(uri: &str) -> Option<(String, String)> {
    let (start, authority) = authority(uri)?;
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    let password = &authority[colon + 1..at];
    if password.is_empty() {
        return None;
    }
    let bare = format!("{}{}", &uri[..start + colon], &uri[start + at..]);
    Some((bare, password.to_string()))
}

/// Whether `uri` carries a (non-empty) password.
pub fn has_password(uri: &str) -> bool {
    split_password(uri).is_some()
}

/// A percent-encoded password as text; None when it does not decode to UTF-8.
pub fn decode_password(encoded: &str) -> Option<String> {
    percent_decode_str(encoded)
        .decode_utf8()
        .ok()
        .map(|p| p.into_owned())
}

/// Why `uri` cannot take a password from elsewhere: it holds one already, or names no
/// user to attach it to.
pub fn unable_to_take_password(uri: &str) -> Option<CannotTakePassword> {
    if has_password(uri) {
        Some(CannotTakePassword::HoldsOne)
    } else if !authority(uri).is_some_and(|(_, a)| a.contains('@')) {
        Some(CannotTakePassword::NoUser)
    } else {
        None
    }
}

/// Why a URI cannot take a password from a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CannotTakePassword {
    #[error("the `uri` already holds a password; leave it to `password`")]
    HoldsOne,
    #[error("the `uri` names no user (`amqp://user@host`) to give the password to")]
    NoUser,
}

/// `scheme://user@host...` with `password` encoded into it; an error when the URI cannot
/// take one (see [`unable_to_take_password`]). An empty password (`user:@`) is replaced.
pub fn with_password(uri: &str, password: &str) -> Result<String, CannotTakePassword> {
    if let Some(reason) = unable_to_take_password(uri) {
        return Err(reason);
    }
    let (start, authority) = authority(uri).unwrap_or_default();
    let at = authority.rfind('@').unwrap_or_default();
    let user = authority[..at].trim_end_matches(':');
    let encoded = utf8_percent_encode(password, NOT_IN_USERINFO);
    Ok(format!(
        "{}{user}:{encoded}{}",
        &uri[..start],
        &uri[start + at..]
    ))
}

/// The URI with its password in the one encoding [`with_password`] writes, so that a
/// broker's `pa%21ss` and a secret's `pa!ss` compare equal; other URIs unchanged.
pub fn canonical(uri: &str) -> String {
    let Some((bare, encoded)) = split_password(uri) else {
        return uri.to_string();
    };
    match decode_password(&encoded) {
        Some(password) => with_password(&bare, &password).unwrap_or_else(|_| uri.to_string()),
        None => uri.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_encoded_only_where_userinfo_needs_it() {
        assert_eq!(
            with_password(
                "amqps://fed@host:5671/up?verify=verify_peer",
                "p@ss:w/rd é!$"
            )
            .unwrap(),
            "amqps://fed:p%40ss:w%2Frd%20%C3%A9!$@host:5671/up?verify=verify_peer"
        );
        assert_eq!(with_password("amqp://u:@h", "x").unwrap(), "amqp://u:x@h");
        assert!(with_password("amqp://host/vhost", "x").is_err());
        assert!(with_password("amqp://u:already@host", "x").is_err());
    }

    #[test]
    fn a_uri_that_cannot_take_a_password_says_why() {
        assert_eq!(
            with_password("amqp://u:already@host", "x")
                .unwrap_err()
                .to_string(),
            "the `uri` already holds a password; leave it to `password`"
        );
        assert_eq!(
            with_password("amqp://host/vhost", "x")
                .unwrap_err()
                .to_string(),
            "the `uri` names no user (`amqp://user@host`) to give the password to"
        );
        assert_eq!(unable_to_take_password("amqp://u@host"), None);
    }

    #[test]
    fn split_keeps_the_encoding_and_ignores_an_empty_password() {
        assert_eq!(
            split_password("amqp://u:p%40ss@h:5672/%2F"),
            Some(("amqp://u@h:5672/%2F".to_string(), "p%40ss".to_string()))
        );
        assert_eq!(split_password("amqp://u:@h"), None);
        assert_eq!(split_password("amqp://u@h"), None);
        assert_eq!(split_password("amqp://h/a:b@c"), None);
        assert_eq!(decode_password("p%40ss").as_deref(), Some("p@ss"));
        assert_eq!(decode_password("%FF%FE"), None);
    }

    #[test]
    fn map_uris_touches_only_uri_fields_of_uri_components() {
        let value = serde_json::json!({"src-uri": ["a", 1], "dest-uri": "b", "src-queue": "c"});
        let upper = |s: &str| s.to_uppercase();
        assert_eq!(
            map_uris("shovel", &value, upper),
            serde_json::json!({"src-uri": ["A", 1], "dest-uri": "B", "src-queue": "c"})
        );
        assert_eq!(map_uris("federation-upstream-set", &value, upper), value);
    }

    #[test]
    fn canonical_forms_of_one_password_are_equal() {
        assert_eq!(
            canonical("amqp://u:pa%21%24@h"),
            canonical("amqp://u:pa!$@h")
        );
        assert_eq!(canonical("amqp://u:pa%2f@h"), "amqp://u:pa%2F@h");
        assert_eq!(canonical("amqp://u:%FF@h"), "amqp://u:%FF@h");
        assert_eq!(canonical("amqp://h"), "amqp://h");
    }
}
