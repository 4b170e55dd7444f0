//! Queues re-created with their messages kept: which replaces become migrations, the names
//! of what a migration puts on the broker, and migrations an earlier apply left unfinished.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use super::reason::Reason;
use super::{Action, Change, Migration, Plan};
use crate::model::{DestinationType, Resource, ResourceId, State};

/// Marks the temporary queues; never used by anything but warren.
const PREFIX: &str = "warren.migrating.";
/// RabbitMQ's limit on a queue name.
const MAX_NAME: usize = 255;

/// The temporary queue for `queue`: deterministic, so a rerun finds it, and within 255 bytes.
pub fn temporary_name(queue: &str) -> String {
    let whole = format!("{PREFIX}{queue}");
    if whole.len() <= MAX_NAME {
        return whole;
    }
    let digest = Sha256::digest(queue.as_bytes());
    let tag: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let mut cut = MAX_NAME - PREFIX.len() - tag.len() - 1;
    while !queue.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{PREFIX}{}.{tag}", &queue[..cut])
}

/// The dynamic shovel moving the messages of `from` (its name derives from the temporary
/// queue's, so that a rerun finds it).
pub fn shovel_name(temporary: &str, back: bool) -> String {
    format!("{temporary}.{}", if back { "back" } else { "out" })
}

/// What an earlier apply left: a temporary queue (with its bindings and shovels) of `queue`.
#[derive(Clone, Debug, PartialEq)]
pub struct Interrupted {
    pub vhost: String,
    pub queue: String,
    pub temporary: String,
    /// Bindings the temporary queue holds: the queue's own, copied before it was deleted.
    pub bindings: Vec<ResourceId>,
}

/// Takes the temporary queues, their bindings and shovels out of the live state (they are
/// never unmanaged nor pruned) and says which declared queue each belongs to.
pub fn take_interrupted(live: &mut State, desired: &State) -> Vec<Interrupted> {
    let mut found = Vec::new();
    let left_in = vhosts_with_leftovers(live);
    if left_in.is_empty() {
        return found;
    }
    let queues: Vec<(String, String)> = desired
        .iter()
        .filter_map(|(id, _)| match id {
            ResourceId::Queue { vhost, name } if left_in.contains(vhost) => {
                Some((vhost.clone(), name.clone()))
            }
            _ => None,
        })
        .collect();
    for (vhost, queue) in &queues {
        let temporary = temporary_name(queue);
        let id = ResourceId::Queue {
            vhost: vhost.clone(),
            name: temporary.clone(),
        };
        let shovels: Vec<ResourceId> = [false, true]
            .into_iter()
            .map(|back| ResourceId::Parameter {
                vhost: vhost.clone(),
                component: "shovel".into(),
                name: shovel_name(&temporary, back),
            })
            .filter(|s| live.contains(s))
            .collect();
        if !live.contains(&id) && shovels.is_empty() {
            continue;
        }
        live.remove(&id);
        for shovel in &shovels {
            live.remove(shovel);
        }
        let bindings: Vec<ResourceId> = live
            .iter()
            .map(|(b, _)| b.clone())
            .filter(|b| bound_to(b, vhost, &temporary))
            .collect();
        for binding in &bindings {
            live.remove(binding);
        }
        found.push(Interrupted {
            vhost: vhost.clone(),
            queue: queue.clone(),
            temporary,
            bindings,
        });
    }
    found
}

/// The vhosts holding a temporary queue or shovel of some migration: one walk over the
/// state, so that a vhost without any costs no lookup per migrating queue.
fn vhosts_with_leftovers(live: &State) -> BTreeSet<String> {
    live.iter()
        .filter_map(|(id, _)| match id {
            ResourceId::Queue { vhost, name } if name.starts_with(PREFIX) => Some(vhost),
            ResourceId::Parameter {
                vhost,
                component,
                name,
            } if component == "shovel" && name.starts_with(PREFIX) => Some(vhost),
            _ => None,
        })
        .cloned()
        .collect()
}

fn bound_to(id: &ResourceId, in_vhost: &str, queue: &str) -> bool {
    matches!(id, ResourceId::Binding { vhost, destination_type: DestinationType::Queue, destination, .. }
        if vhost == in_vhost && destination == queue)
}

