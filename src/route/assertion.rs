//! Route assertions: a message described in the environment must reach exactly the queues
//! it names. Checked against the desired state by `validate` and the live one by `drift`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::outcome::{Message, RouteError};
use super::topology::Topology;
use super::walk::route;

/// What one assertion says, free of where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    pub vhost: String,
    pub exchange: String,
    pub routing_key: String,
    pub headers: BTreeMap<String, Value>,
    /// Queue names, sorted; empty means the message must be unroutable.
    pub expect: Vec<String>,
}

/// How the message was routed, when the assertion does not hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// It reached these queues (sorted; empty: unroutable).
    Reached(Vec<String>),
    /// It could not be published or predicted.
    Refused(RouteError),
}

impl Assertion {
    /// None when the message reaches exactly the expected queues.
    pub fn check(&self, topology: &Topology) -> Option<Failure> {
        let message = Message {
            exchange: self.exchange.clone(),
            routing_key: self.routing_key.clone(),
            headers: self.headers.clone(),
        };
        match route(topology, &message) {
            Ok(routed) => {
                let reached = routed.queue_names();
                (reached != self.expect).then_some(Failure::Reached(reached))
            }
            Err(e) => Some(Failure::Refused(e)),
        }
    }

    /// `ex.a with key "k"` (and headers), as messages name the message.
    pub fn describe(&self) -> String {
        let exchange = if self.exchange.is_empty() {
            "the default exchange"
        } else {
            &self.exchange
        };
        let mut text = format!("{exchange} with key {:?}", self.routing_key);
        if !self.headers.is_empty() {
            let headers: Vec<String> = self
                .headers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            text.push_str(&format!(" and headers {}", headers.join(", ")));
        }
        text
    }
}

/// `[q.a, q.b]`, or `(unroutable)` for none.
pub fn queue_list(queues: &[String]) -> String {
    if queues.is_empty() {
        "(unroutable)".to_string()
    } else {
        format!("[{}]", queues.join(", "))
    }
}

impl Failure {
    /// What happened instead: the queues reached, or why there are none.
    pub fn describe(&self) -> String {
        match self {
            Failure::Reached(queues) => queue_list(queues),
            Failure::Refused(e) => format!("an error ({e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::BrokerVersion;
    use crate::model::{kinds, DestinationType, ResourceId, State};
    use serde_json::Map;

    fn topology() -> Topology {
        let mut s = State::default();
        s.insert(
            ResourceId::Exchange {
                vhost: "/v".into(),
                name: "t".into(),
            },
            kinds::exchange("topic", true, false, false, Map::new()),
        );
        s.insert(
            ResourceId::Queue {
                vhost: "/v".into(),
                name: "q".into(),
            },
            kinds::queue(true, false, Map::new(), "classic"),
        );
        s.insert(
            kinds::binding_id("/v", "t", DestinationType::Queue, "q", "a.#", &Map::new()),
            crate::model::Resource::new(),
        );
        Topology::of(&s, "/v", BrokerVersion::new(3, 10))
    }

    fn assertion(exchange: &str, key: &str, expect: &[&str]) -> Assertion {
        Assertion {
            vhost: "/v".into(),
            exchange: exchange.into(),
            routing_key: key.into(),
            headers: BTreeMap::new(),
            expect: expect.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn holds_when_the_queues_are_exactly_the_expected_ones() {
        assert_eq!(assertion("t", "a.b", &["q"]).check(&topology()), None);
        assert_eq!(assertion("t", "b", &[]).check(&topology()), None);
    }

    #[test]
    fn fails_with_what_happened_instead() {
        let failure = assertion("t", "b", &["q"]).check(&topology());
        assert_eq!(failure, Some(Failure::Reached(vec![])));
        assert_eq!(
            failure.map(|f| f.describe()).as_deref(),
            Some("(unroutable)")
        );
        let extra = assertion("t", "a", &[]).check(&topology());
        assert_eq!(extra, Some(Failure::Reached(vec!["q".into()])));
        let refused = assertion("nope", "a", &[]).check(&topology());
        assert!(matches!(refused, Some(Failure::Refused(_))));
    }
}
