//! The broker's state, as read in a few requests, turned into a comparable [`State`].

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::LiveSnapshot;
use crate::format::uri_credentials::{canonical, map_uris};
use crate::format::wire::{
    BindingDef, Definitions, ExchangeDef, GlobalParameterDef, ParameterDef, PermissionDef,
    PolicyDef, QueueDef, TopicPermissionDef, UserDef, VhostInfo,
};
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
    let mut lowering = Lowering::new(vhosts);
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
    users.into_iter().for_each(|u| lowering.user(u));
    permissions.into_iter().for_each(|p| lowering.permission(p));
    topic_permissions
        .into_iter()
        .for_each(|p| lowering.topic_permission(p));
    exchanges.into_iter().for_each(|e| lowering.exchange(e));
    queues.into_iter().for_each(|q| lowering.queue(q));
    bindings.into_iter().for_each(|b| lowering.binding(b));
    policies.into_iter().for_each(|p| lowering.policy(p));
    parameters.into_iter().for_each(|p| lowering.parameter(p));
    global_parameters
        .into_iter()
        .for_each(|g| lowering.global_parameter(g));
    lowering.finish()
}

/// The live state built one wire object at a time, in any order: from a whole snapshot, or
/// straight from the definitions document as it is parsed.
pub struct Lowering {
    state: StateBuilder,
    /// Each vhost's default queue type, for queues that leave `x-queue-type` out.
    default_types: HashMap<String, String>,
    /// vhost, user -> exchange -> (write, read): one object per vhost and user.
    topic: BTreeMap<(String, String), BTreeMap<String, (String, String)>>,
}

impl Lowering {
    /// Starts from the vhosts listing (3.10's definitions leave their metadata out).
    pub fn new(vhosts: Vec<VhostInfo>) -> Self {
        let mut state = StateBuilder::default();
        let default_types = vhosts
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
        Lowering {
            state,
            default_types,
            topic: BTreeMap::new(),
        }
    }

    pub fn user(&mut self, u: UserDef) {
        for (limit, value) in &u.limits {
            if let Some(value) = value.as_i64() {
                let id = ResourceId::UserLimit {
                    user: u.name.clone(),
                    name: limit.clone(),
                };
                self.state.insert(id, kinds::limit(value));
            }
        }
        self.state.insert(
            ResourceId::User { name: u.name },
            kinds::user(&u.tags.0, &u.password_hash, u.hashing_algorithm.as_deref()),
        );
    }

    pub fn permission(&mut self, p: PermissionDef) {
        self.state.insert(
            ResourceId::Permission {
                vhost: p.vhost,
                user: p.user,
            },
            kinds::permission(&p.configure, &p.write, &p.read),
        );
    }

    pub fn topic_permission(&mut self, p: TopicPermissionDef) {
        self.topic
            .entry((p.vhost, p.user))
            .or_default()
            .insert(p.exchange, (p.write, p.read));
    }

    /// The broker's own `amq.*` exchanges are left out; of two with one name, the first stays.
    pub fn exchange(&mut self, e: ExchangeDef) {
        if is_builtin_exchange(&e.name) {
            return;
        }
        self.state.insert_first(
            ResourceId::Exchange {
                vhost: e.vhost,
                name: e.name,
            },
            kinds::exchange(&e.kind, e.durable, e.auto_delete, e.internal, e.arguments),
        );
    }

    pub fn queue(&mut self, q: QueueDef) {
        if is_builtin_queue(&q.name) {
            return;
        }
        let default_type = self
            .default_types
            .get(&q.vhost)
            .map_or("classic", String::as_str);
        let resource = kinds::queue(q.durable, q.auto_delete, q.arguments, default_type);
        self.state.insert_first(
            ResourceId::Queue {
                vhost: q.vhost,
                name: q.name,
            },
            resource,
        );
    }

    /// Bindings from the default exchange are implicit and left out.
    pub fn binding(&mut self, b: BindingDef) {
        if b.source.is_empty() {
            return;
        }
        if let Some(id) = binding_id(&b) {
            self.state.insert(id, crate::model::Resource::new());
        }
    }

    pub fn policy(&mut self, p: PolicyDef) {
        self.state.insert(
            ResourceId::Policy {
                vhost: p.vhost,
                name: p.name,
            },
            kinds::policy(&p.pattern, &p.apply_to, p.priority, p.definition),
        );
    }

    pub fn parameter(&mut self, p: ParameterDef) {
        add_parameter(&mut self.state, p);
    }

    pub fn global_parameter(&mut self, g: GlobalParameterDef) {
        // The broker's own bookkeeping, and warren's apply lock.
        if g.name == "internal_cluster_id" || g.name == OLD_LOCK_PARAMETER {
            return;
        }
        self.state.insert(
            ResourceId::GlobalParameter { name: g.name },
            kinds::parameter(g.value),
        );
    }

    pub fn finish(mut self) -> State {
        for ((vhost, user), entries) in std::mem::take(&mut self.topic) {
            self.state.insert(
                ResourceId::TopicPermission { vhost, user },
                kinds::topic_permissions(&entries),
            );
        }
        self.state.build()
    }
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

/// 3.10 keeps operator policies and vhost limits among the parameters.
fn add_parameter(state: &mut StateBuilder, p: ParameterDef) {
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
