//! The walk RabbitMQ's `rabbit_exchange:route` makes: from the exchange published to,
//! through exchange-to-exchange bindings and alternate exchanges, each exchange visited
//! once and each queue delivered once.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::headers;
use super::outcome::{DeadLetter, Delivery, Message, RouteError, Routed, Step, Via};
use super::topic;
use super::topology::{Exchange, Topology};
use crate::model::{BindingArguments, DestinationType, ResourceId};

/// The exchange types routing knows.
const KINDS: [&str; 4] = ["direct", "fanout", "topic", "headers"];

/// Routes a published message; publishing to an internal or missing exchange is an error.
pub fn route(topology: &Topology, message: &Message) -> Result<Routed, RouteError> {
    let exchange =
        topology
            .exchanges
            .get(&message.exchange)
            .ok_or_else(|| RouteError::NoSuchExchange {
                vhost: topology.vhost.clone(),
                exchange: message.exchange.clone(),
            })?;
    if exchange.internal {
        return Err(RouteError::Internal {
            exchange: message.exchange.clone(),
        });
    }
    let queues = walk(topology, message)?;
    let dead_letters = queues
        .iter()
        .filter_map(|delivery| dead_letter(topology, &delivery.name, message))
        .collect();
    Ok(Routed {
        unroutable: queues.is_empty(),
        queues,
        dead_letters,
    })
}

/// The queues a message entering at `message.exchange` reaches (internal exchanges too:
/// bindings and dead-lettering enter them), sorted by name.
pub fn walk(topology: &Topology, message: &Message) -> Result<Vec<Delivery>, RouteError> {
    let mut delivered: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    let mut seen = BTreeSet::from([message.exchange.clone()]);
    let mut work = VecDeque::from([(message.exchange.clone(), Vec::new())]);
    while let Some((name, path)) = work.pop_front() {
        // A destination exchange that does not exist is skipped, as on the broker.
        let Some(exchange) = topology.exchanges.get(&name) else {
            continue;
        };
        for (kind, destination, step) in destinations(topology, &name, exchange, message)? {
            let mut path = path.clone();
            path.push(step);
            match kind {
                DestinationType::Queue => {
                    if topology.queues.contains_key(&destination) {
                        delivered.entry(destination).or_insert(path);
                    }
                }
                DestinationType::Exchange => {
                    if seen.insert(destination.clone()) {
                        work.push_back((destination, path));
                    }
                }
            }
        }
    }
    Ok(delivered
        .into_iter()
        .map(|(name, path)| Delivery {
            vhost: topology.vhost.clone(),
            name,
            path,
        })
        .collect())
}

/// Where one exchange sends the message: its matching bindings, else its alternate exchange.
fn destinations(
    topology: &Topology,
    name: &str,
    exchange: &Exchange,
    message: &Message,
) -> Result<Vec<(DestinationType, String, Step)>, RouteError> {
    let key = &message.routing_key;
    if name.is_empty() {
        let step = Step {
            exchange: String::new(),
            via: Via::DefaultExchange,
            binding_key: Some(key.clone()),
            arguments: None,
        };
        return Ok(vec![(DestinationType::Queue, key.clone(), step)]);
    }
    let kind = exchange.kind.as_str();
    if !KINDS.contains(&kind) {
        return Err(RouteError::UnknownType {
            exchange: name.to_string(),
            kind: kind.to_string(),
        });
    }
    let follows = |routing_key: &str, arguments: &BindingArguments| match kind {
        "direct" => routing_key == key,
        "topic" => topic::matches(routing_key, key),
        "headers" => headers::matches(arguments.map(), &message.headers),
        _ => true, // fanout
    };
    let headers_exchange = kind == "headers";
    let mut out = Vec::new();
    for id in topology.bindings_from(name) {
        let ResourceId::Binding {
            destination_type,
            destination,
            routing_key,
            arguments,
            ..
        } = id
        else {
            continue;
        };
        if !follows(routing_key, arguments) {
            continue;
        }
        let step = Step {
            exchange: name.to_string(),
            via: Via::Binding,
            binding_key: (!headers_exchange).then(|| routing_key.clone()),
            arguments: headers_exchange.then(|| arguments.map().clone()),
        };
        out.push((*destination_type, destination.clone(), step));
    }
    if out.is_empty() {
        if let Some(alternate) = &exchange.alternate {
            let step = Step {
                exchange: name.to_string(),
                via: Via::AlternateExchange,
                binding_key: None,
                arguments: None,
            };
            out.push((DestinationType::Exchange, alternate.clone(), step));
        }
    }
    Ok(out)
}

/// Where `queue`'s dead letters go, if it has a dead-letter exchange.
fn dead_letter(topology: &Topology, queue: &str, message: &Message) -> Option<DeadLetter> {
    let (exchange, key) = topology.queues.get(queue)?.dead_letter.clone()?;
    let routing_key = key.unwrap_or_else(|| message.routing_key.clone());
    let letter = Message {
        exchange: exchange.clone(),
        routing_key: routing_key.clone(),
        headers: message.headers.clone(),
    };
    let (queues, note) = if !topology.exchanges.contains_key(&exchange) {
        let note = format!("exchange `{exchange}` does not exist: the dead letters are dropped");
        (Vec::new(), Some(note))
    } else {
        match walk(topology, &letter) {
            Ok(queues) => (queues, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        }
    };
    Some(DeadLetter {
        vhost: topology.vhost.clone(),
        queue: queue.to_string(),
        exchange,
        routing_key,
        unroutable: queues.is_empty(),
        queues,
        note,
    })
}
