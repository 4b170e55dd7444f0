//! What each queue type accepts, release by release, as RabbitMQ's own `capabilities/0`
//! lists it (rabbit_classic_queue, rabbit_quorum_queue, rabbit_stream_queue).
//!
//! The broker refuses an argument only when another queue type lists it (406, or HTTP 400
//! from the management API: "invalid arg ... of queue type ..."); an argument no type lists
//! is stored silently. A policy holding a key the type lists as unsupported skips queues of
//! that type altogether, and the next policy by priority applies instead.

use super::version::BrokerVersion;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueType {
    Classic,
    Quorum,
    Stream,
}

impl QueueType {
    pub const ALL: [QueueType; 3] = [QueueType::Classic, QueueType::Quorum, QueueType::Stream];

    /// `x-queue-type` values; anything else is not a type warren knows.
    pub fn parse(text: &str) -> Option<QueueType> {
        match text {
            "classic" => Some(QueueType::Classic),
            "quorum" => Some(QueueType::Quorum),
            "stream" => Some(QueueType::Stream),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QueueType::Classic => "classic",
            QueueType::Quorum => "quorum",
            QueueType::Stream => "stream",
        }
    }

    /// The policy `apply-to` value naming only this type (3.12+).
    pub fn apply_to(self) -> &'static str {
        match self {
            QueueType::Classic => "classic_queues",
            QueueType::Quorum => "quorum_queues",
            QueueType::Stream => "streams",
        }
    }

    /// Replicated types: durable, never exclusive, never auto-delete.
    pub fn is_replicated(self) -> bool {
        !matches!(self, QueueType::Classic)
    }
}

/// The releases warren supports, oldest first: an offline check without a version refuses
/// only what every one of them refuses.
pub const SUPPORTED: [BrokerVersion; 7] = [
    BrokerVersion::patched(3, 10, 8),
    BrokerVersion::new(3, 11),
    BrokerVersion::new(3, 12),
    BrokerVersion::new(3, 13),
    BrokerVersion::new(4, 0),
    BrokerVersion::new(4, 1),
    BrokerVersion::new(4, 2),
];

const CLASSIC_ARGUMENTS: &[&str] = &[
    "x-expires",
    "x-message-ttl",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-max-length",
    "x-max-length-bytes",
    "x-max-priority",
    "x-overflow",
    "x-queue-mode",
    "x-queue-version",
    "x-single-active-consumer",
    "x-queue-type",
    "x-queue-master-locator",
];

const QUORUM_ARGUMENTS: &[&str] = &[
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-dead-letter-strategy",
    "x-expires",
    "x-max-length",
    "x-max-length-bytes",
    "x-max-in-memory-length",
    "x-max-in-memory-bytes",
    "x-overflow",
    "x-single-active-consumer",
    "x-queue-type",
    "x-quorum-initial-group-size",
    "x-delivery-limit",
    "x-message-ttl",
    "x-queue-leader-locator",
];

const STREAM_ARGUMENTS: &[&str] = &[
    "x-max-length-bytes",
    "x-queue-type",
    "x-max-age",
    "x-stream-max-segment-size-bytes",
    "x-initial-cluster-size",
    "x-queue-leader-locator",
];

/// Whether a type lists `key` at declaration on this release.
pub fn lists_argument(queue_type: QueueType, key: &str, version: BrokerVersion) -> bool {
    let base = match queue_type {
        QueueType::Classic => CLASSIC_ARGUMENTS,
        QueueType::Quorum => QUORUM_ARGUMENTS,
        QueueType::Stream => STREAM_ARGUMENTS,
    };
    base.contains(&key)
        || match queue_type {
            // Behind the rabbitmq_4.0.0 feature flag, which a fresh 4.x node enables.
            QueueType::Classic => key == "x-queue-leader-locator" && version.at_least(4, 0, 0),
            QueueType::Stream => key == "x-stream-filter-size-bytes" && version.at_least(4, 2, 7),
            QueueType::Quorum => false,
        }
}

/// Whether the broker refuses `key` when declaring a queue of this type: another type lists it.
pub fn refuses_argument(queue_type: QueueType, key: &str, version: BrokerVersion) -> bool {
    let listed_elsewhere = QueueType::ALL
        .into_iter()
        .filter(|t| *t != queue_type)
        .any(|t| lists_argument(t, key, version));
    listed_elsewhere && !lists_argument(queue_type, key, version)
}

/// Refused on every supported release: an error even when the broker's version is not known.
pub fn refused_everywhere(queue_type: QueueType, key: &str) -> bool {
    SUPPORTED
        .into_iter()
        .all(|v| refuses_argument(queue_type, key, v))
}

