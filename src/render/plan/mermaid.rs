//! The part of the topology a plan touches, as a Mermaid flowchart for the pull-request
//! comment: changed exchanges and queues, the ends of changed bindings, and the dead-letter
//! exchanges of changed queues; added objects green, changed yellow, removed red and dashed.
//! Drawn from the plan document alone, so renderers never need the broker.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::document::{ActionDoc, ChangeDoc, PlanDocument};
use crate::model::{DestinationType, ResourceId};
use crate::render::graph_mermaid::{binding_label, escape};

/// Nodes and edges drawn before the picture is cut, so the comment stays readable and
/// within GitHub's limit.
pub const MAX_NODES: usize = 60;
pub const MAX_EDGES: usize = 60;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Untouched,
    Added,
    Changed,
    Removed,
}

impl Mark {
    fn of(action: ActionDoc) -> Mark {
        match action {
            ActionDoc::Create => Mark::Added,
            ActionDoc::Delete => Mark::Removed,
            ActionDoc::Update | ActionDoc::Replace | ActionDoc::Migrate => Mark::Changed,
        }
    }

    fn class(self) -> Option<&'static str> {
        match self {
            Mark::Untouched => None,
            Mark::Added => Some("added"),
            Mark::Changed => Some("changed"),
            Mark::Removed => Some("removed"),
        }
    }
}

struct Node {
    id: String,
    label: String,
    queue: bool,
    mark: Mark,
}

struct Edge {
    from: usize,
    to: usize,
    label: String,
    mark: Mark,
    dead_letter: bool,
}

#[derive(Default)]
struct Picture {
    /// (vhost, queue?, name) -> node index.
    index: BTreeMap<(String, bool, String), usize>,
    nodes: Vec<(String, Node)>,
    edges: Vec<Edge>,
    omitted: usize,
}

impl Picture {
    /// The object's node; None once the picture is full.
    fn node(&mut self, vhost: &str, queue: bool, name: &str) -> Option<usize> {
        let key = (vhost.to_string(), queue, name.to_string());
        if let Some(i) = self.index.get(&key) {
            return Some(*i);
        }
        if self.nodes.len() >= MAX_NODES {
            self.omitted += 1;
            return None;
        }
        let i = self.nodes.len();
        let shown = if name.is_empty() {
            "(default exchange)"
        } else {
            name
        };
        let node = Node {
            id: format!("n{i}"),
            label: escape(shown),
            queue,
            mark: Mark::Untouched,
        };
        self.nodes.push((vhost.to_string(), node));
        self.index.insert(key, i);
        Some(i)
    }

    fn edge(&mut self, edge: Edge) {
        if self.edges.len() < MAX_EDGES {
            self.edges.push(edge);
        } else {
            self.omitted += 1;
        }
    }
}

/// The diagram, or None when the plan touches no exchange, queue or binding.
pub fn diagram(doc: &PlanDocument) -> Option<String> {
    let mut p = Picture::default();
    for change in &doc.changes {
        match &change.id {
            ResourceId::Exchange { vhost, name } => {
                let Some(i) = p.node(vhost, false, name) else {
                    continue;
                };
                p.nodes[i].1.mark = Mark::of(change.action);
                if let Some(kind) = &change.drawing.exchange_type {
                    p.nodes[i].1.label = format!("{}<br/>{}", escape(name), escape(kind));
                }
            }
            ResourceId::Queue { vhost, name } => {
                let Some(i) = p.node(vhost, true, name) else {
                    continue;
                };
                p.nodes[i].1.mark = Mark::of(change.action);
                dead_letter_edge(&mut p, vhost, i, change);
            }
            ResourceId::Binding {
                vhost,
                source,
                destination_type,
                destination,
                routing_key,
                arguments,
            } => {
                let queue = *destination_type == DestinationType::Queue;
                let (Some(from), Some(to)) = (
                    p.node(vhost, false, source),
                    p.node(vhost, queue, destination),
                ) else {
                    continue;
                };
                let label = binding_label(routing_key, Some(arguments.map()));
                p.edge(Edge {
                    from,
                    to,
                    label: escape(&label),
                    mark: Mark::of(change.action),
                    dead_letter: false,
                });
            }
            _ => {}
        }
    }
    if p.nodes.is_empty() {
        return None;
    }
    Some(render(&p))
}

fn dead_letter_edge(p: &mut Picture, vhost: &str, queue: usize, change: &ChangeDoc) {
    let exchange = change.drawing.dead_letter_exchange.as_deref();
    if let Some(to) = exchange.and_then(|exchange| p.node(vhost, false, exchange)) {
        p.edge(Edge {
            from: queue,
            to,
            label: "dead letters".to_string(),
            mark: Mark::of(change.action),
            dead_letter: true,
        });
    }
}

