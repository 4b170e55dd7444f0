//! The environment file format: serde types that every `*.yaml` of an environment parses into.
//!
//! Every field's default is the broker's own default, so a minimal file says only what matters.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::located::Located;
// The kinds belong to the model; environments name them as it does.
pub use crate::model::Kind;

pub type Name = Located<String>;
pub type Arguments = IndexMap<Name, Located<Value>>;

/// One environment file. Settings keys (`broker`, `extends`, `variables`, `manage`, `ignore`,
/// `lints`, `local`, `server`) may appear in only one file of an environment; topology keys merge across
/// files.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Connection defaults; flags and RABBITMQ_MANAGEMENT_* variables take precedence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<Located<BrokerSettings>>,
    /// Another environment (name or path relative to this folder) whose files are loaded first;
    /// its broker, manage, server and lints settings are inherited, overridden key by key here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<Located<String>>,
    /// Values substituted for `${name}` in every file of this environment and the one it extends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Located<IndexMap<Name, Located<String>>>>,
    /// What warren manages: which vhosts and kinds, and where undeclared objects are pruned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage: Option<Located<ManageSettings>>,
    /// Undeclared objects that plans and drift reports leave out, as name patterns per kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<Located<IgnoreSettings>>,
    /// Lint codes silenced for the whole environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lints: Option<Located<LintSettings>>,
    /// Marks a throwaway local environment: only here may guest/guest be used.
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub local: Option<Located<bool>>,
    /// Server configuration rendered by `warren render-config` and checked by `warren status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<Located<super::server::ServerSettings>>,
    /// Virtual hosts and everything that lives in them.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub vhosts: IndexMap<Name, VhostSpec>,
    /// Users with their tags, limits and permissions.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub users: IndexMap<Name, UserSpec>,
    /// Cluster-wide runtime parameters (e.g. cluster_name).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub global_parameters: IndexMap<Name, Located<Value>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrokerSettings {
    /// Management API endpoints of one cluster, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Located<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<Located<String>>,
    /// Request timeout in seconds (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Located<u64>>,
    /// The vhost of the queue that is `apply`'s lock (default `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_vhost: Option<Located<String>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageSettings {
    /// Vhosts in scope; default: the vhosts the environment declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vhosts: Option<Vec<Located<String>>>,
    /// Kinds in scope; default: all kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<Located<Kind>>>,
    /// Kinds whose undeclared objects in scope are deleted (with --allow-destroy); default none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prune: Vec<Located<Kind>>,
    /// What a change that forces a queue to be re-created does, for queues that do not say:
    /// `refuse` (default: a replace that drops the messages, only with --allow-data-loss)
    /// or `migrate` (move the messages out and back, see the queue's `on_replace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_replace: Option<Located<OnReplace>>,
}

/// How a queue is re-created when a change of its type or arguments forces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnReplace {
    /// Delete and re-declare it: its messages are dropped (apply needs --allow-data-loss).
    Refuse,
    /// Move its messages to a temporary queue with a shovel, re-declare it, move them back.
    Migrate,
}

/// Regular expressions per kind, matched anywhere in a name (as RabbitMQ matches policy
/// patterns; anchor with `^...$`). Undeclared objects they match are neither listed as
/// unmanaged nor pruned, and drift does not report them. Declared objects are always managed.
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IgnoreSettings {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vhosts: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<Located<String>>,
    /// Matched against the user's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<Located<String>>,
    /// Matched against the user's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topic_permissions: Vec<Located<String>>,
    /// Matched against the limit's name (max-connections, max-queues).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vhost_limits: Vec<Located<String>>,
    /// Matched against the user's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_limits: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<Located<String>>,
    /// Matched against the destination (queue or exchange) name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operator_policies: Vec<Located<String>>,
    /// Matched against the parameter's name (not its component).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub global_parameters: Vec<Located<String>>,
}

