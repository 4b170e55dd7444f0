//! One apply at a time per broker: the lock is a queue the broker itself guards.
//!
//! A queue declaration is atomic, and a re-declare with another value of a compared argument
//! is refused (406 PRECONDITION_FAILED, 400 from the management API). The lock queue's
//! `x-dead-letter-routing-key` carries the holder's random id, so declaring it is a
//! compare-and-set: the first claim creates it, the holder's own renewals re-declare it
//! unchanged, anyone else's claim is refused. `x-expires` is the lease, counted by the
//! broker (no clock of ours matters): unused for the lease, the queue disappears; every
//! renewal starts it again. The queue never holds a message, so nothing is dead-lettered.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::error::{LockError, LockUnusable};
use super::holder::ProcessId;
use super::progress::Progress;
use crate::broker::{ApiPath, HttpBroker};
pub use crate::model::reserved::LOCK_QUEUE;

/// How long the lock lives without renewal.
pub const LEASE: Duration = Duration::from_secs(60);

/// The compared argument that names the holder.
const HOLDER_ID: &str = "x-dead-letter-routing-key";

/// Who holds (or wants) the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// Random, so that two CI containers with the same host name and pid 1 differ.
    pub id: String,
    /// `user@host pid N` and the CI job when there is one, for people.
    pub who: String,
    pub environment: String,
    pub acquired_at: u64,
    pub process: Option<ProcessId>,
}

impl Holder {
    /// This process, applying `environment`.
    pub fn me(environment: &str) -> Holder {
        let id: String = (0..8)
            .map(|_| format!("{:02x}", rand::random::<u8>()))
            .collect();
        Holder {
            id,
            who: who(),
            environment: environment.to_string(),
            acquired_at: now(),
            process: ProcessId::current(),
        }
    }

    fn arguments(&self) -> Value {
        let mut arguments = json!({
            "x-queue-type": "classic",
            "x-expires": LEASE.as_millis() as u64,
            "x-dead-letter-exchange": LOCK_QUEUE,
            HOLDER_ID: self.id,
            "x-warren-holder": self.who,
            "x-warren-environment": self.environment,
            "x-warren-acquired-at": self.acquired_at,
        });
        // Queue arguments take no null: the process is left out where /proc does not tell.
        if let Some(p) = &self.process {
            arguments["x-warren-process"] = json!({
                "boot_id": p.boot_id, "pid_namespace": p.pid_namespace,
                "pid": p.pid, "started": p.started,
            });
        }
        arguments
    }

