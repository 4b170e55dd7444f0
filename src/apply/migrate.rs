//! A queue re-created with its messages kept: moved out to a temporary queue by a dynamic
//! shovel, the queue deleted and declared again, the messages moved back. Every step checks
//! what is already done, so a rerun after a crash at any point finishes the job.

mod consumers;
mod resume;
mod shovels;

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::error::ApplyError;
use super::progress::Progress;
use super::request::{self, Request};
use crate::broker::fetch::{queue_bindings, queue_info, shovel_defined, STATS_SETTLE};
use crate::broker::{ApiPath, HttpBroker};
use crate::format::wire::{BindingDef, BindingInfo};
use crate::model::DestinationType;
use crate::model::{kinds, ResourceId};
use crate::plan::migrations::{binds_to, shovel_name};
use crate::plan::{Change, Plan};
use resume::{Left, NO_LEADER_AFTER};
use shovels::SHOVEL_UNREPORTED_AFTER;

/// How a migration may proceed.
#[derive(Clone, Copy, Debug)]
pub struct MigrateOptions {
    /// How long one move (out or back) may take before apply gives up, leaving it resumable.
    pub timeout: Duration,
    pub allow_consumer_disconnect: bool,
}

/// Messages counted before and after, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moved {
    pub before: u64,
    pub after: u64,
}

/// How often counts are read while a shovel runs, and how often progress is printed.
const POLL: Duration = Duration::from_millis(200);
const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// The temporary queue's argument that remembers how many messages the migration began with.
const COUNT_ARGUMENT: &str = "x-warren-migrating-messages";

/// What became of a queue asked to go once empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Emptied {
    Deleted,
    /// Messages are left in it.
    Holding,
    /// A consumer holds some of its messages unacknowledged.
    InUse,
}

pub async fn migrate(
    broker: &HttpBroker,
    plan: &Plan,
    change: &Change,
    options: MigrateOptions,
    progress: &dyn Progress,
) -> Result<Moved, ApplyError> {
    let ResourceId::Queue { vhost, name } = &change.id else {
        return Err(ApplyError::NotAQueue);
    };
    let temporary = &change
        .migration
        .as_ref()
        .ok_or(ApplyError::NoTemporaryQueue)?
        .temporary;
    let target = change.after.as_ref().ok_or(ApplyError::NoMigrationTarget)?;
    let mut step = Step {
        broker,
        vhost,
        queue: name,
        temporary,
        expected: 0,
        progress,
    };
    step.preflight(options).await?;
    // Counted once, when the migration begins, and kept on the temporary queue, so that a
    // rerun after a crash compares against the same number (counts read mid-move lag).
    let before = match step.carried_count().await? {
        Some(n) => n,
        None => step.messages(name).await?,
    };
    step.expected = before;
    let queue = queue_info(broker, vhost, name).await?;
    let already_new = queue.as_ref().is_some_and(|q| {
        let live = kinds::queue(q.durable, q.auto_delete, q.arguments.clone(), &q.kind);
        live.props == target.props
    });
    let mut kept_bindings = Vec::new();
    let left = if already_new {
        // Only a replicated queue (quorum, stream) has a leader to lack.
        let replicated = queue.as_ref().is_some_and(|q| q.kind != "classic");
        step.left_declared(replicated).await?
    } else {
        Left::InUse
    };
    let redeclare = left != Left::InUse;
    if redeclare {
        // Declared again from empty: the one repair that works whatever state a run killed
        // while the broker declared it left it in.
        step.say("declared by a run that stopped; declaring it again before moving back");
        // Unbound, nothing new lands in it.
        kept_bindings = step.rebind(name, temporary).await?;
    }
    match left {
        Left::Leaderless => {
            send_all(broker, vec![Request::Delete(ApiPath::queue(vhost, name))]).await?;
            step.say(&format!(
                "it reported no count in {} s: it never elected a leader, so it never took a \
                 message; deleted it",
                NO_LEADER_AFTER.as_secs()
            ));
        }
        Left::Empty => {
            // Its count (which lags) then says whether anything landed before the unbinding;
            // the move out takes that back to the temporary queue.
            tokio::time::sleep(STATS_SETTLE).await;
            step.move_out(options).await?;
        }
        Left::InUse if queue.is_some() && !already_new => step.move_out(options).await?,
        Left::InUse => {}
    }
    if !already_new || redeclare {
        send_all(broker, request::put(&change.id, target, false)).await?;
        step.say("declared it with its new type and arguments");
    }
    for b in &kept_bindings {
        step.bind(b, name).await?;
    }
    let bindings: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| binds_to(&c.id, &change.id))
        .collect();
    for binding in &bindings {
        if let Some(after) = &binding.after {
            send_all(broker, request::put(&binding.id, after, false)).await?;
        }
    }
    step.say(&format!("re-created its {} binding(s)", bindings.len()));
    step.move_back(options).await?;
    let (after, consumers) = step.settled_count(before).await?;
    step.say(&format!("{after} of {before} messages are in it"));
    if after < before && consumers == 0 {
        return Err(ApplyError::MessagesLost { before, after });
    }
    Ok(Moved { before, after })
}

