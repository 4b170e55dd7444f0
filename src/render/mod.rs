//! Pure rendering of finished results for people and machines.

pub mod diagnostics;
pub mod drift;
pub mod error_report;
mod excerpt;
pub mod graph_dot;
pub mod graph_mermaid;
pub mod json_text;
pub mod markdown;
pub mod merged_settings;
pub mod migration;
pub mod notes;
pub mod paint;
pub mod plan;
pub mod progress;
mod published_field;
pub mod route;
pub mod routing;
pub mod value;
