//! The plan as one versioned document, decoupled from the internal Plan. `--format json` is
//! this document as it is (saved by CI, read by PR bots and audit logs),
//! `schemas/plan.schema.json` is generated from it, and the human, Markdown and Mermaid
//! formats render from it, so no format can say what another does not.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::ResourceId;
use crate::plan::routing::RoutingChange;

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
    /// For `lockout`: the user warren is logged in as, whom the change removes or weakens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// For `consumer_disconnect`: how many consumers the queue had when planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumers: Option<u64>,
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
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDoc {
    /// The object's identity: its `kind` and the fields that name it.
    pub id: ResourceId,
    /// The object as people read it, e.g. `queue "q.orders" in "/prod"`. For display only:
    /// match on `id`, whose fields are stable.
    pub address: String,
    /// What happens to the object.
    pub action: ActionDoc,
    /// True for `replace`, `migrate` and `delete`: the object is removed, and for a queue its
    /// messages too unless it migrates. `warren apply` refuses destructive changes without
    /// `--allow-destroy`.
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
    /// What the Markdown plan's topology picture draws of the object beyond its changed
    /// fields. Not published: the JSON says what changes, not the whole object.
    #[serde(skip)]
    pub drawing: Drawing,
}

/// An exchange or queue as the topology picture draws it, read from the object as it will be
/// (as it was, for a delete), whichever of its fields change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drawing {
    /// An exchange's type: `direct`, `topic`, ...
    pub exchange_type: Option<String>,
    /// A queue's `x-dead-letter-exchange`.
    pub dead_letter_exchange: Option<String>,
}

impl ChangeDoc {
    /// What a migration does, in one phrase; None for other changes.
    pub fn migration_summary(&self) -> Option<&str> {
        self.migration
            .as_ref()
            .filter(|_| self.action == ActionDoc::Migrate)
            .map(|m| m.summary.as_str())
    }

    /// Whether the broker was asked how many messages the queue holds: a count, or unknown.
    pub fn messages_read(&self) -> bool {
        self.messages.is_some() || self.messages_unknown
    }
}

/// Equal when what is published is: the drawing, which the JSON leaves out, does not count,
/// so a document read back from its JSON equals the one written.
impl PartialEq for ChangeDoc {
    fn eq(&self, other: &Self) -> bool {
        let ChangeDoc {
            id,
            address,
            action,
            destructive,
            messages,
            messages_unknown,
            refusals,
            migration,
            reason,
            fields,
            drawing: _,
        } = self;
        (
            id,
            address,
            action,
            destructive,
            messages,
            messages_unknown,
            refusals,
            migration,
            reason,
            fields,
        ) == (
            &other.id,
            &other.address,
            &other.action,
            &other.destructive,
            &other.messages,
            &other.messages_unknown,
            &other.refusals,
            &other.migration,
            &other.reason,
            &other.fields,
        )
    }
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

/// `format_version` is the constant 1, not any integer.
fn format_version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "const": FORMAT_VERSION })
}