fn render(p: &Picture) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut vhosts: Vec<&str> = p.nodes.iter().map(|(v, _)| v.as_str()).collect();
    vhosts.dedup();
    vhosts.sort();
    vhosts.dedup();
    for (v, vhost) in vhosts.iter().enumerate() {
        let _ = writeln!(out, "  subgraph v{v}[\"vhost {}\"]", escape(vhost));
        for (_, node) in p.nodes.iter().filter(|(n, _)| n == vhost) {
            let shape = if node.queue {
                format!("{}[(\"{}\")]", node.id, node.label)
            } else {
                format!("{}{{{{\"{}\"}}}}", node.id, node.label)
            };
            let _ = writeln!(out, "    {shape}");
        }
        out.push_str("  end\n");
    }
    let mut styles: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (i, e) in p.edges.iter().enumerate() {
        let arrow = if e.dead_letter { "-.->" } else { "-->" };
        let (from, to) = (&p.nodes[e.from].1.id, &p.nodes[e.to].1.id);
        let _ = writeln!(out, "  {from} {arrow}|\"{}\"| {to}", e.label);
        if let Some(class) = e.mark.class() {
            styles.entry(class).or_default().push(i.to_string());
        }
    }
    out.push_str("  classDef added fill:#e6ffed,stroke:#2da44e\n");
    out.push_str("  classDef changed fill:#fff8c5,stroke:#bf8700\n");
    out.push_str("  classDef removed fill:#ffebe9,stroke:#cf222e,stroke-dasharray: 4 4\n");
    for mark in [Mark::Added, Mark::Changed, Mark::Removed] {
        let ids: Vec<&str> = p
            .nodes
            .iter()
            .filter(|(_, n)| n.mark == mark)
            .map(|(_, n)| n.id.as_str())
            .collect();
        if let (Some(class), false) = (mark.class(), ids.is_empty()) {
            let _ = writeln!(out, "  class {} {class}", ids.join(","));
        }
    }
    for (class, links) in styles {
        let style = match class {
            "added" => "stroke:#2da44e",
            "removed" => "stroke:#cf222e,stroke-dasharray: 4 4",
            _ => "stroke:#bf8700",
        };
        let _ = writeln!(out, "  linkStyle {} {style}", links.join(","));
    }
    if p.omitted > 0 {
        let _ = writeln!(out, "  cut[\"… and {} more links, not drawn\"]", p.omitted);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::schema::Kind;
    use crate::model::{kinds, Resource, State};
    use crate::plan::{diff, Scope};
    use serde_json::Map;

    #[test]
    fn a_moved_binding_is_drawn_added_and_removed() {
        let v = "/v";
        let mut live = State::default();
        live.insert(
            ResourceId::Exchange {
                vhost: v.into(),
                name: "ex.t".into(),
            },
            kinds::exchange("topic", true, false, false, Map::new()),
        );
        live.insert(
            ResourceId::Queue {
                vhost: v.into(),
                name: "q".into(),
            },
            kinds::queue(true, false, Map::new(), "classic"),
        );
        let mut desired = live.clone();
        live.insert(
            kinds::binding_id(v, "ex.t", DestinationType::Queue, "q", "a.#", &Map::new()),
            Resource::new(),
        );
        desired.insert(
            kinds::binding_id(v, "ex.t", DestinationType::Queue, "q", "b.#", &Map::new()),
            Resource::new(),
        );
        let scope = Scope {
            vhosts: [v.to_string()].into_iter().collect(),
            kinds: [Kind::Exchanges, Kind::Queues, Kind::Bindings]
                .into_iter()
                .collect(),
            prune: [Kind::Bindings].into_iter().collect(),
            ..Scope::default()
        };
        let plan = PlanDocument::new(&diff("e", &desired, &live, &scope));
        let text = diagram(&plan).expect("a diagram");
        assert!(text.contains("subgraph v0[\"vhost /v\"]"), "{text}");
        assert!(text.contains("n0 -->|\"a.#\"| n1"), "{text}");
        assert!(text.contains("n0 -->|\"b.#\"| n1"), "{text}");
        assert!(text.contains("linkStyle 0 stroke:#cf222e"), "{text}");
        assert!(text.contains("linkStyle 1 stroke:#2da44e"), "{text}");
        assert!(diagram(&PlanDocument::new(&diff("e", &live, &live, &scope))).is_none());
    }
}
