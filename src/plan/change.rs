//! A plan is plain data: what changes, field by field, in the order it must happen.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::reason::Reason;
use crate::model::{Resource, ResourceId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    /// A queue re-created with its messages moved to a temporary queue and back.
    Migrate,
}

impl Action {
    /// The object is deleted (and maybe created again): consumers and bindings go with it.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Replace | Action::Delete | Action::Migrate)
    }
}

/// One field's old and new value; `sensitive` values are never shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// Dotted path, e.g. `arguments.x-message-ttl`.
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "redacted")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "redacted")]
    pub after: Option<Value>,
    /// True when changing this field forces the object to be re-created.
    #[serde(default)]
    pub forces_replace: bool,
    #[serde(default)]
    pub sensitive: bool,
}

/// Written values never carry URI credentials (saved plans included).
fn redacted<S: serde::Serializer>(value: &Option<Value>, serializer: S) -> Result<S::Ok, S::Error> {
    value
        .as_ref()
        .map(crate::model::resource::redact_credentials)
        .serialize(serializer)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub id: ResourceId,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Resource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Resource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDiff>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Messages the object holds, for destructive steps on queues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<MessageCount>,
    /// What `apply` refuses about this step unless a flag allows it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<Refusal>,
    /// For `Migrate`: where the messages wait, and what an interrupted run left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<Migration>,
}

impl Change {
    /// After this step the user warren logs in as may not be able to do anything more.
    pub fn locks_out(&self) -> bool {
        self.refusals
            .iter()
            .any(|r| matches!(r, Refusal::Lockout { .. }))
    }

    /// A change of `id`, with what else is known about it filled in afterwards.
    pub fn new(id: ResourceId, action: Action) -> Change {
        Change {
            id,
            action,
            before: None,
            after: None,
            fields: Vec::new(),
            reason: None,
            messages: None,
            refusals: Vec::new(),
            migration: None,
        }
    }
}

/// How a queue's messages are kept while it is re-created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    /// The temporary queue the messages wait in (its name derives from the queue's).
    pub temporary: String,
    /// An earlier apply stopped part-way: the temporary queue (or its shovel) is on the broker.
    pub resumed: bool,
    /// Messages already in the temporary queue (read for a resumed migration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<MessageCount>,
    /// Consumers of the queue when planned; apply checks again before starting.
    #[serde(default)]
    pub consumers: u64,
}

/// A queue's messages as the broker reported them; a queue that is down or has no stats
/// yet reports none, which is never taken as zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageCount {
    Known(u64),
    Unknown,
}

impl MessageCount {
    /// Whether the step may drop messages: some, or an unknown number.
    pub fn at_stake(self) -> bool {
        !matches!(self, MessageCount::Known(0))
    }

    pub fn known(self) -> Option<u64> {
        match self {
            MessageCount::Known(n) => Some(n),
            MessageCount::Unknown => None,
        }
    }
}

/// Why `apply` would refuse a step, and the flag that allows it; `Unsupported` has none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Refusal {
    /// A delete or a replace.
    Destroy,
    /// Messages would be dropped, or how many is not known.
    DataLoss,
    /// The user warren is logged in as would be removed, weakened or locked out.
    Lockout { user: String },
    /// Consumers are connected to a queue a migration re-creates.
    ConsumerDisconnect { consumers: u64 },
    /// The broker cannot do this; no flag makes it possible.
    Unsupported { reason: String },
}

impl Refusal {
    /// The `apply` flag that allows it.
    pub fn flag(&self) -> Option<&'static str> {
        match self {
            Refusal::Destroy => Some("--allow-destroy"),
            Refusal::DataLoss => Some("--allow-data-loss"),
            Refusal::Lockout { .. } => Some("--allow-lockout"),
            Refusal::ConsumerDisconnect { .. } => Some("--allow-consumer-disconnect"),
            Refusal::Unsupported { .. } => None,
        }
    }

    pub fn allowed_by(&self, allowed: &Allowed) -> bool {
        match self {
            Refusal::Destroy => allowed.destroy,
            Refusal::DataLoss => allowed.data_loss,
            Refusal::Lockout { .. } => allowed.lockout,
            Refusal::ConsumerDisconnect { .. } => allowed.consumer_disconnect,
            Refusal::Unsupported { .. } => false,
        }
    }
}

/// The `apply` flags given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    pub destroy: bool,
    pub data_loss: bool,
    pub lockout: bool,
    pub consumer_disconnect: bool,
}
