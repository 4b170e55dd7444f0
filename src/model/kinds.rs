//! Constructors for each kind's [`Resource`]: desired and live both go through these, so
//! broker defaults and representation choices are applied identically on both sides.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::binding_arguments::BindingArguments;
use super::id::{DestinationType, ResourceId};
use super::resource::Resource;

pub const DEFAULT_HASHING: &str = "rabbit_password_hashing_sha256";

fn sorted_tags(tags: &[String]) -> Value {
    let mut tags: Vec<String> = tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    json!(tags)
}

/// An unset default queue type means classic.
pub fn vhost(
    description: &str,
    tags: &[String],
    default_queue_type: Option<&str>,
    tracing: bool,
) -> Resource {
    let queue_type = match default_queue_type {
        None | Some("") | Some("undefined") => "classic",
        Some(t) => t,
    };
    Resource::new()
        .with("description", json!(description))
        .with("tags", sorted_tags(tags))
        .with("default_queue_type", json!(queue_type))
        .with("tracing", json!(tracing))
}

pub fn user(tags: &[String], password_hash: &str, hashing_algorithm: Option<&str>) -> Resource {
    Resource::new()
        .with("tags", sorted_tags(tags))
        .with("password_hash", json!(password_hash))
        .with(
            "hashing_algorithm",
            json!(hashing_algorithm.unwrap_or(DEFAULT_HASHING)),
        )
}

pub fn limit(value: i64) -> Resource {
    Resource::new().with("value", json!(value))
}

pub fn permission(configure: &str, write: &str, read: &str) -> Resource {
    Resource::new()
        .with("configure", json!(configure))
        .with("write", json!(write))
        .with("read", json!(read))
}

/// All topic permissions of one user in one vhost: exchange -> (write, read).
pub fn topic_permissions(entries: &BTreeMap<String, (String, String)>) -> Resource {
    let map: Map<String, Value> = entries
        .iter()
        .map(|(exchange, (write, read))| {
            (exchange.clone(), json!({ "write": write, "read": read }))
        })
        .collect();
    Resource::new().with("exchanges", Value::Object(map))
}

pub fn exchange(
    kind: &str,
    durable: bool,
    auto_delete: bool,
    internal: bool,
    arguments: Map<String, Value>,
) -> Resource {
    Resource::new()
        .with("type", json!(kind))
        .with("durable", json!(durable))
        .with("auto_delete", json!(auto_delete))
        .with("internal", json!(internal))
        .with("arguments", Value::Object(arguments))
}

/// `x-queue-type` is always present: the vhost's default (or classic) where it was left out.
pub fn queue(
    durable: bool,
    auto_delete: bool,
    mut arguments: Map<String, Value>,
    vhost_default: &str,
) -> Resource {
    if !arguments.contains_key("x-queue-type") {
        arguments.insert("x-queue-type".to_string(), json!(vhost_default));
    }
    Resource::new()
        .with("durable", json!(durable))
        .with("auto_delete", json!(auto_delete))
        .with("arguments", Value::Object(arguments))
}

pub fn queue_id(vhost: &str, name: &str) -> ResourceId {
    ResourceId::Queue {
        vhost: vhost.to_string(),
        name: name.to_string(),
    }
}

pub fn binding_id(
    vhost: &str,
    source: &str,
    destination_type: DestinationType,
    destination: &str,
    routing_key: &str,
    arguments: &Map<String, Value>,
) -> ResourceId {
    ResourceId::Binding {
        vhost: vhost.to_string(),
        source: source.to_string(),
        destination_type,
        destination: destination.to_string(),
        routing_key: routing_key.to_string(),
        arguments: BindingArguments::new(arguments),
    }
}

pub fn policy(
    pattern: &str,
    apply_to: &str,
    priority: i64,
    definition: Map<String, Value>,
) -> Resource {
    Resource::new()
        .with("pattern", json!(pattern))
        .with("apply-to", json!(apply_to))
        .with("priority", json!(priority))
        .with("definition", Value::Object(definition))
}

/// Operator policies have no apply-to choice on the broker side beyond queues.
pub fn operator_policy(
    pattern: &str,
    apply_to: &str,
    priority: i64,
    definition: Map<String, Value>,
) -> Resource {
    policy(pattern, apply_to, priority, definition)
}

pub fn parameter(value: Value) -> Resource {
    Resource::new().with("value", value)
}

/// Fields whose change the broker cannot apply in place: the object must be re-created.
pub fn immutable_fields(id: &ResourceId) -> &'static [&'static str] {
    match id {
        ResourceId::Queue { .. } => &["durable", "auto_delete", "arguments"],
        ResourceId::Exchange { .. } => &["type", "durable", "auto_delete", "internal", "arguments"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_order_and_blanks_do_not_matter() {
        let a = user(&["b".into(), "a".into(), "".into()], "h", None);
        let b = user(&["a".into(), "b".into()], "h", Some(DEFAULT_HASHING));
        assert_eq!(a, b);
    }

    #[test]
    fn unset_default_queue_type_is_classic() {
        assert_eq!(
            vhost("", &[], None, false),
            vhost("", &[], Some("classic"), false)
        );
        assert_eq!(
            vhost("", &[], Some("undefined"), false),
            vhost("", &[], None, false)
        );
    }

    #[test]
    fn queue_type_added_by_the_broker_is_no_difference() {
        let declared = queue(true, false, Map::new(), "classic");
        let mut live_args = Map::new();
        live_args.insert("x-queue-type".into(), json!("classic"));
        assert_eq!(declared, queue(true, false, live_args, "classic"));
    }

    #[test]
    fn argument_number_types_do_not_matter() {
        let mut a = Map::new();
        a.insert("x-message-ttl".into(), json!(60000));
        let mut b = Map::new();
        b.insert("x-message-ttl".into(), json!(60000.0));
        assert_eq!(
            queue(true, false, a, "classic"),
            queue(true, false, b, "classic")
        );
    }

    #[test]
    fn binding_identity_ignores_argument_order() {
        let mut a = Map::new();
        a.insert("x-match".into(), json!("all"));
        a.insert("k".into(), json!(1));
        let mut b = Map::new();
        b.insert("k".into(), json!(1.0));
        b.insert("x-match".into(), json!("all"));
        let id = |args| binding_id("/", "x", DestinationType::Queue, "q", "", args);
        assert_eq!(id(&a), id(&b));
    }
}
