//! What an environment manages: which vhosts and kinds, and where it prunes.

use std::collections::BTreeSet;

use crate::config::schema::Kind;
use crate::config::Environment;
use crate::model::ResourceId;

/// Plain data, so `diff` stays a pure function of two states and this.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub vhosts: BTreeSet<String>,
    pub kinds: BTreeSet<&'static str>,
    pub prune: BTreeSet<&'static str>,
}

pub const ALL_KINDS: [Kind; 13] = [
    Kind::Vhosts,
    Kind::Users,
    Kind::Permissions,
    Kind::TopicPermissions,
    Kind::VhostLimits,
    Kind::UserLimits,
    Kind::Exchanges,
    Kind::Queues,
    Kind::Bindings,
    Kind::Policies,
    Kind::OperatorPolicies,
    Kind::Parameters,
    Kind::GlobalParameters,
];

/// The plan's name for a configuration kind.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Vhosts => "vhost",
        Kind::Users => "user",
        Kind::Permissions => "permission",
        Kind::TopicPermissions => "topic_permission",
        Kind::VhostLimits => "vhost_limit",
        Kind::UserLimits => "user_limit",
        Kind::Exchanges => "exchange",
        Kind::Queues => "queue",
        Kind::Bindings => "binding",
        Kind::Policies => "policy",
        Kind::OperatorPolicies => "operator_policy",
        Kind::Parameters => "parameter",
        Kind::GlobalParameters => "global_parameter",
    }
}

impl Scope {
    pub fn of(env: &Environment) -> Self {
        Scope {
            vhosts: env.managed_vhosts().into_iter().collect(),
            kinds: ALL_KINDS
                .into_iter()
                .filter(|k| env.manages_kind(*k))
                .map(kind_name)
                .collect(),
            prune: ALL_KINDS
                .into_iter()
                .filter(|k| env.prunes(*k))
                .map(kind_name)
                .collect(),
        }
    }

    /// Whether a live object belongs to what this environment manages.
    pub fn contains(&self, id: &ResourceId) -> bool {
        if !self.kinds.contains(id.kind()) {
            return false;
        }
        match id.vhost() {
            Some(vhost) => self.vhosts.contains(vhost),
            None => true,
        }
    }

    /// Whether an undeclared object in scope is deleted rather than listed.
    pub fn prunes(&self, id: &ResourceId) -> bool {
        self.contains(id) && self.prune.contains(id.kind())
    }
}
