//! `warren show PLAN_FILE`: a saved plan in any plan format, without reading the broker, so
//! a CI job that saved one renders it for people and scripts from that one read.

use std::path::Path;

use crate::cli::ShowArgs;
use crate::error::{Error, Outcome};
use crate::render::plan::PlanDocument;

pub fn run(args: &ShowArgs, color: bool) -> Result<Outcome, Error> {
    let saved = super::saved_plan::read(Path::new(&args.plan))?;
    let doc = PlanDocument::new(&saved.plan);
    print!("{}", super::plan::render(&doc, args.format, color));
    Ok(Outcome::Success)
}
