//! Resolves secret references (`{ env: NAME }`, `{ file: PATH }`) only when a command needs them.

use crate::config::diagnostic::DiagnosticKind;
use std::path::Path;

use super::diagnostic::{Diagnostic, FileId};
use super::environment::Environment;
use super::schema::SecretSource;
use super::uri_credentials::{parameter_uris, UriSource};
use crate::model::secret_value::Secret;

/// Reads a secret; a missing variable or unreadable file is a diagnostic naming it.
pub fn resolve(source: &SecretSource, env_dir: &Path, file: FileId) -> Result<Secret, Diagnostic> {
    match source {
        SecretSource::Literal(value) => Ok(Secret::new(value.value.clone())),
        SecretSource::Env(reference) => match std::env::var(&reference.env.value) {
            Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
            _ => Err(Diagnostic::error(
                DiagnosticKind::MissingSecret,
                format!(
                    "environment variable `{}` is not set (or empty)",
                    reference.env.value
                ),
            )
            .at(file, reference.env.at)
            .help("export it before running plan or apply")),
        },
        SecretSource::File(reference) => {
            let path = env_dir.join(&reference.file.value);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Secret::new(text.trim_end_matches(['\n', '\r']).to_string())),
                Err(err) => Err(Diagnostic::error(
                    DiagnosticKind::MissingSecret,
                    format!("cannot read secret file {}: {err}", path.display()),
                )
                .at(file, reference.file.at)),
            }
        }
    }
}

/// Resolves every secret the environment refers to and reports each one that is missing.
pub fn check_all(env: &Environment) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let users = env
        .users
        .values()
        .filter_map(|u| u.spec.password.as_ref().map(|p| (p, u.file)));
    let broker = env
        .settings
        .broker
        .as_ref()
        .and_then(|b| b.spec.password.as_ref().map(|p| (p, b.file)));
    for (source, file) in users.chain(broker) {
        if let Err(problem) = resolve(source, &env.dir, file) {
            problems.push(problem);
        }
    }
    for uri in parameter_uris(env) {
        let source = match &uri.item.source {
            UriSource::Whole(source) => source,
            UriSource::WithPassword { password, .. } => password,
            _ => continue,
        };
        if let Err(problem) = resolve(source, &env.dir, uri.file) {
            problems.push(problem);
        }
    }
    problems
}
