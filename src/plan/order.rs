//! Execution order: deletes from the highest dependency level down, then creates and
//! updates from the lowest up; a Replace takes part in both. Ties keep identity order.
//! Steps that lock out the user warren logs in as come last, once nothing else needs it.

use super::migrations::Migrating;
use super::{Action, Change, Plan};

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
    removes_and_puts(plan, &mut out, |c| !c.locks_out());
    for level in 0..=4u8 {
        let steps = indexes(plan, level, |c| c.action == Action::Migrate);
        if !steps.is_empty() {
            out.push(Stage {
                phase: Phase::Migrate,
                level,
                steps,
            });
        }
    }
    removes_and_puts(plan, &mut out, Change::locks_out);
    out
}

/// The Remove stages (highest level first), then the Put stages, of the changes `chosen` keeps.
fn removes_and_puts(plan: &Plan, out: &mut Vec<Stage>, chosen: impl Fn(&Change) -> bool) {
    for level in (0..=4u8).rev() {
        let steps = indexes(plan, level, |c| {
            chosen(c) && matches!(c.action, Action::Delete | Action::Replace)
        });
        if !steps.is_empty() {
            out.push(Stage {
                phase: Phase::Remove,
                level,
                steps,
            });
        }
    }
    let migrating = Migrating::of(plan);
    for level in 0..=4u8 {
        let mut steps = indexes(plan, level, |c| {
            chosen(c) && !matches!(c.action, Action::Delete | Action::Migrate)
        });
        steps.retain(|&i| migrating.destination(&plan.changes[i].id).is_none());
        if !steps.is_empty() {
            out.push(Stage {
                phase: Phase::Put,
                level,
                steps,
            });
        }
    }
}

fn indexes(plan: &Plan, level: u8, wanted: impl Fn(&Change) -> bool) -> Vec<usize> {
    let mut steps: Vec<usize> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.id.level() == level && wanted(c))
        .map(|(i, _)| i)
        .collect();
    steps.sort_by(|a, b| plan.changes[*a].id.cmp(&plan.changes[*b].id));
    steps
}
