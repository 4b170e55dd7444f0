//! `warren schema`: the JSON Schema of the environment format, from the same Rust types.

use crate::config::schema::Document;
use crate::error::Outcome;

/// The schema as checked in at `schemas/environment.schema.json`.
pub fn environment_schema() -> String {
    let settings = schemars::gen::SchemaSettings::draft07();
    let schema = settings.into_generator().into_root_schema_for::<Document>();
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}

pub fn run() -> Outcome {
    print!("{}", environment_schema());
    Outcome::Success
}
