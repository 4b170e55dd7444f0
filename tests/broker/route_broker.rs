//! The definition of correct for `warren route`: generated topologies are declared on a real
//! node, generated messages are published over AMQP, and the queues that received each one
//! must be exactly the queues the simulator predicted. Runs on the release
//! `WARREN_TEST_BROKER` names (3.10 by default, or 4.0).

use std::collections::BTreeSet;

use crate::support::amqp::{Connection, Publish};
use crate::support::{BrokerNode, Release};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};
use warren::format::BrokerVersion;
use warren::model::{kinds, DestinationType, ResourceId, State};
use warren::route::{route, Message, Topology};

/// Topologies per run and messages per topology: 4 x 300 = 1,200 messages checked per run.
const TOPOLOGIES: u32 = 4;
const MESSAGES: usize = 300;

const HEADER_NAMES: &[&str] = &["h1", "h2", "x-h"];
const HEADER_VALUES: &[&str] = &["1", "2"];
const KINDS: &[&str] = &["direct", "fanout", "topic", "headers"];
const X_MATCH: &[Option<&str>] = &[
    None,
    Some("all"),
    Some("any"),
    Some("all-with-x"),
    Some("any-with-x"),
];

#[derive(Clone, Debug)]
struct GenExchange {
    kind: &'static str,
    internal: bool,
    /// Index of the alternate exchange; one past the last means a missing exchange.
    alternate: Option<usize>,
}

