//! Queues and exchanges a definitions document declares twice, differently: RabbitMQ imports
//! them in parallel, so which declaration it keeps varies; warren keeps the first and says so.

use std::collections::HashMap;

use serde::Serialize;

use super::json_position::{JsonDocument, Step};
use super::refusals::shown;
use crate::config::diagnostic::{Diagnostic, DiagnosticKind};
use crate::format::wire::Definitions;

/// The second and later declarations that differ from the first, as warnings placed in
/// `document`, the text `defs` was read from.
pub fn conflicting_duplicates(defs: &Definitions, document: &JsonDocument) -> Vec<Diagnostic> {
    let mut found = conflicts(document, "queues", "queue", &defs.queues, |q| {
        (&q.vhost, &q.name)
    });
    found.extend(conflicts(
        document,
        "exchanges",
        "exchange",
        &defs.exchanges,
        |e| (&e.vhost, &e.name),
    ));
    found
}

fn conflicts<'a, T: Serialize + PartialEq>(
    document: &JsonDocument,
    list: &str,
    kind: &str,
    items: &'a [T],
    key: impl Fn(&'a T) -> (&'a String, &'a String),
) -> Vec<Diagnostic> {
    let mut first: HashMap<(&String, &String), (usize, &T)> = HashMap::new();
    let mut found = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (vhost, name) = key(item);
        match first.get(&(vhost, name)) {
            None => {
                first.insert((vhost, name), (i, item));
            }
            Some((j, earlier)) if *earlier != item => {
                let message = format!(
                    "{kind} `{}` in vhost `{}` is declared again, differently \
                     ({list}[{i}] against {list}[{j}]); the first declaration is kept, while \
                     RabbitMQ keeps either",
                    shown(name),
                    shown(vhost)
                );
                found.push(document.place(
                    Diagnostic::warning(DiagnosticKind::ConflictingDuplicate, message),
                    &[Step::Key(list.to_string()), Step::Index(i)],
                ));
            }
            Some(_) => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_differing_second_declaration_is_reported() {
        let json = serde_json::json!({
            "queues": [
                {"name": "q", "vhost": "v", "durable": false},
                {"name": "q", "vhost": "v", "durable": true},
                {"name": "r", "vhost": "v"},
                {"name": "r", "vhost": "v"},
                {"name": "q", "vhost": "other", "durable": true}
            ],
            "exchanges": [
                {"name": "x", "vhost": "v", "type": "topic"},
                {"name": "x", "vhost": "v", "type": "fanout"}
            ]
        });
        let text = serde_json::to_string_pretty(&json).expect("text");
        let defs: Definitions = serde_json::from_str(&text).expect("definitions");
        let document = JsonDocument {
            text: &text,
            file: 0,
        };
        let found = conflicting_duplicates(&defs, &document);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0]
            .message()
            .starts_with("queue `q` in vhost `v` is declared again"));
        let second = [Step::Key("queues".into()), Step::Index(1)];
        let (line, _) = super::super::json_position::position(&text, &second).expect("queues[1]");
        assert_eq!(found[0].location.expect("placed").at.line as usize, line);
        assert!(found[1].message().starts_with("exchange `x` in vhost `v`"));
    }
}
