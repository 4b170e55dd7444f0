//! Executes a plan stage by stage, with bounded concurrency inside a stage and the
//! destructive-step guards; stops launching steps at the first failure.

pub mod guard;
pub mod request;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::stream::{self, StreamExt};

use crate::broker::{BrokerError, HttpBroker};
use crate::model::ResourceId;
use crate::plan::order::{stages, Phase};
use crate::plan::{Action, Change, Plan};
use request::Request;

#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions {
    pub concurrency: usize,
    pub allow_data_loss: bool,
}

/// What happened: steps done, and the first failure if there was one.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub done: usize,
    pub total: usize,
    pub failure: Option<(String, String)>,
}

pub async fn execute(broker: &HttpBroker, plan: &Plan, options: ApplyOptions) -> ApplyReport {
    let all = stages(plan);
    let total: usize = all.iter().map(|s| s.steps.len()).sum();
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut failure = None;
    for stage in all {
        let results: Vec<Option<(String, String)>> = stream::iter(stage.steps.iter().copied())
            .map(|index| {
                let change = &plan.changes[index];
                let (done, failed) = (&done, &failed);
                async move {
                    if failed.load(Ordering::SeqCst) {
                        return None;
                    }
                    match run_step(broker, change, stage.phase, options).await {
                        Ok(()) => {
                            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                            eprintln!(
                                "[{n}/{total}] {} {}",
                                verb(change.action, stage.phase),
                                change.id
                            );
                            None
                        }
                        Err(reason) => {
                            failed.store(true, Ordering::SeqCst);
                            Some((change.id.to_string(), reason))
                        }
                    }
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

fn verb(action: Action, phase: Phase) -> &'static str {
    match (action, phase) {
        (Action::Create, _) => "created",
        (Action::Update, _) => "updated",
        (Action::Replace, Phase::Remove) => "removed (for replacement)",
        (Action::Replace, Phase::Put) => "re-created",
        (Action::Delete, _) => "destroyed",
    }
}

async fn run_step(
    broker: &HttpBroker,
    change: &Change,
    phase: Phase,
    options: ApplyOptions,
) -> Result<(), String> {
    let requests = match phase {
        Phase::Remove => {
            let mut requests = request::remove(&change.id, change.before.as_ref());
            if let ResourceId::Queue { vhost, name } = &change.id {
                guard::recheck_messages(broker, vhost, name, options.allow_data_loss).await?;
                if !options.allow_data_loss {
                    // Classic queues refuse atomically if a message arrived since the check.
                    if let Some(Request::Delete(path)) = requests.first_mut() {
                        *path = path.clone().query("if-empty", "true");
                    }
                }
            }
            requests
        }
        Phase::Put => {
            let after = change
                .after
                .as_ref()
                .ok_or("a create or update without a target state")?;
            let replacing = change.action == Action::Update;
            request::put(&change.id, after, replacing)
        }
    };
    for request in requests {
        send(broker, request).await.map_err(|e| e.to_string())?;
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
