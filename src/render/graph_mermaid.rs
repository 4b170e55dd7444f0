//! A topology picture as a Mermaid flowchart (GitHub and GitLab render it in Markdown):
//! exchanges as hexagons, queues as cylinders, bindings as solid arrows labelled with their
//! keys, alternate exchanges as thick arrows, dead letters as dotted red arrows.

use std::fmt::Write;

use serde_json::{Map, Value};

use crate::route::graph::{EdgeKind, Graph, Node, NodeKind};

pub fn render(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(out, "  %% vhost {}", escape(&graph.vhost));
    for node in &graph.nodes {
        let _ = writeln!(out, "  {}", shape(node));
    }
    let mut dead_letter_links = Vec::new();
    for (index, edge) in graph.edges.iter().enumerate() {
        let (from, to) = (&graph.nodes[edge.from].id, &graph.nodes[edge.to].id);
        let (arrow, label) = match &edge.kind {
            EdgeKind::Binding {
                routing_key,
                arguments,
            } => ("-->", binding_label(routing_key, arguments.as_ref())),
            EdgeKind::Alternate => ("==>", "alternate".to_string()),
            EdgeKind::DeadLetter { routing_key } => {
                dead_letter_links.push(index.to_string());
                let label = match routing_key {
                    Some(key) => format!("dead letters, key {}", shown_key(key)),
                    None => "dead letters".to_string(),
                };
                ("-.->", label)
            }
        };
        let _ = writeln!(out, "  {from} {arrow}|\"{}\"| {to}", escape(&label));
    }
    let internal: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Exchange { internal: true, .. }))
        .map(|n| n.id.as_str())
        .collect();
    let missing: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Missing)
        .map(|n| n.id.as_str())
        .collect();
    if !internal.is_empty() {
        out.push_str("  classDef internal stroke-dasharray: 4 4\n");
        let _ = writeln!(out, "  class {} internal", internal.join(","));
    }
    if !missing.is_empty() {
        out.push_str("  classDef missing stroke:#c00,color:#c00\n");
        let _ = writeln!(out, "  class {} missing", missing.join(","));
    }
    if !dead_letter_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#c00",
            dead_letter_links.join(",")
        );
    }
    out
}

fn shape(node: &Node) -> String {
    let name = escape(&shown_exchange(&node.name));
    match &node.kind {
        NodeKind::Exchange { kind, internal } => {
            let note = if *internal { ", internal" } else { "" };
            format!("{}{{{{\"{name}<br/>{}{note}\"}}}}", node.id, escape(kind))
        }
        NodeKind::Queue => format!("{}[(\"{name}\")]", node.id),
        NodeKind::Missing => format!("{}[\"{name}<br/>(not declared)\"]", node.id),
    }
}

/// A topic or direct key as written; `(empty key)` for none. Headers bindings show their
/// arguments: `x-match=all format=pdf`.
pub fn binding_label(routing_key: &str, arguments: Option<&Map<String, Value>>) -> String {
    match arguments {
        Some(arguments) if !arguments.is_empty() => {
            let pairs: Vec<String> = arguments
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            pairs.join(" ")
        }
        _ => shown_key(routing_key),
    }
}

fn shown_key(key: &str) -> String {
    if key.is_empty() {
        "(empty key)".to_string()
    } else {
        key.to_string()
    }
}

fn shown_exchange(name: &str) -> String {
    if name.is_empty() {
        "(default exchange)".to_string()
    } else {
        name.to_string()
    }
}

/// Text inside a quoted Mermaid label: characters Mermaid would read as syntax become its
/// entity codes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '#' if reads_as_entity(&text[i + 1..]) => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Mermaid turns `#word;` into an entity; a `#` before such text must be escaped, any
/// other `#` (topic wildcards) stays readable.
fn reads_as_entity(after_hash: &str) -> bool {
    let word = after_hash
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after_hash.len());
    word > 0 && after_hash[word..].starts_with(';')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::graph::Edge;

    #[test]
    fn syntax_characters_in_names_are_entity_codes() {
        assert_eq!(escape(r#"a.#|"<b>`&"#), "a.##124;#quot;#lt;b#gt;#96;#amp;");
    }

    #[test]
    fn each_edge_kind_has_its_arrow() {
        let node = |id: &str, name: &str, kind| Node {
            id: id.into(),
            name: name.into(),
            kind,
        };
        let graph = Graph {
            vhost: "/v".into(),
            nodes: vec![
                node(
                    "e0",
                    "ex",
                    NodeKind::Exchange {
                        kind: "topic".into(),
                        internal: true,
                    },
                ),
                node("q1", "q", NodeKind::Queue),
                node("m2", "gone", NodeKind::Missing),
            ],
            edges: vec![
                Edge {
                    from: 0,
                    to: 1,
                    kind: EdgeKind::Binding {
                        routing_key: "a.#".into(),
                        arguments: None,
                    },
                },
                Edge {
                    from: 0,
                    to: 2,
                    kind: EdgeKind::Alternate,
                },
                Edge {
                    from: 1,
                    to: 2,
                    kind: EdgeKind::DeadLetter {
                        routing_key: Some("dead".into()),
                    },
                },
            ],
        };
        let text = render(&graph);
        assert!(text.starts_with("flowchart LR\n"), "{text}");
        assert!(
            text.contains("  e0{{\"ex<br/>topic, internal\"}}\n"),
            "{text}"
        );
        assert!(text.contains("  q1[(\"q\")]\n"), "{text}");
        assert!(text.contains("  e0 -->|\"a.#\"| q1\n"), "{text}");
        assert!(text.contains("  e0 ==>|\"alternate\"| m2\n"), "{text}");
        assert!(
            text.contains("  q1 -.->|\"dead letters, key dead\"| m2\n"),
            "{text}"
        );
        assert!(text.contains("  linkStyle 2 stroke:#c00\n"), "{text}");
        assert!(text.contains("  class e0 internal\n"), "{text}");
    }
}