/// Turns the replaces of migrating queues into migrations, and resumes what an earlier
/// apply left: the queue's change becomes a migration even where the queue already matches.
pub fn plan_migrations(
    plan: &mut Plan,
    migrating: &BTreeSet<(String, String)>,
    interrupted: &[Interrupted],
    desired: &State,
    live: &State,
) {
    for change in &mut plan.changes {
        let ResourceId::Queue { vhost, name } = &change.id else {
            continue;
        };
        if change.action == Action::Replace && migrating.contains(&(vhost.clone(), name.clone())) {
            change.action = Action::Migrate;
            change.migration = Some(Migration {
                temporary: temporary_name(name),
                resumed: false,
                waiting: None,
                consumers: 0,
            });
        }
    }
    for left in interrupted {
        resume(plan, left, desired, live);
    }
}

fn resume(plan: &mut Plan, left: &Interrupted, desired: &State, live: &State) {
    let id = ResourceId::Queue {
        vhost: left.vhost.clone(),
        name: left.queue.clone(),
    };
    let migration = Migration {
        temporary: left.temporary.clone(),
        resumed: true,
        waiting: None,
        consumers: 0,
    };
    match plan.changes.iter_mut().find(|c| c.id == id) {
        Some(change) => {
            change.action = Action::Migrate;
            change.migration = Some(migration);
            change.reason = Some(resumed(&left.temporary));
        }
        None => {
            // The queue already has its new form: only the move back is left.
            let Some(after) = desired.get(&id).or_else(|| live.get(&id)) else {
                return;
            };
            plan.changes.push(Change {
                before: live.get(&id).cloned(),
                after: Some(after.clone()),
                reason: Some(resumed(&left.temporary)),
                migration: Some(migration),
                ..Change::new(id.clone(), Action::Migrate)
            });
        }
    }
    // The queue's own bindings wait on the temporary queue: put back those still missing.
    for binding in &left.bindings {
        let ResourceId::Binding {
            vhost,
            source,
            destination_type,
            routing_key,
            arguments,
            ..
        } = binding
        else {
            continue;
        };
        let on_queue = ResourceId::Binding {
            vhost: vhost.clone(),
            source: source.clone(),
            destination_type: *destination_type,
            destination: left.queue.clone(),
            routing_key: routing_key.clone(),
            arguments: arguments.clone(),
        };
        let planned = plan.changes.iter().any(|c| c.id == on_queue);
        if planned || live.contains(&on_queue) {
            continue;
        }
        plan.changes.push(Change {
            after: Some(Resource::new()),
            reason: Some(Reason::KeptByTemporaryQueue {
                temporary: left.temporary.clone(),
            }),
            ..Change::new(on_queue, Action::Create)
        });
    }
    plan.changes
        .sort_by(|a, b| (a.id.level(), &a.id).cmp(&(b.id.level(), &b.id)));
}

fn resumed(temporary: &str) -> Reason {
    Reason::MigrationResumed {
        temporary: temporary.to_string(),
    }
}

/// Whether `binding` delivers to `queue`.
pub fn binds_to(binding: &ResourceId, queue: &ResourceId) -> bool {
    match (binding, queue) {
        (
            ResourceId::Binding {
                vhost,
                destination_type: DestinationType::Queue,
                destination,
                ..
            },
            ResourceId::Queue { vhost: v, name },
        ) => vhost == v && destination == name,
        _ => false,
    }
}

/// The plan's migrating queues, found once for the many bindings asked about.
pub struct Migrating<'a>(Vec<&'a Change>);

impl<'a> Migrating<'a> {
    pub fn of(plan: &'a Plan) -> Self {
        Self(
            plan.changes
                .iter()
                .filter(|c| c.action == Action::Migrate)
                .collect(),
        )
    }

    /// The queue a binding change belongs to when that queue migrates: the migration
    /// creates it.
    pub fn destination(&self, binding: &ResourceId) -> Option<&'a Change> {
        self.0.iter().copied().find(|c| binds_to(binding, &c.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_stable_and_fit() {
        assert_eq!(temporary_name("q.orders"), "warren.migrating.q.orders");
        let long = "é".repeat(200);
        let name = temporary_name(&long);
        assert!(name.len() <= 255, "{}", name.len());
        assert_eq!(name, temporary_name(&long));
        assert_ne!(name, temporary_name(&format!("{long}x")));
        assert_eq!(
            shovel_name("warren.migrating.q", true),
            "warren.migrating.q.back"
        );
    }
}
