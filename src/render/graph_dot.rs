//! A topology picture in Graphviz's DOT language: the same nodes and edges as the Mermaid
//! picture, for `dot -Tsvg`.

use std::fmt::Write;

use super::graph_mermaid::binding_label;
use crate::route::graph::{EdgeKind, Graph, NodeKind};

pub fn render(graph: &Graph) -> String {
    let mut out = String::from("digraph warren {\n  rankdir=LR;\n");
    let _ = writeln!(out, "  label={};", quote(&format!("vhost {}", graph.vhost)));
    for node in &graph.nodes {
        let name = if node.name.is_empty() {
            "(default exchange)"
        } else {
            &node.name
        };
        let attributes = match &node.kind {
            NodeKind::Exchange { kind, internal } => {
                let note = if *internal { ", internal" } else { "" };
                format!(
                    "label={}, shape=hexagon{}",
                    quote(&format!("{name}\n{kind}{note}")),
                    if *internal { ", style=dashed" } else { "" }
                )
            }
            NodeKind::Queue => format!("label={}, shape=cylinder", quote(name)),
            NodeKind::Missing => format!(
                "label={}, shape=box, color=red",
                quote(&format!("{name}\n(not declared)"))
            ),
        };
        let _ = writeln!(out, "  {} [{attributes}];", node.id);
    }
    for edge in &graph.edges {
        let (from, to) = (&graph.nodes[edge.from].id, &graph.nodes[edge.to].id);
        let attributes = match &edge.kind {
            EdgeKind::Binding {
                routing_key,
                arguments,
            } => format!(
                "label={}",
                quote(&binding_label(routing_key, arguments.as_ref()))
            ),
            EdgeKind::Alternate => "label=\"alternate\", style=bold".to_string(),
            EdgeKind::DeadLetter { routing_key } => {
                let label = match routing_key {
                    Some(key) => format!("dead letters, key {key}"),
                    None => "dead letters".to_string(),
                };
                format!("label={}, style=dashed, color=red", quote(&label))
            }
        };
        let _ = writeln!(out, "  {from} -> {to} [{attributes}];");
    }
    out.push_str("}\n");
    out
}

/// A DOT string: quotes and backslashes escaped, line breaks as `\n`.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_for_dot() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
