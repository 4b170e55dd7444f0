//! A plan as a whole: its changes in execution order, and what it leaves alone or sets off.
//! Internal: every output format renders the published `render::plan::PlanDocument`.

use serde::{Deserialize, Serialize};

use super::change::{Action, Allowed, Change, Refusal};
use crate::model::ResourceId;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub migrate: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub environment: String,
    /// In execution order: deletes (reverse dependency order), then creates and updates.
    pub changes: Vec<Change>,
    /// Objects in scope that the environment does not declare and does not prune.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<ResourceId>,
    /// What the broker will do by itself as a consequence of the plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Messages that go elsewhere once the plan is applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing: Vec<super::routing::RoutingChange>,
}

/// Something the broker does by itself when the plan is applied, worth knowing beforehand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Note {
    /// Creating a vhost grants the login user full permissions on it, and the environment
    /// does not declare that permission.
    GrantOnVhostCreation { user: String, vhost: String },
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Every refusal of every step that `allowed` does not allow, in plan order.
    pub fn refused(&self, allowed: &Allowed) -> Vec<(&Change, &Refusal)> {
        self.changes
            .iter()
            .flat_map(|c| c.refusals.iter().map(move |r| (c, r)))
            .filter(|(_, r)| !r.allowed_by(allowed))
            .collect()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
                Action::Migrate => s.migrate += 1,
            }
        }
        s
    }
}
