//! What the broker does by itself when a plan is applied.

use super::scope::Scope;
use super::{Action, Note, Plan};
use crate::model::{ResourceId, State};

/// The broker grants the login user full permissions on every vhost it creates through the
/// HTTP API. warren keeps that grant (the management API refuses declarations in a vhost
/// where the user has none), so when the environment does not declare it, say so up front.
pub fn vhost_grants(plan: &Plan, desired: &State, scope: &Scope, login: &str) -> Vec<Note> {
    plan.changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .filter_map(|c| match &c.id {
            ResourceId::Vhost { name } => Some(name),
            _ => None,
        })
        .filter(|vhost| {
            let grant = ResourceId::Permission {
                vhost: (*vhost).clone(),
                user: login.to_string(),
            };
            !desired.contains(&grant) && scope.contains(&grant)
        })
        .map(|vhost| Note::GrantOnVhostCreation {
            user: login.to_string(),
            vhost: vhost.clone(),
        })
        .collect()
}
