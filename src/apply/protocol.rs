//! The apply protocol: take the broker's apply lock, plan again under it, run the plan while
//! renewing the lease, give the lock back, and read back whether the broker converged.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::{ApplyError, LockError};
use super::lock::{Lock, Renewal, LEASE};
use super::planned::Planned;
use super::progress::Progress;
use super::{execute, ApplyOptions, ApplyReport};
use crate::broker::{BrokerError, HttpBroker};
use crate::config::Environment;
use crate::model::ResourceId;
use crate::plan::document::Summary;
use crate::plan::saved::same_changes;
use crate::plan::{Change, Plan};

/// What the convergence check reads after the apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verify {
    /// Only the objects the apply touched.
    #[default]
    Touched,
    /// Everything the environment manages, as a plan does.
    Full,
}

/// What the protocol asks of its caller: the plan pipeline, and a person's view of the plan.
pub trait Caller {
    /// The caller's error, which also carries the protocol's own.
    type Error: From<LockError> + From<ApplyError>;
    /// The broker's answer inside an error, when it is one: a refused convergence read after
    /// a lock-out the flags allowed is not a failure.
    fn broker_error(error: &Self::Error) -> Option<&BrokerError>;
    /// Reads the broker and plans the environment against it.
    fn plan(
        &self,
        env: Environment,
        broker: HttpBroker,
    ) -> impl Future<Output = Result<Planned, Self::Error>>;
    /// Plans again, reading only what `touched` names; the plan holds only those objects.
    fn plan_touched(
        &self,
        planned: Planned,
        touched: Vec<ResourceId>,
    ) -> impl Future<Output = Result<Planned, Self::Error>>;
    /// Shows the plan about to run (not a reviewed one), then refuses a saved plan gone stale
    /// and what the flags do not allow.
    fn review(&self, planned: &Planned) -> Result<(), Self::Error>;
    fn progress(&self) -> &dyn Progress;
}

/// How to take the lock and run the plan.
pub struct Settings {
    pub options: ApplyOptions,
    pub lock_vhosts: Vec<String>,
    pub lock_wait: Duration,
    /// The command that clears a lock, for the message of an apply that gives up waiting.
    pub unlock_hint: String,
    pub verify: Verify,
}

/// How an apply ended; `E` is the caller's error.
pub enum Applied<E> {
    /// The plan under the lock had nothing to do.
    Nothing,
    /// A step failed or the lock was lost: `left` is what a fresh read says is still to do.
    Stopped {
        step: String,
        reason: String,
        done: usize,
        total: usize,
        left: Result<Plan, E>,
    },
    /// Every step was accepted.
    Complete {
        summary: Summary,
        environment: String,
        convergence: Convergence,
    },
}

/// What the read after a complete apply found.
pub enum Convergence {
    Converged,
    /// The login user may no longer read the broker, as `--allow-lockout` allowed (the status).
    NotChecked(u16),
    /// Changes still to make: a node that went down, or another writer.
    Left(Plan),
}

/// Takes the lock, plans under it (against `reviewed`, the plan a person confirmed, when
/// there is one), runs the plan and checks convergence; the lock is given back whatever
/// happens. `lock_broker` has its own client, so the lease outlives trouble with `broker`.
pub async fn apply_locked<C: Caller>(
    caller: &C,
    (env, broker): (Environment, HttpBroker),
    lock_broker: &HttpBroker,
    settings: &Settings,
    reviewed: Option<&Plan>,
) -> Result<Applied<C::Error>, C::Error> {
    let mut lock = Lock::acquire(
        lock_broker,
        &settings.lock_vhosts,
        &env.name,
        &settings.unlock_hint,
        settings.lock_wait,
        caller.progress(),
    )
    .await?;
    let planned = caller.plan(env, broker).await;
    let result = locked(caller, planned, reviewed, settings, &mut lock, lock_broker).await;
    if let Err(reason) = lock.release(lock_broker).await {
        caller.progress().warn(&format!(
            "could not release the apply lock ({reason}); it expires by itself"
        ));
    }
    result
}

