//! `warren plan --format json`: a versioned document for CI, decoupled from the internal Plan.
//! Its JSON Schema (`schemas/plan.schema.json`) is generated from these types.

use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::resource::SENSITIVE_FIELDS;
use crate::model::{Resource, ResourceId};
use crate::plan::routing::RoutingChange;
use crate::plan::{Action, Allowed, Change, FieldDiff, MessageCount, Plan, Refusal};
use crate::render::published_field::PublishedField;

/// Bumped only when a field changes meaning or disappears.
pub const FORMAT_VERSION: u32 = 1;

/// What `warren plan` would change on the broker, for machines (CI gates, PR bots, audit logs).
/// `password_hash` values are never included: sensitive fields carry `"sensitive": true` and
/// no values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "warren plan")]
pub struct PlanDocument {
    /// Version of this format: 1. A consumer should refuse a version it does not know.
    #[schemars(schema_with = "format_version_schema")]
    pub format_version: u32,
    /// The environment the plan was made for (its folder name, or the path given to `--env`).
    pub environment: String,
    /// How many changes of each action the plan holds.
    pub summary: SummaryDoc,
    /// Every change, ordered by dependency level (vhosts and users first, policies last), then
    /// by identity. `warren apply` removes from the highest level down, then creates and
    /// updates from the lowest up. Empty when the broker already matches the environment.
    pub changes: Vec<ChangeDoc>,
    /// Objects in scope that the environment does not declare and whose kind is not pruned:
    /// left alone by apply, listed so they can be declared or pruned.
    pub unmanaged: Vec<ResourceId>,
    /// Every `warren apply` flag this plan needs (`--allow-destroy`, `--allow-data-loss`,
    /// `--allow-lockout`, `--allow-consumer-disconnect`); each change's `refusals` say why.
    #[serde(default)]
    pub flags_needed: Vec<String>,
    /// True when some change cannot be applied whatever the flags (a refusal of kind
    /// `unsupported`): `warren apply` refuses the whole plan.
    #[serde(default)]
    pub blocked: bool,
    /// What the broker does by itself when the plan is applied, as sentences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Messages whose destinations differ before and after the plan: the environment's route
    /// assertions, and the keys of the bindings involved in a changed binding, exchange, queue
    /// or policy. Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_changes: Vec<RoutingChange>,
}

/// Why `warren apply` refuses a change unless a flag allows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusalDoc {
    pub kind: RefusalKindDoc,
    /// The flag that allows it; absent for `unsupported`, which no flag allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// The refusal as people read it.
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKindDoc {
    /// A delete or replace (`--allow-destroy`).
    Destroy,
    /// The queue holds messages, or does not report how many (`--allow-data-loss`).
    DataLoss,
    /// The change removes or weakens the user warren is logged in as (`--allow-lockout`).
    Lockout,
    /// Consumers would be disconnected (`--allow-consumer-disconnect`).
    ConsumerDisconnect,
    /// The broker cannot apply the change at all.
    Unsupported,
}

/// Change counts by action.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryDoc {
    /// Objects to create.
    pub create: usize,
    /// Objects to update in place.
    pub update: usize,
    /// Objects to delete and re-create (destructive).
    pub replace: usize,
    /// Objects to delete (destructive).
    pub delete: usize,
    /// Queues to re-create with their messages moved out and back (`on_replace: migrate`).
    #[serde(default)]
    pub migrate: usize,
}