impl IgnoreSettings {
    /// Every kind with its patterns, in the order of [`Kind`].
    pub fn by_kind(&self) -> [(Kind, &[Located<String>]); 13] {
        [
            (Kind::Vhosts, &self.vhosts),
            (Kind::Users, &self.users),
            (Kind::Permissions, &self.permissions),
            (Kind::TopicPermissions, &self.topic_permissions),
            (Kind::VhostLimits, &self.vhost_limits),
            (Kind::UserLimits, &self.user_limits),
            (Kind::Exchanges, &self.exchanges),
            (Kind::Queues, &self.queues),
            (Kind::Bindings, &self.bindings),
            (Kind::Policies, &self.policies),
            (Kind::OperatorPolicies, &self.operator_policies),
            (Kind::Parameters, &self.parameters),
            (Kind::GlobalParameters, &self.global_parameters),
        ]
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintSettings {
    /// Lint codes (e.g. `argument-as-policy`) that never warn in this environment.
    #[serde(default)]
    pub allow: Vec<Located<String>>,
}

/// Where a secret comes from; never a literal (except guest in a `local` environment).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SecretSource {
    /// `{ env: NAME }`: read from an environment variable when needed.
    Env(EnvSecret),
    /// `{ file: PATH }`: read from a file (trailing newline dropped) when needed.
    File(FileSecret),
    /// A literal; refused outside `local` environments.
    Literal(Located<String>),
}

impl<'de> Deserialize<'de> for SecretSource {
    /// Read by hand so every variant keeps the position of what was written.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Located::<Value>::deserialize(deserializer)?;
        match &raw.value {
            Value::String(s) => Ok(SecretSource::Literal(Located::new(s.clone(), raw.at))),
            other => SecretSource::reference(other, raw.at)
                .ok_or_else(|| serde::de::Error::custom(SECRET_SHAPE)),
        }
    }
}

const SECRET_SHAPE: &str = "a secret must be `{ env: NAME }` or `{ file: PATH }`";

impl SecretSource {
    /// `{ env: NAME }` or `{ file: PATH }` read from a plain value written at `at`.
    pub fn reference(value: &Value, at: super::located::Position) -> Option<SecretSource> {
        let map = value.as_object().filter(|m| m.len() == 1)?;
        let text = |v: &Value| v.as_str().map(|s| Located::new(s.to_string(), at));
        if let Some(env) = map.get("env").and_then(text) {
            Some(SecretSource::Env(EnvSecret { env }))
        } else {
            let file = map.get("file").and_then(text)?;
            Some(SecretSource::File(FileSecret { file }))
        }
    }

