//! The kinds of object, as an environment names them in `manage.kinds`, `prune` and `ignore`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The kinds of object warren manages.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Vhosts,
    Users,
    Permissions,
    TopicPermissions,
    VhostLimits,
    UserLimits,
    Exchanges,
    Queues,
    Bindings,
    Policies,
    OperatorPolicies,
    Parameters,
    GlobalParameters,
}
