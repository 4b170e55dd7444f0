//! One module per subcommand: each turns parsed arguments into an [`Outcome`](crate::error::Outcome).

pub mod schema;
pub mod validate;

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
