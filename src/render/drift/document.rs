//! The drift report as one versioned document. `--format json` is this document as it is,
//! `schemas/drift.schema.json` is generated from it, and the human, Markdown and
//! Prometheus formats render from it, so no format can say what another does not.

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::ResourceId;
use crate::plan::drift::{kinds, DriftReport, DriftState, Drifted};
use crate::plan::route_drift::RouteDrift;
use crate::plan::FieldDiff;
use crate::render::published_field::PublishedField;
use crate::route::assertion::Failure;

pub const FORMAT_VERSION: u32 = 1;

/// `warren drift --format json`: what differs between an environment and its broker.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(title = "warren drift report", deny_unknown_fields)]
pub struct DriftDocument {
    /// Changes only when a field changes meaning or is removed.
    #[schemars(schema_with = "format_version_schema")]
    pub format_version: u32,
    /// The environment's name.
    pub environment: String,
    /// No missing, changed or unmanaged object.
    pub in_sync: bool,
    /// How many objects are in each state.
    pub counts: Counts,
    /// Declared, not on the broker.
    pub missing: Vec<Missing>,
    /// On the broker, not as declared.
    pub changed: Vec<Changed>,
    /// On the broker and in scope, not declared.
    pub unmanaged: Vec<Unmanaged>,
    /// Live objects outside the managed vhosts and kinds, not checked, per kind; only kinds
    /// with a count appear, in dependency order.
    #[schemars(schema_with = "per_kind_schema")]
    pub out_of_scope: IndexMap<String, usize>,
    /// Objects left out by ignore rules, per kind; only kinds with a count appear.
    #[schemars(schema_with = "per_kind_schema")]
    pub ignored: IndexMap<String, usize>,
    /// Present when the environment has route assertions: how many were checked against the
    /// broker, and those the broker's topology does not satisfy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<Routes>,
}

/// How many objects are in each state.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Counts {
    /// Declared objects the broker does not have.
    pub missing: usize,
    /// Objects the broker has otherwise than declared.
    pub changed: usize,
    /// Objects in scope on the broker that the environment does not declare.
    pub unmanaged: usize,
    /// Live objects outside the managed vhosts and kinds, not checked.
    pub out_of_scope: usize,
    /// Objects left out by ignore rules.
    pub ignored: usize,
}

/// A declared object the broker does not have.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Missing {
    /// The object's identity, as in `warren plan --format json`.
    pub id: ResourceId,
    /// For display only.
    pub address: String,
    /// The declared properties; sensitive ones read "(sensitive)".
    pub declared: Map<String, Value>,
    #[serde(skip)]
    pub kind: &'static str,
}

/// An object the broker has otherwise than declared.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Changed {
    /// The object's identity, as in `warren plan --format json`.
    pub id: ResourceId,
    /// For display only.
    pub address: String,
    /// Repairing it re-creates the object.
    pub replace: bool,
    /// The properties that differ.
    pub fields: Vec<Field>,
    #[serde(skip)]
    pub kind: &'static str,
}

/// An object in scope on the broker that the environment does not declare.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Unmanaged {
    /// The object's identity, as in `warren plan --format json`.
    pub id: ResourceId,
    /// For display only.
    pub address: String,
    /// Prune is on for its kind: apply --allow-destroy deletes it.
    pub pruned: bool,
    #[serde(skip)]
    pub kind: &'static str,
}

/// One property that differs.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Field {
    /// Dotted path of the property, e.g. `definition.message-ttl`.
    pub field: String,
    /// The broker's value; absent when the broker does not set it or the field is sensitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<Value>,
    /// The environment's value; absent when it does not set it or the field is sensitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<Value>,
    /// Repairing this field re-creates the object.
    pub forces_replace: bool,
    /// A password hash: no values are given.
    pub sensitive: bool,
}

/// The route assertions checked against the broker.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Routes {
    /// The environment's route assertions, all checked.
    pub checked: usize,
    /// Those the broker's topology does not satisfy.
    pub failing: Vec<RouteFailure>,
}

/// A route assertion the broker's topology does not satisfy.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RouteFailure {
    /// The vhost the assertion is about.
    pub vhost: String,
    /// The exchange the message is published to; "" is the default exchange.
    pub exchange: String,
    /// The message's routing key.
    pub routing_key: String,
    /// The message's headers (for headers exchanges).
    pub headers: Map<String, Value>,
    /// The queues the assertion names; empty: no queue.
    pub expected: Vec<String>,
    /// The queues the message reaches on the broker; null when it cannot be published.
    pub actual: Option<Vec<String>>,
    /// Why the message cannot be published or predicted (an internal, missing or
    /// plugin-typed exchange).
    pub error: Option<String>,
    /// `ex with key "k" in "/v": expected [q], the broker gives (unroutable)`, for people.
    #[serde(skip)]
    pub line: String,
}

