//! Typed, ordered identity of every object warren manages.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::binding_arguments::BindingArguments;

/// A binding's destination kind.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DestinationType {
    /// A queue.
    Queue,
    /// An exchange (exchange-to-exchange binding).
    Exchange,
}

impl DestinationType {
    pub fn as_str(self) -> &'static str {
        match self {
            DestinationType::Queue => "queue",
            DestinationType::Exchange => "exchange",
        }
    }

    /// The definitions' and the API's `destination_type` (`queue` / `exchange`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queue" => Some(DestinationType::Queue),
            "exchange" => Some(DestinationType::Exchange),
            _ => None,
        }
    }
}

/// An object's identity: `kind`, then the fields that name an object of that kind. Bindings
/// have no name: every field they have is their identity.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResourceId {
    /// A virtual host.
    Vhost {
        /// The vhost's name.
        name: String,
    },
    /// A user (cluster-wide).
    User {
        /// The user's name.
        name: String,
    },
    /// A global runtime parameter (cluster-wide).
    GlobalParameter {
        /// The parameter's name.
        name: String,
    },
    /// One limit of a vhost.
    VhostLimit {
        /// The vhost the limit applies to.
        vhost: String,
        /// The limit: `max-connections` or `max-queues`.
        name: String,
    },
    /// One limit of a user (cluster-wide).
    UserLimit {
        /// The user the limit applies to.
        user: String,
        /// The limit: `max-connections` or `max-channels`.
        name: String,
    },
    /// A user's configure/write/read permissions in a vhost.
    Permission {
        /// The vhost.
        vhost: String,
        /// The user.
        user: String,
    },
    /// An exchange.
    Exchange {
        /// The vhost the exchange lives in.
        vhost: String,
        /// The exchange's name.
        name: String,
    },
    /// A queue.
    Queue {
        /// The vhost the queue lives in.
        vhost: String,
        /// The queue's name.
        name: String,
    },
    /// A binding. Bindings have no name: all these fields together identify one.
    Binding {
        /// The vhost the binding lives in.
        vhost: String,
        /// The source exchange; the empty string is the default exchange.
        source: String,
        /// Whether the destination is a queue or an exchange.
        destination_type: DestinationType,
        /// The destination queue or exchange.
        destination: String,
        /// The routing key (may be empty).
        routing_key: String,
        /// The binding arguments (empty object when none), e.g. header-exchange matches.
        arguments: BindingArguments,
    },
    /// A user's topic permissions in a vhost.
    TopicPermission {
        /// The vhost.
        vhost: String,
        /// The user.
        user: String,
    },
    /// A runtime parameter in a vhost (shovels, federation upstreams).
    Parameter {
        /// The vhost the parameter lives in.
        vhost: String,
        /// The component, e.g. `shovel` or `federation-upstream`.
        component: String,
        /// The parameter's name.
        name: String,
    },
    /// A policy.
    Policy {
        /// The vhost the policy lives in.
        vhost: String,
        /// The policy's name.
        name: String,
    },
    /// An operator policy.
    OperatorPolicy {
        /// The vhost the operator policy lives in.
        vhost: String,
        /// The operator policy's name.
        name: String,
    },
}

