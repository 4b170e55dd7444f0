//! One module per subcommand: each turns parsed arguments into an [`Outcome`](crate::error::Outcome).

pub mod apply;
pub mod completions;
pub mod connect;
pub mod drift;
pub mod export;
pub mod graph;
pub mod import;
pub mod man;
pub mod metrics;
pub mod pipeline;
pub mod plan;
pub mod render_config;
pub mod route;
pub mod saved_plan;
pub mod schema;
pub mod show;
pub mod status;
pub mod topology_source;
pub mod unlock;
pub mod validate;
pub mod validate_hint;

use std::path::{Path, PathBuf};

use crate::config::load::resolve_env_dir;
use crate::error::Error;

/// The folder `--env` names: a path, or a name under the environments folder.
pub fn env_dir(reference: &str, environments_dir: &Path) -> Result<PathBuf, Error> {
    resolve_env_dir(reference, environments_dir).ok_or_else(|| Error::EnvironmentNotFound {
        reference: reference.to_string(),
        environments_dir: environments_dir.display().to_string(),
    })
}

/// A multi-threaded runtime for the commands that talk to the broker.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            what: "starting the async runtime".to_string(),
            source,
        })
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) is not an error.
pub fn print_bytes(bytes: &[u8], what: &str) -> Result<crate::error::Outcome, Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            what: what.to_string(),
            source: e,
        }),
        _ => Ok(crate::error::Outcome::Success),
    }
}
