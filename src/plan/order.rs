//! Execution order: deletes from the highest dependency level down, then creates and
//! updates from the lowest up; a Replace takes part in both. Ties keep identity order.

use super::migrations::migrating_destination;
use super::types::{Action, Plan};

/// Which half of a change a step performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Remove,
    Put,
    /// Queues re-created with their messages kept, after everything else is in place (their
    /// new bindings may come from exchanges the plan creates); the migration creates the
    /// queue's bindings itself.
    Migrate,
}

/// One stage: steps that may run concurrently (indexes into `plan.changes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub phase: Phase,
    pub level: u8,
    pub steps: Vec<usize>,
}

pub fn stages(plan: &Plan) -> Vec<Stage> {
    let mut out = Vec::new();
    for level in (0..=4u8).rev() {
        let steps: Vec<usize> = indexes(plan, level, |a| {
            matches!(a, Action::Delete | Action::Replace)
        });
        if !steps.is_empty() {
            out.push(Stage {
                phase: Phase::Remove,
                level,
                steps,
            });
        }
    }
    for level in 0..=4u8 {
        let mut steps = indexes(plan, level, |a| {
            !matches!(a, Action::Delete | Action::Migrate)
        });
        steps.retain(|&i| migrating_destination(plan, &plan.changes[i].id).is_none());
        if !steps.is_empty() {
            out.push(Stage {
                phase: Phase::Put,
                level,
                steps,
            });
        }
    }
    for level in 0..=4u8 {
        let steps = indexes(plan, level, |a| a == Action::Migrate);
        if !steps.is_empty() {
            out.push(Stage {
                phase: Phase::Migrate,
                level,
                steps,
            });
        }
    }
    out
}

fn indexes(plan: &Plan, level: u8, wanted: impl Fn(Action) -> bool) -> Vec<usize> {
    let mut steps: Vec<usize> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.id.level() == level && wanted(c.action))
        .map(|(i, _)| i)
        .collect();
    steps.sort_by(|a, b| plan.changes[*a].id.cmp(&plan.changes[*b].id));
    steps
}
