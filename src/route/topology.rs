//! One vhost of a [`State`] seen as the broker routes it: exchanges (with the built-in
//! ones the state leaves out), bindings by source, queues, and the policies that give
//! exchanges an alternate exchange and queues a dead-letter exchange.

use std::collections::BTreeMap;

use fancy_regex::Regex;
use serde_json::{Map, Value};

use crate::format::{BrokerVersion, QueueType};
use crate::model::{ResourceId, State};

/// Exchanges every vhost has; `amq.*` ones are never part of a state.
const BUILT_IN: &[(&str, &str, bool)] = &[
    ("", "direct", false),
    ("amq.direct", "direct", false),
    ("amq.fanout", "fanout", false),
    ("amq.topic", "topic", false),
    ("amq.headers", "headers", false),
    ("amq.match", "headers", false),
    ("amq.rabbitmq.trace", "topic", true),
];

/// Whether the broker itself provides this exchange in every vhost.
pub fn is_built_in(name: &str) -> bool {
    BUILT_IN.iter().any(|(built_in, _, _)| *built_in == name)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    pub kind: String,
    pub internal: bool,
    /// The `alternate-exchange` argument, else the applying policy's.
    pub alternate: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Queue {
    /// Where its dead letters go: exchange, and the key they get (None: their own key).
    pub dead_letter: Option<(String, Option<String>)>,
}

struct Policy {
    name: String,
    pattern: Regex,
    apply_to: String,
    priority: i64,
    definition: Map<String, Value>,
}

/// What routing needs of one vhost.
pub struct Topology {
    pub vhost: String,
    pub exchanges: BTreeMap<String, Exchange>,
    /// The state's own binding ids (every one a [`ResourceId::Binding`]), by source exchange.
    pub bindings: BTreeMap<String, Vec<ResourceId>>,
    pub queues: BTreeMap<String, Queue>,
}

impl Topology {
    /// The vhost's part of `state`; policies are judged as `version` applies them.
    pub fn of(state: &State, vhost: &str, version: BrokerVersion) -> Topology {
        let policies = policies(state, vhost);
        let mut exchanges = BTreeMap::new();
        for (name, kind, internal) in BUILT_IN {
            let exchange = Exchange {
                kind: kind.to_string(),
                internal: *internal,
                alternate: None,
            };
            exchanges.insert(name.to_string(), exchange);
        }
        let mut bindings: BTreeMap<String, Vec<ResourceId>> = BTreeMap::new();
        let mut queues = BTreeMap::new();
        for (id, resource) in state.iter() {
            if id.vhost() != Some(vhost) {
                continue;
            }
            match id {
                ResourceId::Exchange { name, .. } => {
                    let arguments = object(resource.get("arguments"));
                    let policy = applying(&policies, name, None);
                    let alternate = text(&arguments, "alternate-exchange")
                        .or_else(|| policy.and_then(|p| text(&p.definition, "alternate-exchange")));
                    let exchange = Exchange {
                        kind: resource.str("type").unwrap_or("direct").to_string(),
                        internal: resource.get("internal").and_then(Value::as_bool) == Some(true),
                        alternate,
                    };
                    exchanges.insert(name.clone(), exchange);
                }
                ResourceId::Queue { name, .. } => {
                    let arguments = object(resource.get("arguments"));
                    let queue_type = text(&arguments, "x-queue-type")
                        .and_then(|t| QueueType::parse(&t))
                        .unwrap_or(QueueType::Classic);
                    let from_policy = || {
                        let policy = applying(&policies, name, Some((queue_type, version)))?;
                        let exchange = text(&policy.definition, "dead-letter-exchange")?;
                        Some((
                            exchange,
                            text(&policy.definition, "dead-letter-routing-key"),
                        ))
                    };
                    // The queue's own argument wins over a policy, as on the broker.
                    let dead_letter = match text(&arguments, "x-dead-letter-exchange") {
                        Some(exchange) => {
                            Some((exchange, text(&arguments, "x-dead-letter-routing-key")))
                        }
                        None => from_policy(),
                    };
                    queues.insert(name.clone(), Queue { dead_letter });
                }
                ResourceId::Binding { source, .. } => {
                    bindings.entry(source.clone()).or_default().push(id.clone());
                }
                _ => {}
            }
        }
        Topology {
            vhost: vhost.to_string(),
            exchanges,
            bindings,
            queues,
        }
    }

    pub fn bindings_from(&self, exchange: &str) -> &[ResourceId] {
        self.bindings.get(exchange).map_or(&[], Vec::as_slice)
    }
}

fn object(value: Option<&Value>) -> Map<String, Value> {
    value
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_string)
}