/// Everything done while holding the lock: checks, execution, the convergence read.
async fn locked<C: Caller>(
    caller: &C,
    planned: Result<Planned, C::Error>,
    reviewed: Option<&Plan>,
    settings: &Settings,
    lock: &mut Lock,
    lock_broker: &HttpBroker,
) -> Result<Applied<C::Error>, C::Error> {
    let planned = planned?;
    match reviewed {
        Some(reviewed) if !same_changes(reviewed, &planned.plan) => {
            return Err(ApplyError::ChangedSinceReviewed.into());
        }
        Some(_) => {}
        None => {
            caller.review(&planned)?;
            if planned.plan.is_empty() {
                return Ok(Applied::Nothing);
            }
        }
    }
    let report = execute_renewing(
        &planned.broker,
        &planned.plan,
        settings.options,
        lock,
        lock_broker,
        caller.progress(),
    )
    .await;
    caller.progress().finish();
    finish(caller, report, planned, settings.verify).await
}

/// Runs the plan while renewing the lease, so a long apply keeps its lock. When the lock
/// is taken over, or cannot be renewed for as long as the lease lasts, no further step
/// starts and the apply ends as partly done.
async fn execute_renewing(
    broker: &HttpBroker,
    plan: &Plan,
    options: ApplyOptions,
    lock: &mut Lock,
    lock_broker: &HttpBroker,
    progress: &dyn Progress,
) -> ApplyReport {
    let stop = AtomicBool::new(false);
    let work = execute(broker, plan, options, &stop, progress);
    tokio::pin!(work);
    let mut renewed = Instant::now();
    let mut lost = None;
    let mut report = loop {
        tokio::select! {
            report = &mut work => break report,
            _ = tokio::time::sleep(LEASE / 3), if lost.is_none() => {
                match lock.renew(lock_broker).await {
                    Ok(Renewal::Kept) => renewed = Instant::now(),
                    Ok(Renewal::TakenOver(other)) => {
                        lost = Some(format!("the apply lock was taken over: {}", other.describe()));
                    }
                    Err(reason) if renewed.elapsed() + LEASE / 3 >= LEASE => {
                        lost = Some(format!("the apply lock could not be renewed before its lease ran out: {reason}"));
                    }
                    Err(reason) => progress.warn(&format!("renewing the apply lock failed, trying again: {reason}")),
                }
                if lost.is_some() {
                    stop.store(true, Ordering::SeqCst);
                }
            }
        }
    };
    if let Some(reason) = lost {
        report
            .failure
            .get_or_insert_with(|| ("apply".to_string(), reason));
    }
    report
}

/// Every step was accepted, or one failed; only the broker's state says what took hold (a
/// node that went down can lose what it accepted).
async fn finish<C: Caller>(
    caller: &C,
    report: ApplyReport,
    planned: Planned,
    verify: Verify,
) -> Result<Applied<C::Error>, C::Error> {
    if let Some((step, reason)) = report.failure {
        let (env, broker) = planned.into_env_and_broker();
        let left = caller.plan(env, broker).await.map(|p| p.plan);
        return Ok(Applied::Stopped {
            step,
            reason,
            done: report.done,
            total: report.total,
            left,
        });
    }
    let summary = planned.plan.summary();
    let environment = planned.env.name.clone();
    let locked_out = planned.plan.changes.iter().any(Change::locks_out);
    let after = match verify {
        Verify::Full => {
            let (env, broker) = planned.into_env_and_broker();
            caller.plan(env, broker).await
        }
        Verify::Touched => {
            let touched = planned.plan.changes.iter().map(|c| c.id.clone()).collect();
            caller.plan_touched(planned, touched).await
        }
    };
    let convergence = match after {
        Err(e) if locked_out && C::broker_error(&e).is_some_and(is_refused) => {
            Convergence::NotChecked(
                C::broker_error(&e)
                    .and_then(BrokerError::status)
                    .unwrap_or_default(),
            )
        }
        Err(e) => return Err(e),
        Ok(after) if after.plan.is_empty() => Convergence::Converged,
        Ok(after) => Convergence::Left(after.plan),
    };
    Ok(Applied::Complete {
        summary,
        environment,
        convergence,
    })
}

fn is_refused(e: &BrokerError) -> bool {
    matches!(e.status(), Some(401 | 403))
}