/// One change to one object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDoc {
    /// The object's identity: its `kind` and the fields that name it.
    pub id: ResourceId,
    /// The object as people read it, e.g. `queue "q.orders" in "/prod"`. For display only:
    /// match on `id`, whose fields are stable.
    pub address: String,
    /// What happens to the object.
    pub action: ActionDoc,
    /// True for `replace` and `delete`: the object, and for a queue its messages, is removed.
    /// `warren apply` refuses destructive changes without `--allow-destroy`.
    pub destructive: bool,
    /// Messages the queue holds, read from the broker for destructive changes to queues; absent
    /// when not read. `warren apply` refuses to drop messages without `--allow-data-loss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<u64>,
    /// True when the queue does not report its messages (it is down, or has no stats yet):
    /// `messages` is then absent and the count is never taken as zero.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub messages_unknown: bool,
    /// What `warren apply` refuses about this change unless given the flag named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<RefusalDoc>,
    /// For `migrate`: the temporary queue and what an interrupted run left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<MigrationDoc>,
    /// Why warren plans this change when the environment files do not say so directly, e.g. a
    /// binding re-created because the broker drops it with a replaced queue. For display only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Field by field: for `update` and `replace`, the fields that differ; for `create`, every
    /// field set (no `before`); for `delete`, every field removed (no `after`). Maps such as
    /// `arguments`, `definition` and `value` are listed key by key (`arguments.x-message-ttl`).
    pub fields: Vec<FieldDoc>,
}

/// What happens to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionDoc {
    /// The object does not exist on the broker and will be created.
    Create,
    /// The object exists and will be changed in place.
    Update,
    /// A field that the broker cannot change in place differs: the object will be deleted and
    /// created again (a queue loses its messages, an exchange or queue its bindings).
    Replace,
    /// The object exists on the broker, is not declared, and its kind is pruned: it will be
    /// deleted.
    Delete,
    /// A queue with `on_replace: migrate` whose type or arguments changed: its messages are
    /// moved to a temporary queue by a shovel, the queue is deleted and declared again, and
    /// the messages are moved back, in order. Needs `--allow-destroy` (consumers are
    /// disconnected), not `--allow-data-loss`.
    Migrate,
}

/// How a migrating queue keeps its messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrationDoc {
    /// The temporary queue the messages wait in while the queue is re-created.
    pub temporary_queue: String,
    /// True when an earlier apply stopped part-way and this one finishes it.
    pub resumed: bool,
    /// Messages already waiting in the temporary queue, when resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u64>,
    /// The change in one phrase, e.g. `x-queue-type classic -> quorum; 1,204 messages will
    /// be moved, not dropped`. For display only.
    pub summary: String,
}

/// One field's value before and after the change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDoc {
    /// The field, as the broker's HTTP API names it; a key inside a map follows a dot
    /// (`arguments.x-message-ttl`, `definition.ha-mode`).
    pub field: String,
    /// The live value; absent when the field is not set on the broker, or is sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value after the change; absent when the change removes the field, or it is
    /// sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// True when the broker cannot change this field in place, so the change is a `replace`
    /// (a queue's durability or arguments, `x-queue-type` included; an exchange's type).
    pub forces_replace: bool,
    /// True for secrets (`password_hash`): `before` and `after` are then always absent.
    pub sensitive: bool,
}

/// The plan as pretty-printed JSON, ending in a newline.
pub fn render(plan: &Plan) -> String {
    super::json_text::pretty(&document(plan))
}

/// The JSON Schema of [`PlanDocument`] (draft-07), as checked in at `schemas/plan.schema.json`.
pub fn schema() -> String {
    super::json_text::schema_of::<PlanDocument>()
}

pub fn document(plan: &Plan) -> PlanDocument {
    let s = plan.summary();
    PlanDocument {
        format_version: FORMAT_VERSION,
        environment: plan.environment.clone(),
        summary: SummaryDoc {
            create: s.create,
            update: s.update,
            replace: s.replace,
            delete: s.delete,
            migrate: s.migrate,
        },
        changes: plan.changes.iter().map(change_doc).collect(),
        unmanaged: plan.unmanaged.clone(),
        flags_needed: super::refusals::flags_needed(plan, &Allowed::default())
            .into_iter()
            .map(str::to_string)
            .collect(),
        blocked: super::refusals::has_unsupported(plan),
        notes: plan.notes.iter().map(super::notes::sentence).collect(),
        routing_changes: plan.routing.clone(),
    }
}

