//! `warren export`: the environment as a RabbitMQ definitions document.

use std::path::{Path, PathBuf};

use crate::cli::ExportArgs;
use crate::config::lower::desired_state;
use crate::config::schema::SecretSource;
use crate::config::secret_references;
use crate::definitions::export::{definitions, hash_for_export};
use crate::error::{Error, Outcome};
use crate::render::diagnostics;

pub fn run(args: &ExportArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let env = super::pipeline::load_valid(&args.env, environments_dir, None)?;
    let resolver = |source: &SecretSource, file| secret_references::resolve(source, &env.dir, file);
    let mut state = match desired_state(&env, &resolver) {
        Ok(state) => state,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{}", diagnostics::short(problem, &env.sources));
            }
            return Err(Error::Usage(format!(
                "cannot export `{}`: {} secret{} could not be read",
                env.name,
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            )));
        }
    };
    hash_for_export(&mut state);
    let document = definitions(&state);
    let mut text =
        serde_json::to_string_pretty(&document).map_err(|e| Error::Usage(e.to_string()))?;
    text.push('\n');
    match &args.out {
        Some(path) => {
            write_private(path, &text)?;
            eprintln!(
                "Wrote the definitions of `{}` to {} ({} objects).",
                env.name,
                path.display(),
                state.len()
            );
        }
        None => print!("{text}"),
    }
    Ok(Outcome::Success)
}

/// The document holds password hashes and shovel or federation URIs with their passwords:
/// on Unix the file is readable by its owner only.
fn write_private(path: &PathBuf, text: &str) -> Result<(), Error> {
    let io = |source| Error::Io {
        what: format!("writing {}", path.display()),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options.open(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)
}
