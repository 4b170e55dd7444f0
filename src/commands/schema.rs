//! `warren schema`: the JSON Schema of the environment format, from the same Rust types.

use crate::config::schema::Document;
use crate::error::Outcome;

/// The schema as checked in at `schemas/environment.schema.json`.
pub fn environment_schema() -> String {
    crate::render::json_text::schema_of::<Document>()
}

pub fn run() -> Outcome {
    print!("{}", environment_schema());
    Outcome::Success
}
