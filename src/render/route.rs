//! `warren route` output: a few lines for people, a versioned JSON document for machines.
//! Its JSON Schema (`schemas/route.schema.json`) is generated from these types.

use std::fmt::Write;

use schemars::JsonSchema;
use serde::Serialize;

use crate::route::{DeadLetter, Delivery, Message, Routed, Step, Via};

const FORMAT_VERSION: u32 = 1;

/// `warren route --format json`: where one message goes.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "warren route result")]
pub struct RouteDocument {
    /// Changes only when a field changes meaning or is removed.
    pub format_version: u32,
    pub vhost: String,
    /// The exchange published to ("" is the default exchange).
    pub exchange: String,
    pub routing_key: String,
    /// The queues the message reaches, sorted by name, each by the first path found.
    pub queues: Vec<Delivery>,
    /// Where each reached queue's dead letters go, for queues that have a dead-letter exchange.
    pub dead_letters: Vec<DeadLetter>,
    /// No queue receives the message.
    pub unroutable: bool,
}

pub fn document(vhost: &str, message: &Message, routed: &Routed) -> RouteDocument {
    RouteDocument {
        format_version: FORMAT_VERSION,
        vhost: vhost.to_string(),
        exchange: message.exchange.clone(),
        routing_key: message.routing_key.clone(),
        queues: routed.queues.clone(),
        dead_letters: routed.dead_letters.clone(),
        unroutable: routed.unroutable,
    }
}

/// The document as pretty-printed JSON, ending in a newline.
pub fn json(vhost: &str, message: &Message, routed: &Routed) -> String {
    super::json_text::pretty(&document(vhost, message, routed))
}

/// The JSON Schema of [`RouteDocument`] (draft-07), as checked in at `schemas/route.schema.json`.
pub fn schema() -> String {
    super::json_text::schema_of::<RouteDocument>()
}

/// One line per queue reached with its path, then one per dead-letter destination.
pub fn human(vhost: &str, message: &Message, routed: &Routed) -> String {
    let mut out = String::new();
    let exchange = shown_exchange(&message.exchange);
    let _ = write!(
        out,
        "{exchange} with key {:?} in {vhost:?}",
        message.routing_key
    );
    for (name, value) in &message.headers {
        let _ = write!(out, " {name}={value}");
    }
    out.push('\n');
    if routed.unroutable {
        out.push_str("  (unroutable): no queue receives it\n");
    }
    for delivery in &routed.queues {
        let _ = writeln!(out, "  -> {}  via {}", delivery.name, path(&delivery.path));
    }
    for letter in &routed.dead_letters {
        let _ = write!(
            out,
            "  dead letters of {} -> {} with key {:?}: ",
            letter.queue,
            shown_exchange(&letter.exchange),
            letter.routing_key
        );
        out.push_str(&dead_letter_targets(letter));
        out.push('\n');
    }
    out
}

fn dead_letter_targets(letter: &DeadLetter) -> String {
    if let Some(note) = &letter.note {
        return format!("(unroutable) {note}");
    }
    if letter.unroutable {
        return "(unroutable)".to_string();
    }
    let names: Vec<&str> = letter.queues.iter().map(|d| d.name.as_str()).collect();
    names.join(", ")
}

/// `ex.a [key] > ex.b (alternate)`: each exchange passed and how the message left it.
pub fn path(steps: &[Step]) -> String {
    let shown: Vec<String> = steps.iter().map(step).collect();
    shown.join(" > ")
}

fn step(step: &Step) -> String {
    let exchange = shown_exchange(&step.exchange);
    match step.via {
        Via::DefaultExchange => exchange,
        Via::AlternateExchange => format!("{exchange} (nothing matched: alternate exchange)"),
        Via::Binding => match (&step.binding_key, &step.arguments) {
            (_, Some(arguments)) => {
                format!(
                    "{exchange} {}",
                    serde_json::Value::Object(arguments.clone())
                )
            }
            (Some(key), None) => format!("{exchange} [{key}]"),
            (None, None) => exchange,
        },
    }
}

fn shown_exchange(name: &str) -> String {
    if name.is_empty() {
        "(default exchange)".to_string()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            exchange: "ex.t".into(),
            routing_key: "a.b".into(),
            headers: Default::default(),
        }
    }

    #[test]
    fn human_output_names_the_path_and_dead_letters() {
        let routed = Routed {
            queues: vec![Delivery {
                vhost: "/v".into(),
                name: "q".into(),
                path: vec![
                    Step {
                        exchange: "ex.t".into(),
                        via: Via::AlternateExchange,
                        binding_key: None,
                        arguments: None,
                    },
                    Step {
                        exchange: "ae".into(),
                        via: Via::Binding,
                        binding_key: Some("#".into()),
                        arguments: None,
                    },
                ],
            }],
            dead_letters: vec![DeadLetter {
                vhost: "/v".into(),
                queue: "q".into(),
                exchange: "dlx".into(),
                routing_key: "a.b".into(),
                queues: vec![],
                unroutable: true,
                note: None,
            }],
            unroutable: false,
        };
        let text = human("/v", &message(), &routed);
        assert_eq!(
            text,
            "ex.t with key \"a.b\" in \"/v\"\n  -> q  via ex.t (nothing matched: alternate exchange) > ae [#]\n  dead letters of q -> dlx with key \"a.b\": (unroutable)\n"
        );
    }

    #[test]
    fn unroutable_is_said() {
        let routed = Routed {
            queues: vec![],
            dead_letters: vec![],
            unroutable: true,
        };
        assert!(human("/v", &message(), &routed).contains("(unroutable)"));
        let doc: serde_json::Value =
            serde_json::from_str(&json("/v", &message(), &routed)).unwrap();
        assert_eq!(doc["unroutable"], true);
        assert_eq!(doc["queues"], serde_json::json!([]));
    }
}
