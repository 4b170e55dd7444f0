//! The versioned JSON documents (plan, drift, route, environment schema) as text: one way to
//! print a document and one way to generate its schema.

use schemars::JsonSchema;
use serde::Serialize;

/// `document` as pretty-printed JSON, ending in a newline.
pub fn pretty<T: Serialize + ?Sized>(document: &T) -> String {
    // Documents are maps of strings, numbers and JSON values: they always serialise.
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema (draft-07) of `T`, as the files under `schemas/` hold it.
pub fn schema_of<T: JsonSchema>() -> String {
    let schema = schemars::gen::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>();
    pretty(&schema)
}