#[derive(Clone, Debug)]
struct GenBinding {
    source: usize,
    to_exchange: bool,
    destination: usize,
    key: String,
    x_match: Option<&'static str>,
    headers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
struct GenMessage {
    /// Index of the exchange published to; None is the default exchange.
    exchange: Option<usize>,
    key: String,
    headers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
struct Case {
    exchanges: Vec<GenExchange>,
    queues: usize,
    bindings: Vec<GenBinding>,
    messages: Vec<GenMessage>,
}

/// Binding keys: wildcards often, empty words sometimes.
fn binding_key() -> impl Strategy<Value = String> {
    let word =
        prop_oneof![3 => Just("a"), 2 => Just("b"), 1 => Just(""), 2 => Just("*"), 2 => Just("#")];
    prop::collection::vec(word, 0..4).prop_map(|words| words.join("."))
}

/// Routing keys: mostly plain words, with empty words and literal `*` and `#` among them.
fn key() -> impl Strategy<Value = String> {
    let word =
        prop_oneof![4 => Just("a"), 3 => Just("b"), 1 => Just(""), 1 => Just("*"), 1 => Just("#")];
    prop::collection::vec(word, 0..4).prop_map(|words| words.join("."))
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map(select(HEADER_NAMES), select(HEADER_VALUES), 0..3).prop_map(|m| {
        m.into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..7, 3usize..8).prop_flat_map(|(exchange_count, queues)| {
        let exchange = (
            select(KINDS),
            prop::bool::weighted(0.2),
            prop::option::weighted(0.5, 0..=exchange_count),
        )
            .prop_map(|(kind, internal, alternate)| GenExchange {
                kind,
                internal,
                alternate,
            });
        let binding = (
            0..exchange_count,
            prop::bool::weighted(0.3),
            0..exchange_count.max(queues),
            binding_key(),
            select(X_MATCH),
            headers(),
        )
            .prop_map(
                move |(source, to_exchange, destination, key, x_match, headers)| GenBinding {
                    source,
                    to_exchange,
                    destination: destination % if to_exchange { exchange_count } else { queues },
                    key,
                    x_match,
                    headers,
                },
            );
        let message = (
            prop::option::weighted(0.9, 0..exchange_count),
            prop_oneof![4 => key(), 1 => (0..queues).prop_map(|q| format!("q{q}"))],
            headers(),
        )
            .prop_map(|(exchange, key, headers)| GenMessage {
                exchange,
                key,
                headers,
            });
        (
            prop::collection::vec(exchange, exchange_count),
            prop::collection::vec(binding, 6..20),
            prop::collection::vec(message, MESSAGES),
        )
            .prop_map(move |(exchanges, bindings, messages)| Case {
                exchanges,
                queues,
                bindings,
                messages,
            })
    })
}

fn exchange_name(case: &Case, index: usize) -> String {
    if index < case.exchanges.len() {
        format!("x{index}")
    } else {
        "x.missing".to_string()
    }
}

fn exchange_arguments(case: &Case, exchange: &GenExchange) -> Map<String, Value> {
    let mut arguments = Map::new();
    if let Some(alternate) = exchange.alternate {
        arguments.insert(
            "alternate-exchange".into(),
            json!(exchange_name(case, alternate)),
        );
    }
    arguments
}

fn binding_arguments(binding: &GenBinding) -> Map<String, Value> {
    let mut arguments: Map<String, Value> = binding
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    if let Some(mode) = binding.x_match {
        arguments.insert("x-match".into(), json!(mode));
    }
    arguments
}

/// Headers arguments only on headers exchanges, so other bindings stay plain.
fn arguments_for(case: &Case, binding: &GenBinding) -> Map<String, Value> {
    if case.exchanges[binding.source].kind == "headers" {
        binding_arguments(binding)
    } else {
        Map::new()
    }
}

fn destination(binding: &GenBinding) -> (DestinationType, String) {
    if binding.to_exchange {
        (
            DestinationType::Exchange,
            format!("x{}", binding.destination),
        )
    } else {
        (DestinationType::Queue, format!("q{}", binding.destination))
    }
}

/// The case as a definitions document for `POST /api/definitions`.
fn definitions(case: &Case, vhost: &str) -> Value {
    let exchanges: Vec<Value> = case
        .exchanges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({"name": format!("x{i}"), "vhost": vhost, "type": e.kind, "durable": true,
                   "auto_delete": false, "internal": e.internal,
                   "arguments": exchange_arguments(case, e)})
        })
        .collect();
    let queues: Vec<Value> = (0..case.queues)
        .map(|q| {
            json!({"name": format!("q{q}"), "vhost": vhost, "durable": true,
                   "auto_delete": false, "arguments": {"x-queue-type": "classic"}})
        })
        .collect();
    let bindings: Vec<Value> = case
        .bindings
        .iter()
        .map(|b| {
            let (kind, name) = destination(b);
            json!({"source": format!("x{}", b.source), "vhost": vhost, "destination": name,
                   "destination_type": kind.as_str(), "routing_key": b.key,
                   "arguments": arguments_for(case, b)})
        })
        .collect();
    json!({"exchanges": exchanges, "queues": queues, "bindings": bindings})
}

/// The same case as warren's model sees it.
fn state(case: &Case, vhost: &str) -> State {
    let mut state = State::default();
    for (i, e) in case.exchanges.iter().enumerate() {
        let id = ResourceId::Exchange {
            vhost: vhost.into(),
            name: format!("x{i}"),
        };
        let resource =
            kinds::exchange(e.kind, true, false, e.internal, exchange_arguments(case, e));
        state.insert(id, resource);
    }
    for q in 0..case.queues {
        let id = ResourceId::Queue {
            vhost: vhost.into(),
            name: format!("q{q}"),
        };
        state.insert(id, kinds::queue(true, false, Map::new(), "classic"));
    }
    for b in &case.bindings {
        let (kind, name) = destination(b);
        let source = format!("x{}", b.source);
        let id = kinds::binding_id(vhost, &source, kind, &name, &b.key, &arguments_for(case, b));
        state.insert(id, warren::model::Resource::new());
    }
    state
}

/// The exchange a message goes to: internal exchanges refuse publishers, so the default
/// exchange takes their messages instead.
fn published_exchange(case: &Case, message: &GenMessage) -> String {
    match message.exchange {
        Some(i) if !case.exchanges[i].internal => format!("x{i}"),
        _ => String::new(),
    }
}

/// Declares, publishes, reads back; Err names every message routed otherwise than predicted.
fn check(node: &BrokerNode, case: &Case) -> Result<Counts, TestCaseError> {
    let vhost = node.create_vhost("route-prop");
    let (status, body) = node.api("POST", "/api/definitions", Some(&definitions(case, &vhost)));
    prop_assert!(
        matches!(status, 200 | 201 | 204),
        "definitions: {status} {body}"
    );
    let version: BrokerVersion = Release::current().version().parse().expect("a version");
    let topology = Topology::of(&state(case, &vhost), &vhost, version);
    let mut predicted: Vec<BTreeSet<String>> = Vec::new();
    let exchanges: Vec<String> = case
        .messages
        .iter()
        .map(|m| published_exchange(case, m))
        .collect();
    for (message, exchange) in case.messages.iter().zip(&exchanges) {
        let simulated = Message {
            exchange: exchange.clone(),
            routing_key: message.key.clone(),
            headers: message
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
        };
        let routed =
            route(&topology, &simulated).map_err(|e| TestCaseError::fail(e.to_string()))?;
        predicted.push(routed.queue_names().into_iter().collect());
    }
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    amqp.select_confirms();
    let publishes: Vec<Publish> = case
        .messages
        .iter()
        .zip(&exchanges)
        .enumerate()
        .map(|(i, (m, exchange))| Publish {
            exchange,
            routing_key: &m.key,
            headers: &m.headers,
            body: i.to_string(),
        })
        .collect();
    amqp.publish_all(&publishes, 0);
    let mut received: Vec<BTreeSet<String>> = vec![BTreeSet::new(); case.messages.len()];
    for q in 0..case.queues {
        let queue = format!("q{q}");
        for body in amqp.get_all(&queue) {
            let index: usize = body.parse().expect("bodies are indexes");
            prop_assert!(
                received[index].insert(queue.clone()),
                "message {index} reached {queue} twice"
            );
        }
    }
    drop(amqp);
    node.delete_vhost(&vhost);
    let wrong: Vec<String> = (0..case.messages.len())
        .filter(|&i| predicted[i] != received[i])
        .map(|i| {
            let m = &case.messages[i];
            format!(
                "message {i} to {:?} key {:?} headers {:?}: predicted {:?}, broker {:?}",
                exchanges[i], m.key, m.headers, predicted[i], received[i]
            )
        })
        .collect();
    prop_assert!(
        wrong.is_empty(),
        "{} of {} messages:\n{}",
        wrong.len(),
        case.messages.len(),
        wrong.join("\n")
    );
    Ok(Counts {
        messages: case.messages.len(),
        deliveries: received.iter().map(BTreeSet::len).sum(),
        unroutable: received.iter().filter(|r| r.is_empty()).count(),
    })
}

/// What one case checked: a run that routes nothing, or everything nowhere, proves little.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    messages: usize,
    deliveries: usize,
    unroutable: usize,
}

