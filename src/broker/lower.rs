//! The broker's state, as read in a few requests, turned into a comparable [`State`].

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::LiveSnapshot;
use crate::format::uri_credentials::{canonical, map_uris};
use crate::format::wire::{BindingDef, Definitions, ParameterDef, UserDef};
use crate::model::kinds;
use crate::model::reserved::{is_builtin_exchange, is_builtin_queue, OLD_LOCK_PARAMETER};
use crate::model::{DestinationType, ResourceId, State, StateBuilder};

/// Takes the snapshot apart as it goes, so its strings and maps move into the state
/// instead of being copied while the whole answer stays alive.
pub fn live_state(snapshot: LiveSnapshot) -> State {
    let LiveSnapshot {
        definitions: defs,
        vhosts,
        ..
    } = snapshot;
    let mut state = StateBuilder::with_capacity(vhosts.len() + defs.object_count());
    let default_types: HashMap<String, String> = vhosts
        .iter()
        .filter_map(|v| Some((v.name.clone(), v.default_queue_type.clone()?)))
        .collect();
    for vhost in vhosts {
        state.insert(
            ResourceId::Vhost { name: vhost.name },
            kinds::vhost(
                &vhost.description,
                &vhost.tags.0,
                vhost.default_queue_type.as_deref(),
                vhost.tracing,
            ),
        );
    }
    let Definitions {
        users,
        permissions,
        topic_permissions,
        parameters,
        global_parameters,
        policies,
        queues,
        exchanges,
        bindings,
        ..
    } = defs;
    add_users(&mut state, users);
    for p in permissions {
        state.insert(
            ResourceId::Permission {
                vhost: p.vhost,
                user: p.user,
            },
            kinds::permission(&p.configure, &p.write, &p.read),
        );
    }
    let mut topic: BTreeMap<(String, String), BTreeMap<String, (String, String)>> = BTreeMap::new();
    for p in topic_permissions {
        topic
            .entry((p.vhost, p.user))
            .or_default()
            .insert(p.exchange, (p.write, p.read));
    }
    for ((vhost, user), entries) in topic {
        state.insert(
            ResourceId::TopicPermission { vhost, user },
            kinds::topic_permissions(&entries),
        );
    }
    for e in exchanges
        .into_iter()
        .filter(|e| !is_builtin_exchange(&e.name))
    {
        state.insert_first(
            ResourceId::Exchange {
                vhost: e.vhost,
                name: e.name,
            },
            kinds::exchange(&e.kind, e.durable, e.auto_delete, e.internal, e.arguments),
        );
    }
    for q in queues.into_iter().filter(|q| !is_builtin_queue(&q.name)) {
        let default_type = default_types
            .get(&q.vhost)
            .map_or("classic", String::as_str);
        let resource = kinds::queue(q.durable, q.auto_delete, q.arguments, default_type);
        state.insert_first(
            ResourceId::Queue {
                vhost: q.vhost,
                name: q.name,
            },
            resource,
        );
    }
    for b in bindings.iter().filter(|b| !b.source.is_empty()) {
        if let Some(id) = binding_id(b) {
            state.insert(id, crate::model::Resource::new());
        }
    }
    drop(bindings);
    for p in policies {
        state.insert(
            ResourceId::Policy {
                vhost: p.vhost,
                name: p.name,
            },
            kinds::policy(&p.pattern, &p.apply_to, p.priority, p.definition),
        );
    }
    add_parameters(&mut state, parameters);
    for g in global_parameters {
        // The broker's own bookkeeping, and warren's apply lock.
        if g.name == "internal_cluster_id" || g.name == OLD_LOCK_PARAMETER {
            continue;
        }
        state.insert(
            ResourceId::GlobalParameter { name: g.name },
            kinds::parameter(g.value),
        );
    }
    state.build()
}

/// A binding's identity from its wire form; None for a destination type warren does not know.
pub fn binding_id(b: &BindingDef) -> Option<ResourceId> {
    let kind = DestinationType::parse(&b.destination_type)?;
    Some(kinds::binding_id(
        &b.vhost,
        &b.source,
        kind,
        &b.destination,
        &b.routing_key,
        &b.arguments,
    ))
}

fn add_users(state: &mut StateBuilder, users: Vec<UserDef>) {
    for u in users {
        state.insert(
            ResourceId::User {
                name: u.name.clone(),
            },
            kinds::user(&u.tags.0, &u.password_hash, u.hashing_algorithm.as_deref()),
        );
        for (limit, value) in &u.limits {
            if let Some(value) = value.as_i64() {
                let id = ResourceId::UserLimit {
                    user: u.name.clone(),
                    name: limit.clone(),
                };
                state.insert(id, kinds::limit(value));
            }
        }
    }
}

/// 3.10 keeps operator policies and vhost limits among the parameters.
fn add_parameters(state: &mut StateBuilder, parameters: Vec<ParameterDef>) {
    for p in parameters {
        match p.component.as_str() {
            "operator_policy" => {
                let field = |k: &str| p.value.get(k);
                let pattern = field("pattern").and_then(Value::as_str).unwrap_or("");
                let apply_to = field("apply-to")
                    .and_then(Value::as_str)
                    .unwrap_or("queues");
                let priority = field("priority").and_then(Value::as_i64).unwrap_or(0);
                let definition = field("definition")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                state.insert(
                    ResourceId::OperatorPolicy {
                        vhost: p.vhost.clone(),
                        name: p.name.clone(),
                    },
                    kinds::operator_policy(pattern, apply_to, priority, definition),
                );
            }
            "vhost-limits" => {
                for (limit, value) in p.value.as_object().into_iter().flatten() {
                    if let Some(value) = value.as_i64() {
                        let id = ResourceId::VhostLimit {
                            vhost: p.vhost.clone(),
                            name: limit.clone(),
                        };
                        state.insert(id, kinds::limit(value));
                    }
                }
            }
            _ => {
                state.insert(
                    ResourceId::Parameter {
                        vhost: p.vhost.clone(),
                        component: p.component.clone(),
                        name: p.name.clone(),
                    },
                    // One encoding of URI passwords, as the desired side writes them.
                    kinds::parameter(map_uris(&p.component, &p.value, canonical)),
                );
            }
        }
    }
}
