//! Routing changes: messages whose destinations differ between the live topology (before
//! the plan) and the desired one (after). The messages tried are the environment's route
//! assertions and, for every binding, exchange or queue the plan touches, the keys of the
//! bindings involved (headers bindings: their arguments as headers).

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Action, Plan};
use crate::format::BrokerVersion;
use crate::model::{ResourceId, State};
use crate::route::assertion::Assertion;
use crate::route::{route, Message, Topology};

/// At most this many messages are tried per plan, so a huge plan stays quick to make.
const MAX_SAMPLES: usize = 2_000;

/// Where one message goes, as the plan shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Destinations {
    /// Queues reached, sorted; empty: unroutable.
    pub queues: Vec<String>,
    /// `q.a -> ex.dlx -> [q.dead]` for each queue reached that dead-letters somewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dead_letters: Vec<String>,
    /// Why the message cannot be published there (a missing or internal exchange).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A message that goes elsewhere once the plan is applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingChange {
    /// The vhost the message is published in.
    pub vhost: String,
    /// The exchange published to ("" is the default exchange).
    pub exchange: String,
    /// The message's routing key (a binding's own key, wildcards as literal words, for
    /// binding samples).
    pub routing_key: String,
    /// Message headers (for headers exchanges).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Value>,
    /// True for a route assertion of the environment, false for a binding's key.
    pub declared: bool,
    /// On the broker now.
    pub before: Destinations,
    /// Once the plan is applied.
    pub after: Destinations,
}