fn refusal_doc(change: &Change, refusal: &Refusal) -> RefusalDoc {
    let kind = match refusal {
        Refusal::Destroy => RefusalKindDoc::Destroy,
        Refusal::DataLoss => RefusalKindDoc::DataLoss,
        Refusal::Lockout { .. } => RefusalKindDoc::Lockout,
        Refusal::ConsumerDisconnect { .. } => RefusalKindDoc::ConsumerDisconnect,
        Refusal::Unsupported { .. } => RefusalKindDoc::Unsupported,
    };
    RefusalDoc {
        kind,
        flag: refusal.flag().map(str::to_string),
        reason: super::refusals::reason(change, refusal),
    }
}

fn change_doc(change: &Change) -> ChangeDoc {
    ChangeDoc {
        id: ResourceId::clone(&change.id),
        address: change.id.to_string(),
        action: ActionDoc::from(change.action),
        destructive: change.action.is_destructive(),
        messages: change.messages.and_then(MessageCount::known),
        messages_unknown: change.messages == Some(MessageCount::Unknown),
        refusals: change
            .refusals
            .iter()
            .map(|r| refusal_doc(change, r))
            .collect(),
        migration: change.migration.as_ref().map(|m| MigrationDoc {
            temporary_queue: m.temporary.clone(),
            resumed: m.resumed,
            waiting: m.waiting.and_then(MessageCount::known),
            summary: super::migration::summary(change).unwrap_or_default(),
        }),
        reason: change.reason.as_ref().map(ToString::to_string),
        fields: change_fields(change).iter().map(FieldDoc::from).collect(),
    }
}

/// A change's fields: the diff for updates and replaces, every property for creates and deletes.
pub fn change_fields(change: &Change) -> Vec<FieldDiff> {
    match change.action {
        Action::Update | Action::Replace | Action::Migrate => change.fields.clone(),
        Action::Create => change
            .after
            .as_ref()
            .map(|r| whole(r, false))
            .unwrap_or_default(),
        Action::Delete => change
            .before
            .as_ref()
            .map(|r| whole(r, true))
            .unwrap_or_default(),
    }
}

/// Every property of one side, maps opened one level as `diff` compares them.
fn whole(resource: &Resource, removed: bool) -> Vec<FieldDiff> {
    let mut rows = Vec::new();
    let mut push = |field: String, value: &Value, sensitive: bool| {
        let value = (!sensitive).then(|| value.clone());
        let (before, after) = if removed {
            (value, None)
        } else {
            (None, value)
        };
        rows.push(FieldDiff {
            field,
            before,
            after,
            forces_replace: false,
            sensitive,
        });
    };
    for (name, value) in &resource.props {
        let sensitive = SENSITIVE_FIELDS.contains(&name.as_str());
        match value {
            Value::Object(map) if !sensitive => {
                for (key, v) in map {
                    push(format!("{name}.{key}"), v, false);
                }
            }
            other => push(name.clone(), other, sensitive),
        }
    }
    rows
}

impl From<&FieldDiff> for FieldDoc {
    fn from(diff: &FieldDiff) -> Self {
        let PublishedField {
            field,
            before,
            after,
            forces_replace,
            sensitive,
        } = PublishedField::from(diff);
        FieldDoc {
            field,
            before,
            after,
            forces_replace,
            sensitive,
        }
    }
}

impl From<Action> for ActionDoc {
    fn from(action: Action) -> Self {
        match action {
            Action::Create => ActionDoc::Create,
            Action::Update => ActionDoc::Update,
            Action::Replace => ActionDoc::Replace,
            Action::Delete => ActionDoc::Delete,
            Action::Migrate => ActionDoc::Migrate,
        }
    }
}

/// `format_version` is the constant 1, not any integer.
fn format_version_schema(_: &mut SchemaGenerator) -> Schema {
    Schema::Object(SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        const_value: Some(Value::from(FORMAT_VERSION)),
        ..SchemaObject::default()
    })
}
