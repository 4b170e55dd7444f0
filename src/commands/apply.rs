//! `warren apply`: re-plan from live state, confirm, execute in order, check convergence.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use crate::apply::{execute, guard, ApplyOptions};
use crate::cli::ApplyArgs;
use crate::error::{Error, Outcome};
use crate::render::plan_human;

pub fn run(args: &ApplyArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let runtime = super::runtime()?;
    runtime.block_on(apply(args, environments_dir, color))
}

async fn apply(args: &ApplyArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let planned = super::pipeline::plan(&args.env, environments_dir, &args.connection).await?;
    let plan = &planned.plan;
    print!("{}", plan_human::render(plan, color));
    if plan.is_empty() {
        return Ok(Outcome::Success);
    }
    guard::check_plan(plan, args.allow_destroy, args.allow_data_loss).map_err(Error::Refused)?;
    if !args.auto_approve {
        confirm()?;
    }
    let options = ApplyOptions {
        concurrency: args.concurrency as usize,
        allow_data_loss: args.allow_data_loss,
    };
    let report = execute(&planned.broker, plan, options).await;
    if let Some((step, reason)) = &report.failure {
        eprintln!("error: {step}: {reason}");
        eprintln!(
            "Apply stopped: {} of {} steps done, {} not done. Fix the cause and run apply again; it picks up from the broker's state.",
            report.done,
            report.total,
            report.total - report.done
        );
        return Ok(Outcome::Partial);
    }
    let s = plan.summary();
    println!(
        "Apply complete! {} added, {} changed, {} replaced, {} destroyed.",
        s.create, s.update, s.replace, s.delete
    );
    let after = super::pipeline::plan(&args.env, environments_dir, &args.connection).await?;
    if after.plan.is_empty() {
        println!(
            "Converged: the broker matches environment {:?}.",
            after.env.name
        );
        Ok(Outcome::Success)
    } else {
        eprintln!("warning: the broker still differs from the environment after apply:");
        eprint!("{}", plan_human::render(&after.plan, false));
        Ok(Outcome::Failed)
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
