//! One vhost's objects as the YAML of a `vhost-<name>.yaml` file: exchanges and queues with
//! the bindings into them, policies, operator policies, parameters, limits; defaults left out.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::yaml::{entry, inline, key_start};
use crate::model::{DestinationType, Resource};

/// Everything of one vhost, gathered from the state.
#[derive(Default)]
pub(super) struct VhostParts<'a> {
    pub(super) props: Option<&'a Resource>,
    pub(super) limits: Map<String, Value>,
    pub(super) exchanges: BTreeMap<&'a str, &'a Resource>,
    pub(super) queues: BTreeMap<&'a str, &'a Resource>,
    /// (destination type, destination) -> binding specs.
    pub(super) bindings: BTreeMap<(DestinationType, &'a str), Vec<Value>>,
    pub(super) policies: BTreeMap<&'a str, &'a Resource>,
    pub(super) operator_policies: BTreeMap<&'a str, &'a Resource>,
    pub(super) parameters: BTreeMap<&'a str, Map<String, Value>>,
}

pub(super) fn str_of<'a>(r: &'a Resource, field: &str) -> &'a str {
    r.str(field).unwrap_or("")
}

pub(super) fn is_true(r: &Resource, field: &str) -> bool {
    r.get(field).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn non_empty(r: &Resource, field: &str) -> Option<Value> {
    r.get(field)
        .filter(|v| match v {
            Value::Object(m) => !m.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::String(s) => !s.is_empty(),
            _ => true,
        })
        .cloned()
}

pub(super) fn vhost_text(
    out: &mut String,
    name: &str,
    parts: &VhostParts,
    notes: &mut Vec<String>,
) {
    let mut body = String::new();
    let default_type = parts
        .props
        .and_then(|p| p.str("default_queue_type"))
        .unwrap_or("classic");
    if let Some(props) = parts.props {
        for field in ["description", "tags"] {
            if let Some(value) = non_empty(props, field) {
                entry(&mut body, 4, field, &value);
            }
        }
        if default_type != "classic" {
            entry(&mut body, 4, "default_queue_type", &json!(default_type));
        }
        if is_true(props, "tracing") {
            entry(&mut body, 4, "tracing", &json!(true));
        }
    }
    if !parts.limits.is_empty() {
        entry(&mut body, 4, "limits", &Value::Object(parts.limits.clone()));
    }
    let mut bindings = parts.bindings.clone();
    if !parts.exchanges.is_empty() {
        body.push_str("    exchanges:\n");
        for (exchange, r) in &parts.exchanges {
            let mut spec = Map::new();
            spec.insert("type".into(), json!(str_of(r, "type")));
            if r.get("durable") == Some(&json!(false)) {
                spec.insert("durable".into(), json!(false));
            }
            for flag in ["auto_delete", "internal"] {
                if is_true(r, flag) {
                    spec.insert(flag.into(), json!(true));
                }
            }
            if let Some(arguments) = non_empty(r, "arguments") {
                spec.insert("arguments".into(), arguments);
            }
            let own = bindings.remove(&(DestinationType::Exchange, *exchange));
            object_text(&mut body, exchange, spec, own);
        }
    }
    if !parts.queues.is_empty() {
        body.push_str("    queues:\n");
        for (queue, r) in &parts.queues {
            let mut spec = Map::new();
            let mut arguments = r
                .get("arguments")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            match arguments.get("x-queue-type").and_then(Value::as_str) {
                Some(t) if t == default_type => {
                    arguments.remove("x-queue-type");
                }
                Some(t @ ("classic" | "quorum" | "stream")) => {
                    spec.insert("type".into(), json!(t));
                    arguments.remove("x-queue-type");
                }
                _ => {}
            }
            if r.get("durable") == Some(&json!(false)) {
                spec.insert("durable".into(), json!(false));
            }
            if is_true(r, "auto_delete") {
                spec.insert("auto_delete".into(), json!(true));
            }
            if !arguments.is_empty() {
                spec.insert("arguments".into(), Value::Object(arguments));
            }
            let own = bindings.remove(&(DestinationType::Queue, *queue));
            object_text(&mut body, queue, spec, own);
        }
    }
    for ((kind, destination), _) in bindings {
        notes.push(format!(
            "bindings to {} {destination:?} in vhost {name:?} left out: it is not declared (built-in or exclusive)",
            kind.as_str()
        ));
    }
    for (key, policies, default_apply_to) in [
        ("policies", &parts.policies, "all"),
        ("operator_policies", &parts.operator_policies, "queues"),
    ] {
        if policies.is_empty() {
            continue;
        }
        body.push_str(&format!("    {key}:\n"));
        for (policy, r) in policies {
            let mut spec = Map::new();
            spec.insert("pattern".into(), json!(str_of(r, "pattern")));
            let apply_to = str_of(r, "apply-to");
            if !apply_to.is_empty() && apply_to != default_apply_to {
                spec.insert("apply-to".into(), json!(apply_to));
            }
            if let Some(priority) = r.get("priority").filter(|p| **p != json!(0)) {
                spec.insert("priority".into(), priority.clone());
            }
            spec.insert(
                "definition".into(),
                r.get("definition").cloned().unwrap_or(json!({})),
            );
            entry(&mut body, 6, policy, &Value::Object(spec));
        }
    }
    if !parts.parameters.is_empty() {
        let parameters: Map<String, Value> = parts
            .parameters
            .iter()
            .map(|(c, values)| (c.to_string(), Value::Object(values.clone())))
            .collect();
        entry(&mut body, 4, "parameters", &Value::Object(parameters));
    }
    if body.is_empty() {
        out.push_str(&format!("{} {{}}\n", key_start("  ", name)));
    } else {
        out.push_str(&format!("{}\n{body}", key_start("  ", name)));
    }
}

/// An exchange or queue at indent 6: `{}` when everything is default, with its bindings as
/// flow-style list items.
fn object_text(
    out: &mut String,
    name: &str,
    spec: Map<String, Value>,
    bindings: Option<Vec<Value>>,
) {
    let bindings = bindings.unwrap_or_default();
    if spec.is_empty() && bindings.is_empty() {
        out.push_str(&format!("{} {{}}\n", key_start("      ", name)));
        return;
    }
    out.push_str(&format!("{}\n", key_start("      ", name)));
    for (k, v) in &spec {
        entry(out, 8, k, v);
    }
    if !bindings.is_empty() {
        out.push_str("        bindings:\n");
        for binding in &bindings {
            out.push_str(&format!("          - {}\n", inline(binding)));
        }
    }
}
