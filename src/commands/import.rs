//! `warren import`: an environment folder from a broker's or a file's definitions.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::broker::lower::live_state;
use crate::broker::{fetch_live, HttpBroker, LiveSnapshot};
use crate::cli::ImportArgs;
use crate::config::diagnostic::Diagnostic;
use crate::definitions::duplicates::conflicting_duplicates;
use crate::definitions::import::{environment_files, snapshot_of_file, EnvFile, ImportOptions};
use crate::definitions::json_position::JsonDocument;
use crate::definitions::refusals::refusals;
use crate::error::{Error, Outcome};
use crate::format::wire::Definitions;

const SCHEMA: &str = "schemas/environment.schema.json";
/// The schema's name when import writes it into the environment folder itself.
const LOCAL_SCHEMA: &str = "environment.schema.json";

pub fn run(args: &ImportArgs) -> Result<Outcome, Error> {
    let (snapshot, login_user) = match (&args.from_url, &args.from_definitions) {
        (Some(url), _) => {
            let settings = super::connect::settings_without_environment(&args.connection, url)?;
            let broker = HttpBroker::new(&settings)?;
            let runtime = super::runtime()?;
            let snapshot = runtime.block_on(fetch_live(&broker))?;
            let login = if args.include_login_user {
                None
            } else {
                Some(runtime.block_on(crate::apply::guard::login_user(&broker))?)
            };
            (snapshot, login)
        }
        (None, Some(path)) => (read_file(path)?, None),
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
    let found_schema = schema_reference(&args.out);
    let options = ImportOptions {
        vhosts: args.vhosts.clone(),
        secrets_as_env: !args.with_password_hashes,
        broker_url: args.from_url.clone(),
        // No schema within reach (outside a checkout of warren): one is written alongside.
        schema: Some(
            found_schema
                .clone()
                .unwrap_or_else(|| LOCAL_SCHEMA.to_string()),
        ),
        login_user,
    };
    let state = live_state(snapshot);
    let (mut files, notes) = environment_files(&state, &options);
    if found_schema.is_none() {
        files.push(EnvFile {
            name: LOCAL_SCHEMA.to_string(),
            text: super::schema::environment_schema(),
        });
    }
    for note in &notes {
        eprintln!("warning: {note}");
    }
    // What import writes must load and validate like any environment: checked in a private
    // folder first, so that a refusal writes nothing.
    let check = private_dir()?;
    write_files(&check, &files, args.with_password_hashes)?;
    let (env, problems) = crate::commands::validate::check_environment(
        &check,
        &crate::config::validate::ValidateOptions::default(),
        false,
    );
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| {
            let line = crate::render::diagnostics::short(p, &env.sources);
            line.replace(
                &check.display().to_string(),
                &args.out.display().to_string(),
            )
        })
        .collect();
    let _ = std::fs::remove_dir_all(&check);
    if !errors.is_empty() {
        for error in &errors {
            eprintln!("{error}");
        }
        return Err(Error::Refused(format!(
            "the definitions hold {} thing{} warren cannot write as a valid environment; nothing was written",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        )));
    }
    create_dir(&args.out)?;
    write_files(&args.out, &files, args.with_password_hashes)?;
    if args.with_password_hashes {
        eprintln!(
            "warning: users.yaml holds password hashes (salted SHA-256, crackable offline); it is mode 0600: keep it out of git"
        );
    } else {
        let variables = password_variables(&state);
        if !variables.is_empty() {
            eprintln!("Set these variables (the users' passwords) before plan or apply:");
            for (variable, user) in variables {
                eprintln!("  {variable}  (user {user:?})");
            }
        }
    }
    eprintln!(
        "Wrote {} files to {}; check them with `warren validate --env {}`.",
        files.len(),
        args.out.display(),
        args.out.display()
    );
    Ok(Outcome::Success)
}

/// Writes the files; users.yaml is mode 0600 when it holds password hashes.
fn write_files(dir: &Path, files: &[EnvFile], hashes: bool) -> Result<(), Error> {
    for file in files {
        let path = dir.join(&file.name);
        std::fs::write(&path, &file.text).map_err(|source| Error::Io {
            what: format!("writing {}", path.display()),
            source,
        })?;
        #[cfg(unix)]
        if hashes && file.name == "users.yaml" {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
    }
    Ok(())
}

/// A fresh folder only this user can read, for the check of what import would write.
fn private_dir() -> Result<PathBuf, Error> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("warren-import-{}-{nanos}", std::process::id()));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&dir).map_err(|source| Error::Io {
        what: format!("creating {}", dir.display()),
        source,
    })?;
    Ok(dir)
}

/// The variables the written references name, with their users.
fn password_variables(state: &crate::model::State) -> Vec<(String, String)> {
    state
        .iter()
        .filter_map(|(id, resource)| match id {
            crate::model::ResourceId::User { name }
                if resource.str("password_hash").is_some_and(|h| !h.is_empty()) =>
            {
                Some((
                    crate::definitions::import::password_variable(name),
                    name.clone(),
                ))
            }
            _ => None,
        })
        .collect()
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
    // Read from the text, so that a value of the wrong type is named with its line and column.
    let definitions: Definitions = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}:{}:{}: not a definitions document: {}",
            path.display(),
            e.line(),
            e.column(),
            without_position(&e)
        ))
    })?;
    // The one file read: diagnostics name it by `path`.
    let document = JsonDocument {
        text: &text,
        file: 0,
    };
    let place = |d: &Diagnostic| match d.location {
        Some(l) if l.at.line > 0 => format!(
            "{}:{}:{}: {}",
            path.display(),
            l.at.line,
            l.at.column,
            d.message()
        ),
        _ => format!("{}: {}", path.display(), d.message()),
    };
    let refused = refusals(&definitions, &document);
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
    for duplicate in conflicting_duplicates(&definitions, &document) {
        eprintln!("warning: {}", place(&duplicate));
    }
    Ok(snapshot_of_file(definitions, &raw))
}

/// serde_json's message without its own ` at line L column C` tail.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
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
    // The folder may not exist yet: it is created only once what goes in it validates.
    let dir = dir
        .canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .ok()?;
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
