//! One apply at a time per broker: a lease kept in a global runtime parameter on the broker
//! itself, so every machine that can reach the cluster sees it and nothing else is needed.
//!
//! The management API has no compare-and-set, so taking the lease is write-then-confirm:
//! write our claim, wait a moment, read it back; whoever's claim survives holds it. A crashed
//! holder stops renewing and its lease expires; on the machine it ran on, its lock is taken
//! over at once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::holder::ProcessId;
use crate::broker::{ApiPath, HttpBroker};

/// The global parameter that holds the lease; left out of plans and drift.
pub const LOCK_PARAMETER: &str = "warren-apply-lock";

/// How long a lease lives without renewal.
pub const LEASE: Duration = Duration::from_secs(60);

/// Time to let a competing claim land before reading ours back.
const SETTLE: Duration = Duration::from_millis(300);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub holder: String,
    pub environment: String,
    pub acquired_at: u64,
    pub expires_at: u64,
    /// The holding process, so that a killed holder on the same machine is seen at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessId>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Who we are, for the message another apply prints while it waits.
pub fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown-host".to_string());
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_string());
    format!("{user}@{host} pid {}", std::process::id())
}

/// A held lease; renew it while working and release it when done.
pub struct Lock {
    lease: Lease,
}

async fn read(broker: &HttpBroker) -> Result<Option<Lease>, String> {
    match broker
        .get_json::<Value>(&ApiPath::global_parameter(LOCK_PARAMETER))
        .await
    {
        Ok(body) => Ok(body
            .get("value")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

async fn write(broker: &HttpBroker, lease: &Lease) -> Result<(), String> {
    let body = serde_json::json!({ "name": LOCK_PARAMETER, "value": lease });
    broker
        .put_json(&ApiPath::global_parameter(LOCK_PARAMETER), &body)
        .await
        .map_err(|e| e.to_string())
}

fn describe(lease: &Lease) -> String {
    let since = now().saturating_sub(lease.acquired_at);
    format!(
        "{} (applying environment {:?}, for {since} s; the lease expires in {} s unless renewed)",
        lease.holder,
        lease.environment,
        lease.expires_at.saturating_sub(now())
    )
}

impl Lock {
    /// Takes the lease, waiting up to `wait` for another holder to finish.
    pub async fn acquire(
        broker: &HttpBroker,
        environment: &str,
        wait: Duration,
    ) -> Result<Lock, String> {
        let deadline = std::time::Instant::now() + wait;
        let holder = holder_name();
        let mut announced = false;
        loop {
            let current = read(broker).await?;
            let dead = current
                .as_ref()
                .and_then(|l| l.process.as_ref())
                .is_some_and(ProcessId::is_gone);
            if let (true, Some(lease)) = (dead, &current) {
                eprintln!(
                    "The lock's holder, {}, is no longer running on this machine; taking the lock over.",
                    lease.holder
                );
            }
            match current {
                Some(lease) if lease.holder != holder && lease.expires_at > now() && !dead => {
                    if std::time::Instant::now() >= deadline {
                        return Err(format!(
                            "another apply holds the lock: {}",
                            describe(&lease)
                        ));
                    }
                    if !announced {
                        eprintln!("Waiting for the lock held by {}", describe(&lease));
                        announced = true;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                _ => {
                    let lease = Lease {
                        holder: holder.clone(),
                        environment: environment.to_string(),
                        acquired_at: now(),
                        expires_at: now() + LEASE.as_secs(),
                        process: ProcessId::current(),
                    };
                    write(broker, &lease).await?;
                    tokio::time::sleep(SETTLE).await;
                    if read(broker).await?.is_some_and(|l| l.holder == holder) {
                        return Ok(Lock { lease });
                    }
                }
            }
        }
    }

    /// Extends the lease; fails if someone else took it meanwhile.
    pub async fn renew(&mut self, broker: &HttpBroker) -> Result<(), String> {
        match read(broker).await? {
            Some(lease) if lease.holder == self.lease.holder => {
                self.lease.expires_at = now() + LEASE.as_secs();
                write(broker, &self.lease).await
            }
            Some(other) => Err(format!("the lock was taken over by {}", describe(&other))),
            None => Err("the lock disappeared while applying".to_string()),
        }
    }

    /// Gives the lease up, unless it is no longer ours.
    pub async fn release(self, broker: &HttpBroker) -> Result<(), String> {
        if read(broker)
            .await?
            .is_some_and(|l| l.holder == self.lease.holder)
        {
            match broker
                .delete(&ApiPath::global_parameter(LOCK_PARAMETER))
                .await
            {
                Err(e) if !e.is_not_found() => return Err(e.to_string()),
                _ => {}
            }
        }
        Ok(())
    }
}
