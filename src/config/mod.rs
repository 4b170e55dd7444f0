//! The desired side: the only place that reads environment files.

pub mod diagnostic;
mod diagnostic_kind;
pub mod environment;
pub mod field_position;
pub mod inherit;
pub mod load;
pub mod located;
pub mod lower;
pub mod merge;
mod quick_yaml;
pub mod schema;
pub mod secret_references;
pub mod server;
pub mod strict_bool;
mod trimmed;
pub mod type_errors;
pub mod uri_credentials;
pub mod validate;
pub mod variables;

use std::path::Path;

pub use diagnostic::{Diagnostic, DiagnosticKind, Severity, Sources};
pub use environment::Environment;

/// Reads and merges an environment folder; parse and merge problems come back alongside.
pub fn load_environment(dir: &Path) -> (Environment, Vec<Diagnostic>) {
    merge::merge(load::load_files(dir))
}
