//! The walk over small hand-built topologies: one rule of the broker per test.

use serde_json::{json, Map, Value};

use super::*;
use crate::format::BrokerVersion;
use crate::model::{kinds, DestinationType, ResourceId, State};

const V: &str = "/t";

fn map(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[derive(Default)]
struct Build(State);

impl Build {
    fn exchange(mut self, name: &str, kind: &str, args: Value) -> Self {
        self.0.insert(
            ResourceId::Exchange {
                vhost: V.into(),
                name: name.into(),
            },
            kinds::exchange(kind, true, false, false, map(args)),
        );
        self
    }

    fn internal(mut self, name: &str, kind: &str) -> Self {
        self.0.insert(
            ResourceId::Exchange {
                vhost: V.into(),
                name: name.into(),
            },
            kinds::exchange(kind, true, false, true, Map::new()),
        );
        self
    }

    fn queue(mut self, name: &str, args: Value) -> Self {
        self.0.insert(
            ResourceId::Queue {
                vhost: V.into(),
                name: name.into(),
            },
            kinds::queue(true, false, map(args), "classic"),
        );
        self
    }

    fn bind(self, source: &str, queue: &str, key: &str) -> Self {
        self.bind_args(source, DestinationType::Queue, queue, key, json!({}))
    }

    fn bind_exchange(self, source: &str, destination: &str, key: &str) -> Self {
        self.bind_args(
            source,
            DestinationType::Exchange,
            destination,
            key,
            json!({}),
        )
    }

    fn bind_args(
        mut self,
        source: &str,
        kind: DestinationType,
        destination: &str,
        key: &str,
        args: Value,
    ) -> Self {
        let id = kinds::binding_id(V, source, kind, destination, key, &map(args));
        self.0.insert(id, model_binding());
        self
    }

    fn policy(mut self, name: &str, pattern: &str, apply_to: &str, definition: Value) -> Self {
        self.0.insert(
            ResourceId::Policy {
                vhost: V.into(),
                name: name.into(),
            },
            kinds::policy(pattern, apply_to, 0, map(definition)),
        );
        self
    }

    fn topology(&self) -> Topology {
        Topology::of(&self.0, V, BrokerVersion::new(3, 10))
    }
}

fn model_binding() -> crate::model::Resource {
    crate::model::Resource::new()
}

fn send(build: &Build, exchange: &str, key: &str) -> Result<Routed, RouteError> {
    send_with(build, exchange, key, json!({}))
}

fn send_with(
    build: &Build,
    exchange: &str,
    key: &str,
    headers: Value,
) -> Result<Routed, RouteError> {
    let message = Message {
        exchange: exchange.into(),
        routing_key: key.into(),
        headers: map(headers).into_iter().collect(),
    };
    route(&build.topology(), &message)
}

fn names(routed: &Routed) -> Vec<String> {
    routed.queue_names()
}

#[test]
fn direct_compares_keys_literally() {
    let b = Build::default()
        .exchange("d", "direct", json!({}))
        .queue("q1", json!({}))
        .queue("q2", json!({}))
        .bind("d", "q1", "a.b")
        .bind("d", "q2", "#");
    assert_eq!(names(&send(&b, "d", "a.b").unwrap()), ["q1"]);
    assert_eq!(names(&send(&b, "d", "#").unwrap()), ["q2"]);
    let none = send(&b, "d", "x").unwrap();
    assert!(none.unroutable);
    assert!(none.queues.is_empty());
}

#[test]
fn fanout_ignores_the_key() {
    let b = Build::default()
        .exchange("f", "fanout", json!({}))
        .queue("q1", json!({}))
        .queue("q2", json!({}))
        .bind("f", "q1", "ignored")
        .bind("f", "q2", "");
    assert_eq!(names(&send(&b, "f", "anything").unwrap()), ["q1", "q2"]);
}

#[test]
fn topic_uses_wildcards() {
    let b = Build::default()
        .exchange("t", "topic", json!({}))
        .queue("all", json!({}))
        .queue("created", json!({}))
        .queue("odoo", json!({}))
        .bind("t", "all", "#")
        .bind("t", "created", "*.*.created")
        .bind("t", "odoo", "odoo.#");
    assert_eq!(
        names(&send(&b, "t", "odoo.event.created").unwrap()),
        ["all", "created", "odoo"]
    );
    assert_eq!(names(&send(&b, "t", "").unwrap()), ["all"]);
    assert_eq!(names(&send(&b, "t", "odoo").unwrap()), ["all", "odoo"]);
}

#[test]
fn a_queue_bound_twice_is_delivered_once() {
    let b = Build::default()
        .exchange("t", "topic", json!({}))
        .queue("q", json!({}))
        .bind("t", "q", "a.*")
        .bind("t", "q", "#");
    let routed = send(&b, "t", "a.b").unwrap();
    assert_eq!(names(&routed), ["q"]);
}

#[test]
fn headers_bindings_match_headers_not_keys() {
    let b = Build::default()
        .exchange("h", "headers", json!({}))
        .queue("pdf", json!({}))
        .queue("any", json!({}))
        .bind_args(
            "h",
            DestinationType::Queue,
            "pdf",
            "ignored",
            json!({"x-match": "all", "format": "pdf"}),
        )
        .bind_args(
            "h",
            DestinationType::Queue,
            "any",
            "",
            json!({"x-match": "any", "format": "zip", "kind": "a"}),
        );
    let routed = send_with(&b, "h", "whatever", json!({"format": "pdf", "kind": "a"})).unwrap();
    assert_eq!(names(&routed), ["any", "pdf"]);
    assert_eq!(
        routed.queues[1].path[0].arguments,
        Some(map(json!({"x-match": "all", "format": "pdf"})))
    );
    assert!(send_with(&b, "h", "", json!({})).unwrap().unroutable);
}

#[test]
fn the_default_exchange_delivers_to_the_queue_named_by_the_key() {
    let b = Build::default().queue("q.named", json!({}));
    let routed = send(&b, "", "q.named").unwrap();
    assert_eq!(names(&routed), ["q.named"]);
    assert_eq!(routed.queues[0].path[0].via, Via::DefaultExchange);
    assert!(send(&b, "", "q.other").unwrap().unroutable);
}

#[test]
fn built_in_exchanges_route_their_bindings() {
    let b = Build::default()
        .queue("q", json!({}))
        .bind("amq.topic", "q", "a.#");
    assert_eq!(names(&send(&b, "amq.topic", "a.b").unwrap()), ["q"]);
}

#[test]
fn publishing_to_a_missing_or_internal_exchange_is_refused() {
    let b = Build::default().internal("i", "fanout");
    assert_eq!(
        send(&b, "i", "k"),
        Err(RouteError::Internal {
            exchange: "i".into()
        })
    );
    assert!(matches!(
        send(&b, "nope", "k"),
        Err(RouteError::NoSuchExchange { .. })
    ));
    assert!(matches!(
        send(&b, "amq.rabbitmq.trace", "k"),
        Err(RouteError::Internal { .. })
    ));
}

#[test]
fn internal_exchanges_route_what_bindings_bring_them() {
    let b = Build::default()
        .exchange("front", "topic", json!({}))
        .internal("inner", "direct")
        .queue("q", json!({}))
        .bind_exchange("front", "inner", "a.*")
        .bind("inner", "q", "a.b");
    let routed = send(&b, "front", "a.b").unwrap();
    assert_eq!(names(&routed), ["q"]);
    let path: Vec<&str> = routed.queues[0]
        .path
        .iter()
        .map(|s| s.exchange.as_str())
        .collect();
    assert_eq!(path, ["front", "inner"]);
    assert!(send(&b, "front", "a.c").unwrap().unroutable);
}

#[test]
fn exchange_loops_end_and_each_queue_is_delivered_once() {
    let b = Build::default()
        .exchange("a", "fanout", json!({}))
        .exchange("b", "fanout", json!({}))
        .queue("q", json!({}))
        .bind_exchange("a", "b", "")
        .bind_exchange("b", "a", "")
        .bind_exchange("a", "a", "")
        .bind("a", "q", "")
        .bind("b", "q", "");
    let routed = send(&b, "a", "").unwrap();
    assert_eq!(names(&routed), ["q"]);
    assert_eq!(routed.queues[0].path.len(), 1, "the shortest path is shown");
}

#[test]
fn the_alternate_exchange_takes_what_nothing_matched() {
    let b = Build::default()
        .exchange("main", "direct", json!({"alternate-exchange": "ae"}))
        .exchange("ae", "fanout", json!({}))
        .queue("q.main", json!({}))
        .queue("q.unrouted", json!({}))
        .bind("main", "q.main", "known")
        .bind("ae", "q.unrouted", "");
    assert_eq!(names(&send(&b, "main", "known").unwrap()), ["q.main"]);
    let routed = send(&b, "main", "other").unwrap();
    assert_eq!(names(&routed), ["q.unrouted"]);
    assert_eq!(routed.queues[0].path[0].via, Via::AlternateExchange);
}

#[test]
fn a_matching_exchange_binding_keeps_the_alternate_out_even_when_it_leads_nowhere() {
    let b = Build::default()
        .exchange("main", "direct", json!({"alternate-exchange": "ae"}))
        .exchange("empty", "fanout", json!({}))
        .exchange("ae", "fanout", json!({}))
        .queue("q.unrouted", json!({}))
        .bind_exchange("main", "empty", "k")
        .bind("ae", "q.unrouted", "");
    assert!(send(&b, "main", "k").unwrap().unroutable);
    assert_eq!(names(&send(&b, "main", "x").unwrap()), ["q.unrouted"]);
}

#[test]
fn alternates_chain_and_stop_at_a_loop() {
    let b = Build::default()
        .exchange("a", "direct", json!({"alternate-exchange": "b"}))
        .exchange("b", "direct", json!({"alternate-exchange": "c"}))
        .exchange("c", "topic", json!({"alternate-exchange": "a"}))
        .queue("q", json!({}))
        .bind("c", "q", "k.#");
    assert_eq!(names(&send(&b, "a", "k.x").unwrap()), ["q"]);
    assert!(send(&b, "a", "z").unwrap().unroutable);
}

#[test]
fn a_missing_alternate_or_destination_is_skipped() {
    let b = Build::default()
        .exchange("a", "direct", json!({"alternate-exchange": "gone"}))
        .bind("a", "q.gone", "k");
    assert!(send(&b, "a", "x").unwrap().unroutable);
    assert!(send(&b, "a", "k").unwrap().unroutable);
}

#[test]
fn an_alternate_exchange_can_come_from_a_policy() {
    let b = Build::default()
        .exchange("main", "direct", json!({}))
        .exchange("ae", "fanout", json!({}))
        .queue("q", json!({}))
        .bind("ae", "q", "")
        .policy(
            "ae",
            "^main$",
            "exchanges",
            json!({"alternate-exchange": "ae"}),
        );
    assert_eq!(names(&send(&b, "main", "x").unwrap()), ["q"]);
}

#[test]
fn dead_letters_follow_the_queue_argument() {
    let b = Build::default()
        .exchange("work", "direct", json!({}))
        .exchange("dlx", "topic", json!({}))
        .queue("q.work", json!({"x-dead-letter-exchange": "dlx"}))
        .queue("q.dead", json!({}))
        .bind("work", "q.work", "job.run")
        .bind("dlx", "q.dead", "job.#");
    let routed = send(&b, "work", "job.run").unwrap();
    assert_eq!(routed.dead_letters.len(), 1);
    let dl = &routed.dead_letters[0];
    assert_eq!((dl.queue.as_str(), dl.exchange.as_str()), ("q.work", "dlx"));
    assert_eq!(dl.routing_key, "job.run");
    assert_eq!(dl.queues[0].name, "q.dead");
    assert!(!dl.unroutable);
}

#[test]
fn a_dead_letter_routing_key_replaces_the_key() {
    let b = Build::default()
        .exchange("work", "fanout", json!({}))
        .internal("dlx", "direct")
        .queue(
            "q.work",
            json!({"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead"}),
        )
        .queue("q.dead", json!({}))
        .bind("work", "q.work", "")
        .bind("dlx", "q.dead", "dead");
    let dl = &send(&b, "work", "whatever").unwrap().dead_letters[0];
    assert_eq!(dl.routing_key, "dead");
    assert_eq!(
        dl.queues[0].name, "q.dead",
        "internal exchanges take dead letters"
    );
}

#[test]
fn dead_letters_to_the_default_exchange_go_to_the_named_queue() {
    let b = Build::default()
        .exchange("work", "fanout", json!({}))
        .queue(
            "q.work",
            json!({"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "q.parking"}),
        )
        .queue("q.parking", json!({}))
        .bind("work", "q.work", "");
    let dl = &send(&b, "work", "").unwrap().dead_letters[0];
    assert_eq!(dl.queues[0].name, "q.parking");
}

#[test]
fn dead_letters_into_a_direct_hash_binding_are_unroutable() {
    let b = Build::default()
        .exchange("work", "direct", json!({}))
        .exchange("ex.dead_letter", "direct", json!({}))
        .queue(
            "q.work",
            json!({"x-dead-letter-exchange": "ex.dead_letter"}),
        )
        .queue("q.dead", json!({}))
        .bind("work", "q.work", "ai.generation.request")
        .bind("ex.dead_letter", "q.dead", "#");
    let dl = &send(&b, "work", "ai.generation.request")
        .unwrap()
        .dead_letters[0];
    assert!(dl.unroutable);
}

#[test]
fn dead_letter_exchanges_can_come_from_policies_and_may_be_missing() {
    let b = Build::default()
        .exchange("work", "fanout", json!({}))
        .queue("q.work", json!({}))
        .bind("work", "q.work", "")
        .policy(
            "dlx",
            "^q\\.",
            "queues",
            json!({"dead-letter-exchange": "missing"}),
        );
    let dl = &send(&b, "work", "").unwrap().dead_letters[0];
    assert_eq!(dl.exchange, "missing");
    assert!(dl.unroutable);
    assert!(dl.note.as_deref().unwrap_or("").contains("does not exist"));
}

#[test]
fn exchange_types_warren_cannot_predict_are_an_error() {
    let b = Build::default().exchange("hash", "x-consistent-hash", json!({}));
    assert_eq!(
        send(&b, "hash", "k"),
        Err(RouteError::UnknownType {
            exchange: "hash".into(),
            kind: "x-consistent-hash".into()
        })
    );
}
