//! A broker's [`State`] (read from its definitions) -> the files of an environment folder, as
//! a person would write them: one file per vhost, `users.yaml`, `global.yaml` and the settings
//! in `environment.yaml`. Broker defaults and built-ins are left out.
//!
//! The state comes from [`live_state`](crate::broker::lower::live_state), the same reading
//! `plan` makes of the broker, so an imported environment plans empty against its source.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::uri_credentials::Variables;
use super::vhost_text::{non_empty, str_of, vhost_text, VhostParts};
use super::yaml::{entry, escape_variables, inline, key_start, scalar};
use crate::broker::LiveSnapshot;
use crate::format::wire::{Definitions, Tags, VhostInfo};
use crate::model::kinds::DEFAULT_HASHING;
use crate::model::{Resource, ResourceId, State};

/// What to write besides the objects themselves.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Only these vhosts (and permissions in them); empty: all.
    pub vhosts: Vec<String>,
    /// `password: { env: WARREN_<USER>_PASSWORD }` instead of the hashes.
    pub secrets_as_env: bool,
    /// The management URL the state was read from, for `broker: { urls: [...] }`.
    pub broker_url: Option<String>,
    /// The `$schema` path for the yaml-language-server modeline.
    pub schema: Option<String>,
    /// The user import logged in as: left out, with its permissions and limits, and ignored.
    pub login_user: Option<String>,
}

/// One file of the environment: its name in the folder and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvFile {
    pub name: String,
    pub text: String,
}

