//! On import, a shovel or federation URI's password becomes an environment-variable
//! reference: `{ uri: "amqp://user@host", password: { env: WARREN_..._PASSWORD } }`. No
//! plaintext credential is written, and the URI itself stays readable.

use std::collections::BTreeMap;
use std::convert::Infallible;

use serde_json::{json, Value};

use crate::format::uri_credentials::{decode_password, split_password, try_map_uris};

/// The variables handed out so far, with the password each stands for, so that two URIs
/// sharing a password share a variable and two different ones never do; reserved names
/// (the users' password variables) stand for none.
#[derive(Default)]
pub struct Variables {
    taken: BTreeMap<String, Option<String>>,
}

impl Variables {
    /// Keeps `variable` for another use.
    pub fn reserve(&mut self, variable: String) {
        self.taken.insert(variable, None);
    }

    /// `value` with each credentialed URI replaced by a reference, and one note per
    /// variable for the person running the import.
    pub fn replace(
        &mut self,
        vhost: &str,
        component: &str,
        name: &str,
        value: &Value,
    ) -> (Value, Vec<String>) {
        let mut notes = Vec::new();
        let replaced = try_map_uris(component, value, |key, uri| {
            let Some((bare, encoded)) = uri.as_str().and_then(split_password) else {
                return Ok::<_, Infallible>(uri.clone());
            };
            // Compared only, never written: a password that is not UTF-8 as written.
            let password = decode_password(&encoded).unwrap_or(encoded);
            let variable = self.variable(component, name, key, &password);
            notes.push(format!(
                "{component} `{name}` in vhost {vhost:?}: the password of `{key}` is \
                 read from {variable}; set it before plan or apply"
            ));
            Ok(json!({ "uri": bare, "password": { "env": variable } }))
        });
        notes.dedup();
        match replaced {
            Ok(value) => (value, notes),
            Err(never) => match never {},
        }
    }

    /// `WARREN_<COMPONENT>_<NAME>[_<FIELD>]_PASSWORD`, numbered when already taken by a
    /// different password.
    fn variable(&mut self, component: &str, name: &str, field: &str, password: &str) -> String {
        let kind = if component == "shovel" {
            format!("SHOVEL_{name}_{}", field.trim_end_matches("-uri"))
        } else {
            format!("FEDERATION_{name}")
        };
        let base = format!("WARREN_{}_PASSWORD", shout(&kind));
        let mut candidate = base.clone();
        let mut n = 2;
        loop {
            match self.taken.get(&candidate) {
                Some(Some(existing)) if existing == password => return candidate,
                Some(_) => {
                    candidate = format!("{base}_{n}");
                    n += 1;
                }
                None => {
                    self.taken
                        .insert(candidate.clone(), Some(password.to_string()));
                    return candidate;
                }
            }
        }
    }
}

/// Upper case, every other character as `_`, runs of `_` folded.
fn shout(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentialed_uris_become_references_and_others_stay() {
        let mut variables = Variables::default();
        let value = json!({
            "src-uri": ["amqp://sh:p%40ss@a/%2F", "amqp://b"],
            "dest-uri": "amqps://sh:other@c?verify=verify_peer",
            "src-queue": "q",
        });
        let (out, notes) = variables.replace("/", "shovel", "move.orders", &value);
        assert_eq!(
            out,
            json!({
                "src-uri": [
                    {"uri": "amqp://sh@a/%2F", "password": {"env": "WARREN_SHOVEL_MOVE_ORDERS_SRC_PASSWORD"}},
                    "amqp://b"
                ],
                "dest-uri": {"uri": "amqps://sh@c?verify=verify_peer",
                             "password": {"env": "WARREN_SHOVEL_MOVE_ORDERS_DEST_PASSWORD"}},
                "src-queue": "q",
            })
        );
        assert_eq!(notes.len(), 2);
        assert!(!notes
            .iter()
            .any(|n| n.contains("p@ss") || n.contains("other")));
    }

    #[test]
    fn a_name_shared_by_two_passwords_is_numbered_and_a_shared_password_reuses_it() {
        let mut variables = Variables::default();
        let upstream = |pw: &str| json!({ "uri": format!("amqp://u:{pw}@h") });
        let env_of = |v: &Value| v["uri"]["password"]["env"].as_str().unwrap().to_string();
        let (a, _) = variables.replace("v1", "federation-upstream", "origin", &upstream("one"));
        let (b, _) = variables.replace("v2", "federation-upstream", "origin", &upstream("two"));
        let (c, _) = variables.replace("v3", "federation-upstream", "origin", &upstream("one"));
        assert_eq!(env_of(&a), "WARREN_FEDERATION_ORIGIN_PASSWORD");
        assert_eq!(env_of(&b), "WARREN_FEDERATION_ORIGIN_PASSWORD_2");
        assert_eq!(env_of(&c), "WARREN_FEDERATION_ORIGIN_PASSWORD");
    }

    #[test]
    fn a_reserved_name_and_an_undecodable_password_are_handled() {
        let mut variables = Variables::default();
        variables.reserve("WARREN_FEDERATION_ORIGIN_PASSWORD".to_string());
        let value = json!({ "uri": "amqp://u:%FF%FE@h" });
        let (out, _) = variables.replace("v", "federation-upstream", "origin", &value);
        assert_eq!(
            out,
            json!({ "uri": { "uri": "amqp://u@h",
                             "password": { "env": "WARREN_FEDERATION_ORIGIN_PASSWORD_2" } } })
        );
    }
}