/// The routing changes of `plan`, in vhost order, assertions first. Vhosts the plan creates
/// are left out: everything in them is new, as the plan's creates already say.
pub fn routing_changes(
    plan: &Plan,
    desired: &State,
    live: &State,
    assertions: &[Assertion],
    version: BrokerVersion,
) -> Vec<RoutingChange> {
    let created: BTreeSet<&str> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .filter_map(|c| match &c.id {
            ResourceId::Vhost { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let mut touched: BTreeMap<&str, Vec<&ResourceId>> = BTreeMap::new();
    for change in &plan.changes {
        let routing = matches!(
            change.id,
            ResourceId::Exchange { .. }
                | ResourceId::Queue { .. }
                | ResourceId::Binding { .. }
                | ResourceId::Policy { .. }
        );
        if let Some(vhost) = change
            .id
            .vhost()
            .filter(|v| routing && !created.contains(v))
        {
            touched.entry(vhost).or_default().push(&change.id);
        }
    }
    let mut out = Vec::new();
    let mut budget = MAX_SAMPLES;
    for (vhost, ids) in touched {
        let before = Topology::of(live, vhost, version);
        let after = Topology::of(desired, vhost, version);
        let declared = assertions.iter().filter(|a| a.vhost == vhost).map(|a| {
            let message = Message {
                exchange: a.exchange.clone(),
                routing_key: a.routing_key.clone(),
                headers: a.headers.clone(),
            };
            (message, true)
        });
        let mut seen = BTreeSet::new();
        let samples = declared.chain(
            binding_samples(&ids, &before, &after)
                .into_iter()
                .map(|m| (m, false)),
        );
        for (message, is_declared) in samples {
            let key = (
                message.exchange.clone(),
                message.routing_key.clone(),
                serde_json::to_string(&message.headers).unwrap_or_default(),
            );
            if !seen.insert(key) {
                continue;
            }
            if budget == 0 {
                break;
            }
            budget -= 1;
            let (b, a) = (
                destinations(&before, &message),
                destinations(&after, &message),
            );
            if b != a {
                out.push(RoutingChange {
                    vhost: vhost.to_string(),
                    exchange: message.exchange,
                    routing_key: message.routing_key,
                    headers: message.headers,
                    declared: is_declared,
                    before: b,
                    after: a,
                });
            }
        }
    }
    out
}

/// The keys of the bindings a changed object takes part in, on either side.
fn binding_samples(ids: &[&ResourceId], before: &Topology, after: &Topology) -> Vec<Message> {
    let mut out = Vec::new();
    for topology in [after, before] {
        for (source, bindings) in &topology.bindings {
            for binding in bindings {
                if ids.iter().any(|id| involves(id, source, binding)) {
                    out.extend(sample(topology, source, binding));
                }
            }
        }
    }
    out
}

/// Whether a change to `id` can change where messages matching `binding` go.
fn involves(id: &ResourceId, source: &str, binding: &ResourceId) -> bool {
    let ResourceId::Binding {
        destination: bound,
        routing_key: key,
        ..
    } = binding
    else {
        return false;
    };
    match id {
        ResourceId::Binding {
            source: s,
            routing_key,
            destination,
            ..
        } => s == source && routing_key == key && destination == bound,
        ResourceId::Exchange { name, .. } => name == source || name == bound,
        ResourceId::Queue { name, .. } => name == bound,
        // A policy can set alternate and dead-letter exchanges anywhere in the vhost.
        ResourceId::Policy { .. } => true,
        _ => false,
    }
}

/// The message a binding is for: its key, or for a headers exchange its arguments.
fn sample(topology: &Topology, source: &str, binding: &ResourceId) -> Option<Message> {
    let ResourceId::Binding {
        routing_key,
        arguments,
        ..
    } = binding
    else {
        return None;
    };
    let headers_exchange = topology
        .exchanges
        .get(source)
        .is_some_and(|e| e.kind == "headers");
    let headers = if headers_exchange {
        arguments
            .map()
            .iter()
            .filter(|(k, _)| k.as_str() != "x-match")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    } else {
        BTreeMap::new()
    };
    Some(Message {
        exchange: source.to_string(),
        routing_key: routing_key.clone(),
        headers,
    })
}

fn destinations(topology: &Topology, message: &Message) -> Destinations {
    match route(topology, message) {
        Ok(routed) => Destinations {
            queues: routed.queue_names(),
            dead_letters: routed
                .dead_letters
                .iter()
                .map(|d| {
                    let names: Vec<String> = d.queues.iter().map(|q| q.name.clone()).collect();
                    let exchange = if d.exchange.is_empty() {
                        "(default exchange)"
                    } else {
                        &d.exchange
                    };
                    format!(
                        "{} -> {exchange} -> {}",
                        d.queue,
                        crate::route::assertion::queue_list(&names)
                    )
                })
                .collect(),
            error: None,
        },
        Err(e) => Destinations {
            queues: Vec::new(),
            dead_letters: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use crate::model::{kinds, DestinationType};
    use crate::plan::{diff, Scope};
    use serde_json::Map;

    const V: &str = "/v";

    fn base() -> State {
        let mut s = State::default();
        s.insert(
            ResourceId::Vhost { name: V.into() },
            kinds::vhost("", &[], None, false),
        );
        s.insert(
            ResourceId::Exchange {
                vhost: V.into(),
                name: "t".into(),
            },
            kinds::exchange("topic", true, false, false, Map::new()),
        );
        s.insert(
            ResourceId::Queue {
                vhost: V.into(),
                name: "q.odoo.events".into(),
            },
            kinds::queue(true, false, Map::new(), "classic"),
        );
        s
    }

    fn bound(mut s: State, key: &str) -> State {
        s.insert(
            kinds::binding_id(
                V,
                "t",
                DestinationType::Queue,
                "q.odoo.events",
                key,
                &Map::new(),
            ),
            crate::model::Resource::new(),
        );
        s
    }

    fn scope() -> Scope {
        Scope {
            vhosts: [V.to_string()].into_iter().collect(),
            kinds: [Kind::Vhosts, Kind::Exchanges, Kind::Queues, Kind::Bindings]
                .into_iter()
                .collect(),
            prune: [Kind::Bindings].into_iter().collect(),
            ..Scope::default()
        }
    }

    #[test]
    fn a_changed_binding_key_shows_where_its_messages_go_now() {
        let live = bound(base(), "odoo.event.#");
        let desired = bound(base(), "odoo.events.#");
        let plan = diff("e", &desired, &live, &scope());
        let assertion = Assertion {
            vhost: V.into(),
            exchange: "t".into(),
            routing_key: "odoo.event.created".into(),
            headers: BTreeMap::new(),
            expect: vec!["q.odoo.events".into()],
        };
        let changes = routing_changes(
            &plan,
            &desired,
            &live,
            &[assertion],
            BrokerVersion::new(3, 10),
        );
        let shown: Vec<(&str, bool, &[String], &[String])> = changes
            .iter()
            .map(|c| {
                (
                    c.routing_key.as_str(),
                    c.declared,
                    c.before.queues.as_slice(),
                    c.after.queues.as_slice(),
                )
            })
            .collect();
        let q = ["q.odoo.events".to_string()];
        assert_eq!(
            shown,
            [
                ("odoo.event.created", true, &q[..], &[][..]),
                ("odoo.events.#", false, &[][..], &q[..]),
                ("odoo.event.#", false, &q[..], &[][..]),
            ]
        );
    }

    #[test]
    fn no_routing_change_without_routing_objects_in_the_plan() {
        let live = bound(base(), "a");
        let plan = diff("e", &live, &live, &scope());
        assert!(routing_changes(&plan, &live, &live, &[], BrokerVersion::new(3, 10)).is_empty());
    }
}
