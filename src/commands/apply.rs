//! `warren apply`: plan from live state (or check a saved plan), confirm, take the broker's
//! apply lock, re-plan under it, execute in order, check convergence.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::apply::lock::{Lock, Renewal, LEASE};
use crate::apply::migrate::MigrateOptions;
use crate::apply::{execute, ApplyOptions, ApplyReport};
use crate::broker::HttpBroker;
use crate::cli::ApplyArgs;
use crate::error::{Error, Outcome};
use crate::plan::saved::{same_changes, SavedPlan};
use crate::plan::{Allowed, Change, Plan};
use crate::render::{plan_human, refusals};

use super::pipeline::{load_valid, plan_against, Planned};
use super::saved_plan;

pub fn run(args: &ApplyArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let runtime = super::runtime()?;
    runtime.block_on(apply(args, environments_dir, color))
}

async fn apply(args: &ApplyArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let saved = args.plan.as_deref().map(saved_plan::read).transpose()?;
    let env = load_valid(&args.env, environments_dir, None)?;
    let broker = super::connect::connect(&args.connection, &env)?;
    // The lease has its own client, so it can be released whatever happens to the other.
    let lock_broker = super::connect::connect(&args.connection, &env)?;
    let wait = Duration::from_secs(args.lock_timeout);
    let name = env.name.clone();
    let lock_vhosts = env.lock_vhosts();
    let unlock_hint = format!("warren unlock --env {}", args.env);
    if args.auto_approve || saved.is_some() {
        // Nobody to ask: take the lock first and plan once, under it.
        let mut lock = Lock::acquire(&lock_broker, &lock_vhosts, &name, &unlock_hint, wait).await?;
        let result = locked(
            args,
            plan_against(env, broker).await,
            saved.as_ref(),
            None,
            &mut lock,
            &lock_broker,
            color,
        )
        .await;
        release(lock, &lock_broker).await;
        return result;
    }
    // A person confirms first (no lock is held while they read), then the plan is re-read under the lock.
    let planned = plan_against(env, broker).await?;
    print!("{}", plan_human::render(&planned.plan, color));
    if planned.plan.is_empty() {
        return Ok(Outcome::Success);
    }
    check_guards(&planned, args)?;
    confirm()?;
    let reviewed = planned.plan.clone();
    let mut lock = Lock::acquire(&lock_broker, &lock_vhosts, &name, &unlock_hint, wait).await?;
    let replanned = plan_against(planned.env, planned.broker).await;
    let result = locked(
        args,
        replanned,
        None,
        Some(&reviewed),
        &mut lock,
        &lock_broker,
        color,
    )
    .await;
    release(lock, &lock_broker).await;
    result
}

/// Everything done while holding the lock: checks, execution, the convergence read.
async fn locked(
    args: &ApplyArgs,
    planned: Result<Planned, Error>,
    saved: Option<&SavedPlan>,
    reviewed: Option<&Plan>,
    lock: &mut Lock,
    lock_broker: &HttpBroker,
    color: bool,
) -> Result<Outcome, Error> {
    let planned = planned?;
    if let Some(saved) = saved {
        saved_plan::check_fresh(saved, &planned)?;
    }
    match reviewed {
        Some(reviewed) if !same_changes(reviewed, &planned.plan) => {
            return Err(Error::Refused(
                "the broker changed between the plan and taking the apply lock; nothing was applied. Plan again.".to_string(),
            ));
        }
        Some(_) => {}
        None => {
            print!("{}", plan_human::render(&planned.plan, color));
            if planned.plan.is_empty() {
                return Ok(Outcome::Success);
            }
            check_guards(&planned, args)?;
        }
    }
    let options = ApplyOptions {
        concurrency: args.concurrency as usize,
        allow_data_loss: args.allow_data_loss,
        migrate: MigrateOptions {
            timeout: Duration::from_secs(args.migration_timeout),
            allow_consumer_disconnect: args.allow_consumer_disconnect,
        },
    };
    let report = execute_renewing(&planned.broker, &planned.plan, options, lock, lock_broker).await;
    finish(report, planned).await
}

