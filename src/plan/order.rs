//! Execution order: deletes from the highest dependency level down, then creates and
//! updates from the lowest up; a Replace takes part in both. Ties keep identity order.

use super::types::{Action, Plan};

/// Which half of a change a step performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Remove,
    Put,
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
        let steps = indexes(plan, level, |a| !matches!(a, Action::Delete));
        if !steps.is_empty() {
            out.push(Stage {
                phase: Phase::Put,
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
