//! Pure planning: diff two states into a Plan and order its steps.

pub mod build;
pub mod change;
pub mod diff;
pub mod document;
pub mod drift;
pub mod enrich;
pub mod migrations;
pub mod notes;
pub mod order;
pub mod passwords;
pub mod reason;
pub mod refusals;
pub mod route_drift;
pub mod routing;
pub mod saved;
pub mod scope;
pub mod touched;

#[cfg(test)]
mod build_tests;

pub use change::{Action, Allowed, Change, FieldDiff, MessageCount, Migration, Refusal};
pub use diff::diff;
pub use document::{Note, Plan, Summary};
pub use reason::Reason;
pub use scope::Scope;
