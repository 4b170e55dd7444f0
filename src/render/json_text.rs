//! The versioned JSON documents (plan, drift, route, environment schema) as text: one way to
//! print a document and one way to generate its schema.

use schemars::generate::SchemaSettings;
use schemars::transform::transform_subschemas;
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde_json::Value;

/// `document` as pretty-printed JSON, ending in a newline.
pub fn pretty<T: Serialize + ?Sized>(document: &T) -> String {
    // Documents are maps of strings, numbers and JSON values: they always serialise.
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema (draft-07) of `T`, as the files under `schemas/` hold it.
pub fn schema_of<T: JsonSchema>() -> String {
    let schema = SchemaSettings::draft07()
        .with_transform(unwrap_descriptions)
        .into_generator()
        .into_root_schema_for::<T>();
    pretty(&schema)
}

/// Descriptions with one line per paragraph: doc comments are wrapped for the source, not
/// for the editors that show them.
fn unwrap_descriptions(schema: &mut Schema) {
    if let Some(Value::String(text)) = schema.get_mut("description") {
        *text = text
            .split("\n\n")
            .map(|paragraph| paragraph.replace('\n', " "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    transform_subschemas(&mut unwrap_descriptions, schema);
}
