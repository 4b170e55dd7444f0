//! What can stop an apply step, a guard or a migration, and what can keep the apply lock.

use crate::broker::BrokerError;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Broker(#[from] BrokerError),

    #[error("GET /api/whoami answered without a name")]
    WhoamiWithoutName,

    #[error("the broker changed between the plan and taking the apply lock; nothing was applied. Plan again.")]
    ChangedSinceReviewed,

    #[error("queue {name:?} in {vhost:?} now holds {messages} messages; refusing to drop them without --allow-data-loss")]
    QueueNotEmpty {
        vhost: String,
        name: String,
        messages: u64,
    },

    /// A queue that is down or has no stats yet: its messages may be there.
    #[error("the broker does not report how many messages queue {name:?} in {vhost:?} holds; refusing to delete it without --allow-data-loss")]
    MessagesUnreported { vhost: String, name: String },

    #[error("a create or update without a target state")]
    NoTargetState,

    #[error("a migration runs in its own stage")]
    MigrationOutsideItsStage,

    #[error("only queues migrate")]
    NotAQueue,

    #[error("a migration without its temporary queue")]
    NoTemporaryQueue,

    #[error("a migration without a target")]
    NoMigrationTarget,

    #[error("{after} messages after the migration, {before} before, and no consumer took any; check the queue's message TTL and length limit")]
    MessagesLost { before: u64, after: u64 },

    #[error("moving the messages needs the rabbitmq_shovel plugin, which the broker does not run; enable it with `rabbitmq-plugins enable rabbitmq_shovel`")]
    NoShovelPlugin,

    #[error("queue {queue:?} in {vhost:?} has {consumers} consumer{}; re-creating it disconnects them: pass --allow-consumer-disconnect, or stop them first", if *consumers == 1 { "" } else { "s" })]
    ConsumersAttached {
        vhost: String,
        queue: String,
        consumers: u64,
    },

    #[error("queue {queue:?} in {vhost:?} reports no message count; nothing more was done")]
    NoMessageCount { vhost: String, queue: String },

    #[error("queue {queue:?} in {vhost:?} reported no message count for 60 s after its messages moved back: they were moved, but could not be counted")]
    NoCountAfterMove { vhost: String, queue: String },

    #[error("moving the messages of {from:?} to {to:?} took longer than {seconds}s; they are safe in both queues, and running apply again finishes the migration")]
    MoveTimedOut {
        from: String,
        to: String,
        seconds: u64,
    },

    #[error("the consumers of {queue:?} in {vhost:?} are still there 30s after their connections were closed")]
    ConsumersStayed { vhost: String, queue: String },

    /// `reason` is the shovel's own, as JSON text.
    #[error("the shovel {shovel:?} stopped: {reason}; the messages are safe, fix the cause and run apply again")]
    ShovelStopped { shovel: String, reason: String },
}

/// Why a vhost cannot hold the lock queue.
#[derive(Debug, thiserror::Error)]
pub enum LockUnusable {
    #[error("vhost {vhost:?} does not exist")]
    NoVhost { vhost: String },
    #[error("the user warren logs in as may not declare queues in vhost {vhost:?}")]
    Forbidden { vhost: String },
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(transparent)]
    Broker(#[from] BrokerError),

    #[error(transparent)]
    Unusable(#[from] LockUnusable),

    #[error("the apply lock is a queue, and no vhost takes it: {}. Give the user permissions in one, or name one with `broker: {{ lock_vhost: NAME }}`", join(.unusable))]
    NoVhostTakesIt { unusable: Vec<LockUnusable> },

    /// `holder` is the holder described for people; `id` is what `warren unlock` takes.
    #[error("another apply holds the {holder}. If it is no longer running, clear it with `{unlock_hint} {id}`; otherwise the lock expires {lease_seconds} s after its holder stops renewing it")]
    HeldByAnother {
        holder: String,
        id: String,
        unlock_hint: String,
        lease_seconds: u64,
    },
}

fn join(reasons: &[LockUnusable]) -> String {
    let texts: Vec<String> = reasons.iter().map(ToString::to_string).collect();
    texts.join("; ")
}
