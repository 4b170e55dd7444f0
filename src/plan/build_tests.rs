//! The plan layer's steps end to end, with the broker's answers held in memory.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::convert::Infallible;

use serde_json::Map;

use super::build::{build, Inputs};
use super::enrich::{MessageCounts, Reads};
use super::scope::ALL_KINDS;
use super::{Action, MessageCount, Plan, Refusal, Scope};
use crate::format::BrokerVersion;
use crate::model::{kinds, DestinationType, ResourceId, State};

const V: &str = "/v";

/// The answers a broker would give, and which reads were made.
#[derive(Default)]
struct Answers {
    counts: MessageCounts,
    keys: Vec<(ResourceId, String)>,
    login: String,
    asked: RefCell<Vec<&'static str>>,
}

impl Reads for Answers {
    type Error = Infallible;

    async fn message_counts(&self) -> Result<MessageCounts, Infallible> {
        self.asked.borrow_mut().push("message_counts");
        Ok(self.counts.clone())
    }

    async fn consumers(&self, _: &str, _: &str, _: &str) -> Result<u64, Infallible> {
        self.asked.borrow_mut().push("consumers");
        Ok(0)
    }

    async fn binding_keys(&self, vhost: &str) -> Result<Vec<(ResourceId, String)>, Infallible> {
        self.asked.borrow_mut().push("binding_keys");
        Ok(self
            .keys
            .iter()
            .filter(|(id, _)| id.vhost() == Some(vhost))
            .cloned()
            .collect())
    }

    async fn login(&self) -> Result<String, Infallible> {
        self.asked.borrow_mut().push("login");
        Ok(self.login.clone())
    }
}

/// A state holding the vhost and `objects`, each with its kind's default resource.
fn state(objects: &[ResourceId]) -> State {
    let mut s = State::default();
    s.insert(
        ResourceId::Vhost { name: V.into() },
        kinds::vhost("", &[], None, false),
    );
    for id in objects {
        let resource = match id {
            ResourceId::Exchange { .. } => {
                kinds::exchange("direct", true, false, false, Map::new())
            }
            ResourceId::Queue { .. } => kinds::queue(true, false, Map::new(), "classic"),
            ResourceId::Permission { .. } => kinds::permission(".*", ".*", ".*"),
            _ => crate::model::Resource::new(),
        };
        s.insert(id.clone(), resource);
    }
    s
}

fn exchange(name: &str) -> ResourceId {
    ResourceId::Exchange {
        vhost: V.into(),
        name: name.into(),
    }
}

fn queue(name: &str) -> ResourceId {
    kinds::queue_id(V, name)
}

fn binding(source: &str, queue: &str, key: &str) -> ResourceId {
    kinds::binding_id(V, source, DestinationType::Queue, queue, key, &Map::new())
}

/// The plan from `desired` to `live` in an environment that manages and prunes everything.
async fn plan(desired: State, mut live: State, answers: &Answers) -> Plan {
    let scope = Scope {
        vhosts: [V.to_string()].into_iter().collect(),
        kinds: ALL_KINDS.into_iter().collect(),
        prune: ALL_KINDS.into_iter().collect(),
        ..Scope::default()
    };
    let inputs = Inputs {
        environment: "test",
        desired,
        live: &mut live,
        scope: &scope,
        migrating: &BTreeSet::new(),
        assertions: &[],
        version: "3.13.7",
        routing_version: BrokerVersion::new(3, 13),
    };
    build(inputs, answers).await.unwrap()
}

#[tokio::test]
async fn a_deleted_queue_gets_its_message_count() {
    let answers = Answers {
        counts: [((V.to_string(), "q.old".to_string()), Some(7))].into(),
        ..Answers::default()
    };
    let plan = plan(state(&[]), state(&[queue("q.old")]), &answers).await;
    let [change] = plan.changes.as_slice() else {
        panic!("one change: {:?}", plan.changes);
    };
    assert_eq!(
        (&change.id, change.action),
        (&queue("q.old"), Action::Delete)
    );
    assert_eq!(change.messages, Some(MessageCount::Known(7)));
    assert_eq!(change.refusals, [Refusal::Destroy, Refusal::DataLoss]);
    assert_eq!(*answers.asked.borrow(), ["message_counts"]);
}

#[tokio::test]
async fn a_step_that_weakens_the_login_user_is_refused() {
    let answers = Answers {
        login: "warren".into(),
        ..Answers::default()
    };
    let grant = ResourceId::Permission {
        vhost: V.into(),
        user: "warren".into(),
    };
    let plan = plan(state(&[]), state(std::slice::from_ref(&grant)), &answers).await;
    let [change] = plan.changes.as_slice() else {
        panic!("one change: {:?}", plan.changes);
    };
    assert_eq!((&change.id, change.action), (&grant, Action::Delete));
    assert_eq!(
        change.refusals,
        [
            Refusal::Destroy,
            Refusal::Lockout {
                user: "warren".into()
            }
        ]
    );
    assert_eq!(*answers.asked.borrow(), ["login"]);
}

#[tokio::test]
async fn a_deleted_binding_gets_its_key_and_its_routing_change() {
    let bound = binding("ex", "q", "k");
    let answers = Answers {
        keys: vec![(bound.clone(), "k~".into())],
        ..Answers::default()
    };
    let desired = state(&[exchange("ex"), queue("q")]);
    let live = state(&[exchange("ex"), queue("q"), bound.clone()]);
    let plan = plan(desired, live, &answers).await;
    let [change] = plan.changes.as_slice() else {
        panic!("one change: {:?}", plan.changes);
    };
    assert_eq!((&change.id, change.action), (&bound, Action::Delete));
    let key = change
        .before
        .as_ref()
        .and_then(|b| b.properties_key.as_deref());
    assert_eq!(key, Some("k~"));
    let [routing] = plan.routing.as_slice() else {
        panic!("one routing change: {:?}", plan.routing);
    };
    assert_eq!(
        (routing.exchange.as_str(), routing.routing_key.as_str()),
        ("ex", "k")
    );
    assert!(!routing.declared);
    assert_eq!(routing.before.queues, ["q"]);
    assert!(routing.after.queues.is_empty());
    assert_eq!(*answers.asked.borrow(), ["binding_keys"]);
}
