//! `warren import` writes each credentialed shovel or federation URI as
//! `{ uri: "amqp://user@host", password: { env: VAR } }`: the harness sets each VAR to the
//! password the source file gave that URI, found by matching the URI without its password.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use warren::format::uri_credentials::{decode_password, split_password};

/// (variable, password) for every reference the imported environment in `env_dir` holds.
pub fn variables(source: &Value, env_dir: &Path) -> Vec<(String, String)> {
    let mut passwords = BTreeMap::new();
    walk(source, &mut |v| {
        if let Some((bare, encoded)) = v.as_str().and_then(split_password) {
            passwords.insert(bare, decode_password(&encoded).expect("a UTF-8 password"));
        }
    });
    let mut found = Vec::new();
    for entry in std::fs::read_dir(env_dir)
        .expect("imported folder")
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let Ok(yaml) = serde_saphyr::from_str::<Value>(&text) else {
            continue;
        };
        walk(&yaml, &mut |v| {
            let (Some(uri), Some(variable)) = (v["uri"].as_str(), v["password"]["env"].as_str())
            else {
                return;
            };
            if let Some(password) = passwords.get(uri) {
                found.push((variable.to_string(), password.clone()));
            }
        });
    }
    found
}

fn walk(value: &Value, visit: &mut dyn FnMut(&Value)) {
    visit(value);
    match value {
        Value::Array(items) => items.iter().for_each(|i| walk(i, visit)),
        Value::Object(map) => map.values().for_each(|v| walk(v, visit)),
        _ => {}
    }
}