const HA_POLICY_KEYS: [&str; 5] = [
    "ha-mode",
    "ha-params",
    "ha-sync-mode",
    "ha-promote-on-shutdown",
    "ha-promote-on-failure",
];
const CLASSIC_SKIPS: &[&str] = &[
    "max-age",
    "stream-max-segment-size-bytes",
    "initial-cluster-size",
    "delivery-limit",
    "dead-letter-strategy",
];
/// Keys classic queues stopped supporting in 3.12.7.
const CLASSIC_SKIPS_FROM_3_12_7: &[&str] = &[
    "max-in-memory-length",
    "max-in-memory-bytes",
    "target-group-size",
];
const QUORUM_SKIPS: &[&str] = &[
    "max-priority",
    "queue-mode",
    "queue-master-locator",
    "max-age",
    "stream-max-segment-size-bytes",
    "initial-cluster-size",
];
const STREAM_SKIPS: &[&str] = &[
    "expires",
    "message-ttl",
    "dead-letter-exchange",
    "dead-letter-routing-key",
    "max-length",
    "max-in-memory-length",
    "max-in-memory-bytes",
    "max-priority",
    "overflow",
    "queue-mode",
    "delivery-limit",
    "queue-master-locator",
    "dead-letter-strategy",
];

/// Whether a policy holding `key` skips queues of this type altogether.
pub fn skips_policy_key(queue_type: QueueType, key: &str, version: BrokerVersion) -> bool {
    let late = version.at_least(3, 12, 7);
    let by_type = match queue_type {
        QueueType::Classic => {
            CLASSIC_SKIPS.contains(&key)
                || (key == "queue-leader-locator" && !version.at_least(4, 0, 0))
                || (late && CLASSIC_SKIPS_FROM_3_12_7.contains(&key))
        }
        QueueType::Quorum => QUORUM_SKIPS.contains(&key) || HA_POLICY_KEYS.contains(&key),
        QueueType::Stream => {
            STREAM_SKIPS.contains(&key)
                || HA_POLICY_KEYS.contains(&key)
                || (late && key == "target-group-size")
        }
    };
    let single_active =
        queue_type.is_replicated() && key == "single-active-consumer" && !version.at_least(4, 2, 0);
    by_type || single_active
}

/// Why a value the broker accepts does not do what it says on this type, if it does not.
pub fn ignored_value(queue_type: QueueType, key: &str, value: &str) -> Option<&'static str> {
    match (queue_type, key, value) {
        (QueueType::Quorum, "x-overflow" | "overflow", "reject-publish-dlx") => Some(
            "quorum queues do not support reject-publish-dlx: the broker accepts it and falls back to drop-head",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::version::v;

    #[test]
    fn arguments_another_type_lists_are_refused() {
        let v310 = v("3.10.8");
        assert!(refuses_argument(QueueType::Stream, "x-message-ttl", v310));
        assert!(refuses_argument(QueueType::Quorum, "x-max-priority", v310));
        assert!(refuses_argument(QueueType::Quorum, "x-queue-mode", v310));
        assert!(!refuses_argument(QueueType::Quorum, "x-message-ttl", v310));
        assert!(!refuses_argument(
            QueueType::Classic,
            "x-max-priority",
            v310
        ));
    }

    #[test]
    fn arguments_no_type_lists_are_kept_silently() {
        for t in QueueType::ALL {
            assert!(!refuses_argument(t, "x-consumer-timeout", v("4.0.5")));
            assert!(!refuses_argument(t, "x-my-plugin", v("3.10.8")));
        }
    }

    #[test]
    fn classic_leader_locator_is_refused_only_before_4_0() {
        let key = "x-queue-leader-locator";
        assert!(refuses_argument(QueueType::Classic, key, v("3.13")));
        assert!(!refuses_argument(QueueType::Classic, key, v("4.0.5")));
        assert!(!refused_everywhere(QueueType::Classic, key));
        assert!(refused_everywhere(QueueType::Stream, "x-message-ttl"));
    }

    #[test]
    fn stream_filter_size_moved_into_the_stream_list_in_4_2_7() {
        let key = "x-stream-filter-size-bytes";
        assert!(!refuses_argument(QueueType::Classic, key, v("4.2.6")));
        assert!(refuses_argument(QueueType::Classic, key, v("4.2.7")));
        assert!(!refuses_argument(QueueType::Stream, key, v("4.2.7")));
    }

    #[test]
    fn ha_keys_keep_a_policy_off_quorum_queues() {
        let quorum = |key| skips_policy_key(QueueType::Quorum, key, v("3.10.8"));
        assert!(quorum("ha-mode") && quorum("queue-mode"));
        assert!(!quorum("message-ttl"));
        let classic = |key| skips_policy_key(QueueType::Classic, key, v("4.0.5"));
        assert!(classic("delivery-limit"));
        assert!(!classic("queue-leader-locator"));
        assert!(skips_policy_key(
            QueueType::Classic,
            "queue-leader-locator",
            v("3.13")
        ));
    }
}
