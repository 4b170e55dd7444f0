//! `warren drift`: what changed on the broker behind git's back. Exit 0 in sync, 2 drift, 1 error.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::{DriftArgs, DriftFormat};
use crate::config::validate::routes;
use crate::error::{Error, Outcome};
use crate::plan::drift::DriftReport;
use crate::plan::route_drift;
use crate::render::drift::{document, human, markdown, prometheus, DriftDocument};

pub fn run(args: &DriftArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let started = now();
    let planned = super::runtime().and_then(|runtime| {
        runtime.block_on(super::pipeline::plan(
            &args.env,
            environments_dir,
            &args.connection,
        ))
    });
    let planned = match planned {
        Ok(planned) => planned,
        Err(err) => {
            let name = environment_name(&args.env, environments_dir);
            let failure = prometheus::render_failure(&name, started);
            if args.format == DriftFormat::Prometheus {
                print!("{failure}");
            }
            // The metrics file is written even now, so that the alert fires.
            for target in &args.writes {
                if target.format == DriftFormat::Prometheus {
                    crate::output_target::write(&target.path, &failure)?;
                }
            }
            return Err(err);
        }
    };
    let mut report = DriftReport::new(&planned.plan, &planned.live, &planned.scope);
    let assertions: Vec<_> = routes::assertions(&planned.env)
        .into_iter()
        .map(|(_, _, assertion)| assertion)
        .collect();
    let version = planned
        .version
        .parse()
        .unwrap_or_else(|_| super::topology_source::offline_version());
    report.routes_checked = assertions.len();
    report.routes = route_drift::check(&assertions, &planned.live, version);
    let doc = DriftDocument::new(&report);
    print!("{}", render(&doc, args.format, color, started));
    for target in &args.writes {
        let text = render(&doc, target.format, false, started);
        crate::output_target::write(&target.path, &text)?;
    }
    let outcome = if doc.in_sync {
        Outcome::Success
    } else {
        Outcome::Changes
    };
    drop((doc, report));
    // As for plan: the process ends next, and frees the large states at once.
    std::mem::forget(planned);
    Ok(outcome)
}

/// Seconds since the epoch, to the millisecond.
fn now() -> f64 {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    millis as f64 / 1000.0
}

/// The name the environment goes by (its folder's name), even when it could not be loaded.
fn environment_name(reference: &str, environments_dir: &Path) -> String {
    let dir = super::env_dir(reference, environments_dir)
        .unwrap_or_else(|_| Path::new(reference).to_path_buf());
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| reference.to_string())
}

/// The report in one of its formats; `started` stamps the Prometheus series.
fn render(doc: &DriftDocument, format: DriftFormat, color: bool, started: f64) -> String {
    match format {
        DriftFormat::Human => human::render(doc, color),
        DriftFormat::Json => document::json(doc),
        DriftFormat::Markdown => markdown::render(doc),
        DriftFormat::Prometheus => prometheus::render(doc, started),
    }
}
