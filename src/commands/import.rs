//! `warren import`: an environment folder from a broker's or a file's definitions.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::broker::wire::Definitions;
use crate::broker::{fetch_live, HttpBroker, LiveSnapshot};
use crate::cli::ImportArgs;
use crate::definitions::duplicates::conflicting_duplicates;
use crate::definitions::import::{environment_files, snapshot_of_file, ImportOptions};
use crate::definitions::json_position::position;
use crate::definitions::refusals::{refusals, DocumentProblem};
use crate::error::{Error, Outcome};
use crate::model::live::live_state;

const SCHEMA: &str = "schemas/environment.schema.json";

pub fn run(args: &ImportArgs) -> Result<Outcome, Error> {
    let snapshot = match (&args.from_url, &args.from_definitions) {
        (Some(url), _) => {
            let settings = super::connect::settings_without_environment(&args.connection, url)?;
            let broker = HttpBroker::new(&settings)?;
            super::runtime()?.block_on(fetch_live(&broker))?
        }
        (None, Some(path)) => read_file(path)?,
        (None, None) => {
            return Err(Error::Usage(
                "pass --from-url URL or --from-definitions FILE".to_string(),
            ))
        }
    };
    let known: Vec<&str> = snapshot.vhosts.iter().map(|v| v.name.as_str()).collect();
    for vhost in &args.vhosts {
        if !known.contains(&vhost.as_str()) {
            return Err(Error::Usage(format!(
                "vhost `{vhost}` is not in the definitions (they hold {})",
                known.join(", ")
            )));
        }
    }
    create_dir(&args.out)?;
    let options = ImportOptions {
        vhosts: args.vhosts.clone(),
        secrets_as_env: args.secrets_as_env,
        broker_url: args.from_url.clone(),
        schema: schema_reference(&args.out),
    };
    let state = live_state(&snapshot);
    let (files, notes) = environment_files(&state, &options);
    for note in &notes {
        eprintln!("warning: {note}");
    }
    for file in &files {
        let path = args.out.join(&file.name);
        std::fs::write(&path, &file.text).map_err(|source| Error::Io {
            what: format!("writing {}", path.display()),
            source,
        })?;
    }
    eprintln!(
        "Wrote {} files to {}; check them with `warren validate --env {}`.",
        files.len(),
        args.out.display(),
        args.out.display()
    );
    Ok(Outcome::Success)
}

fn read_file(path: &Path) -> Result<LiveSnapshot, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        what: format!("reading {}", path.display()),
        source,
    })?;
    let invalid = |e: serde_json::Error| {
        Error::Usage(format!(
            "{} is not a definitions document: {e}",
            path.display()
        ))
    };
    let raw: Value = serde_json::from_str(&text).map_err(invalid)?;
    let definitions: Definitions = serde_json::from_value(raw.clone()).map_err(invalid)?;
    let place = |p: &DocumentProblem| match position(&text, &p.path) {
        Some((line, column)) => format!("{}:{line}:{column}: {}", path.display(), p.reason),
        None => format!("{}: {}", path.display(), p.reason),
    };
    let refused = refusals(&definitions);
    if !refused.is_empty() {
        // One line each, unwrapped, so that editors and CI logs can jump to them.
        for problem in &refused {
            eprintln!("error: {}", place(problem));
        }
        return Err(Error::Refused(format!(
            "{} holds {} value{} RabbitMQ refuses to import; nothing was written",
            path.display(),
            refused.len(),
            if refused.len() == 1 { "" } else { "s" }
        )));
    }
    for duplicate in conflicting_duplicates(&definitions) {
        eprintln!("warning: {}", place(&duplicate));
    }
    Ok(snapshot_of_file(definitions, &raw))
}

fn create_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        what: format!("creating {}", dir.display()),
        source,
    })
}

/// The modeline's `$schema`: relative when `dir` is inside a folder holding the schema (the
/// repository), else the absolute path of the one found from the working directory; None
/// when there is none to point at.
fn schema_reference(dir: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    for (depth, ancestor) in dir.ancestors().enumerate().skip(1) {
        if ancestor.join(SCHEMA).is_file() {
            return Some(format!("{}{SCHEMA}", "../".repeat(depth)));
        }
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|a| a.join(SCHEMA))
        .find(|p| p.is_file())
        .map(|p: PathBuf| p.display().to_string())
}
