//! Management API payloads as RabbitMQ 3.10+ sends them; lenient, unknown fields ignored.
//!
//! Missing booleans default to what the HTTP API itself assumes (verified on 3.10.8: a queue
//! or exchange declared with `{}` is non-durable), missing strings and collections to empty.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Arguments, policy definitions, limits: kept as JSON so number types survive untouched.
pub type JsonMap = Map<String, Value>;

/// User or vhost tags; brokers and hand-written files send `"a,b"` or `["a","b"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Tags(pub Vec<String>);

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            List(Vec<String>),
            Null(()),
        }
        let tags = match Raw::deserialize(deserializer)? {
            Raw::Text(text) => text.split(',').map(str::to_owned).collect(),
            Raw::List(list) => list,
            Raw::Null(()) => Vec::new(),
        };
        let tags = tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty());
        Ok(Tags(tags.map(repair_tag).collect()))
    }
}

/// RabbitMQ keeps tags as atoms built from their UTF-8 bytes taken one by one as Latin-1
/// characters (user tags on every version, vhost tags on 3.x), so `✓` comes back as
/// `â\u{9c}\u{93}`. Undo that when the bytes form UTF-8; anything else is kept as sent.
pub fn repair_tag(tag: &str) -> String {
    if tag.is_ascii() || tag.chars().any(|c| u32::from(c) > 0xFF) {
        return tag.to_owned();
    }
    let bytes: Vec<u8> = tag.chars().map(|c| u32::from(c) as u8).collect();
    String::from_utf8(bytes).unwrap_or_else(|_| tag.to_owned())
}

/// `GET /api/overview`, the fields warren reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Overview {
    pub rabbitmq_version: String,
    pub management_version: String,
    pub cluster_name: String,
    pub erlang_version: String,
    pub product_name: String,
    pub product_version: String,
    pub node: String,
}

/// `GET /api/definitions` (or a definitions file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Definitions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rabbit_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rabbitmq_version: Option<String>,
    pub users: Vec<UserDef>,
    pub vhosts: Vec<VhostDef>,
    pub permissions: Vec<PermissionDef>,
    pub topic_permissions: Vec<TopicPermissionDef>,
    pub parameters: Vec<ParameterDef>,
    pub global_parameters: Vec<GlobalParameterDef>,
    pub policies: Vec<PolicyDef>,
    pub queues: Vec<QueueDef>,
    pub exchanges: Vec<ExchangeDef>,
    pub bindings: Vec<BindingDef>,
}

impl Definitions {
    /// How many objects the document lists, each kind's list counted once.
    pub fn object_count(&self) -> usize {
        self.users.len()
            + self.vhosts.len()
            + self.permissions.len()
            + self.topic_permissions.len()
            + self.parameters.len()
            + self.global_parameters.len()
            + self.policies.len()
            + self.queues.len()
            + self.exchanges.len()
            + self.bindings.len()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserDef {
    pub name: String,
    /// Empty when the user has no password (e.g. certificate-only logins).
    pub password_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashing_algorithm: Option<String>,
    pub tags: Tags,
    /// Per-user limits (`max-connections`, `max-channels`); absent before 3.7.
    pub limits: JsonMap,
}

/// A vhost in definitions: 3.10 exports only `name`; later versions add the rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VhostDef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_queue_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<VhostMetadata>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VhostMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_queue_type: Option<String>,
    /// Keys added by later versions, e.g. `protected_from_deletion`.
    #[serde(flatten)]
    pub other: JsonMap,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PermissionDef {
    pub user: String,
    pub vhost: String,
    pub configure: String,
    pub write: String,
    pub read: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicPermissionDef {
    pub user: String,
    pub vhost: String,
    pub exchange: String,
    pub write: String,
    pub read: String,
}

/// Vhost-scoped runtime parameters: also operator policies and vhost limits on 3.10.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParameterDef {
    pub vhost: String,
    pub component: String,
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlobalParameterDef {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyDef {
    pub vhost: String,
    pub name: String,
    pub pattern: String,
    #[serde(rename = "apply-to", default = "apply_to_all")]
    pub apply_to: String,
    pub definition: JsonMap,
    pub priority: i64,
}

/// The broker's default for a policy without `apply-to`.
fn apply_to_all() -> String {
    "all".to_owned()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueDef {
    pub name: String,
    /// Empty in a single-vhost export.
    pub vhost: String,
    pub durable: bool,
    pub auto_delete: bool,
    pub arguments: JsonMap,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExchangeDef {
    pub name: String,
    pub vhost: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub durable: bool,
    pub auto_delete: bool,
    pub internal: bool,
    pub arguments: JsonMap,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BindingDef {
    pub source: String,
    pub vhost: String,
    pub destination: String,
    /// `queue` or `exchange`.
    pub destination_type: String,
    pub routing_key: String,
    pub arguments: JsonMap,
}

/// `GET /api/vhosts`: the metadata `/api/definitions` leaves out on 3.10.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VhostInfo {
    pub name: String,
    pub description: String,
    pub tags: Tags,
    /// `None` when unset; 3.10 reports an unset type as the string `"undefined"`.
    #[serde(deserialize_with = "queue_type_or_none")]
    pub default_queue_type: Option<String>,
    pub tracing: bool,
}

fn queue_type_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = Option::<String>::deserialize(d)?;
    Ok(raw.filter(|t| !t.is_empty() && t != "undefined"))
}

/// `GET /api/bindings...`: a binding plus the key its DELETE URL needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BindingInfo {
    /// Its source is empty for the default exchange's implicit bindings.
    #[serde(flatten)]
    pub binding: BindingDef,
    /// Opaque; use it as one (encoded) path segment, never compute it.
    pub properties_key: String,
}

/// One queue as `GET /api/queues/VHOST/NAME` or the listing (`?disable_stats=true&
/// enable_queue_totals=true`, message counts only) gives it; fields not asked for stay empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueInfo {
    pub name: String,
    pub vhost: String,
    /// `classic`, `quorum` or `stream`.
    #[serde(rename = "type")]
    pub kind: String,
    pub durable: bool,
    pub auto_delete: bool,
    pub arguments: JsonMap,
    /// Absent until the queue's first statistics, and while it is unavailable.
    pub messages: Option<u64>,
    pub messages_ready: Option<u64>,
    pub messages_unacknowledged: Option<u64>,
    pub consumers: u64,
}

/// `GET /api/shovels/VHOST`: a dynamic shovel's state (with rabbitmq_shovel_management).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShovelStatus {
    pub name: String,
    pub vhost: String,
    /// `starting`, `running` or `terminated`.
    pub state: String,
    /// Why a terminated shovel stopped.
    pub reason: Option<Value>,
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