struct Step<'a> {
    broker: &'a HttpBroker,
    progress: &'a dyn Progress,
    vhost: &'a str,
    queue: &'a str,
    temporary: &'a str,
    /// The messages counted before the migration, for progress.
    expected: u64,
}

impl Step<'_> {
    /// Into the temporary queue, which takes the queue's bindings; then the queue goes.
    async fn move_out(&self, options: MigrateOptions) -> Result<(), ApplyError> {
        self.declare_temporary().await?;
        self.say(&format!(
            "declared the temporary queue {:?}",
            self.temporary
        ));
        let moved = self.rebind(self.queue, self.temporary).await?.len();
        self.say(&format!(
            "gave its {moved} binding(s) to the temporary queue"
        ));
        self.drain(self.queue, self.temporary, false, options)
            .await?;
        self.say("all messages moved out; deleted it");
        Ok(())
    }

    /// Back into the queue, declared anew; then the temporary queue goes.
    async fn move_back(&self, options: MigrateOptions) -> Result<(), ApplyError> {
        self.unbind_all(self.temporary).await?;
        self.say("took the bindings off the temporary queue");
        self.drain(self.temporary, self.queue, true, options)
            .await?;
        self.say("all messages moved back; deleted the temporary queue");
        Ok(())
    }

    fn say(&self, what: &str) {
        self.progress.note(&format!(
            "migrating queue {:?} in {:?}: {what}",
            self.queue, self.vhost
        ));
    }

    /// The shovel plugin is there, and no consumer would be cut off unless allowed.
    async fn preflight(&self, options: MigrateOptions) -> Result<(), ApplyError> {
        // An empty shovel definition: the plugin refuses it as invalid, a broker without
        // the plugin as an unknown component. Nothing is created either way.
        let probe = ApiPath::parameter("shovel", self.vhost, "warren.preflight");
        match self.broker.put_json(&probe, &json!({ "value": {} })).await {
            Err(e) if e.to_string().contains("component shovel not found") => {
                return Err(ApplyError::NoShovelPlugin)
            }
            Err(e) if e.status() == Some(400) => {}
            Err(e) => return Err(e.into()),
            Ok(()) => send_all(self.broker, vec![Request::Delete(probe)]).await?,
        }
        if !options.allow_consumer_disconnect {
            self.refuse_consumers(self.queue).await?;
        }
        Ok(())
    }

    /// The count the migration began with, kept on the temporary queue by an earlier run.
    async fn carried_count(&self) -> Result<Option<u64>, ApplyError> {
        let temporary = queue_info(self.broker, self.vhost, self.temporary).await?;
        Ok(temporary.and_then(|t| t.arguments.get(COUNT_ARGUMENT).and_then(Value::as_u64)))
    }

    /// The queue's messages once its statistics (which lag a few seconds) reach `expected`,
    /// or after a minute; and its consumers, who may have taken some meanwhile.
    async fn settled_count(&self, expected: u64) -> Result<(u64, u64), ApplyError> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let info = queue_info(self.broker, self.vhost, self.queue).await?;
            let (count, consumers) = info.map_or((Some(0), 0), |q| (q.messages, q.consumers));
            match count {
                Some(n) if n >= expected || consumers > 0 || Instant::now() > deadline => {
                    return Ok((n, consumers));
                }
                None if Instant::now() > deadline => {
                    return Err(ApplyError::NoCountAfterMove {
                        vhost: self.vhost.to_string(),
                        queue: self.queue.to_string(),
                    });
                }
                _ => {}
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A queue's messages as the broker reports them now; None while it has no count yet,
    /// Some(0) when the queue does not exist.
    async fn count_now(&self, name: &str) -> Result<Option<u64>, ApplyError> {
        let info = queue_info(self.broker, self.vhost, name).await?;
        Ok(match info {
            None => Some(0),
            Some(q) => q.messages,
        })
    }

    /// A queue's messages; waits while the broker has no count yet, 0 when it does not exist.
    async fn messages(&self, name: &str) -> Result<u64, ApplyError> {
        let count = self.count_within(name, Duration::from_secs(30)).await?;
        count.ok_or_else(|| ApplyError::NoMessageCount {
            vhost: self.vhost.to_string(),
            queue: name.to_string(),
        })
    }

    /// A queue's count once the broker has one, waiting up to `within`; None if it has
    /// none by then (a queue declared a moment ago shows none until its first statistics).
    async fn count_within(&self, name: &str, within: Duration) -> Result<Option<u64>, ApplyError> {
        let deadline = Instant::now() + within;
        loop {
            let count = self.count_now(name).await?;
            if count.is_some() || Instant::now() >= deadline {
                return Ok(count);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A plain durable classic queue: no TTL, length limit or dead-lettering that could drop
    /// what waits in it. It carries the count the migration began with (RabbitMQ keeps an
    /// argument no queue type knows, and ignores it).
    async fn declare_temporary(&self) -> Result<(), ApplyError> {
        let arguments = json!({ "x-queue-type": "classic", COUNT_ARGUMENT: self.expected });
        let body = json!({ "durable": true, "auto_delete": false, "arguments": arguments });
        self.broker
            .put_json(&ApiPath::queue(self.vhost, self.temporary), &body)
            .await
            .map_err(ApplyError::from)
    }

    /// Gives `to` every binding of `from`, then takes them from `from`: publishes during the
    /// move land in `to` (a message published in between may land in both: none is lost).
    /// Returns the bindings moved.
    async fn rebind(&self, from: &str, to: &str) -> Result<Vec<BindingDef>, ApplyError> {
        let bindings = self.exchange_bindings(from).await?;
        for listed in &bindings {
            self.bind(&listed.binding, to).await?;
        }
        for b in &bindings {
            self.unbind(from, &b.binding.source, &b.properties_key)
                .await?;
        }
        Ok(bindings.into_iter().map(|b| b.binding).collect())
    }

    /// A queue's bindings from exchanges (the default exchange's is implicit).
    async fn exchange_bindings(&self, queue: &str) -> Result<Vec<BindingInfo>, ApplyError> {
        let mut bindings = queue_bindings(self.broker, self.vhost, queue).await?;
        bindings.retain(|b| !b.binding.source.is_empty());
        Ok(bindings)
    }

    async fn bind(&self, b: &BindingDef, queue: &str) -> Result<(), ApplyError> {
        let path = ApiPath::binding_create(self.vhost, &b.source, DestinationType::Queue, queue);
        let body = json!({ "routing_key": b.routing_key, "arguments": b.arguments });
        self.broker.post_json(&path, &body).await?;
        Ok(())
    }

    async fn unbind_all(&self, queue: &str) -> Result<(), ApplyError> {
        for b in self.exchange_bindings(queue).await? {
            self.unbind(queue, &b.binding.source, &b.properties_key)
                .await?;
        }
        Ok(())
    }

    async fn unbind(&self, queue: &str, source: &str, key: &str) -> Result<(), ApplyError> {
        let path = ApiPath::binding(self.vhost, source, DestinationType::Queue, queue, key);
        match self.broker.delete(&path).await {
            Err(e) if !e.is_not_found() => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Moves everything from `from` into `to` with dynamic shovels, pass after pass (a
    /// shovel moves what was there when it started), then deletes `from` once it is empty.
    async fn drain(
        &self,
        from: &str,
        to: &str,
        back: bool,
        options: MigrateOptions,
    ) -> Result<(), ApplyError> {
        let shovel = shovel_name(self.temporary, back);
        let started = Instant::now();
        let total = self.expected;
        let mut printed: Option<Instant> = None;
        let mut last_moved = None;
        let mut unreported_since: Option<Instant> = None;
        // Whether a shovel this drain started has finished: a pass that moved whatever the
        // queue held then, whatever its (lagging) count said.
        let mut passed = false;
        let mut in_use_since: Option<Instant> = None;
        loop {
            let running = shovel_defined(self.broker, self.vhost, &shovel).await?;
            if options.allow_consumer_disconnect {
                // Their unacknowledged messages return to the queue, and a pass moves them.
                // Before a shovel starts, every consumer counted must be closed first.
                self.disconnect_consumers(from, !running).await?;
            }
            // The shovel's status, when this pass read it (only while it is defined).
            let mut read = None;
            if running {
                let status = self.shovel_status(&shovel).await?;
                shovels::check_stopped(&shovel, &status)?;
                unreported_since = shovels::unreported_since(&status, unreported_since);
                read = Some(status);
                if unreported_since.is_some_and(|at| at.elapsed() >= SHOVEL_UNREPORTED_AFTER) {
                    // Its definition was cut off before the broker started it (a run killed
                    // mid-request): it never will. Defined again on the next pass.
                    self.forget_shovel(&shovel).await?;
                    self.say("its shovel was defined but never started; defining it again");
                    unreported_since = None;
                }
            } else {
                match self.delete_if_empty(from, passed).await? {
                    Emptied::Deleted => return Ok(()),
                    // Messages are left (the first pass, or arrivals since the last one).
                    Emptied::Holding => {
                        self.start_shovel(&shovel, from, to).await?;
                        passed = true;
                        in_use_since = None;
                    }
                    // Its consumers are closed on the next pass, once listed.
                    Emptied::InUse if options.allow_consumer_disconnect => {}
                    // The shovel that just finished can hold the queue a moment longer, and
                    // a count can still show it: only a consumer that stays is a client's.
                    Emptied::InUse => {
                        let since = *in_use_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= STATS_SETTLE {
                            self.refuse_consumers(from).await?;
                        }
                    }
                }
            }
            if printed.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY) {
                let left = self.count_now(from).await?.unwrap_or(total);
                let moved = total.saturating_sub(left);
                let way = if back { "back" } else { "out" };
                // No progress since the last line: say what the shovel reports, for whoever
                // has to find out why.
                let stalled = if last_moved == Some(moved) {
                    let status = match read {
                        Some(status) => status,
                        None => self.shovel_status(&shovel).await?,
                    };
                    format!(" (no progress; {})", shovels::describe(&status))
                } else {
                    String::new()
                };
                self.say(&format!("{moved} of {total} messages moved {way}{stalled}"));
                printed = Some(Instant::now());
                last_moved = Some(moved);
            }
            if started.elapsed() > options.timeout {
                return Err(ApplyError::MoveTimedOut {
                    from: from.to_string(),
                    to: to.to_string(),
                    seconds: options.timeout.as_secs(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Deletes a queue that holds nothing and that no consumer holds messages of. Classic
    /// queues check both atomically (`if-empty`, `if-unused`: a consumer's unacknowledged
    /// messages are not counted as held); quorum queues and streams refuse both, so a shovel
    /// pass must have emptied them (`passed`) and their counts (which lag a few seconds
    /// behind) must read no message and no consumer.
    async fn delete_if_empty(&self, name: &str, passed: bool) -> Result<Emptied, ApplyError> {
        let Some(info) = queue_info(self.broker, self.vhost, name).await? else {
            return Ok(Emptied::Deleted);
        };
        let mut path = ApiPath::queue(self.vhost, name);
        if info.kind == "classic" {
            path = path.query("if-empty", "true").query("if-unused", "true");
        } else if !passed || info.messages != Some(0) {
            return Ok(Emptied::Holding);
        } else if info.consumers > 0 {
            return Ok(Emptied::InUse);
        }
        match self.broker.delete(&path).await {
            Ok(()) => Ok(Emptied::Deleted),
            Err(e) if e.is_not_found() => Ok(Emptied::Deleted),
            Err(e) if e.status() == Some(400) && e.to_string().contains("not empty") => {
                Ok(Emptied::Holding)
            }
            Err(e) if e.status() == Some(400) && e.to_string().contains("in use") => {
                Ok(Emptied::InUse)
            }
            Err(e) => Err(e.into()),
        }
    }
}

async fn send_all(broker: &HttpBroker, requests: Vec<Request>) -> Result<(), ApplyError> {
    for request in requests {
        let result = match request {
            Request::Put(path, body) => broker.put_json(&path, &body).await,
            Request::Post(path, body) => broker.post_json(&path, &body).await,
            Request::Delete(path) => match broker.delete(&path).await {
                Err(e) if e.is_not_found() => Ok(()),
                other => other,
            },
        };
        result?;
    }
    Ok(())
}
