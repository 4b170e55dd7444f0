//! Desired [`State`] -> a RabbitMQ definitions document (`rabbitmqctl import_definitions`,
//! `POST /api/definitions`).
//!
//! Built from the same state `plan` compares, so export and plan share one interpretation.
//! Verified on 3.10.8: the import reads a vhost's description and tags at the top level but its
//! default queue type only from `metadata` (so both are written); operator policies are only
//! read as parameters of component `operator_policy` (a top-level `operator_policies` key is
//! ignored), vhost limits as component `vhost-limits` named `limits`, user limits as
//! `users[].limits`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::format::password::{hash_password, random_salt, HashAlgorithm};
use crate::model::kinds::DEFAULT_HASHING;
use crate::model::{ResourceId, State};

/// Gives every user that carries a plain password a freshly salted hash (the algorithm the
/// user names, sha256 by default). The plain password is dropped.
pub fn hash_for_export(state: &mut State) {
    for (id, resource) in state.resources.iter_mut() {
        if !matches!(id, ResourceId::User { .. }) {
            continue;
        }
        let Some(secret) = resource.password.take() else {
            continue;
        };
        let name = resource
            .str("hashing_algorithm")
            .unwrap_or(DEFAULT_HASHING)
            .to_string();
        let algorithm = HashAlgorithm::from_name(&name).unwrap_or(HashAlgorithm::Sha256);
        let hash = hash_password(secret.expose(), algorithm, random_salt());
        resource
            .props
            .insert("password_hash".to_string(), Value::from(hash));
        resource.props.insert(
            "hashing_algorithm".to_string(),
            Value::from(algorithm.name()),
        );
    }
}

fn text(value: Option<&Value>) -> Value {
    value.cloned().unwrap_or_else(|| Value::from(""))
}

fn object(value: Option<&Value>) -> Value {
    value.cloned().unwrap_or_else(|| Value::Object(Map::new()))
}

