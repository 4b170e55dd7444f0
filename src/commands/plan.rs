//! `warren plan`: what apply would change, as text, JSON or Markdown.

use std::path::Path;

use crate::cli::{PlanArgs, PlanFormat};
use crate::error::{Error, Outcome};
use crate::render::{plan_human, plan_json, plan_markdown};

pub fn run(args: &PlanArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let runtime = super::runtime()?;
    let planned = runtime.block_on(super::pipeline::plan(
        &args.env,
        environments_dir,
        &args.connection,
    ))?;
    match args.format {
        PlanFormat::Human => print!("{}", plan_human::render(&planned.plan, color)),
        PlanFormat::Json => print!("{}", plan_json::render(&planned.plan)),
        PlanFormat::Markdown => print!("{}", plan_markdown::render(&planned.plan)),
    }
    if let Some(path) = &args.out {
        super::saved_plan::write(path, &planned)?;
        eprintln!(
            "Saved the plan to {}; apply it with `warren apply --env {} --plan {}`.",
            path.display(),
            args.env,
            path.display()
        );
    }
    Ok(if args.detailed_exitcode && !planned.plan.is_empty() {
        Outcome::Changes
    } else {
        Outcome::Success
    })
}
