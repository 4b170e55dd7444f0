//! A vhost's topology as a picture's nodes and edges: exchanges and queues, bindings
//! (labelled with their keys), alternate exchanges and dead-letter exchanges.

use serde_json::{Map, Value};

use super::topology::{is_built_in, Topology};
use crate::model::{DestinationType, ResourceId};

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Exchange {
        kind: String,
        internal: bool,
    },
    Queue,
    /// Named by an alternate or dead-letter setting, but not there.
    Missing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// A short identifier safe in any picture language (`e3`, `q12`, `m0`).
    pub id: String,
    pub name: String,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EdgeKind {
    Binding {
        routing_key: String,
        /// Headers bindings: their arguments instead of a key.
        arguments: Option<Map<String, Value>>,
    },
    /// Messages no binding matches.
    Alternate,
    /// The queue's dead letters, with the key they get (None: their own).
    DeadLetter { routing_key: Option<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    pub vhost: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// Built-in exchanges appear only when something binds from or points at them.
pub fn graph(topology: &Topology) -> Graph {
    let mut g = Graph {
        vhost: topology.vhost.clone(),
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    for (name, exchange) in &topology.exchanges {
        let referenced = !topology.bindings_from(name).is_empty();
        if !is_built_in(name) || referenced {
            let kind = NodeKind::Exchange {
                kind: exchange.kind.clone(),
                internal: exchange.internal,
            };
            add(&mut g, name, kind);
        }
    }
    for name in topology.queues.keys() {
        add(&mut g, name, NodeKind::Queue);
    }
    for (source, bindings) in &topology.bindings {
        let headers = topology
            .exchanges
            .get(source)
            .is_some_and(|e| e.kind == "headers");
        for id in bindings {
            let ResourceId::Binding {
                destination_type,
                destination,
                routing_key,
                arguments,
                ..
            } = id
            else {
                continue;
            };
            let from = exchange_node(&mut g, topology, source);
            let to = match destination_type {
                DestinationType::Queue => match find(&g, destination, true) {
                    Some(queue) => queue,
                    None => node(&mut g, destination, NodeKind::Missing, false),
                },
                DestinationType::Exchange => exchange_node(&mut g, topology, destination),
            };
            let kind = EdgeKind::Binding {
                routing_key: routing_key.clone(),
                arguments: headers.then(|| arguments.map().clone()),
            };
            g.edges.push(Edge { from, to, kind });
        }
    }
    for (name, exchange) in &topology.exchanges {
        if let (Some(alternate), Some(from)) = (&exchange.alternate, find(&g, name, false)) {
            let to = exchange_node(&mut g, topology, alternate);
            g.edges.push(Edge {
                from,
                to,
                kind: EdgeKind::Alternate,
            });
        }
    }
    for (name, queue) in &topology.queues {
        if let (Some((exchange, key)), Some(from)) = (&queue.dead_letter, find(&g, name, true)) {
            let to = exchange_node(&mut g, topology, exchange);
            let kind = EdgeKind::DeadLetter {
                routing_key: key.clone(),
            };
            g.edges.push(Edge { from, to, kind });
        }
    }
    g
}

/// The node of an exchange, added when first referenced (a built-in, or a missing one).
fn exchange_node(g: &mut Graph, topology: &Topology, name: &str) -> usize {
    let kind = match topology.exchanges.get(name) {
        Some(e) => NodeKind::Exchange {
            kind: e.kind.clone(),
            internal: e.internal,
        },
        None => NodeKind::Missing,
    };
    node(g, name, kind, false)
}

fn node(g: &mut Graph, name: &str, kind: NodeKind, queue: bool) -> usize {
    let queue = queue || kind == NodeKind::Queue;
    match find(g, name, queue) {
        Some(i) => i,
        None => add(g, name, kind),
    }
}

fn find(g: &Graph, name: &str, queue: bool) -> Option<usize> {
    g.nodes
        .iter()
        .position(|n| n.name == name && (n.kind == NodeKind::Queue) == queue)
}

fn add(g: &mut Graph, name: &str, kind: NodeKind) -> usize {
    let prefix = match kind {
        NodeKind::Exchange { .. } => "e",
        NodeKind::Queue => "q",
        NodeKind::Missing => "m",
    };
    let id = format!("{prefix}{}", g.nodes.len());
    g.nodes.push(Node {
        id,
        name: name.to_string(),
        kind,
    });
    g.nodes.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::BrokerVersion;
    use crate::model::{kinds, State};
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn every_kind_of_edge_is_drawn() {
        let mut s = State::default();
        let v = "/v";
        let ex = |name: &str| ResourceId::Exchange {
            vhost: v.into(),
            name: name.into(),
        };
        s.insert(
            ex("main"),
            kinds::exchange(
                "topic",
                true,
                false,
                false,
                map(json!({"alternate-exchange": "ae"})),
            ),
        );
        s.insert(
            ex("ae"),
            kinds::exchange("fanout", true, false, false, Map::new()),
        );
        s.insert(
            ResourceId::Queue {
                vhost: v.into(),
                name: "q".into(),
            },
            kinds::queue(
                true,
                false,
                map(json!({"x-dead-letter-exchange": "dlx"})),
                "classic",
            ),
        );
        s.insert(
            kinds::binding_id(v, "main", DestinationType::Queue, "q", "a.#", &Map::new()),
            crate::model::Resource::new(),
        );
        s.insert(
            kinds::binding_id(
                v,
                "amq.topic",
                DestinationType::Exchange,
                "main",
                "#",
                &Map::new(),
            ),
            crate::model::Resource::new(),
        );
        let g = graph(&Topology::of(&s, v, BrokerVersion::new(3, 10)));
        let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["ae", "amq.topic", "main", "q", "dlx"]);
        assert_eq!(g.nodes[4].kind, NodeKind::Missing);
        let kinds: Vec<&EdgeKind> = g.edges.iter().map(|e| &e.kind).collect();
        assert_eq!(kinds.len(), 4);
        assert!(kinds.contains(&&EdgeKind::Alternate));
        assert!(kinds.contains(&&EdgeKind::DeadLetter { routing_key: None }));
        // Built-ins nothing uses are left out.
        assert!(!names.contains(&"amq.direct"));
    }
}
