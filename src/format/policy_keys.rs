//! Which policy and operator-policy keys each release registers a validator for; the
//! broker answers 400 ("... are not recognised policy settings") to any other key.

use super::version::BrokerVersion;

const HA_KEYS: [&str; 6] = [
    "ha-mode",
    "ha-params",
    "ha-sync-mode",
    "ha-sync-batch-size",
    "ha-promote-on-shutdown",
    "ha-promote-on-failure",
];

/// Whether `key` is a policy key this release accepts (the federation plugin's included).
pub fn accepts_policy_key(key: &str, version: BrokerVersion) -> bool {
    if HA_KEYS.contains(&key) {
        return !version.at_least(4, 0, 0);
    }
    match key {
        "consumer-timeout" => version.at_least(3, 12, 0),
        "stream-filter-size-bytes" | "target-group-size" => version.at_least(3, 13, 0),
        _ => true,
    }
}

/// The release that first accepts a policy key, for the message when an older one refuses it.
pub fn policy_key_since(key: &str) -> Option<&'static str> {
    match key {
        "consumer-timeout" => Some("3.12"),
        "stream-filter-size-bytes" | "target-group-size" => Some("3.13"),
        _ => None,
    }
}

const OPERATOR_KEYS_3_10: [&str; 7] = [
    "expires",
    "message-ttl",
    "max-length",
    "max-length-bytes",
    "max-in-memory-length",
    "max-in-memory-bytes",
    "delivery-limit",
];

/// Whether an operator policy may set `key` on this release.
pub fn accepts_operator_key(key: &str, version: BrokerVersion) -> bool {
    if OPERATOR_KEYS_3_10.contains(&key) {
        return true;
    }
    let v = version;
    match key {
        "ha-mode" | "ha-params" | "ha-sync-mode" => v.at_least(3, 11, 10) && !v.at_least(4, 0, 0),
        // 3.11.24 had it; 3.12.0 to 3.12.6 did not.
        "queue-version" => (v.at_least(3, 11, 24) && !v.at_least(3, 12, 0)) || v.at_least(3, 12, 7),
        "overflow" => v.at_least(3, 12, 7),
        "target-group-size" => v.at_least(3, 13, 0),
        "queue-master-locator" => v.at_least(4, 0, 0),
        _ => false,
    }
}

/// Keys some supported release accepts in an operator policy: the offline check.
pub fn operator_key_anywhere(key: &str) -> bool {
    super::queue_types::SUPPORTED
        .into_iter()
        .any(|v| accepts_operator_key(key, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::version::v;

    #[test]
    fn ha_keys_are_gone_in_4_0() {
        assert!(accepts_policy_key("ha-mode", v("3.13")));
        assert!(!accepts_policy_key("ha-mode", v("4.0.5")));
        assert!(accepts_policy_key("message-ttl", v("4.0.5")));
    }

    #[test]
    fn consumer_timeout_arrived_in_3_12() {
        assert!(!accepts_policy_key("consumer-timeout", v("3.10.8")));
        assert!(accepts_policy_key("consumer-timeout", v("3.12.0")));
    }

    #[test]
    fn operator_keys_follow_the_release() {
        assert!(accepts_operator_key("message-ttl", v("3.10.8")));
        assert!(!accepts_operator_key("overflow", v("3.10.8")));
        assert!(!accepts_operator_key("overflow", v("3.12.6")));
        assert!(accepts_operator_key("overflow", v("3.12")));
        assert!(accepts_operator_key("queue-version", v("3.11.24")));
        assert!(!accepts_operator_key("queue-version", v("3.12.3")));
        assert!(!accepts_operator_key("ha-mode", v("4.0")));
        assert!(operator_key_anywhere("target-group-size"));
        assert!(!operator_key_anywhere("dead-letter-exchange"));
    }
}