impl ResourceId {
    /// The kind's name as users see it in plans.
    pub fn kind(&self) -> &'static str {
        match self {
            ResourceId::Vhost { .. } => "vhost",
            ResourceId::User { .. } => "user",
            ResourceId::GlobalParameter { .. } => "global_parameter",
            ResourceId::VhostLimit { .. } => "vhost_limit",
            ResourceId::UserLimit { .. } => "user_limit",
            ResourceId::Permission { .. } => "permission",
            ResourceId::Exchange { .. } => "exchange",
            ResourceId::Queue { .. } => "queue",
            ResourceId::Binding { .. } => "binding",
            ResourceId::TopicPermission { .. } => "topic_permission",
            ResourceId::Parameter { .. } => "parameter",
            ResourceId::Policy { .. } => "policy",
            ResourceId::OperatorPolicy { .. } => "operator_policy",
        }
    }

    /// The vhost the object lives in; None for cluster-wide objects.
    pub fn vhost(&self) -> Option<&str> {
        match self {
            ResourceId::Vhost { name } => Some(name),
            ResourceId::User { .. }
            | ResourceId::GlobalParameter { .. }
            | ResourceId::UserLimit { .. } => None,
            ResourceId::VhostLimit { vhost, .. }
            | ResourceId::Permission { vhost, .. }
            | ResourceId::Exchange { vhost, .. }
            | ResourceId::Queue { vhost, .. }
            | ResourceId::Binding { vhost, .. }
            | ResourceId::TopicPermission { vhost, .. }
            | ResourceId::Parameter { vhost, .. }
            | ResourceId::Policy { vhost, .. }
            | ResourceId::OperatorPolicy { vhost, .. } => Some(vhost),
        }
    }

    /// Dependency level: creates run from low to high, deletes from high to low.
    pub fn level(&self) -> u8 {
        match self {
            ResourceId::Vhost { .. }
            | ResourceId::User { .. }
            | ResourceId::GlobalParameter { .. } => 0,
            ResourceId::VhostLimit { .. }
            | ResourceId::UserLimit { .. }
            | ResourceId::Permission { .. } => 1,
            ResourceId::Exchange { .. } | ResourceId::Queue { .. } => 2,
            ResourceId::Binding { .. }
            | ResourceId::TopicPermission { .. }
            | ResourceId::Parameter { .. } => 3,
            ResourceId::Policy { .. } | ResourceId::OperatorPolicy { .. } => 4,
        }
    }

    /// The objects this one cannot exist without (inside the same state).
    pub fn depends_on(&self) -> Vec<ResourceId> {
        let vhost = |v: &str| ResourceId::Vhost {
            name: v.to_string(),
        };
        let user = |u: &str| ResourceId::User {
            name: u.to_string(),
        };
        match self {
            ResourceId::Vhost { .. }
            | ResourceId::User { .. }
            | ResourceId::GlobalParameter { .. } => vec![],
            ResourceId::UserLimit { user: u, .. } => vec![user(u)],
            ResourceId::Permission { vhost: v, user: u }
            | ResourceId::TopicPermission { vhost: v, user: u } => {
                vec![vhost(v), user(u)]
            }
            ResourceId::Binding {
                vhost: v,
                source,
                destination_type,
                destination,
                ..
            } => {
                let exchange = |name: &str| ResourceId::Exchange {
                    vhost: v.clone(),
                    name: name.to_string(),
                };
                let target = match destination_type {
                    DestinationType::Queue => ResourceId::Queue {
                        vhost: v.clone(),
                        name: destination.clone(),
                    },
                    DestinationType::Exchange => exchange(destination),
                };
                vec![vhost(v), exchange(source), target]
            }
            ResourceId::VhostLimit { vhost: v, .. }
            | ResourceId::Exchange { vhost: v, .. }
            | ResourceId::Queue { vhost: v, .. }
            | ResourceId::Parameter { vhost: v, .. }
            | ResourceId::Policy { vhost: v, .. }
            | ResourceId::OperatorPolicy { vhost: v, .. } => vec![vhost(v)],
        }
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceId::Vhost { name } => write!(f, "vhost {name:?}"),
            ResourceId::User { name } => write!(f, "user {name:?}"),
            ResourceId::GlobalParameter { name } => write!(f, "global_parameter {name:?}"),
            ResourceId::VhostLimit { vhost, name } => write!(f, "vhost_limit {name} in {vhost:?}"),
            ResourceId::UserLimit { user, name } => write!(f, "user_limit {name} of {user:?}"),
            ResourceId::Permission { vhost, user } => write!(f, "permission {user:?} in {vhost:?}"),
            ResourceId::Exchange { vhost, name } => write!(f, "exchange {name:?} in {vhost:?}"),
            ResourceId::Queue { vhost, name } => write!(f, "queue {name:?} in {vhost:?}"),
            ResourceId::Binding {
                vhost,
                source,
                destination_type,
                destination,
                routing_key,
                arguments,
            } => {
                let source = if source.is_empty() {
                    "(default)"
                } else {
                    source
                };
                write!(
                    f,
                    "binding {source:?} -> {} {destination:?} key {routing_key:?}",
                    destination_type.as_str()
                )?;
                if !arguments.is_empty() {
                    write!(f, " args {arguments}")?;
                }
                write!(f, " in {vhost:?}")
            }
            ResourceId::TopicPermission { vhost, user } => {
                write!(f, "topic_permission {user:?} in {vhost:?}")
            }
            ResourceId::Parameter {
                vhost,
                component,
                name,
            } => {
                write!(f, "parameter {component}/{name:?} in {vhost:?}")
            }
            ResourceId::Policy { vhost, name } => write!(f, "policy {name:?} in {vhost:?}"),
            ResourceId::OperatorPolicy { vhost, name } => {
                write!(f, "operator_policy {name:?} in {vhost:?}")
            }
        }
    }
}
