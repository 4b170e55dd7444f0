//! Features RabbitMQ deprecates, and the release from which each is refused by default
//! (rabbit_deprecated_features phases, and release notes for what became a no-op).

use super::version::BrokerVersion;

/// Something a topology can use that a release deprecates, ignores or refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deprecated {
    /// `durable: false` on a queue that is not exclusive.
    TransientNonExclusiveQueue,
    /// `ha-*` policy keys.
    ClassicMirroring,
    /// `x-queue-master-locator` / `queue-master-locator`.
    QueueMasterLocator,
    /// `x-queue-mode` / `queue-mode`: one mode since 3.12.
    QueueMode,
    /// `x-queue-version` / `queue-version`: only version 2 since 4.0.
    QueueVersion,
}

/// What a release does with a deprecated feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Treatment {
    Accepted,
    /// Accepted with a deprecation warning, or accepted and ignored.
    Deprecated,
    Refused,
}

impl Deprecated {
    pub fn treatment(self, version: BrokerVersion) -> Treatment {
        let v = version;
        let (deprecated, refused) = match self {
            Deprecated::TransientNonExclusiveQueue => (v.at_least(3, 13, 0), v.at_least(4, 3, 0)),
            Deprecated::ClassicMirroring => (v.at_least(3, 13, 0), v.at_least(4, 0, 0)),
            Deprecated::QueueMasterLocator => (v.at_least(4, 0, 0), v.at_least(4, 3, 0)),
            Deprecated::QueueMode => (v.at_least(3, 12, 0), false),
            Deprecated::QueueVersion => (v.at_least(4, 0, 0), false),
        };
        match (deprecated, refused) {
            (_, true) => Treatment::Refused,
            (true, false) => Treatment::Deprecated,
            (false, false) => Treatment::Accepted,
        }
    }

    /// What happens, and what to do instead.
    pub fn advice(self) -> (&'static str, &'static str) {
        match self {
            Deprecated::TransientNonExclusiveQueue => (
                "transient non-exclusive queues are deprecated from RabbitMQ 3.13 and refused by default from 4.3",
                "declare the queue durable, or let clients declare it exclusive",
            ),
            Deprecated::ClassicMirroring => (
                "classic queue mirroring is deprecated in RabbitMQ 3.13 and removed in 4.0",
                "use quorum queues (type: quorum) for replication",
            ),
            Deprecated::QueueMasterLocator => (
                "queue-master-locator is deprecated from RabbitMQ 4.0 and refused by default from 4.3",
                "use x-queue-leader-locator / queue-leader-locator (client-local or balanced)",
            ),
            Deprecated::QueueMode => (
                "queue mode has no effect from RabbitMQ 3.12: classic queues have one mode",
                "remove it",
            ),
            Deprecated::QueueVersion => (
                "queue version has no effect from RabbitMQ 4.0: classic queues are always version 2",
                "remove it",
            ),
        }
    }

    /// The feature a queue argument or policy key belongs to.
    pub fn of_key(key: &str) -> Option<Deprecated> {
        match key.strip_prefix("x-").unwrap_or(key) {
            "ha-mode"
            | "ha-params"
            | "ha-sync-mode"
            | "ha-sync-batch-size"
            | "ha-promote-on-shutdown"
            | "ha-promote-on-failure" => Some(Deprecated::ClassicMirroring),
            "queue-master-locator" => Some(Deprecated::QueueMasterLocator),
            "queue-mode" => Some(Deprecated::QueueMode),
            "queue-version" => Some(Deprecated::QueueVersion),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::version::v;

    #[test]
    fn phases_follow_the_release() {
        let t = Deprecated::TransientNonExclusiveQueue;
        assert_eq!(t.treatment(v("3.12")), Treatment::Accepted);
        assert_eq!(t.treatment(v("4.0.5")), Treatment::Deprecated);
        assert_eq!(t.treatment(v("4.3.0")), Treatment::Refused);
        let m = Deprecated::ClassicMirroring;
        assert_eq!(m.treatment(v("3.10.8")), Treatment::Accepted);
        assert_eq!(m.treatment(v("4.0")), Treatment::Refused);
    }

    #[test]
    fn keys_name_their_feature() {
        assert_eq!(
            Deprecated::of_key("x-queue-mode"),
            Some(Deprecated::QueueMode)
        );
        assert_eq!(
            Deprecated::of_key("ha-sync-mode"),
            Some(Deprecated::ClassicMirroring)
        );
        assert_eq!(Deprecated::of_key("message-ttl"), None);
    }
}
