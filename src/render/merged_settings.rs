//! `validate --show-merged`: an environment's settings after `extends`, as YAML. Secrets
//! show only as the reference they are read from; a literal is never printed.

use serde_json::{json, Map, Value};

use crate::config::Environment;

const HIDDEN: &str = "(secret, not shown)";

pub fn render(env: &Environment) -> String {
    let settings = &env.settings;
    let mut merged = Map::new();
    if let Some(broker) = &settings.broker {
        let mut value = to_value(&broker.spec);
        hide_literal(&mut value, "password");
        if let Some(urls) = value.get_mut("urls").and_then(Value::as_array_mut) {
            for url in urls.iter_mut() {
                if let Some(text) = url.as_str() {
                    *url = Value::String(without_password(text));
                }
            }
        }
        merged.insert("broker".into(), value);
    }
    if let Some(manage) = &settings.manage {
        merged.insert("manage".into(), to_value(&manage.spec));
    }
    if !settings.allow.is_empty() {
        let mut allow: Vec<&str> = Vec::new();
        for code in &settings.allow {
            if !allow.contains(&code.as_str()) {
                allow.push(code);
            }
        }
        merged.insert("lints".into(), json!({ "allow": allow }));
    }
    if let Some(server) = &settings.server {
        let mut value = to_value(&server.spec);
        hide_literal(&mut value, "default_pass");
        merged.insert("server".into(), value);
    }
    let body = if merged.is_empty() {
        "{}\n".to_string()
    } else {
        serde_saphyr::to_string(&Value::Object(merged))
            .unwrap_or_else(|e| format!("# cannot print the settings: {e}\n"))
    };
    format!(
        "# {}: settings after `extends` (secrets only as references)\n{body}",
        env.name
    )
}

fn to_value<T: serde::Serialize>(spec: &T) -> Value {
    serde_json::to_value(spec).unwrap_or(Value::Null)
}

/// A secret written as a literal (only `local` environments may) is replaced.
fn hide_literal(value: &mut Value, key: &str) {
    if let Some(secret) = value.get_mut(key) {
        if secret.is_string() {
            *secret = Value::String(HIDDEN.to_string());
        }
    }
}

/// `scheme://user:pass@host` -> `scheme://user:***@host`.
fn without_password(url: &str) -> String {
    match crate::format::uri_credentials::split_password(url) {
        Some((_, password)) => url.replacen(&format!(":{password}@"), ":***@", 1),
        None => url.to_string(),
    }
}