fn policies(state: &State, vhost: &str) -> Vec<Policy> {
    state
        .iter()
        .filter_map(|(id, resource)| match id {
            ResourceId::Policy { vhost: v, name } if v == vhost => {
                // A pattern the broker would have refused cannot be in force.
                let pattern = Regex::new(resource.str("pattern")?).ok()?;
                Some(Policy {
                    name: name.clone(),
                    pattern,
                    apply_to: resource.str("apply-to").unwrap_or("all").to_string(),
                    priority: resource
                        .get("priority")
                        .and_then(Value::as_i64)
                        .unwrap_or(0),
                    definition: object(resource.get("definition")),
                })
            }
            _ => None,
        })
        .collect()
}

/// The one policy in force on an exchange (queue None) or a queue: the highest priority
/// among those whose pattern matches, that apply to its kind and whose keys its type takes.
fn applying<'a>(
    policies: &'a [Policy],
    name: &str,
    queue: Option<(QueueType, BrokerVersion)>,
) -> Option<&'a Policy> {
    policies
        .iter()
        .filter(|p| applies_to(&p.apply_to, queue.map(|(t, _)| t)))
        .filter(|p| match queue {
            Some((queue_type, version)) => !p
                .definition
                .keys()
                .any(|key| crate::format::queue_types::skips_policy_key(queue_type, key, version)),
            None => true,
        })
        .filter(|p| p.pattern.is_match(name).unwrap_or(false))
        // Ties go to the name sorting first, so the choice is stable.
        .max_by(|a, b| a.priority.cmp(&b.priority).then(b.name.cmp(&a.name)))
}

fn applies_to(apply_to: &str, queue: Option<QueueType>) -> bool {
    match (apply_to, queue) {
        ("all", _) => true,
        ("exchanges", None) => true,
        ("queues", Some(_)) => true,
        (other, Some(queue_type)) => other == queue_type.apply_to(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn state() -> State {
        let mut s = State::default();
        let ex = |name: &str| ResourceId::Exchange {
            vhost: "/v".into(),
            name: name.into(),
        };
        let q = |name: &str| ResourceId::Queue {
            vhost: "/v".into(),
            name: name.into(),
        };
        let p = |name: &str| ResourceId::Policy {
            vhost: "/v".into(),
            name: name.into(),
        };
        s.insert(
            ex("ex.main"),
            kinds::exchange("topic", true, false, false, map(json!({}))),
        );
        s.insert(
            ex("ex.own"),
            kinds::exchange(
                "direct",
                true,
                false,
                false,
                map(json!({"alternate-exchange": "ex.mine"})),
            ),
        );
        s.insert(
            q("q.plain"),
            kinds::queue(true, false, map(json!({})), "classic"),
        );
        s.insert(
            q("q.args"),
            kinds::queue(
                true,
                false,
                map(
                    json!({"x-dead-letter-exchange": "dlx.args", "x-dead-letter-routing-key": "k"}),
                ),
                "classic",
            ),
        );
        s.insert(
            q("q.quorum"),
            kinds::queue(
                true,
                false,
                map(json!({"x-queue-type": "quorum"})),
                "classic",
            ),
        );
        s.insert(
            p("low"),
            kinds::policy(
                ".*",
                "all",
                0,
                map(json!({"dead-letter-exchange": "dlx.low", "alternate-exchange": "ae.low"})),
            ),
        );
        s.insert(
            p("ha"),
            kinds::policy(
                "^q\\.",
                "queues",
                5,
                map(json!({"dead-letter-exchange": "dlx.ha", "ha-mode": "all"})),
            ),
        );
        s
    }

    #[test]
    fn built_in_exchanges_are_always_there() {
        let t = Topology::of(&State::default(), "/v", BrokerVersion::new(3, 10));
        assert_eq!(t.exchanges[""].kind, "direct");
        assert_eq!(t.exchanges["amq.match"].kind, "headers");
        assert!(t.exchanges["amq.rabbitmq.trace"].internal);
    }

    #[test]
    fn arguments_win_over_policies() {
        let t = Topology::of(&state(), "/v", BrokerVersion::new(3, 10));
        assert_eq!(t.exchanges["ex.own"].alternate.as_deref(), Some("ex.mine"));
        assert_eq!(t.exchanges["ex.main"].alternate.as_deref(), Some("ae.low"));
        assert_eq!(
            t.queues["q.args"].dead_letter,
            Some(("dlx.args".into(), Some("k".into())))
        );
    }

    #[test]
    fn the_highest_policy_a_queue_type_takes_applies() {
        let t = Topology::of(&state(), "/v", BrokerVersion::new(3, 10));
        assert_eq!(
            t.queues["q.plain"].dead_letter,
            Some(("dlx.ha".into(), None))
        );
        // ha-* keys make the policy skip quorum queues: the next one applies.
        assert_eq!(
            t.queues["q.quorum"].dead_letter,
            Some(("dlx.low".into(), None))
        );
    }

    #[test]
    fn other_vhosts_are_left_out() {
        let t = Topology::of(&state(), "/other", BrokerVersion::new(3, 10));
        assert!(t.queues.is_empty());
        assert!(!t.exchanges.contains_key("ex.main"));
    }
}
