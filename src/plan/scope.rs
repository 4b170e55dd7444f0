//! What an environment manages: which vhosts and kinds, and where it prunes.

use std::collections::{BTreeMap, BTreeSet};

use fancy_regex::Regex;

use crate::model::reserved::{is_builtin_exchange, is_builtin_global_parameter, is_builtin_queue};
use crate::model::Kind;
use crate::model::ResourceId;

/// Plain data, so `diff` stays a pure function of two states and this; the command layer
/// builds it from the environment (`Scope::of`).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub vhosts: BTreeSet<String>,
    pub kinds: BTreeSet<Kind>,
    pub prune: BTreeSet<Kind>,
    /// Undeclared objects to leave out: outside the scope, so never listed nor pruned.
    pub ignore: IgnoreRules,
}

/// Name patterns per kind, searched anywhere in the name as RabbitMQ searches policy patterns.
#[derive(Clone, Debug, Default)]
pub struct IgnoreRules {
    patterns: BTreeMap<Kind, Vec<Regex>>,
}

impl IgnoreRules {
    /// Adds one pattern for a kind; the error is the compiler's reason.
    pub fn add(&mut self, kind: Kind, pattern: &str) -> Result<(), fancy_regex::Error> {
        let regex = Regex::new(pattern)?;
        self.patterns.entry(kind).or_default().push(regex);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether a pattern of the object's kind matches its name ([`ignore_name`]).
    pub fn matches(&self, id: &ResourceId) -> bool {
        let Some(patterns) = self.patterns.get(&kind_of(id)) else {
            return false;
        };
        let name = ignore_name(id);
        patterns.iter().any(|p| p.is_match(name).unwrap_or(false))
    }
}

/// The name ignore patterns see: the user's for what belongs to a user, the destination's
/// for bindings, the limit's for vhost limits, otherwise the object's own name.
pub fn ignore_name(id: &ResourceId) -> &str {
    match id {
        ResourceId::Vhost { name }
        | ResourceId::User { name }
        | ResourceId::GlobalParameter { name }
        | ResourceId::VhostLimit { name, .. }
        | ResourceId::Exchange { name, .. }
        | ResourceId::Queue { name, .. }
        | ResourceId::Parameter { name, .. }
        | ResourceId::Policy { name, .. }
        | ResourceId::OperatorPolicy { name, .. } => name,
        ResourceId::UserLimit { user, .. }
        | ResourceId::Permission { user, .. }
        | ResourceId::TopicPermission { user, .. } => user,
        ResourceId::Binding { destination, .. } => destination,
    }
}

/// What every environment leaves out: the broker's own exchanges, server-named queues and
/// bookkeeping parameters (the live state never holds exclusive queues, which definitions
/// leave out).
fn builtin(id: &ResourceId) -> bool {
    match id {
        ResourceId::Exchange { name, .. } => is_builtin_exchange(name),
        ResourceId::Queue { name, .. } => is_builtin_queue(name),
        ResourceId::GlobalParameter { name } => is_builtin_global_parameter(name),
        _ => false,
    }
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

/// The configuration kind an object belongs to.
pub fn kind_of(id: &ResourceId) -> Kind {
    match id {
        ResourceId::Vhost { .. } => Kind::Vhosts,
        ResourceId::User { .. } => Kind::Users,
        ResourceId::GlobalParameter { .. } => Kind::GlobalParameters,
        ResourceId::VhostLimit { .. } => Kind::VhostLimits,
        ResourceId::UserLimit { .. } => Kind::UserLimits,
        ResourceId::Permission { .. } => Kind::Permissions,
        ResourceId::Exchange { .. } => Kind::Exchanges,
        ResourceId::Queue { .. } => Kind::Queues,
        ResourceId::Binding { .. } => Kind::Bindings,
        ResourceId::TopicPermission { .. } => Kind::TopicPermissions,
        ResourceId::Parameter { .. } => Kind::Parameters,
        ResourceId::Policy { .. } => Kind::Policies,
        ResourceId::OperatorPolicy { .. } => Kind::OperatorPolicies,
    }
}

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
    /// Whether a live object belongs to what this environment manages: in a managed vhost
    /// and of a managed kind, and not left out by an ignore rule.
    pub fn contains(&self, id: &ResourceId) -> bool {
        self.manages(id) && !self.ignores(id)
    }

    /// Whether an object's vhost and kind are managed, ignore rules aside.
    pub fn manages(&self, id: &ResourceId) -> bool {
        if !self.kinds.contains(&kind_of(id)) {
            return false;
        }
        match id.vhost() {
            Some(vhost) => self.vhosts.contains(vhost),
            None => true,
        }
    }

    /// Whether a built-in or an ignore rule leaves the object out.
    pub fn ignores(&self, id: &ResourceId) -> bool {
        builtin(id) || self.ignore.matches(id)
    }

    /// Whether an undeclared object in scope is deleted rather than listed.
    pub fn prunes(&self, id: &ResourceId) -> bool {
        self.contains(id) && self.prune.contains(&kind_of(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(name: &str) -> ResourceId {
        crate::model::kinds::queue_id("/v", name)
    }

    fn scope(ignore: &[(Kind, &str)]) -> Scope {
        let mut scope = Scope {
            vhosts: ["/v".to_string()].into_iter().collect(),
            kinds: ALL_KINDS.into_iter().collect(),
            ..Scope::default()
        };
        for (kind, pattern) in ignore {
            scope.ignore.add(*kind, pattern).unwrap();
        }
        scope
    }

    #[test]
    fn ignore_patterns_search_the_name_of_their_kind_only() {
        let s = scope(&[(Kind::Queues, r"^scratch\.")]);
        assert!(!s.contains(&queue("scratch.tmp")));
        assert!(s.manages(&queue("scratch.tmp")));
        assert!(s.contains(&queue("orders.scratch.tmp")));
        let exchange = ResourceId::Exchange {
            vhost: "/v".into(),
            name: "scratch.tmp".into(),
        };
        assert!(s.contains(&exchange));
        let unanchored = scope(&[(Kind::Queues, "tmp")]);
        assert!(!unanchored.contains(&queue("a.tmp.b")));
    }

    #[test]
    fn permissions_limits_and_bindings_match_the_documented_name() {
        let s = scope(&[
            (Kind::Permissions, "^guest$"),
            (Kind::UserLimits, "^guest$"),
            (Kind::VhostLimits, "^max-queues$"),
            (Kind::Bindings, "^audit$"),
        ]);
        let permission = |user: &str| ResourceId::Permission {
            vhost: "/v".into(),
            user: user.into(),
        };
        assert!(s.ignores(&permission("guest")));
        assert!(!s.ignores(&permission("guest2")));
        assert!(s.ignores(&ResourceId::UserLimit {
            user: "guest".into(),
            name: "max-channels".into(),
        }));
        assert!(s.ignores(&ResourceId::VhostLimit {
            vhost: "/v".into(),
            name: "max-queues".into(),
        }));
        let binding = |destination: &str| ResourceId::Binding {
            vhost: "/v".into(),
            source: "audit".into(),
            destination_type: crate::model::DestinationType::Queue,
            destination: destination.into(),
            routing_key: String::new(),
            arguments: Default::default(),
        };
        assert!(s.ignores(&binding("audit")));
        assert!(!s.ignores(&binding("orders")));
    }

    #[test]
    fn server_named_queues_and_builtin_exchanges_are_always_ignored() {
        let s = scope(&[]);
        assert!(s.ignores(&queue("amq.gen-abc")));
        assert!(!s.ignores(&queue("amq.genuine")));
        assert!(s.ignores(&ResourceId::Exchange {
            vhost: "/v".into(),
            name: "amq.topic".into(),
        }));
    }

    #[test]
    fn the_cluster_tags_every_4x_broker_keeps_are_never_unmanaged() {
        let s = scope(&[]);
        let global = |name: &str| ResourceId::GlobalParameter { name: name.into() };
        assert!(!s.contains(&global("cluster_tags")));
        assert!(s.contains(&global("cluster_tags_of_mine")));
    }

    #[test]
    fn a_broken_pattern_is_refused() {
        assert!(IgnoreRules::default().add(Kind::Queues, "(").is_err());
    }

    #[test]
    fn ignored_objects_are_neither_listed_nor_pruned() {
        use crate::model::{kinds, State};
        let mut live = State::default();
        for name in ["scratch.1", "orders"] {
            live.insert(
                queue(name),
                kinds::queue(true, false, Default::default(), "classic"),
            );
        }
        let mut s = scope(&[(Kind::Queues, r"^scratch\.")]);
        let plan = crate::plan::diff("e", &State::default(), &live, &s);
        assert_eq!(plan.unmanaged, vec![queue("orders")]);
        s.prune.insert(Kind::Queues);
        let plan = crate::plan::diff("e", &State::default(), &live, &s);
        assert!(plan.unmanaged.is_empty());
        let deleted: Vec<&ResourceId> = plan.changes.iter().map(|c| &c.id).collect();
        assert_eq!(deleted, vec![&queue("orders")]);
    }
}
