//! Routing changes as plans show them: `odoo.event.created`: [q.odoo.events] -> (unroutable).

use crate::plan::routing::{Destinations, RoutingChange};
use crate::route::assertion::queue_list;

/// Routing changes listed in text and Markdown before the rest are counted.
pub const SHOWN: usize = 25;

/// `ex.t with key "k" in "/v" (route assertion): [q.a] -> (unroutable)`.
pub fn line(change: &RoutingChange) -> String {
    let exchange = if change.exchange.is_empty() {
        "(default exchange)"
    } else {
        &change.exchange
    };
    let mut text = format!("{exchange} with key {:?}", change.routing_key);
    if !change.headers.is_empty() {
        let headers: Vec<String> = change
            .headers
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        text.push_str(&format!(" and headers {}", headers.join(", ")));
    }
    text.push_str(&format!(" in {:?}", change.vhost));
    if change.declared {
        text.push_str(" (route assertion)");
    }
    let (before, after) = (shown(&change.before), shown(&change.after));
    text.push_str(&format!(": {before} -> {after}"));
    if change.before.queues == change.after.queues
        && change.before.dead_letters != change.after.dead_letters
    {
        text.push_str(&format!(
            "; dead letters: {} -> {}",
            dead_letters(&change.before),
            dead_letters(&change.after)
        ));
    }
    text
}

fn shown(d: &Destinations) -> String {
    match &d.error {
        Some(error) => format!("(refused: {error})"),
        None => queue_list(&d.queues),
    }
}

fn dead_letters(d: &Destinations) -> String {
    if d.dead_letters.is_empty() {
        "(none)".to_string()
    } else {
        d.dead_letters.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destinations(queues: &[&str], dead_letters: &[&str]) -> Destinations {
        Destinations {
            queues: queues.iter().map(|s| s.to_string()).collect(),
            dead_letters: dead_letters.iter().map(|s| s.to_string()).collect(),
            error: None,
        }
    }

    #[test]
    fn a_line_says_before_and_after() {
        let change = RoutingChange {
            vhost: "/v".into(),
            exchange: "ex.t".into(),
            routing_key: "odoo.event.created".into(),
            headers: Default::default(),
            declared: true,
            before: destinations(&["q.odoo.events"], &[]),
            after: destinations(&[], &[]),
        };
        assert_eq!(
            line(&change),
            "ex.t with key \"odoo.event.created\" in \"/v\" (route assertion): [q.odoo.events] -> (unroutable)"
        );
        let dead = RoutingChange {
            declared: false,
            before: destinations(&["q"], &[]),
            after: destinations(&["q"], &["q -> dlx -> [q.dead]"]),
            ..change
        };
        assert!(line(&dead).ends_with(": [q] -> [q]; dead letters: (none) -> q -> dlx -> [q.dead]"));
    }
}
