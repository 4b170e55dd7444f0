//! Executes a plan stage by stage, with bounded concurrency inside a stage and the
//! destructive-step guards; stops launching steps at the first failure.

pub mod bulk;
pub mod error;
pub mod guard;
pub mod holder;
mod import_check;
pub mod lock;
pub mod migrate;
pub mod planned;
pub mod progress;
pub mod protocol;
pub mod request;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::stream::{self, StreamExt};

use crate::broker::{BrokerError, HttpBroker};
use crate::model::ResourceId;
use crate::plan::order::{stages, Phase};
use crate::plan::{Action, Change, Plan};
use error::ApplyError;
use import_check::missing_after_import;
use progress::Progress;
use request::Request;

#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions {
    pub concurrency: usize,
    pub allow_data_loss: bool,
    pub migrate: migrate::MigrateOptions,
}

/// What happened: steps done, and the first failure if there was one.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub done: usize,
    pub total: usize,
    pub failure: Option<(String, String)>,
}

/// Runs the plan; `stop` (set by the caller when the apply lock is lost, and by the first
/// failure) keeps any further step from starting.
pub async fn execute(
    broker: &HttpBroker,
    plan: &Plan,
    options: ApplyOptions,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> ApplyReport {
    let all = stages(plan);
    let total: usize = all.iter().map(|s| s.steps.len()).sum();
    let done = AtomicUsize::new(0);
    let failed = stop;
    let mut failure = None;
    // Creates from exchanges up, sent in one import before the first of their stages.
    let merged = bulk::merged(plan);
    let in_merged: HashSet<usize> = merged.iter().copied().collect();
    let mut merged_left = !merged.is_empty();
    for stage in all {
        if failed.load(Ordering::SeqCst) {
            break;
        }
        if merged_left && stage.phase == Phase::Put && stage.level >= 2 {
            merged_left = false;
            let progress_of = (&done, failed);
            failure = import(broker, plan, &merged, progress_of, total, options, progress).await;
            if failure.is_some() {
                break;
            }
        }
        let steps: Vec<usize> = stage
            .steps
            .iter()
            .copied()
            .filter(|index| !in_merged.contains(index))
            .collect();
        if steps.is_empty() {
            continue;
        }
        if stage.phase == Phase::Migrate {
            failure = migrations(broker, plan, &steps, options, (&done, total), progress).await;
            if failure.is_some() {
                break;
            }
            continue;
        }
        let (bulk, single): (Vec<usize>, Vec<usize>) = steps
            .iter()
            .partition(|&&i| bulk::eligible(&plan.changes[i], stage.phase));
        let (bulk, single) = if bulk.len() >= bulk::BULK_MIN {
            (bulk, single)
        } else {
            (Vec::new(), steps.clone())
        };
        let imports = bulk
            .chunks(bulk::BULK_CHUNK)
            .map(|chunk| Work::Import(chunk.to_vec()));
        let work: Vec<Work> = imports
            .chain(lanes(plan, &single).into_iter().map(Work::Steps))
            .collect();
        let results: Vec<Option<(String, String)>> = stream::iter(work)
            .map(|work| {
                let (done, failed) = (&done, failed);
                async move {
                    let lane = match work {
                        Work::Steps(lane) => lane,
                        Work::Import(chunk) => {
                            return import(
                                broker,
                                plan,
                                &chunk,
                                (done, failed),
                                total,
                                options,
                                progress,
                            )
                            .await
                        }
                    };
                    for index in lane {
                        let change = &plan.changes[index];
                        if failed.load(Ordering::SeqCst) {
                            return None;
                        }
                        match run_step(broker, change, stage.phase, options).await {
                            Ok(()) => {
                                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                                let what =
                                    format!("{} {}", verb(change.action, stage.phase), change.id);
                                progress.step(n, total, &what);
                            }
                            Err(reason) => {
                                failed.store(true, Ordering::SeqCst);
                                return Some((change.id.to_string(), reason.to_string()));
                            }
                        }
                    }
                    None
                }
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        if let Some(first) = results.into_iter().flatten().next() {
            failure = Some(first);
            break;
        }
    }
    ApplyReport {
        done: done.load(Ordering::SeqCst),
        total,
        failure,
    }
}

/// Migrations side by side, up to `--concurrency` at once (each mostly waits on its shovels
/// and the broker's statistics); a failed one leaves its queue to the next apply, which
/// resumes it, while the others finish.
async fn migrations(
    broker: &HttpBroker,
    plan: &Plan,
    steps: &[usize],
    options: ApplyOptions,
    (done, total): (&AtomicUsize, usize),
    progress: &dyn Progress,
) -> Option<(String, String)> {
    let results: Vec<Option<(String, String)>> = stream::iter(steps)
        .map(|&index| async move {
            let change = &plan.changes[index];
            match migrate::migrate(broker, plan, change, options.migrate, progress).await {
                Ok(moved) => {
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    let what = format!(
                        "migrated {} ({} messages before, {} after)",
                        change.id, moved.before, moved.after
                    );
                    progress.step(n, total, &what);
                    None
                }
                Err(reason) => Some((change.id.to_string(), reason.to_string())),
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    results.into_iter().flatten().next()
}

/// A unit of concurrent work inside a stage.
enum Work {
    /// Steps run one after another.
    Steps(Vec<usize>),
    /// Creates sent as one definitions import.
    Import(Vec<usize>),
}

/// One definitions import for a chunk of creates; progress is reported per object.
async fn import(
    broker: &HttpBroker,
    plan: &Plan,
    chunk: &[usize],
    (done, failed): (&AtomicUsize, &AtomicBool),
    total: usize,
    options: ApplyOptions,
    progress: &dyn Progress,
) -> Option<(String, String)> {
    if failed.load(Ordering::SeqCst) {
        return None;
    }
    progress.note(&format!(
        "importing {} creates in one definitions request ...",
        chunk.len()
    ));
    let body = bulk::document(plan, chunk);
    let first = &plan.changes[chunk[0]].id;
    let failure = |e: BrokerError| {
        failed.store(true, Ordering::SeqCst);
        let what = format!("importing {} objects from {first} on", chunk.len());
        Some((what, e.to_string()))
    };
    let imported = broker.import_definitions(&body, chunk.len()).await;
    let skipped = match (missing_after_import(broker, plan, chunk).await, imported) {
        (Ok(skipped), Ok(())) => skipped,
        (Ok(skipped), Err(e)) if skipped.is_empty() => return failure(e),
        (Ok(skipped), Err(_)) => skipped,
        (Err(e), Ok(())) | (Err(_), Err(e)) => return failure(e),
    };
    if !skipped.is_empty() {
        // The import skips a queue it cannot declare (a vhost a killed apply left half-made)
        // mutely, or fails on a binding to it: declared one at a time, such an object gets
        // an answer with a reason, and retries; then the import again for what needs it.
        for &index in &skipped {
            let change = &plan.changes[index];
            if let Err(reason) = run_step(broker, change, Phase::Put, options).await {
                failed.store(true, Ordering::SeqCst);
                return Some((change.id.to_string(), reason.to_string()));
            }
        }
        if let Err(e) = broker.import_definitions(&body, chunk.len()).await {
            return failure(e);
        }
    }
    for &index in chunk {
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        progress.step(n, total, &format!("created {}", plan.changes[index].id));
    }
    None
}

/// A stage's steps in lanes that run concurrently; steps in one lane run in turn. The
/// broker read-modify-writes all limits of a vhost as one record, so two limits of one
/// vhost (or user) PUT at once lose one of them.
fn lanes(plan: &Plan, steps: &[usize]) -> Vec<Vec<usize>> {
    let mut lanes: Vec<Vec<usize>> = Vec::new();
    let mut by_owner: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for &index in steps {
        let owner = match &plan.changes[index].id {
            ResourceId::VhostLimit { vhost, .. } => Some(("vhost", vhost.as_str())),
            ResourceId::UserLimit { user, .. } => Some(("user", user.as_str())),
            _ => None,
        };
        match owner {
            Some(owner) if by_owner.contains_key(&owner) => lanes[by_owner[&owner]].push(index),
            _ => {
                if let Some(owner) = owner {
                    by_owner.insert(owner, lanes.len());
                }
                lanes.push(vec![index]);
            }
        }
    }
    lanes
}

fn verb(action: Action, phase: Phase) -> &'static str {
    match (action, phase) {
        (Action::Create, _) => "created",
        (Action::Update, _) => "updated",
        (Action::Replace, Phase::Remove) => "removed (for replacement)",
        (Action::Replace, _) => "re-created",
        (Action::Migrate, _) => "migrated",
        (Action::Delete, _) => "destroyed",
    }
}

async fn run_step(
    broker: &HttpBroker,
    change: &Change,
    phase: Phase,
    options: ApplyOptions,
) -> Result<(), ApplyError> {
    let requests = match phase {
        Phase::Remove => {
            let mut requests = request::remove(&change.id, change.before.as_ref());
            if let ResourceId::Queue { vhost, name } = &change.id {
                guard::recheck_messages(broker, vhost, name, options.allow_data_loss).await?;
                let queue_type = change
                    .before
                    .as_ref()
                    .and_then(|b| b.get("arguments"))
                    .and_then(|a| a.get("x-queue-type"))
                    .and_then(serde_json::Value::as_str);
                // Classic queues refuse atomically if a message arrived since the check;
                // quorum queues and streams answer 400 to if-empty (3.10).
                if !options.allow_data_loss && matches!(queue_type, None | Some("classic")) {
                    if let Some(Request::Delete(path)) = requests.first_mut() {
                        *path = path.clone().query("if-empty", "true");
                    }
                }
            }
            requests
        }
        Phase::Put => {
            let after = change.after.as_ref().ok_or(ApplyError::NoTargetState)?;
            let replacing = change.action == Action::Update;
            request::put(&change.id, after, replacing)
        }
        Phase::Migrate => return Err(ApplyError::MigrationOutsideItsStage),
    };
    for request in requests {
        send(broker, request).await?;
    }
    Ok(())
}

/// Deleting what is already gone (e.g. a binding dropped with its queue) is success.
async fn send(broker: &HttpBroker, request: Request) -> Result<(), BrokerError> {
    match request {
        Request::Put(path, body) => broker.put_json(&path, &body).await,
        Request::Post(path, body) => broker.post_json(&path, &body).await,
        Request::Delete(path) => match broker.delete(&path).await {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: ResourceId) -> Change {
        Change::new(id, Action::Create)
    }

    #[test]
    fn limits_of_one_owner_share_a_lane() {
        let limit = |vhost: &str, name: &str| {
            change(ResourceId::VhostLimit {
                vhost: vhost.into(),
                name: name.into(),
            })
        };
        let plan = Plan {
            environment: "t".into(),
            changes: vec![
                limit("a", "max-connections"),
                limit("b", "max-queues"),
                limit("a", "max-queues"),
                change(ResourceId::Permission {
                    vhost: "a".into(),
                    user: "u".into(),
                }),
                change(ResourceId::UserLimit {
                    user: "a".into(),
                    name: "max-channels".into(),
                }),
            ],
            unmanaged: vec![],
            notes: vec![],
            routing: Vec::new(),
        };
        assert_eq!(
            lanes(&plan, &[0, 1, 2, 3, 4]),
            vec![vec![0, 2], vec![1], vec![3], vec![4]]
        );
    }
}