/// Every refusal the flags do not allow, in one message: destroy, data loss, lock-out, and
/// what the broker cannot do at all.
fn check_guards(planned: &Planned, args: &ApplyArgs) -> Result<(), Error> {
    let allowed = Allowed {
        destroy: args.allow_destroy,
        data_loss: args.allow_data_loss,
        lockout: args.allow_lockout,
        consumer_disconnect: args.allow_consumer_disconnect,
    };
    match refusals::text(&planned.plan, &allowed) {
        None => Ok(()),
        Some(list) => Err(Error::Refused(format!(
            "nothing was applied; the plan needs:\n{}",
            list.trim_end()
        ))),
    }
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
) -> ApplyReport {
    let stop = AtomicBool::new(false);
    let work = execute(broker, plan, options, &stop);
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
                    Err(reason) => eprintln!("warning: renewing the apply lock failed, trying again: {reason}"),
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

async fn release(lock: Lock, broker: &HttpBroker) {
    if let Err(reason) = lock.release(broker).await {
        eprintln!("warning: could not release the apply lock ({reason}); it expires by itself");
    }
}

async fn finish(report: ApplyReport, planned: Planned) -> Result<Outcome, Error> {
    let s = planned.plan.summary();
    if let Some((step, reason)) = &report.failure {
        eprintln!("error: {step}: {reason}");
        eprintln!(
            "Apply stopped: {} of {} steps done, {} not done. Fix the cause and run apply again; it picks up from the broker's state.",
            report.done,
            report.total,
            report.total - report.done
        );
        not_done(planned).await;
        return Ok(Outcome::Partial);
    }
    // Every step was accepted; only the broker's state says whether all of it took hold (a
    // node that went down can lose what it accepted).
    let env_name = planned.env.name.clone();
    let complete = format!(
        "Apply complete! {} added, {} changed, {} replaced, {} destroyed{}.",
        s.create,
        s.update,
        s.replace,
        s.delete,
        migrated(&s)
    );
    let locked_out = planned.plan.changes.iter().any(Change::locks_out);
    let after = match plan_against(planned.env, planned.broker).await {
        Err(Error::Broker(e)) if locked_out && matches!(e.status(), Some(401 | 403)) => {
            println!("{complete}");
            println!(
                "Convergence not checked: the user warren logs in as may no longer read the broker (HTTP {}), as --allow-lockout allowed.",
                e.status().unwrap_or_default()
            );
            return Ok(Outcome::Success);
        }
        other => other?,
    };
    if after.plan.is_empty() {
        println!("{complete}");
        println!("Converged: the broker matches environment {env_name:?}.");
        Ok(Outcome::Success)
    } else {
        eprintln!(
            "Apply partly done: the broker accepted every step, yet {} change{} still to make (a node that went down, or another writer); run apply again:",
            after.plan.changes.len(),
            if after.plan.changes.len() == 1 { " is" } else { "s are" }
        );
        eprint!("{}", plan_human::render(&after.plan, false));
        Ok(Outcome::Partial)
    }
}

fn migrated(s: &crate::plan::Summary) -> String {
    if s.migrate > 0 {
        format!(", {} migrated", s.migrate)
    } else {
        String::new()
    }
}

/// What a stopped apply left undone, read from the broker again.
async fn not_done(planned: Planned) {
    match plan_against(planned.env, planned.broker).await {
        Ok(left) if !left.plan.is_empty() => {
            eprintln!("Not done ({}):", left.plan.changes.len());
            for change in &left.plan.changes {
                eprintln!("  {:?} {}", change.action, change.id);
            }
        }
        Ok(_) => eprintln!("The broker matches the environment nonetheless."),
        Err(e) => eprintln!("What is left could not be read: {e}"),
    }
}

/// Asks on the terminal; without one, refuses rather than guessing.
fn confirm() -> Result<(), Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Refused(
            "apply needs confirmation and there is no terminal to ask on; review the plan and pass --auto-approve".to_string(),
        ));
    }
    eprint!("Do you want to perform these actions? Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|source| Error::Io {
            what: "reading the answer".into(),
            source,
        })?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Refused("apply cancelled".to_string()))
    }
}
