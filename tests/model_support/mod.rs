//! Hand-built states for the pure planning tests: `mod model_support;` in a test file.
// Each test binary uses a different part of the helpers.
#![allow(dead_code)]

use serde_json::{Map, Value};
use warren::model::{Resource, ResourceId, State};

/// Every kind a scope can manage or prune.
pub use warren::plan::scope::ALL_KINDS;

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
