//! What the plan layer needs from the environment besides its desired state.

use std::collections::BTreeSet;

use crate::config::validate::routes;
use crate::config::Environment;
use crate::plan::scope::{IgnoreRules, ALL_KINDS};
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

// Built here, where the environment is at hand: the plan layer never reads it.
impl Scope {
    /// The vhosts and kinds the environment manages, where it prunes, and what it ignores.
    pub fn of(env: &Environment) -> Self {
        Scope {
            vhosts: env.managed_vhosts().into_iter().collect(),
            kinds: ALL_KINDS
                .into_iter()
                .filter(|k| env.manages_kind(*k))
                .collect(),
            prune: ALL_KINDS.into_iter().filter(|k| env.prunes(*k)).collect(),
            ignore: ignore_rules(env),
        }
    }
}

/// The environment's `ignore:` patterns; validation has already refused those that do not compile.
fn ignore_rules(env: &Environment) -> IgnoreRules {
    let mut rules = IgnoreRules::default();
    for kind in ALL_KINDS {
        for pattern in env.ignore_patterns(kind) {
            if let Err(reason) = rules.add(kind, pattern) {
                tracing::warn!(pattern, %reason, "ignore pattern skipped");
            }
        }
    }
    rules
}
