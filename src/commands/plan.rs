//! `warren plan`: what apply would change, as text, JSON or Markdown.

use std::path::Path;

use crate::cli::{PlanArgs, PlanFormat};
use crate::error::{Error, Outcome};
use crate::render::plan::{human, json, markdown, PlanDocument};

pub fn run(args: &PlanArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let runtime = super::runtime()?;
    let planned = runtime.block_on(super::pipeline::plan(
        &args.env,
        environments_dir,
        &args.connection,
    ))?;
    let doc = PlanDocument::new(&planned.plan);
    print!("{}", render(&doc, args.format, color));
    for target in &args.writes {
        // Files get no colour codes, whatever the terminal.
        crate::output_target::write(&target.path, &render(&doc, target.format, false))?;
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
    let outcome = if args.detailed_exitcode && !planned.plan.is_empty() {
        Outcome::Changes
    } else {
        Outcome::Success
    };
    // Both states of a large broker take tens of milliseconds to free one object at a
    // time; the process ends next, and its memory goes back to the system at once.
    std::mem::forget(planned);
    Ok(outcome)
}

/// The plan document in one of its formats.
pub fn render(doc: &PlanDocument, format: PlanFormat, color: bool) -> String {
    match format {
        PlanFormat::Human => human::render(doc, color),
        PlanFormat::Json => json::render(doc),
        PlanFormat::Markdown => markdown::render(doc),
    }
}