impl DriftDocument {
    pub fn new(report: &DriftReport) -> DriftDocument {
        DriftDocument {
            format_version: FORMAT_VERSION,
            environment: report.environment.clone(),
            in_sync: report.in_sync(),
            counts: Counts {
                missing: report.missing.len(),
                changed: report.changed.len(),
                unmanaged: report.unmanaged.len(),
                out_of_scope: report.out_of_scope_total(),
                ignored: report.ignored_total(),
            },
            missing: report.missing.iter().map(missing).collect(),
            changed: report.changed.iter().map(changed).collect(),
            unmanaged: report.unmanaged.iter().map(unmanaged).collect(),
            out_of_scope: per_kind(&report.out_of_scope),
            ignored: per_kind(&report.ignored),
            // Only environments with route assertions have the key, so others keep their shape.
            routes: (report.routes_checked > 0).then(|| Routes {
                checked: report.routes_checked,
                failing: report.routes.iter().map(route).collect(),
            }),
        }
    }

    /// The failing route assertions; none when the environment has no assertions.
    pub fn failing_routes(&self) -> &[RouteFailure] {
        self.routes.as_ref().map_or(&[], |r| &r.failing)
    }

    /// Objects of `kind` in `state`.
    pub fn count(&self, kind: &str, state: DriftState) -> usize {
        match state {
            DriftState::Missing => self.missing.iter().filter(|m| m.kind == kind).count(),
            DriftState::Changed => self.changed.iter().filter(|c| c.kind == kind).count(),
            DriftState::Unmanaged => self.unmanaged.iter().filter(|u| u.kind == kind).count(),
        }
    }
}

/// The document as pretty-printed JSON, ending in a newline.
pub fn json(document: &DriftDocument) -> String {
    crate::render::json_text::pretty(document)
}

/// The JSON Schema of [`DriftDocument`] (draft-07), as checked in at
/// `schemas/drift.schema.json`.
pub fn schema() -> String {
    crate::render::json_text::schema_of::<DriftDocument>()
}

fn missing(item: &Drifted) -> Missing {
    // Serialising the Resource redacts sensitive properties.
    let declared = item
        .declared
        .as_ref()
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.get("props").and_then(Value::as_object).cloned())
        .unwrap_or_default();
    Missing {
        id: item.id.clone(),
        address: item.id.to_string(),
        declared,
        kind: item.id.kind(),
    }
}

fn changed(item: &Drifted) -> Changed {
    Changed {
        id: item.id.clone(),
        address: item.id.to_string(),
        replace: item.replace,
        fields: item.fields.iter().map(field).collect(),
        kind: item.id.kind(),
    }
}

fn unmanaged(item: &Drifted) -> Unmanaged {
    Unmanaged {
        id: item.id.clone(),
        address: item.id.to_string(),
        pruned: item.pruned,
        kind: item.id.kind(),
    }
}

fn field(diff: &FieldDiff) -> Field {
    let PublishedField {
        field,
        before,
        after,
        forces_replace,
        sensitive,
    } = PublishedField::from(diff);
    Field {
        field,
        live: before,
        declared: after,
        forces_replace,
        sensitive,
    }
}

fn route(drift: &RouteDrift) -> RouteFailure {
    let a = &drift.assertion;
    let (actual, error) = match &drift.failure {
        Failure::Reached(queues) => (Some(queues.clone()), None),
        Failure::Refused(e) => (None, Some(e.to_string())),
    };
    RouteFailure {
        vhost: a.vhost.clone(),
        exchange: a.exchange.clone(),
        routing_key: a.routing_key.clone(),
        headers: a.headers.clone().into_iter().collect(),
        expected: a.expect.clone(),
        actual,
        error,
        line: format!(
            "{} in {:?}: expected {}, the broker gives {}",
            a.describe(),
            a.vhost,
            crate::route::assertion::queue_list(&a.expect),
            drift.failure.describe()
        ),
    }
}

fn per_kind(counts: &std::collections::BTreeMap<&'static str, usize>) -> IndexMap<String, usize> {
    kinds()
        .filter_map(|k| {
            counts
                .get(k)
                .filter(|n| **n > 0)
                .map(|n| (k.to_string(), *n))
        })
        .collect()
}

/// `format_version` is the constant 1, not any integer.
fn format_version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "const": FORMAT_VERSION })
}

/// Objects per kind: a kind's name to a count.
fn per_kind_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = kinds().collect();
    json_schema!({
        "type": "object",
        "additionalProperties": { "type": "integer" },
        "propertyNames": { "enum": names },
    })
}
