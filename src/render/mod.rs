//! Pure rendering of finished results for people and machines.

pub mod diagnostics;
pub mod plan_human;
