//! Queues and exchanges a definitions document declares twice, differently: RabbitMQ imports
//! them in parallel, so which declaration it keeps varies; warren keeps the first and says so.

use std::collections::HashMap;

use serde::Serialize;

use super::json_position::Step;
use super::refusals::{shown, DocumentProblem};
use crate::format::wire::Definitions;

/// The second and later declarations that differ from the first, with what they declare.
pub fn conflicting_duplicates(defs: &Definitions) -> Vec<DocumentProblem> {
    let mut found = conflicts("queues", "queue", &defs.queues, |q| (&q.vhost, &q.name));
    found.extend(conflicts("exchanges", "exchange", &defs.exchanges, |e| {
        (&e.vhost, &e.name)
    }));
    found
}

fn conflicts<'a, T: Serialize + PartialEq>(
    list: &str,
    kind: &str,
    items: &'a [T],
    key: impl Fn(&'a T) -> (&'a String, &'a String),
) -> Vec<DocumentProblem> {
    let mut first: HashMap<(&String, &String), (usize, &T)> = HashMap::new();
    let mut found = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (vhost, name) = key(item);
        match first.get(&(vhost, name)) {
            None => {
                first.insert((vhost, name), (i, item));
            }
            Some((j, earlier)) if *earlier != item => found.push(DocumentProblem {
                path: vec![Step::Key(list.to_string()), Step::Index(i)],
                reason: format!(
                    "{kind} `{}` in vhost `{}` is declared again, differently \
                     ({list}[{i}] against {list}[{j}]); the first declaration is kept, while \
                     RabbitMQ keeps either",
                    shown(name),
                    shown(vhost)
                ),
            }),
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
        let defs: Definitions = serde_json::from_value(serde_json::json!({
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
        }))
        .expect("definitions");
        let found = conflicting_duplicates(&defs);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0]
            .reason
            .starts_with("queue `q` in vhost `v` is declared again"));
        assert_eq!(found[0].path[1], Step::Index(1));
        assert!(found[1].reason.starts_with("exchange `x` in vhost `v`"));
    }
}
