//! Names the broker or warren itself keeps: never planned, never listed as unmanaged.

/// Server-named queues and the default and `amq.*` exchanges never enter a plan.
pub fn is_builtin_exchange(name: &str) -> bool {
    name.is_empty() || name.starts_with("amq.")
}

/// The queue that holds warren's apply lock (see `apply::lock`).
pub const LOCK_QUEUE: &str = "warren.apply-lock";

/// The global parameter earlier releases of warren kept their apply lock in.
pub const OLD_LOCK_PARAMETER: &str = "warren-apply-lock";

pub fn is_builtin_queue(name: &str) -> bool {
    name.starts_with("amq.gen-") || name == LOCK_QUEUE
}

/// Global parameters every 4.x broker keeps for itself (`cluster_tags` comes from
/// rabbitmq.conf): never listed as unmanaged nor pruned, but compared when declared.
pub fn is_builtin_global_parameter(name: &str) -> bool {
    name == "cluster_tags"
}
