//! Pure planning: diff two states into a Plan and order its steps.

pub mod diff;
pub mod drift;
pub mod enrich;
pub mod migrations;
pub mod notes;
pub mod order;
pub mod passwords;
pub mod planned;
pub mod refusals;
pub mod route_drift;
pub mod routing;
pub mod saved;
pub mod scope;
pub mod types;

pub use diff::diff;
pub use scope::Scope;
pub use types::{Action, Allowed, Change, FieldDiff, MessageCount, Migration, Note, Plan, Refusal};
