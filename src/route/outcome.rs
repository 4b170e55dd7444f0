//! What routing one message gives: the queues it reaches and how, where their dead
//! letters go, and the errors a publish would meet.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// A message as a publisher sends it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message {
    pub exchange: String,
    pub routing_key: String,
    pub headers: BTreeMap<String, Value>,
}

/// How a message left an exchange on its way to the next exchange or the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// A binding matched.
    Binding,
    /// Nothing matched; the exchange's alternate exchange took it.
    AlternateExchange,
    /// The default exchange delivers to the queue named by the routing key.
    DefaultExchange,
}

/// One exchange passed through.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Step {
    pub exchange: String,
    pub via: Via,
    /// The matching binding's key (a binding's only; headers bindings show arguments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Map<String, Value>>,
}

/// A queue the message reaches, by the first path that reaches it.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Delivery {
    pub vhost: String,
    pub name: String,
    pub path: Vec<Step>,
}

/// Where a reached queue's dead letters go.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct DeadLetter {
    pub vhost: String,
    /// The queue the message is dead-lettered from.
    pub queue: String,
    pub exchange: String,
    /// The key dead letters carry: the queue's dead-letter routing key, else the message's.
    pub routing_key: String,
    /// The queues dead letters reach from there.
    pub queues: Vec<Delivery>,
    pub unroutable: bool,
    /// Why dead letters cannot be followed further, when they cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything one publish does.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Routed {
    pub queues: Vec<Delivery>,
    pub dead_letters: Vec<DeadLetter>,
    pub unroutable: bool,
}

impl Routed {
    /// The names of the queues reached, sorted.
    pub fn queue_names(&self) -> Vec<String> {
        self.queues.iter().map(|d| d.name.clone()).collect()
    }
}

/// What the broker would refuse, or what warren cannot predict.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("no exchange `{exchange}` in vhost `{vhost}`: the broker closes the channel (404)")]
    NoSuchExchange { vhost: String, exchange: String },
    #[error("exchange `{exchange}` is internal: publishers cannot use it (403), only exchange bindings and dead-lettering")]
    Internal { exchange: String },
    #[error("exchange `{exchange}` is of type `{kind}`, whose routing warren cannot predict")]
    UnknownType { exchange: String, kind: String },
}
