//! What the plan layer needs from the environment besides its desired state.

use std::collections::BTreeSet;

use crate::config::validate::routes;
use crate::config::Environment;
use crate::plan::Scope;
use crate::route::assertion::Assertion;

pub struct FromEnvironment {
    pub scope: Scope,
    /// Queues `(vhost, name)` declared with `on_replace: migrate`.
    pub migrating: BTreeSet<(String, String)>,
    pub assertions: Vec<Assertion>,
}

impl FromEnvironment {
    pub fn of(env: &Environment) -> Self {
        FromEnvironment {
            scope: Scope::of(env),
            migrating: env.migrating_queues().into_iter().collect(),
            assertions: routes::assertions(env)
                .into_iter()
                .map(|(_, _, assertion)| assertion)
                .collect(),
        }
    }
}
