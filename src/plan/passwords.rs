//! Normalisation that needs both sides: passwords are compared by re-hashing with the live salt.

use serde_json::Value;

use crate::format::password::{hash_password, random_salt, verify, HashAlgorithm};
use crate::model::kinds::DEFAULT_HASHING;
use crate::model::{ResourceId, State};

/// Turns every desired plain password into a hash: the live one when it verifies, else a new one.
pub fn hash_passwords(desired: &mut State, live: &State) {
    for (id, resource) in desired.resources.iter_mut() {
        if !matches!(id, ResourceId::User { .. }) {
            continue;
        }
        let live_user = live.get(id);
        let Some(secret) = resource.password.as_ref() else {
            if !resource.props.contains_key("password_hash") {
                // Password not managed: keep what the broker has.
                for field in ["password_hash", "hashing_algorithm"] {
                    let value = live_user.and_then(|l| l.get(field)).cloned();
                    resource.props.insert(
                        field.to_string(),
                        value.unwrap_or(Value::from(if field == "password_hash" {
                            ""
                        } else {
                            DEFAULT_HASHING
                        })),
                    );
                }
            }
            continue;
        };
        let algorithm_name = resource
            .str("hashing_algorithm")
            .unwrap_or(DEFAULT_HASHING)
            .to_string();
        let algorithm = HashAlgorithm::from_name(&algorithm_name).unwrap_or(HashAlgorithm::Sha256);
        let live_hash = live_user
            .filter(|l| l.str("hashing_algorithm") == Some(algorithm_name.as_str()))
            .and_then(|l| l.str("password_hash"))
            .filter(|h| verify(secret.expose(), h, algorithm));
        let hash = match live_hash {
            Some(h) => h.to_string(),
            None => hash_password(secret.expose(), algorithm, random_salt()),
        };
        resource
            .props
            .insert("password_hash".to_string(), Value::from(hash));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds;
    use crate::model::secret_value::Secret;
    use crate::model::Resource;

    fn user_state(resource: Resource) -> State {
        let mut s = State::default();
        s.insert(ResourceId::User { name: "u".into() }, resource);
        s
    }

    fn with_password(password: &str) -> Resource {
        let mut r = kinds::user(&[], "", None);
        r.props.remove("password_hash");
        r.password = Some(Secret::new(password));
        r
    }

    #[test]
    fn unchanged_password_reuses_the_live_hash() {
        let live_hash = hash_password("s3cret", HashAlgorithm::Sha256, [1, 2, 3, 4]);
        let live = user_state(kinds::user(&[], &live_hash, None));
        let mut desired = user_state(with_password("s3cret"));
        hash_passwords(&mut desired, &live);
        let id = ResourceId::User { name: "u".into() };
        assert_eq!(
            desired.get(&id).unwrap().props,
            live.get(&id).unwrap().props
        );
    }

    #[test]
    fn rotated_password_gets_a_new_hash() {
        let live_hash = hash_password("old", HashAlgorithm::Sha256, [1, 2, 3, 4]);
        let live = user_state(kinds::user(&[], &live_hash, None));
        let mut desired = user_state(with_password("new"));
        hash_passwords(&mut desired, &live);
        let id = ResourceId::User { name: "u".into() };
        let hash = desired
            .get(&id)
            .unwrap()
            .str("password_hash")
            .unwrap()
            .to_string();
        assert_ne!(hash, live_hash);
        assert!(verify("new", &hash, HashAlgorithm::Sha256));
    }

    #[test]
    fn undeclared_password_keeps_the_live_one() {
        let live = user_state(kinds::user(&["x".into()], "abc", None));
        let mut r = kinds::user(&["x".into()], "", None);
        r.props.remove("password_hash");
        r.props.remove("hashing_algorithm");
        let mut desired = user_state(r);
        hash_passwords(&mut desired, &live);
        assert_eq!(desired, live);
    }
}