    fn from_arguments(arguments: &Map<String, Value>) -> Option<Holder> {
        let text = |key: &str| {
            arguments
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let process = arguments.get("x-warren-process").and_then(|p| {
            Some(ProcessId {
                boot_id: p.get("boot_id")?.as_str()?.to_string(),
                pid_namespace: p.get("pid_namespace")?.as_str()?.to_string(),
                pid: u32::try_from(p.get("pid")?.as_u64()?).ok()?,
                started: p.get("started")?.as_u64()?,
            })
        });
        Some(Holder {
            id: text(HOLDER_ID)?,
            who: text("x-warren-holder").unwrap_or_else(|| "an unknown holder".into()),
            environment: text("x-warren-environment").unwrap_or_default(),
            acquired_at: arguments
                .get("x-warren-acquired-at")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            process,
        })
    }

    /// For the message of an apply that waits or gives up.
    pub fn describe(&self) -> String {
        format!(
            "lock {} held by {} (applying environment {:?}, for {} s)",
            self.id,
            self.who,
            self.environment,
            now().saturating_sub(self.acquired_at)
        )
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `user@host pid N`, and the CI job when the environment names one.
fn who() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown-host".to_string());
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_string());
    let mut who = format!("{user}@{host} pid {}", std::process::id());
    let job = ["GITHUB_RUN_ID", "CI_JOB_ID", "BUILD_TAG"]
        .into_iter()
        .find_map(|var| std::env::var(var).ok().map(|v| format!("{var}={v}")));
    if let Some(job) = job {
        who.push_str(&format!(" ({job})"));
    }
    who
}

/// What a claim found.
enum Claim {
    Ours,
    Theirs(Holder),
    /// The vhost does not exist, or the login user may not declare queues in it.
    Unusable(LockUnusable),
}

/// Declares the lock queue as `holder`'s; refused when another holder's is there.
async fn claim(broker: &HttpBroker, vhost: &str, holder: &Holder) -> Result<Claim, LockError> {
    let path = ApiPath::queue(vhost, LOCK_QUEUE);
    let body = json!({ "durable": true, "auto_delete": false, "arguments": holder.arguments() });
    match broker.put_json(&path, &body).await {
        Ok(()) => Ok(Claim::Ours),
        Err(e) if e.status() == Some(400) && e.to_string().contains("inequivalent arg") => {
            match read(broker, vhost).await? {
                Some(other) => Ok(Claim::Theirs(other)),
                // Expired between the two requests: try again.
                None => Box::pin(claim(broker, vhost, holder)).await,
            }
        }
        Err(e) if e.is_not_found() => Ok(Claim::Unusable(LockUnusable::NoVhost {
            vhost: vhost.to_string(),
        })),
        Err(e) if matches!(e.status(), Some(401 | 403)) => {
            Ok(Claim::Unusable(LockUnusable::Forbidden {
                vhost: vhost.to_string(),
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// The holder of the lock queue in `vhost`, if there is one.
pub async fn read(broker: &HttpBroker, vhost: &str) -> Result<Option<Holder>, LockError> {
    let path = ApiPath::queue(vhost, LOCK_QUEUE).query("columns", "arguments");
    match broker.get_json::<Value>(&path).await {
        Ok(queue) => Ok(queue
            .get("arguments")
            .and_then(Value::as_object)
            .and_then(Holder::from_arguments)),
        Err(e) if e.is_not_found() || matches!(e.status(), Some(401 | 403)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The first of `vhosts` holding a lock, and its holder.
pub async fn find(
    broker: &HttpBroker,
    vhosts: &[String],
) -> Result<Option<(String, Holder)>, LockError> {
    for vhost in vhosts {
        if let Some(holder) = read(broker, vhost).await? {
            return Ok(Some((vhost.clone(), holder)));
        }
    }
    Ok(None)
}

/// Deletes the lock queue when `id` still holds it; false when another does (or none).
pub async fn clear(broker: &HttpBroker, vhost: &str, id: &str) -> Result<bool, LockError> {
    match read(broker, vhost).await? {
        Some(holder) if holder.id == id => {
            match broker.delete(&ApiPath::queue(vhost, LOCK_QUEUE)).await {
                Err(e) if !e.is_not_found() => Err(e.into()),
                _ => Ok(true),
            }
        }
        _ => Ok(false),
    }
}

/// What a renewal found.
pub enum Renewal {
    Kept,
    TakenOver(Holder),
}

/// A held lock; renew it while working and release it when done.
pub struct Lock {
    vhost: String,
    holder: Holder,
}

impl Lock {
    /// Takes the lock in the first of `vhosts` where the login user may declare it (or
    /// where someone holds it), waiting up to `wait` for another holder to finish. A holder
    /// that ran on this machine and is gone is taken over at once; the refusal names the
    /// lock's id for `warren unlock`.
    pub async fn acquire(
        broker: &HttpBroker,
        vhosts: &[String],
        environment: &str,
        unlock_hint: &str,
        wait: Duration,
        progress: &dyn Progress,
    ) -> Result<Lock, LockError> {
        let deadline = std::time::Instant::now() + wait;
        let holder = Holder::me(environment);
        let mut announced = false;
        loop {
            let mut unusable = Vec::new();
            let mut found = None;
            for vhost in vhosts {
                match claim(broker, vhost, &holder).await? {
                    Claim::Ours => {
                        return Ok(Lock {
                            vhost: vhost.clone(),
                            holder,
                        })
                    }
                    Claim::Theirs(other) => {
                        found = Some((vhost.clone(), other));
                        break;
                    }
                    Claim::Unusable(why) => unusable.push(why),
                }
            }
            let Some((vhost, other)) = found else {
                return Err(LockError::NoVhostTakesIt { unusable });
            };
            let vhost = vhost.as_str();
            if other.process.as_ref().is_some_and(ProcessId::is_gone) {
                progress.note(&format!(
                    "The {} is no longer running on this machine; taking the lock over.",
                    other.describe()
                ));
                clear(broker, vhost, &other.id).await?;
                continue;
            }
            if std::time::Instant::now() >= deadline {
                return Err(LockError::HeldByAnother {
                    holder: other.describe(),
                    id: other.id,
                    unlock_hint: unlock_hint.to_string(),
                    lease_seconds: LEASE.as_secs(),
                });
            }
            if !announced {
                progress.note(&format!("Waiting for the {}", other.describe()));
                announced = true;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    pub fn id(&self) -> &str {
        &self.holder.id
    }

    /// Re-declares the lock queue, which starts its lease again. `TakenOver` when another
    /// holder has it (ours expired): nothing more may be written. An error is a renewal that
    /// did not get through, which the next one may mend while the lease lasts.
    pub async fn renew(&mut self, broker: &HttpBroker) -> Result<Renewal, LockError> {
        match claim(broker, &self.vhost, &self.holder).await? {
            Claim::Ours => Ok(Renewal::Kept),
            Claim::Theirs(other) => Ok(Renewal::TakenOver(other)),
            Claim::Unusable(why) => Err(why.into()),
        }
    }

    /// Gives the lock up, unless it is no longer ours.
    pub async fn release(self, broker: &HttpBroker) -> Result<(), LockError> {
        clear(broker, &self.vhost, &self.holder.id).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_reads_back_from_the_queue_arguments() {
        let me = Holder::me("production");
        let arguments = me.arguments();
        let back = Holder::from_arguments(arguments.as_object().unwrap()).unwrap();
        assert_eq!(back, me);
        assert_eq!(arguments[HOLDER_ID], me.id.as_str());
        assert_eq!(me.id.len(), 16);
        assert_ne!(Holder::me("production").id, me.id, "ids are random");
    }
}