    /// Where the secret was written.
    pub fn position(&self) -> super::located::Position {
        match self {
            SecretSource::Env(e) => e.env.at,
            SecretSource::File(f) => f.file.at,
            SecretSource::Literal(l) => l.at,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvSecret {
    pub env: Located<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSecret {
    pub file: Located<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VhostSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Located<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Located<String>>>,
    /// classic (broker default), quorum or stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_queue_type: Option<Located<QueueType>>,
    /// Message tracing (default false).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub tracing: Option<Located<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<VhostLimits>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub exchanges: IndexMap<Name, ExchangeSpec>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub queues: IndexMap<Name, QueueSpec>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub policies: IndexMap<Name, PolicySpec>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub operator_policies: IndexMap<Name, PolicySpec>,
    /// Runtime parameters by component (shovel, federation-upstream, federation-upstream-set).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<Name, IndexMap<Name, Located<Value>>>,
    /// Lint codes silenced for this vhost and what it contains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Located<String>>,
    /// Route assertions: where a message must go, checked by validate (against this
    /// environment) and drift (against the broker).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteSpec>,
}

/// A message published to `exchange` with `routing_key` and `headers` reaches exactly the
/// queues in `expect` (an empty list: no queue).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// The exchange published to ("" for the default exchange).
    pub exchange: Located<String>,
    /// Routing key (default empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<Located<String>>,
    /// Message headers, for headers exchanges.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: Arguments,
    /// Every queue the message must reach, and no other.
    pub expect: Located<Vec<Located<String>>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VhostLimits {
    /// Maximum connections (unlimited when absent).
    #[serde(
        default,
        rename = "max-connections",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_connections: Option<Located<i64>>,
    /// Maximum queues (unlimited when absent).
    #[serde(
        default,
        rename = "max-queues",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_queues: Option<Located<i64>>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum QueueType {
    Classic,
    Quorum,
    Stream,
}

impl QueueType {
    pub fn as_str(self) -> &'static str {
        self.rabbit().as_str()
    }

    /// The same type in RabbitMQ's capability tables.
    pub fn rabbit(self) -> crate::format::QueueType {
        match self {
            QueueType::Classic => crate::format::QueueType::Classic,
            QueueType::Quorum => crate::format::QueueType::Quorum,
            QueueType::Stream => crate::format::QueueType::Stream,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSpec {
    /// direct, fanout, topic, headers, or a plugin type such as x-delayed-message.
    #[serde(rename = "type")]
    pub kind: Located<String>,
    /// Survives a broker restart (default true).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub durable: Option<Located<bool>>,
    /// Deleted when its last binding goes (default false).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub auto_delete: Option<Located<bool>>,
    /// Only reachable through exchange-to-exchange bindings (default false).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub internal: Option<Located<bool>>,
    #[serde(
        default,
        deserialize_with = "super::trimmed::map",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub arguments: Arguments,
    /// Bindings that route from a source exchange into this exchange.
    #[serde(
        default,
        deserialize_with = "super::trimmed::list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bindings: Vec<BindingSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Located<String>>,
}

#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Shorthand for the x-queue-type argument (default classic).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<Located<QueueType>>,
    /// Survives a broker restart (default true).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub durable: Option<Located<bool>>,
    /// Deleted when its last consumer goes (default false).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub auto_delete: Option<Located<bool>>,
    #[serde(
        default,
        deserialize_with = "super::trimmed::map",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub arguments: Arguments,
    /// Bindings that route from a source exchange into this queue.
    #[serde(
        default,
        deserialize_with = "super::trimmed::list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bindings: Vec<BindingSpec>,
    /// When a change of type or arguments forces a re-create: `refuse` (default, or
    /// `manage.on_replace`) drops the messages and needs --allow-data-loss; `migrate` moves
    /// them to a temporary queue and back, keeping their order (needs --allow-destroy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_replace: Option<Located<OnReplace>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Located<String>>,
}

/// A binding into the queue or exchange it is listed under.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BindingSpec {
    /// The source exchange.
    pub exchange: Located<String>,
    /// Routing key (default empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<Located<String>>,
    /// Binding arguments, e.g. x-match for headers exchanges.
    #[serde(
        default,
        deserialize_with = "super::trimmed::map",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub arguments: Arguments,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Regular expression matched against queue or exchange names.
    pub pattern: Located<String>,
    /// queues, exchanges or all (default all); classic_queues etc. need 3.12+.
    #[serde(default, rename = "apply-to", skip_serializing_if = "Option::is_none")]
    pub apply_to: Option<Located<String>>,
    /// Higher wins when several match (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Located<i64>>,
    pub definition: Located<IndexMap<Name, Located<Value>>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Located<String>>,
}

#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// The password's source; warren sends only its salted hash to the broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretSource>,
    /// A pre-computed hash, as in a definitions export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<Located<String>>,
    /// rabbit_password_hashing_sha256 (default) or rabbit_password_hashing_sha512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashing_algorithm: Option<Located<String>>,
    /// administrator, monitoring, management, policymaker, impersonator, or custom tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Located<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<UserLimits>,
    /// Permissions per vhost.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub permissions: IndexMap<Name, PermissionSpec>,
    /// Topic permissions per vhost and exchange.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub topic_permissions: IndexMap<Name, IndexMap<Name, TopicPermissionSpec>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Located<String>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserLimits {
    #[serde(
        default,
        rename = "max-connections",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_connections: Option<Located<i64>>,
    #[serde(
        default,
        rename = "max-channels",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_channels: Option<Located<i64>>,
}

/// Regular expressions over resource names; an empty one grants nothing (the default).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configure: Option<Located<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<Located<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<Located<String>>,
}

/// Regular expressions over routing keys for one topic exchange.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicPermissionSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<Located<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<Located<String>>,
}
