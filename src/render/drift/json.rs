//! Drift as a JSON document (format_version 1), for jobs that post-process the nightly run:
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "environment": "dev",
//!   "in_sync": false,
//!   "counts": { "missing": 1, "changed": 1, "unmanaged": 1, "out_of_scope": 2, "ignored": 0 },
//!   "missing":   [ { "id": { "kind": "queue", "vhost": "/dev", "name": "q" },
//!                    "address": "queue \"q\" in \"/dev\"", "declared": { ... } } ],
//!   "changed":   [ { "id": { ... }, "address": "...", "replace": false,
//!                    "fields": [ { "field": "definition.message-ttl", "live": 60000,
//!                                  "declared": 600000, "forces_replace": false,
//!                                  "sensitive": false } ] } ],
//!   "unmanaged": [ { "id": { ... }, "address": "...", "pruned": false } ],
//!   "out_of_scope": { "vhost": 2 },
//!   "ignored": {}
//! }
//! ```
//!
//! `id` is the identity `plan --format json` gives (`kind` plus the fields that name the
//! object; a binding's `arguments` is an object); `address` is for display only. A field's
//! `live` or `declared` is absent when that side does not set it; sensitive fields (password
//! hashes) carry `"sensitive": true` and no values, and `declared` properties show them as
//! `"(sensitive)"`. Per-kind maps list only kinds with a count.

use serde_json::{json, Map, Value};

use crate::model::resource::redact_credentials;
use crate::plan::drift::{kinds, DriftReport, Drifted};
use crate::plan::route_drift::RouteDrift;
use crate::plan::FieldDiff;
use crate::render::plan_json::IdDoc;
use crate::route::assertion::Failure;

pub const FORMAT_VERSION: u32 = 1;

pub fn render(report: &DriftReport) -> String {
    let mut doc = json!({
        "format_version": FORMAT_VERSION,
        "environment": report.environment,
        "in_sync": report.in_sync(),
        "counts": {
            "missing": report.missing.len(),
            "changed": report.changed.len(),
            "unmanaged": report.unmanaged.len(),
            "out_of_scope": report.out_of_scope_total(),
            "ignored": report.ignored_total(),
        },
        "missing": report.missing.iter().map(missing).collect::<Vec<_>>(),
        "changed": report.changed.iter().map(changed).collect::<Vec<_>>(),
        "unmanaged": report.unmanaged.iter().map(unmanaged).collect::<Vec<_>>(),
        "out_of_scope": by_kind(&report.out_of_scope),
        "ignored": by_kind(&report.ignored),
    });
    // Only environments with route assertions have the key, so other reports keep their shape.
    if report.routes_checked > 0 {
        doc["routes"] = json!({
            "checked": report.routes_checked,
            "failing": report.routes.iter().map(route).collect::<Vec<_>>(),
        });
    }
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn route(drift: &RouteDrift) -> Value {
    let a = &drift.assertion;
    let (actual, error) = match &drift.failure {
        Failure::Reached(queues) => (json!(queues), Value::Null),
        Failure::Refused(e) => (Value::Null, json!(e.to_string())),
    };
    json!({
        "vhost": a.vhost,
        "exchange": a.exchange,
        "routing_key": a.routing_key,
        "headers": a.headers,
        "expected": a.expect,
        "actual": actual,
        "error": error,
    })
}

fn id(item: &Drifted) -> Value {
    serde_json::to_value(IdDoc::from(&item.id)).unwrap_or(Value::Null)
}

fn address(item: &Drifted) -> Value {
    Value::String(item.id.to_string())
}

fn missing(item: &Drifted) -> Value {
    // Serialising the Resource redacts sensitive properties.
    let declared = item
        .declared
        .as_ref()
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.get("props").cloned())
        .unwrap_or_else(|| json!({}));
    json!({ "id": id(item), "address": address(item), "declared": declared })
}

fn changed(item: &Drifted) -> Value {
    json!({
        "id": id(item),
        "address": address(item),
        "replace": item.replace,
        "fields": item.fields.iter().map(field).collect::<Vec<_>>(),
    })
}

fn unmanaged(item: &Drifted) -> Value {
    json!({ "id": id(item), "address": address(item), "pruned": item.pruned })
}

fn field(diff: &FieldDiff) -> Value {
    let mut out = Map::new();
    out.insert("field".into(), json!(diff.field));
    if !diff.sensitive {
        if let Some(live) = &diff.before {
            out.insert("live".into(), redact_credentials(live));
        }
        if let Some(declared) = &diff.after {
            out.insert("declared".into(), redact_credentials(declared));
        }
    }
    out.insert("forces_replace".into(), json!(diff.forces_replace));
    out.insert("sensitive".into(), json!(diff.sensitive));
    Value::Object(out)
}

fn by_kind(counts: &std::collections::BTreeMap<&'static str, usize>) -> Value {
    let map: Map<String, Value> = kinds()
        .filter_map(|k| {
            counts
                .get(k)
                .filter(|n| **n > 0)
                .map(|n| (k.to_string(), json!(n)))
        })
        .collect();
    Value::Object(map)
}
