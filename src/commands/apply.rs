//! `warren apply`: plan from live state (or check a saved plan), confirm, then the apply
//! protocol (lock, re-plan under it, execute, convergence check); renders how it ended.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use crate::apply::migrate::MigrateOptions;
use crate::apply::progress::Progress;
use crate::apply::protocol::{self, Applied, Caller, Convergence, Settings, Verify};
use crate::apply::ApplyOptions;
use crate::broker::{BrokerError, HttpBroker};
use crate::cli::{ApplyArgs, VerifyScope};
use crate::config::Environment;
use crate::error::{Error, Outcome};
use crate::model::ResourceId;
use crate::plan::document::Summary;
use crate::plan::saved::SavedPlan;
use crate::plan::Allowed;
use crate::render::plan::{human, refusals, PlanDocument};
use crate::render::progress::StderrProgress;

use super::pipeline::{load_valid, plan_against, plan_touched, Planned};
use super::saved_plan;

pub fn run(args: &ApplyArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let runtime = super::runtime()?;
    runtime.block_on(apply(args, environments_dir, color))
}

/// The plan pipeline and the terminal, for the protocol.
struct Front<'a> {
    args: &'a ApplyArgs,
    saved: Option<&'a SavedPlan>,
    color: bool,
    progress: StderrProgress,
}

impl Caller for Front<'_> {
    type Error = Error;

    fn broker_error(error: &Error) -> Option<&BrokerError> {
        match error {
            Error::Broker(e) => Some(e),
            _ => None,
        }
    }

    async fn plan(&self, env: Environment, broker: HttpBroker) -> Result<Planned, Error> {
        plan_against(env, broker).await
    }

    async fn plan_touched(
        &self,
        planned: Planned,
        touched: Vec<ResourceId>,
    ) -> Result<Planned, Error> {
        plan_touched(planned, &touched).await
    }

    fn review(&self, planned: &Planned) -> Result<(), Error> {
        if let Some(saved) = self.saved {
            saved_plan::check_fresh(saved, planned)?;
        }
        // One document for both: building it costs as much as rendering a large plan.
        let doc = PlanDocument::new(&planned.plan);
        print!("{}", human::render(&doc, self.color));
        check_guards(&doc, self.args)
    }

    fn progress(&self) -> &dyn Progress {
        &self.progress
    }
}

async fn apply(args: &ApplyArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let saved = args.plan.as_deref().map(saved_plan::read).transpose()?;
    let env = load_valid(&args.env, environments_dir, None)?;
    let broker = super::connect::connect(&args.connection, &env)?;
    // The lease has its own client, so it can be released whatever happens to the other.
    let lock_broker = super::connect::connect(&args.connection, &env)?;
    let settings = Settings {
        options: ApplyOptions {
            concurrency: args.concurrency as usize,
            allow_data_loss: args.allow_data_loss,
            migrate: MigrateOptions {
                timeout: Duration::from_secs(args.migration_timeout),
                allow_consumer_disconnect: args.allow_consumer_disconnect,
            },
        },
        lock_vhosts: env.lock_vhosts(),
        lock_wait: Duration::from_secs(args.lock_timeout),
        unlock_hint: format!("warren unlock --env {}", args.env),
        verify: match args.verify {
            VerifyScope::Touched => Verify::Touched,
            VerifyScope::Full => Verify::Full,
        },
    };
    let front = Front {
        args,
        saved: saved.as_ref(),
        color,
        progress: StderrProgress::new(),
    };
    if args.auto_approve || saved.is_some() {
        // Nobody to ask: take the lock first and plan once, under it.
        let applied =
            protocol::apply_locked(&front, (env, broker), &lock_broker, &settings, None).await?;
        return Ok(render(applied));
    }
    // A person confirms first (no lock is held while they read), then the plan is re-read under the lock.
    let planned = plan_against(env, broker).await?;
    let doc = PlanDocument::new(&planned.plan);
    print!("{}", human::render(&doc, color));
    if planned.plan.is_empty() {
        return Ok(Outcome::Success);
    }
    check_guards(&doc, args)?;
    confirm()?;
    let reviewed = planned.plan.clone();
    let applied = protocol::apply_locked(
        &front,
        (planned.env, planned.broker),
        &lock_broker,
        &settings,
        Some(&reviewed),
    )
    .await?;
    Ok(render(applied))
}

/// Every refusal the flags do not allow, in one message: destroy, data loss, lock-out, and
/// what the broker cannot do at all.
fn check_guards(doc: &PlanDocument, args: &ApplyArgs) -> Result<(), Error> {
    let allowed = Allowed {
        destroy: args.allow_destroy,
        data_loss: args.allow_data_loss,
        lockout: args.allow_lockout,
        consumer_disconnect: args.allow_consumer_disconnect,
    };
    match refusals::text(doc, &allowed) {
        None => Ok(()),
        Some(list) => Err(Error::Refused(format!(
            "nothing was applied; the plan needs:\n{}",
            list.trim_end()
        ))),
    }
}

/// How the apply ended, for people: stdout for success, stderr for what is left to do.
fn render(applied: Applied<Error>) -> Outcome {
    match applied {
        Applied::Nothing => Outcome::Success,
        Applied::Stopped {
            step,
            reason,
            done,
            total,
            left,
        } => {
            eprintln!("error: {step}: {reason}");
            eprintln!(
                "Apply stopped: {done} of {total} steps done, {} not done. Fix the cause and run apply again; it picks up from the broker's state.",
                total - done
            );
            match left {
                Ok(left) if !left.is_empty() => {
                    eprintln!("Not done ({}):", left.changes.len());
                    for change in &left.changes {
                        eprintln!("  {:?} {}", change.action, change.id);
                    }
                }
                Ok(_) => eprintln!("The broker matches the environment nonetheless."),
                Err(e) => eprintln!("What is left could not be read: {e}"),
            }
            Outcome::Partial
        }
        Applied::Complete {
            summary,
            environment,
            convergence,
        } => {
            let complete = complete(&summary);
            match convergence {
                Convergence::Converged => {
                    println!("{complete}");
                    println!("Converged: the broker matches environment {environment:?}.");
                    Outcome::Success
                }
                Convergence::NotChecked(status) => {
                    println!("{complete}");
                    println!(
                        "Convergence not checked: the user warren logs in as may no longer read the broker (HTTP {status}), as --allow-lockout allowed."
                    );
                    Outcome::Success
                }
                Convergence::Left(left) => {
                    eprintln!(
                        "Apply partly done: the broker accepted every step, yet {} change{} still to make (a node that went down, or another writer); run apply again:",
                        left.changes.len(),
                        if left.changes.len() == 1 { " is" } else { "s are" }
                    );
                    eprint!("{}", human::render(&PlanDocument::new(&left), false));
                    Outcome::Partial
                }
            }
        }
    }
}

fn complete(s: &Summary) -> String {
    let migrated = if s.migrate > 0 {
        format!(", {} migrated", s.migrate)
    } else {
        String::new()
    };
    format!(
        "Apply complete! {} added, {} changed, {} replaced, {} destroyed{migrated}.",
        s.create, s.update, s.replace, s.delete
    )
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
