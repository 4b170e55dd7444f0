//! Hand-built states for the pure planning tests: `mod model_support;` in a test file.
// Each test binary uses a different part of the helpers.
#![allow(dead_code)]

use serde_json::{Map, Value};
use warren::model::{Resource, ResourceId, State};

/// Every kind's name as plans and scopes spell it.
pub const ALL_KINDS: [&str; 13] = [
    "vhost",
    "user",
    "permission",
    "topic_permission",
    "vhost_limit",
    "user_limit",
    "exchange",
    "queue",
    "binding",
    "policy",
    "operator_policy",
    "parameter",
    "global_parameter",
];

pub fn state(items: Vec<(ResourceId, Resource)>) -> State {
    let mut s = State::default();
    for (id, resource) in items {
        s.insert(id, resource);
    }
    s
}

pub fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
