//! A [`Plan`](crate::plan::Plan) as one [`PlanDocument`], rendered for people (human text,
//! Markdown with a Mermaid picture) and for machines (JSON).

pub mod document;
mod from_plan;
pub mod human;
pub mod json;
pub mod markdown;
pub mod mermaid;
pub mod refusals;

pub use document::PlanDocument;
