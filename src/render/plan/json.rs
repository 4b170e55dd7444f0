//! `warren plan --format json`: the plan document as it is, and its JSON Schema.

use super::PlanDocument;

/// The document as pretty-printed JSON, ending in a newline.
pub fn render(doc: &PlanDocument) -> String {
    crate::render::json_text::pretty(doc)
}

/// The JSON Schema of [`PlanDocument`] (draft-07), as checked in at `schemas/plan.schema.json`.
pub fn schema() -> String {
    crate::render::json_text::schema_of::<PlanDocument>()
}
