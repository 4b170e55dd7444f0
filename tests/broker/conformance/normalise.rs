//! The one place where two brokers' `GET /api/definitions` documents are reduced to what
//! the conformance suite compares. Every difference that is *documented* to be harmless is
//! normalised here, and only here, each with its reason:
//!
//! - key order of objects and order of lists: objects are rebuilt with sorted keys, every
//!   section is sorted (the broker lists objects in whatever order its tables give);
//! - number types: `5.0` and `5` are the same number (JSON has one number type; the
//!   broker and warren may print integral values either way);
//! - user tags: a comma-separated string (3.x) or a list, compared as a sorted set; user
//!   `limits` `{}` and absent are the same;
//! - queues: `x-queue-type: classic` (argument) or `type: classic` (3.10's export field)
//!   and no type at all mean the same classic queue; the export-only `type` field is
//!   dropped after that;
//! - vhosts: only name, description, the sorted tag set and default queue type are
//!   compared, whether they sit at the top level or inside `metadata` (3.10 puts them in
//!   `metadata`; the broker fills an empty description/tag list when none was given);
//! - global parameters `cluster_name`, `internal_cluster_id` (per node) and
//!   `warren-apply-lock` (warren's own lock) are left out;
//! - the harness's own administrator (`ADMIN`), through which every request is made, is
//!   left out with its permissions and topic permissions (the broker grants the creator
//!   of a vhost permissions on it, so it differs between brokers by construction).

use serde_json::{json, Map, Value};

/// The harness's administrator: created on every node, never part of a comparison.
pub const ADMIN: &str = "warren-conformance-admin";

/// Sorted keys, integral numbers as integers, recursively.
pub fn canon(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canon(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canon).collect()),
        Value::Number(n) => {
            if n.is_f64() {
                let f = n.as_f64().unwrap_or_default();
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    return json!(f as i64);
                }
            }
            value.clone()
        }
        other => other.clone(),
    }
}