#[test]
fn the_broker_routes_every_generated_message_where_the_simulator_says() {
    let node = BrokerNode::shared();
    let mut runner = TestRunner::new(Config {
        cases: TOPOLOGIES,
        max_shrink_iters: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let total = std::cell::Cell::new(Counts::default());
    let result = runner.run(&case(), |case| {
        let n = check(node, &case)?;
        let t = total.get();
        total.set(Counts {
            messages: t.messages + n.messages,
            deliveries: t.deliveries + n.deliveries,
            unroutable: t.unroutable + n.unroutable,
        });
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let total = total.get();
    eprintln!(
        "RabbitMQ {}: {} messages checked, {} deliveries, {} unroutable",
        Release::current().version(),
        total.messages,
        total.deliveries,
        total.unroutable
    );
    assert!(
        total.messages >= 1_000,
        "only {} messages checked",
        total.messages
    );
    assert!(total.deliveries > 0 && total.unroutable > 0, "{total:?}");
}

/// Fixed cases the generator may or may not produce, pinned so every run covers them.
#[test]
fn pinned_edge_cases_route_as_predicted() {
    let node = BrokerNode::shared();
    let exchange = |kind: &'static str, internal: bool, alternate: Option<usize>| GenExchange {
        kind,
        internal,
        alternate,
    };
    let bind = |source: usize, to_exchange: bool, destination: usize, key: &str| GenBinding {
        source,
        to_exchange,
        destination,
        key: key.to_string(),
        x_match: None,
        headers: Vec::new(),
    };
    let headers_bind =
        |destination: usize, mode: &'static str, headers: &[(&str, &str)]| GenBinding {
            source: 2,
            to_exchange: false,
            destination,
            key: String::new(),
            x_match: Some(mode),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
    let mut bindings = vec![
        bind(0, false, 0, "a.#.b"),
        bind(0, false, 1, "#"),
        bind(0, false, 2, "*"),
        bind(0, false, 3, ""),
        bind(0, false, 4, "*.*"),
        bind(0, true, 1, "x.#"),
        bind(1, false, 5, "#"),
        bind(1, true, 0, "#"),
        bind(3, false, 6, "#"),
        // A match that leads only to an exchange with no bindings keeps x4's alternate out.
        bind(4, true, 6, "a"),
        bind(4, false, 12, "b"),
        bind(5, false, 11, ""),
    ];
    bindings.push(headers_bind(7, "all", &[("h1", "1"), ("x-h", "1")]));
    bindings.push(headers_bind(8, "any-with-x", &[("x-h", "1")]));
    bindings.push(headers_bind(9, "any", &[("x-h", "1")]));
    bindings.push(headers_bind(10, "all-with-x", &[("h1", "1"), ("x-h", "2")]));
    let keys = [
        "", ".", "a", "a.b", "a.x.y.b", "a..b", "x", "x.", "#", "*", "b", "q3", "z.z",
    ];
    let header_sets: [&[(&str, &str)]; 4] = [
        &[],
        &[("h1", "1")],
        &[("x-h", "1")],
        &[("h1", "1"), ("x-h", "2")],
    ];
    let mut messages = Vec::new();
    for exchange in [Some(0), Some(2), Some(3), Some(4), None] {
        for key in keys {
            for headers in header_sets {
                messages.push(GenMessage {
                    exchange,
                    key: key.to_string(),
                    headers: headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                });
            }
        }
    }
    let case = Case {
        // x0 topic; x1 fanout, internal, reached only by bindings; x2 headers whose alternate
        // is x3; x3 direct binding `#` literally, its alternate missing; x4 direct whose
        // alternate x5 has x4 as its own alternate (a loop); x6 fanout without bindings.
        exchanges: vec![
            exchange("topic", false, None),
            exchange("fanout", true, None),
            exchange("headers", false, Some(3)),
            exchange("direct", false, Some(7)),
            exchange("direct", false, Some(5)),
            exchange("fanout", false, Some(4)),
            exchange("fanout", false, None),
        ],
        queues: 13,
        bindings,
        messages,
    };
    match check(node, &case) {
        Ok(n) => {
            assert_eq!(n.messages, 5 * keys.len() * header_sets.len());
            assert!(n.deliveries > n.messages / 2, "{n:?}");
        }
        Err(e) => panic!("{e}"),
    }
}

/// Objects of `state` in `from`, moved to vhost `to` (a shipped environment in a test vhost).
fn moved(state: &State, from: &str, to: &str) -> State {
    let mut out = State::default();
    for (id, resource) in state.iter() {
        let id = match id.clone() {
            ResourceId::Exchange { vhost, name } if vhost == from => ResourceId::Exchange {
                vhost: to.into(),
                name,
            },
            ResourceId::Queue { vhost, name } if vhost == from => ResourceId::Queue {
                vhost: to.into(),
                name,
            },
            ResourceId::Policy { vhost, name } if vhost == from => ResourceId::Policy {
                vhost: to.into(),
                name,
            },
            ResourceId::Binding {
                vhost,
                source,
                destination_type,
                destination,
                routing_key,
                arguments,
            } if vhost == from => ResourceId::Binding {
                vhost: to.into(),
                source,
                destination_type,
                destination,
                routing_key,
                arguments,
            },
            _ => continue,
        };
        out.insert(id, resource.clone());
    }
    out
}

/// A state's exchanges, queues, bindings and policies as a definitions document.
fn state_definitions(state: &State) -> Value {
    let (mut exchanges, mut queues, mut bindings, mut policies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, r) in state.iter() {
        let field = |name: &str| r.get(name).cloned().unwrap_or(Value::Null);
        match id {
            ResourceId::Exchange { vhost, name } => exchanges.push(json!({
                "name": name, "vhost": vhost, "type": field("type"), "durable": field("durable"),
                "auto_delete": field("auto_delete"), "internal": field("internal"),
                "arguments": field("arguments")})),
            ResourceId::Queue { vhost, name } => queues.push(json!({
                "name": name, "vhost": vhost, "durable": field("durable"),
                "auto_delete": field("auto_delete"), "arguments": field("arguments")})),
            ResourceId::Binding {
                vhost,
                source,
                destination_type,
                destination,
                routing_key,
                arguments,
            } => bindings.push(json!({
                "source": source, "vhost": vhost, "destination": destination,
                "destination_type": destination_type.as_str(), "routing_key": routing_key,
                "arguments": arguments.map()})),
            ResourceId::Policy { vhost, name } => policies.push(json!({
                "name": name, "vhost": vhost, "pattern": field("pattern"),
                "apply-to": field("apply-to"), "priority": field("priority"),
                "definition": field("definition")})),
            _ => {}
        }
    }
    json!({"exchanges": exchanges, "queues": queues, "bindings": bindings, "policies": policies})
}

/// Every binding key of the vhost, and keys near each: wildcards filled in, words added.
fn keys_near_bindings(state: &State) -> BTreeSet<String> {
    let mut keys = BTreeSet::from(["".to_string(), "nobody.listens".to_string()]);
    for (id, _) in state.iter() {
        if let ResourceId::Binding { routing_key, .. } = id {
            keys.insert(routing_key.clone());
            keys.insert(routing_key.replace(".#", ""));
            keys.insert(routing_key.replace('#', "x.y"));
            keys.insert(routing_key.replace('*', "x"));
            keys.insert(format!("{routing_key}.extra"));
            keys.insert(format!("x.{routing_key}"));
        }
    }
    keys
}

#[test]
fn the_shipped_production_environment_routes_as_predicted() {
    shipped_environment_routes_as_predicted("production", "/creativeflow_prod", 4, 9);
}

#[test]
fn the_shipped_dev_environment_routes_as_predicted() {
    shipped_environment_routes_as_predicted("dev", "/dev", 2, 3);
}

/// A shipped environment's vhost, declared in a fresh vhost: every exchange gets every
/// binding key and keys near them; `exchanges` is how many it declares, `reached` the
/// fewest messages that must reach a queue.
fn shipped_environment_routes_as_predicted(
    name: &str,
    declared_vhost: &str,
    exchanges: usize,
    reached: usize,
) {
    let node = BrokerNode::shared();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("environments")
        .join(name);
    let (env, problems) = warren::config::load_environment(&dir);
    assert!(!problems.iter().any(|p| p.is_error()), "{name} loads");
    let vhost = node.create_vhost(&format!("route-{name}"));
    let state = moved(
        &warren::commands::topology_source::desired(&env),
        declared_vhost,
        &vhost,
    );
    let (status, body) = node.api("POST", "/api/definitions", Some(&state_definitions(&state)));
    assert!(
        matches!(status, 200 | 201 | 204),
        "definitions: {status} {body}"
    );
    let version: BrokerVersion = Release::current().version().parse().expect("a version");
    let topology = Topology::of(&state, &vhost, version);
    let publishers: Vec<String> = topology
        .exchanges
        .iter()
        .filter(|(name, e)| {
            !e.internal
                && state.contains(&ResourceId::Exchange {
                    vhost: vhost.clone(),
                    name: name.to_string(),
                })
        })
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(
        publishers.len(),
        exchanges,
        "{name}'s exchanges: {publishers:?}"
    );
    let keys = keys_near_bindings(&state);
    let sends: Vec<(String, String)> = publishers
        .iter()
        .flat_map(|x| keys.iter().map(move |k| (x.clone(), k.clone())))
        .collect();
    let no_headers: Vec<(String, String)> = Vec::new();
    let predicted: Vec<BTreeSet<String>> = sends
        .iter()
        .map(|(exchange, key)| {
            let message = Message {
                exchange: exchange.clone(),
                routing_key: key.clone(),
                headers: Default::default(),
            };
            let routed = route(&topology, &message).expect("production's exchanges route");
            routed.queue_names().into_iter().collect()
        })
        .collect();
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    amqp.select_confirms();
    let publishes: Vec<Publish> = sends
        .iter()
        .enumerate()
        .map(|(i, (exchange, key))| Publish {
            exchange,
            routing_key: key,
            headers: &no_headers,
            body: i.to_string(),
        })
        .collect();
    amqp.publish_all(&publishes, 0);
    let mut received: Vec<BTreeSet<String>> = vec![BTreeSet::new(); sends.len()];
    for queue in topology.queues.keys() {
        for body in amqp.get_all(queue) {
            let index: usize = body.parse().expect("bodies are indexes");
            assert!(
                received[index].insert(queue.clone()),
                "{index} twice in {queue}"
            );
        }
    }
    drop(amqp);
    node.delete_vhost(&vhost);
    let wrong: Vec<String> = (0..sends.len())
        .filter(|&i| predicted[i] != received[i])
        .map(|i| {
            format!(
                "{:?}: predicted {:?}, broker {:?}",
                sends[i], predicted[i], received[i]
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let delivered = received.iter().filter(|r| !r.is_empty()).count();
    assert!(
        delivered >= reached,
        "{name}: only {delivered} messages reached a queue"
    );
    eprintln!(
        "{name}: {} messages checked, {delivered} delivered",
        sends.len()
    );
}

/// Dead letters land where the simulator says: messages are rejected from every queue that
/// has a dead-letter exchange (its argument, or a policy's), and what then sits in each queue
/// must be the predicted direct deliveries of the other queues plus the predicted dead letters.
#[test]
fn dead_letters_land_where_the_simulator_says() {
    use std::collections::BTreeMap;
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("route-dead");
    let map = |v: Value| v.as_object().cloned().unwrap_or_default();
    let mut state = State::default();
    let exchange = |state: &mut State, name: &str, kind: &str| {
        let id = ResourceId::Exchange {
            vhost: vhost.clone(),
            name: name.into(),
        };
        state.insert(id, kinds::exchange(kind, true, false, false, Map::new()));
    };
    exchange(&mut state, "x.in", "topic");
    exchange(&mut state, "dlx.topic", "topic");
    exchange(&mut state, "dlx.direct", "direct");
    exchange(&mut state, "dlx.fanout", "fanout");
    let queues: [(&str, Value); 10] = [
        ("q.a", json!({"x-dead-letter-exchange": "dlx.topic"})),
        (
            "q.b",
            json!({"x-dead-letter-exchange": "dlx.direct", "x-dead-letter-routing-key": "dead"}),
        ),
        ("q.c", json!({})),
        ("q.plain", json!({})),
        (
            "q.dflt",
            json!({"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "q.sink"}),
        ),
        ("q.dl1", json!({})),
        ("q.dl2", json!({})),
        ("q.dl3", json!({})),
        ("q.dl4", json!({})),
        ("q.sink", json!({})),
    ];
    for (name, arguments) in &queues {
        let id = ResourceId::Queue {
            vhost: vhost.clone(),
            name: name.to_string(),
        };
        state.insert(
            id,
            kinds::queue(true, false, map(arguments.clone()), "classic"),
        );
    }
    state.insert(
        ResourceId::Policy {
            vhost: vhost.clone(),
            name: "dlx-for-c".into(),
        },
        kinds::policy(
            "^q\\.c$",
            "queues",
            1,
            map(json!({"dead-letter-exchange": "dlx.fanout"})),
        ),
    );
    for (source, queue, key) in [
        ("x.in", "q.a", "a.#"),
        ("x.in", "q.b", "#"),
        ("x.in", "q.c", "*.c"),
        ("x.in", "q.plain", "a.b"),
        ("x.in", "q.dflt", "d.#"),
        ("dlx.topic", "q.dl1", "a.*"),
        ("dlx.topic", "q.dl2", "#.x"),
        ("dlx.direct", "q.dl3", "dead"),
        ("dlx.fanout", "q.dl1", ""),
        ("dlx.fanout", "q.dl4", ""),
    ] {
        let id = kinds::binding_id(
            &vhost,
            source,
            DestinationType::Queue,
            queue,
            key,
            &Map::new(),
        );
        state.insert(id, warren::model::Resource::new());
    }
    let (status, body) = node.api("POST", "/api/definitions", Some(&state_definitions(&state)));
    assert!(
        matches!(status, 200 | 201 | 204),
        "definitions: {status} {body}"
    );
    let version: BrokerVersion = Release::current().version().parse().expect("a version");
    let topology = Topology::of(&state, &vhost, version);
    let keys = [
        "a.b", "a.x", "a", "b.c", "a.c", "d.e", "d", "", "a.b.x", ".c", "x", "d.c",
    ];
    let messages: Vec<&str> = keys.iter().cycle().take(keys.len() * 5).copied().collect();
    let routed: Vec<_> = messages
        .iter()
        .map(|key| {
            let message = Message {
                exchange: "x.in".into(),
                routing_key: key.to_string(),
                headers: Default::default(),
            };
            route(&topology, &message).expect("x.in routes")
        })
        .collect();
    let sources: BTreeSet<String> = topology
        .queues
        .iter()
        .filter(|(_, q)| q.dead_letter.is_some())
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(sources.len(), 4, "{sources:?}");
    // What each queue holds once the sources' messages are dead-lettered: (message, queue) counts.
    let mut predicted: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for (i, r) in routed.iter().enumerate() {
        for q in r.queue_names().into_iter().filter(|q| !sources.contains(q)) {
            *predicted.entry((i, q)).or_default() += 1;
        }
        for dead in &r.dead_letters {
            for q in &dead.queues {
                *predicted.entry((i, q.name.clone())).or_default() += 1;
            }
        }
    }
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    amqp.select_confirms();
    let no_headers: Vec<(String, String)> = Vec::new();
    let publishes: Vec<Publish> = messages
        .iter()
        .enumerate()
        .map(|(i, key)| Publish {
            exchange: "x.in",
            routing_key: key,
            headers: &no_headers,
            body: i.to_string(),
        })
        .collect();
    amqp.publish_all(&publishes, 0);
    let mut rejected = 0;
    for source in &sources {
        rejected += amqp.reject_all(source).len();
    }
    assert!(rejected > 0, "nothing was dead-lettered");
    let expected_total: usize = predicted.values().sum();
    // Dead-lettering is asynchronous: wait until every queue holds what it should in number.
    let mut received: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        for (name, _) in &queues {
            for body in amqp.get_all(name) {
                let i: usize = body.parse().expect("bodies are indexes");
                *received.entry((i, name.to_string())).or_default() += 1;
            }
        }
        let total: usize = received.values().sum();
        if total >= expected_total || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    drop(amqp);
    node.delete_vhost(&vhost);
    let wrong: Vec<String> = predicted
        .keys()
        .chain(received.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|k| predicted.get(*k) != received.get(*k))
        .map(|(i, q)| {
            format!(
                "message {i} key {:?} in {q}: predicted {:?}, broker {:?}",
                messages[*i],
                predicted.get(&(*i, q.clone())),
                received.get(&(*i, q.clone()))
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    eprintln!(
        "dead letters: {} messages, {rejected} rejected, {expected_total} deliveries checked",
        messages.len()
    );
}
