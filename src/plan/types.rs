//! A plan is plain data: what changes, field by field, in the order it must happen.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Resource, ResourceId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Replace | Action::Delete)
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
    /// For display only; apply never reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Messages the object holds, for destructive steps on queues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub environment: String,
    /// In execution order: deletes (reverse dependency order), then creates and updates.
    pub changes: Vec<Change>,
    /// Objects in scope that the environment does not declare and does not prune.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<ResourceId>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
            }
        }
        s
    }
}