/// The definitions document of a state whose passwords are already hashes
/// ([`hash_for_export`]). Users without a password get an empty hash (no password login).
pub fn definitions(state: &State) -> Value {
    let mut users = Vec::new();
    let mut user_limits: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mut vhost_limits: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let (mut vhosts, mut permissions, mut topic_permissions) = (Vec::new(), Vec::new(), Vec::new());
    let (mut parameters, mut global_parameters, mut policies) =
        (Vec::new(), Vec::new(), Vec::new());
    let (mut queues, mut exchanges, mut bindings) = (Vec::new(), Vec::new(), Vec::new());

    for (id, r) in state.iter() {
        let get = |field: &str| r.get(field);
        match id {
            ResourceId::UserLimit { user, name } => {
                user_limits
                    .entry(user)
                    .or_default()
                    .insert(name.clone(), get("value").cloned().unwrap_or(Value::Null));
            }
            ResourceId::VhostLimit { vhost, name } => {
                vhost_limits
                    .entry(vhost)
                    .or_default()
                    .insert(name.clone(), get("value").cloned().unwrap_or(Value::Null));
            }
            _ => {}
        }
    }

    for (id, r) in state.iter() {
        let get = |field: &str| r.get(field);
        match id {
            ResourceId::Vhost { name } => {
                let queue_type = r.str("default_queue_type").unwrap_or("classic");
                vhosts.push(json!({
                    "name": name,
                    "description": text(get("description")),
                    "tags": get("tags").cloned().unwrap_or(json!([])),
                    "default_queue_type": queue_type,
                    "tracing": get("tracing").cloned().unwrap_or(json!(false)),
                    "metadata": {
                        "description": text(get("description")),
                        "tags": get("tags").cloned().unwrap_or(json!([])),
                        "default_queue_type": queue_type,
                    },
                }));
            }
            ResourceId::User { name } => {
                let limits = user_limits.get(name.as_str()).cloned().unwrap_or_default();
                users.push(json!({
                    "name": name,
                    "password_hash": text(get("password_hash")),
                    "hashing_algorithm": r.str("hashing_algorithm").unwrap_or(DEFAULT_HASHING),
                    "tags": get("tags").cloned().unwrap_or(json!([])),
                    "limits": limits,
                }));
            }
            ResourceId::GlobalParameter { name } => {
                global_parameters.push(
                    json!({ "name": name, "value": get("value").cloned().unwrap_or(Value::Null) }),
                );
            }
            ResourceId::Permission { vhost, user } => permissions.push(json!({
                "user": user,
                "vhost": vhost,
                "configure": text(get("configure")),
                "write": text(get("write")),
                "read": text(get("read")),
            })),
            ResourceId::TopicPermission { vhost, user } => {
                for (exchange, p) in get("exchanges")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    topic_permissions.push(json!({
                        "user": user,
                        "vhost": vhost,
                        "exchange": exchange,
                        "write": text(p.get("write")),
                        "read": text(p.get("read")),
                    }));
                }
            }
            ResourceId::Exchange { vhost, name } => exchanges.push(json!({
                "name": name,
                "vhost": vhost,
                "type": text(get("type")),
                "durable": get("durable").cloned().unwrap_or(json!(true)),
                "auto_delete": get("auto_delete").cloned().unwrap_or(json!(false)),
                "internal": get("internal").cloned().unwrap_or(json!(false)),
                "arguments": object(get("arguments")),
            })),
            ResourceId::Queue { vhost, name } => queues.push(json!({
                "name": name,
                "vhost": vhost,
                "durable": get("durable").cloned().unwrap_or(json!(true)),
                "auto_delete": get("auto_delete").cloned().unwrap_or(json!(false)),
                "arguments": object(get("arguments")),
            })),
            ResourceId::Binding {
                vhost,
                source,
                destination_type,
                destination,
                routing_key,
                arguments,
            } => bindings.push(json!({
                "source": source,
                "vhost": vhost,
                "destination": destination,
                "destination_type": destination_type.as_str(),
                "routing_key": routing_key,
                "arguments": arguments.map(),
            })),
            ResourceId::Policy { vhost, name } => policies.push(json!({
                "vhost": vhost,
                "name": name,
                "pattern": text(get("pattern")),
                "apply-to": get("apply-to").cloned().unwrap_or(json!("all")),
                "definition": object(get("definition")),
                "priority": get("priority").cloned().unwrap_or(json!(0)),
            })),
            ResourceId::OperatorPolicy { vhost, name } => parameters.push(json!({
                "vhost": vhost,
                "component": "operator_policy",
                "name": name,
                "value": {
                    "pattern": text(get("pattern")),
                    "apply-to": get("apply-to").cloned().unwrap_or(json!("queues")),
                    "definition": object(get("definition")),
                    "priority": get("priority").cloned().unwrap_or(json!(0)),
                },
            })),
            ResourceId::Parameter {
                vhost,
                component,
                name,
            } => parameters.push(json!({
                "vhost": vhost,
                "component": component,
                "name": name,
                "value": get("value").cloned().unwrap_or(Value::Null),
            })),
            ResourceId::UserLimit { .. } | ResourceId::VhostLimit { .. } => {}
        }
    }
    for (vhost, limits) in vhost_limits {
        parameters.push(json!({
            "vhost": vhost,
            "component": "vhost-limits",
            "name": "limits",
            "value": limits,
        }));
    }
    json!({
        "users": users,
        "vhosts": vhosts,
        "permissions": permissions,
        "topic_permissions": topic_permissions,
        "parameters": parameters,
        "global_parameters": global_parameters,
        "policies": policies,
        "queues": queues,
        "exchanges": exchanges,
        "bindings": bindings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::password::verify;
    use crate::model::kinds;
    use crate::model::secret_value::Secret;
    use crate::model::DestinationType;

    fn sample() -> State {
        let mut s = State::default();
        let vhost = |n: &str| ResourceId::Vhost { name: n.into() };
        s.insert(
            vhost("/v"),
            kinds::vhost("d", &["t".into()], Some("quorum"), false),
        );
        let mut user = kinds::user(&["monitoring".into()], "", None);
        user.props.remove("password_hash");
        user.password = Some(Secret::new("plain-pw"));
        s.insert(ResourceId::User { name: "u".into() }, user);
        s.insert(
            ResourceId::UserLimit {
                user: "u".into(),
                name: "max-connections".into(),
            },
            kinds::limit(3),
        );
        s.insert(
            ResourceId::VhostLimit {
                vhost: "/v".into(),
                name: "max-queues".into(),
            },
            kinds::limit(9),
        );
        s.insert(
            ResourceId::OperatorPolicy {
                vhost: "/v".into(),
                name: "op".into(),
            },
            kinds::operator_policy("^q", "queues", 1, Map::new()),
        );
        s.insert(
            kinds::binding_id("/v", "e", DestinationType::Queue, "q", "k", &Map::new()),
            crate::model::Resource::new(),
        );
        s
    }

    #[test]
    fn passwords_become_salted_hashes_and_never_appear() {
        let mut state = sample();
        hash_for_export(&mut state);
        let doc = definitions(&state);
        let text = serde_json::to_string(&doc).unwrap();
        assert!(!text.contains("plain-pw"), "{text}");
        let hash = doc["users"][0]["password_hash"].as_str().unwrap();
        assert!(verify("plain-pw", hash, HashAlgorithm::Sha256));
        assert_eq!(doc["users"][0]["limits"], json!({"max-connections": 3}));
        assert_eq!(doc["users"][0]["tags"], json!(["monitoring"]));
    }

    #[test]
    fn limits_and_operator_policies_are_parameters() {
        let mut state = sample();
        hash_for_export(&mut state);
        let doc = definitions(&state);
        let components: Vec<&str> = doc["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["component"].as_str().unwrap())
            .collect();
        assert_eq!(components, ["operator_policy", "vhost-limits"]);
        assert_eq!(doc["parameters"][1]["value"], json!({"max-queues": 9}));
        assert_eq!(doc["vhosts"][0]["metadata"]["default_queue_type"], "quorum");
        assert_eq!(doc["bindings"][0]["routing_key"], "k");
    }
}