/// A definitions file read on its own: the vhost metadata comes from the document itself
/// (top level or `metadata`, whichever is set; `tracing` from the raw JSON).
pub fn snapshot_of_file(definitions: Definitions, raw: &Value) -> LiveSnapshot {
    let tracing = |name: &str| {
        raw["vhosts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == name)
            .and_then(|v| v["tracing"].as_bool())
            .unwrap_or(false)
    };
    let vhosts = definitions
        .vhosts
        .iter()
        .map(|v| {
            let meta = v.metadata.clone().unwrap_or_default();
            VhostInfo {
                name: v.name.clone(),
                description: v
                    .description
                    .clone()
                    .or(meta.description)
                    .unwrap_or_default(),
                tags: v.tags.clone().or(meta.tags).unwrap_or(Tags::default()),
                default_queue_type: v
                    .default_queue_type
                    .clone()
                    .or(meta.default_queue_type)
                    .filter(|t| !t.is_empty() && t != "undefined"),
                tracing: tracing(&v.name),
            }
        })
        .collect();
    LiveSnapshot {
        version: definitions.rabbitmq_version.clone().unwrap_or_default(),
        cluster_name: String::new(),
        definitions,
        vhosts,
    }
}

/// `WARREN_<USER>_PASSWORD`: upper-cased, every non-alphanumeric as `_`.
pub fn password_variable(user: &str) -> String {
    let name: String = user
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("WARREN_{name}_PASSWORD")
}

/// Longest vhost part of a file name, leaving room for `vhost-`, a number and `.yaml`.
const MAX_NAME_STEM: usize = 200;

/// 12 hex digits of the name's SHA-256: tells apart long names that share their start.
fn short_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `vhost-<name>.yaml` with letters and digits of any script, `.`, `-` and `_` kept (others,
/// which some file systems or shells refuse, as `_`); `/` is `default`.
fn vhost_file_name(vhost: &str, taken: &mut Vec<String>) -> String {
    let safe: String = vhost
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_matches('_');
    let base = if safe.is_empty() { "default" } else { safe };
    // File names stop at 255 bytes: a long vhost name keeps its start and a digest.
    let digest;
    let base = if base.len() > MAX_NAME_STEM {
        let cut = floor_char_boundary(base, MAX_NAME_STEM - 13);
        digest = format!("{}-{}", &base[..cut], short_digest(vhost));
        digest.as_str()
    } else {
        base
    };
    let mut name = format!("vhost-{base}.yaml");
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("vhost-{base}-{n}.yaml");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// The largest index at most `index` that starts a character of `text`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    (0..=index.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0)
}

#[derive(Default)]
struct UserParts<'a> {
    props: Option<&'a Resource>,
    limits: Map<String, Value>,
    permissions: BTreeMap<&'a str, &'a Resource>,
    topic_permissions: BTreeMap<&'a str, &'a Resource>,
}

/// The environment's files, and notes on what could not be expressed (for stderr).
pub fn environment_files(state: &State, options: &ImportOptions) -> (Vec<EnvFile>, Vec<String>) {
    let wanted =
        |vhost: &str| options.vhosts.is_empty() || options.vhosts.iter().any(|v| v == vhost);
    let mut vhosts: BTreeMap<&str, VhostParts> = BTreeMap::new();
    let mut users: BTreeMap<&str, UserParts> = BTreeMap::new();
    let mut globals = Map::new();
    let mut notes = Vec::new();
    let mut uri_variables = Variables::default();
    for (id, _) in state.iter() {
        if let ResourceId::User { name } = id {
            uri_variables.reserve(password_variable(name));
        }
    }
    let present: BTreeSet<&str> = state
        .iter()
        .filter_map(|(id, _)| match id {
            ResourceId::Vhost { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let known_users: BTreeSet<&str> = state
        .iter()
        .filter_map(|(id, _)| match id {
            ResourceId::User { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let is_login = |user: &str| options.login_user.as_deref() == Some(user);
    for (id, r) in state.iter() {
        if let Some(vhost) = id.vhost() {
            if !wanted(vhost) {
                continue;
            }
        }
        match id {
            ResourceId::User { name: user }
            | ResourceId::UserLimit { user, .. }
            | ResourceId::Permission { user, .. }
            | ResourceId::TopicPermission { user, .. }
                if is_login(user) => {}
            ResourceId::Vhost { name } => vhosts.entry(name).or_default().props = Some(r),
            ResourceId::VhostLimit { vhost, name } => {
                let value = r.get("value").cloned().unwrap_or(Value::Null);
                vhosts
                    .entry(vhost)
                    .or_default()
                    .limits
                    .insert(name.clone(), value);
            }
            ResourceId::Exchange { vhost, name } => {
                vhosts.entry(vhost).or_default().exchanges.insert(name, r);
            }
            ResourceId::Queue { name, .. } if name.starts_with("amq.") => {
                notes.push(format!(
                    "{id} left out: the broker does not declare amq.* queues from definitions"
                ));
            }
            ResourceId::Queue { vhost, name } => {
                vhosts.entry(vhost).or_default().queues.insert(name, r);
            }
            ResourceId::Binding { destination, .. }
                if destination.starts_with("amq.")
                    && matches!(
                        id,
                        ResourceId::Binding {
                            destination_type: crate::model::DestinationType::Queue,
                            ..
                        }
                    ) =>
            {
                notes.push(format!("{id} left out: its amq.* queue is not declared"));
            }
            ResourceId::Binding {
                vhost,
                source,
                destination_type,
                destination,
                routing_key,
                arguments,
            } => {
                let mut spec = Map::new();
                spec.insert("exchange".into(), json!(source));
                if !routing_key.is_empty() {
                    spec.insert("routing_key".into(), json!(routing_key));
                }
                if !arguments.is_empty() {
                    spec.insert("arguments".into(), Value::Object(arguments.map().clone()));
                }
                let parts = vhosts.entry(vhost).or_default();
                parts
                    .bindings
                    .entry((*destination_type, destination))
                    .or_default()
                    .push(Value::Object(spec));
            }
            ResourceId::Policy { vhost, name } => {
                vhosts.entry(vhost).or_default().policies.insert(name, r);
            }
            ResourceId::OperatorPolicy { vhost, name } => {
                vhosts
                    .entry(vhost)
                    .or_default()
                    .operator_policies
                    .insert(name, r);
            }
            ResourceId::Parameter {
                vhost,
                component,
                name,
            } => {
                let value = r.get("value").cloned().unwrap_or(Value::Null);
                let (value, more) = uri_variables.replace(vhost, component, name, &value);
                notes.extend(more);
                let parts = vhosts.entry(vhost).or_default();
                parts
                    .parameters
                    .entry(component)
                    .or_default()
                    .insert(name.clone(), value);
            }
            ResourceId::User { name } => users.entry(name).or_default().props = Some(r),
            ResourceId::UserLimit { user, name } => {
                let value = r.get("value").cloned().unwrap_or(Value::Null);
                users
                    .entry(user)
                    .or_default()
                    .limits
                    .insert(name.clone(), value);
            }
            ResourceId::Permission { vhost, user }
            | ResourceId::TopicPermission { vhost, user }
                if !present.contains(vhost.as_str()) =>
            {
                notes.push(format!(
                    "{id} left out: the definitions do not hold vhost {vhost:?}"
                ));
            }
            ResourceId::Permission { user, .. } | ResourceId::TopicPermission { user, .. }
                if !known_users.contains(user.as_str()) =>
            {
                // Declaring the user here would strip its tags and password on apply.
                notes.push(format!(
                    "{id} left out: the definitions do not hold user {user:?}"
                ));
            }
            ResourceId::Permission { vhost, user } => {
                users.entry(user).or_default().permissions.insert(vhost, r);
            }
            ResourceId::TopicPermission { vhost, user } => {
                users
                    .entry(user)
                    .or_default()
                    .topic_permissions
                    .insert(vhost, r);
            }
            ResourceId::GlobalParameter { name } => {
                if name != "cluster_name" && name != "internal_cluster_id" {
                    globals.insert(name.clone(), r.get("value").cloned().unwrap_or(Value::Null));
                }
            }
        }
    }

    if let Some(user) = options
        .login_user
        .as_deref()
        .filter(|u| known_users.contains(u))
    {
        notes.push(format!(
            "user {user:?} (the user import logged in as) left out and ignored: warren does not manage the user it connects as unless told to (--include-login-user)"
        ));
    }
    let header = modeline(options);
    let mut files = vec![EnvFile {
        name: "environment.yaml".into(),
        text: settings_text(&header, options),
    }];
    let mut taken = vec!["environment.yaml".to_string()];
    for (name, parts) in &vhosts {
        let mut text = header.clone();
        text.push_str("vhosts:\n");
        vhost_text(&mut text, name, parts, &mut notes);
        files.push(EnvFile {
            name: vhost_file_name(name, &mut taken),
            text: escape_variables(&text),
        });
    }
    if !users.is_empty() {
        let mut text = header.clone();
        if options.secrets_as_env {
            text.push_str(
                "# Passwords come from the WARREN_<USER>_PASSWORD environment variables.\n",
            );
        }
        text.push_str("users:\n");
        for (name, parts) in &users {
            user_text(&mut text, name, parts, options.secrets_as_env);
        }
        files.push(EnvFile {
            name: "users.yaml".into(),
            text: escape_variables(&text),
        });
    }
    if !globals.is_empty() {
        let mut text = header.clone();
        entry(&mut text, 0, "global_parameters", &Value::Object(globals));
        files.push(EnvFile {
            name: "global.yaml".into(),
            text: escape_variables(&text),
        });
    }
    (files, notes)
}

fn modeline(options: &ImportOptions) -> String {
    match &options.schema {
        Some(path) => format!("# yaml-language-server: $schema={path}\n"),
        None => String::new(),
    }
}

fn settings_text(header: &str, options: &ImportOptions) -> String {
    let mut text = header.to_string();
    text.push_str("# Imported by `warren import`.\n");
    if let Some(url) = &options.broker_url {
        text.push_str(&format!("broker:\n  urls: [{}]\n", scalar(url)));
    }
    if !options.vhosts.is_empty() {
        let list: Vec<String> = options.vhosts.iter().map(|v| scalar(v)).collect();
        text.push_str(&format!("manage:\n  vhosts: [{}]\n", list.join(", ")));
    }
    if let Some(user) = &options.login_user {
        text.push_str(
            "# The user import logged in as (`warren import --include-login-user` writes it).\n",
        );
        let pattern = format!("^{}$", fancy_regex::escape(user));
        text.push_str(&format!("ignore:\n  users: [{}]\n", scalar(&pattern)));
    }
    escape_variables(&text)
}

fn user_text(out: &mut String, name: &str, parts: &UserParts, secrets_as_env: bool) {
    let mut body = String::new();
    if let Some(props) = parts.props {
        let hash = str_of(props, "password_hash");
        let algorithm = str_of(props, "hashing_algorithm");
        if !hash.is_empty() {
            if secrets_as_env {
                body.push_str(&format!(
                    "    password: {{ env: {} }}\n",
                    password_variable(name)
                ));
            } else {
                entry(&mut body, 4, "password_hash", &json!(hash));
            }
            if !algorithm.is_empty() && algorithm != DEFAULT_HASHING {
                entry(&mut body, 4, "hashing_algorithm", &json!(algorithm));
            }
        }
        if let Some(tags) = non_empty(props, "tags") {
            entry(&mut body, 4, "tags", &tags);
        }
    }
    if !parts.limits.is_empty() {
        entry(&mut body, 4, "limits", &Value::Object(parts.limits.clone()));
    }
    if !parts.permissions.is_empty() {
        body.push_str("    permissions:\n");
        for (vhost, r) in &parts.permissions {
            let mut spec = Map::new();
            for field in ["configure", "write", "read"] {
                spec.insert(field.into(), json!(str_of(r, field)));
            }
            body.push_str(&format!(
                "{} {}\n",
                key_start("      ", vhost),
                inline(&Value::Object(spec))
            ));
        }
    }
    if !parts.topic_permissions.is_empty() {
        body.push_str("    topic_permissions:\n");
        for (vhost, r) in &parts.topic_permissions {
            body.push_str(&format!("{}\n", key_start("      ", vhost)));
            for (exchange, p) in r
                .get("exchanges")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                body.push_str(&format!(
                    "{} {}\n",
                    key_start("        ", exchange),
                    inline(p)
                ));
            }
        }
    }
    if body.is_empty() {
        out.push_str(&format!("{} {{}}\n", key_start("  ", name)));
    } else {
        out.push_str(&format!("{}\n{body}", key_start("  ", name)));
    }
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