fn list(doc: &Value, key: &str) -> Vec<Value> {
    doc.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn tag_set(tags: &Value) -> Value {
    let mut out: Vec<String> = match tags {
        Value::Array(items) => items
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => s.split(',').map(|t| t.trim().to_string()).collect(),
        _ => vec![],
    };
    out.retain(|t| !t.is_empty());
    out.sort();
    out.dedup();
    json!(out)
}

fn non_empty_object(value: Option<&Value>) -> Value {
    match value {
        Some(Value::Object(m)) if !m.is_empty() => canon(&Value::Object(m.clone())),
        _ => json!({}),
    }
}

fn pick(item: &Value, keys: &[&str]) -> Value {
    let mut out = Map::new();
    for k in keys {
        out.insert(
            (*k).to_string(),
            canon(item.get(*k).unwrap_or(&Value::Null)),
        );
    }
    Value::Object(out)
}

/// Sorts a section by the canonical JSON text of its items.
fn sorted(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by_key(|v| v.to_string());
    items
}

/// The comparable form of one broker's `GET /api/definitions`: section name -> sorted
/// list of normalised items.
pub fn normalise(doc: &Value) -> Vec<(&'static str, Vec<Value>)> {
    let vhosts = list(doc, "vhosts")
        .iter()
        .map(|v| {
            let meta = v.get("metadata").cloned().unwrap_or(json!({}));
            let field = |k: &str| meta.get(k).or_else(|| v.get(k)).cloned();
            let description = field("description")
                .and_then(|d| d.as_str().map(str::to_string))
                .unwrap_or_default();
            let dqt = field("default_queue_type")
                .and_then(|d| d.as_str().map(str::to_string))
                .unwrap_or_default();
            json!({
                "name": v["name"],
                "description": description,
                "tags": tag_set(&field("tags").unwrap_or(Value::Null)),
                "default_queue_type": dqt,
            })
        })
        .collect();
    let users = list(doc, "users")
        .iter()
        .filter(|u| u["name"] != ADMIN)
        .map(|u| {
            json!({
                "name": u["name"],
                "password_hash": u["password_hash"],
                "hashing_algorithm": u["hashing_algorithm"],
                "tags": tag_set(&u["tags"]),
                "limits": non_empty_object(u.get("limits")),
            })
        })
        .collect();
    let permissions = list(doc, "permissions")
        .iter()
        .filter(|p| p["user"] != ADMIN)
        .map(|p| pick(p, &["user", "vhost", "configure", "write", "read"]))
        .collect();
    let topic_permissions = list(doc, "topic_permissions")
        .iter()
        .filter(|p| p["user"] != ADMIN)
        .map(|p| pick(p, &["user", "vhost", "exchange", "write", "read"]))
        .collect();
    let exchanges = list(doc, "exchanges")
        .iter()
        .map(|e| {
            let mut e = pick(
                e,
                &[
                    "vhost",
                    "name",
                    "type",
                    "durable",
                    "auto_delete",
                    "internal",
                    "arguments",
                ],
            );
            e["arguments"] = non_empty_object(e.get("arguments"));
            e
        })
        .collect();
    let queues = list(doc, "queues")
        .iter()
        .map(|q| {
            let mut args = non_empty_object(q.get("arguments"));
            let classic = |v: Option<&Value>| v.and_then(Value::as_str) == Some("classic");
            if classic(args.get("x-queue-type")) {
                args.as_object_mut().map(|m| m.remove("x-queue-type"));
            }
            let mut out = pick(q, &["vhost", "name", "durable", "auto_delete"]);
            if let Some(t) = q.get("type").and_then(Value::as_str) {
                if t != "classic" && args.get("x-queue-type").is_none() {
                    args["x-queue-type"] = json!(t);
                }
            }
            out["arguments"] = args;
            out
        })
        .collect();
    let bindings = list(doc, "bindings")
        .iter()
        .map(|b| {
            let mut b = pick(
                b,
                &[
                    "vhost",
                    "source",
                    "destination",
                    "destination_type",
                    "routing_key",
                    "arguments",
                ],
            );
            b["arguments"] = non_empty_object(b.get("arguments"));
            b
        })
        .collect();
    let policies = list(doc, "policies")
        .iter()
        .map(|p| {
            pick(
                p,
                &[
                    "vhost",
                    "name",
                    "pattern",
                    "apply-to",
                    "priority",
                    "definition",
                ],
            )
        })
        .collect();
    let parameters = list(doc, "parameters")
        .iter()
        .map(|p| pick(p, &["vhost", "component", "name", "value"]))
        .collect();
    let global_parameters = list(doc, "global_parameters")
        .iter()
        .filter(|p| {
            !matches!(
                p["name"].as_str(),
                Some("cluster_name" | "internal_cluster_id" | "warren-apply-lock")
            )
        })
        .map(|p| pick(p, &["name", "value"]))
        .collect();
    vec![
        ("vhosts", sorted(vhosts)),
        ("users", sorted(users)),
        ("permissions", sorted(permissions)),
        ("topic_permissions", sorted(topic_permissions)),
        ("exchanges", sorted(exchanges)),
        ("queues", sorted(queues)),
        ("bindings", sorted(bindings)),
        ("policies", sorted(policies)),
        ("parameters", sorted(parameters)),
        ("global_parameters", sorted(global_parameters)),
    ]
}

/// Differences between two normalised documents, one line per object only on one side
/// (cut to a few per section so a report stays readable). Empty when equal.
pub fn differences(expected: &Value, actual: &Value) -> Vec<String> {
    let (left, right) = (normalise(expected), normalise(actual));
    let mut out = Vec::new();
    for ((section, a), (_, b)) in left.iter().zip(right.iter()) {
        let missing: Vec<&Value> = a.iter().filter(|x| !b.contains(x)).collect();
        let extra: Vec<&Value> = b.iter().filter(|x| !a.contains(x)).collect();
        for (sign, items) in [("-", &missing), ("+", &extra)] {
            for item in items.iter().take(4) {
                out.push(format!("{section} {sign} {item}"));
            }
            if items.len() > 4 {
                out.push(format!("{section} {sign} ... {} more", items.len() - 4));
            }
        }
    }
    out
}
