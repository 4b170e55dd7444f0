//! The arguments and policy keys RabbitMQ documents, with the type and range each accepts.

use serde_json::Value;

/// What a documented argument accepts.
#[derive(Clone, Copy, Debug)]
pub enum ArgType {
    /// Any integer; -1 often means "none".
    Int,
    NonNegativeInt,
    PositiveInt,
    IntRange(i64, i64),
    Text,
    Bool,
    OneOf(&'static [&'static str]),
    /// A stream retention such as `7D`, `12h` or `30m`.
    Duration,
    /// The name of an exchange in the same vhost.
    Exchange,
    /// Anything: obsolete or free-form keys checked elsewhere.
    Any,
}

const OVERFLOW: &[&str] = &["drop-head", "reject-publish", "reject-publish-dlx"];
const DL_STRATEGY: &[&str] = &["at-most-once", "at-least-once"];
const QUEUE_MODE: &[&str] = &["default", "lazy"];
const QUEUE_TYPE: &[&str] = &["classic", "quorum", "stream"];
const MASTER_LOCATOR: &[&str] = &[
    "min-masters",
    "client-local",
    "random",
    "balanced",
    "least-leaders",
];
const LEADER_LOCATOR: &[&str] = &["client-local", "balanced", "random", "least-leaders"];
const HA_MODE: &[&str] = &["all", "exactly", "nodes"];
const HA_SYNC: &[&str] = &["manual", "automatic"];
const HA_PROMOTE: &[&str] = &["when-synced", "always"];

/// Queue arguments (`x-...`) the broker or its bundled plugins understand.
pub fn queue_argument(key: &str) -> Option<ArgType> {
    use ArgType::*;
    Some(match key {
        "x-message-ttl" => NonNegativeInt,
        "x-expires" => PositiveInt,
        "x-max-length" | "x-max-length-bytes" => NonNegativeInt,
        "x-overflow" => OneOf(OVERFLOW),
        "x-dead-letter-exchange" => Exchange,
        "x-dead-letter-routing-key" => Text,
        "x-dead-letter-strategy" => OneOf(DL_STRATEGY),
        "x-max-priority" => IntRange(1, 255),
        "x-queue-mode" => OneOf(QUEUE_MODE),
        "x-queue-version" => IntRange(1, 2),
        "x-consumer-timeout" => NonNegativeInt,
        "x-queue-type" => OneOf(QUEUE_TYPE),
        "x-queue-master-locator" => OneOf(MASTER_LOCATOR),
        "x-queue-leader-locator" => OneOf(LEADER_LOCATOR),
        "x-single-active-consumer" => Bool,
        "x-quorum-initial-group-size" | "x-initial-cluster-size" => PositiveInt,
        "x-quorum-target-group-size" => PositiveInt,
        // -1 (any negative) means no limit from 4.0; 3.x checks policies, not arguments.
        "x-delivery-limit" => Int,
        "x-max-in-memory-length" | "x-max-in-memory-bytes" => NonNegativeInt,
        "x-max-age" => Duration,
        "x-stream-max-segment-size-bytes" => PositiveInt,
        "x-stream-filter-size-bytes" => IntRange(16, 255),
        "x-ha-policy" => Any,
        _ => return None,
    })
}

/// Exchange arguments the broker or common exchange plugins understand.
pub fn exchange_argument(key: &str) -> Option<ArgType> {
    use ArgType::*;
    Some(match key {
        "alternate-exchange" => Exchange,
        "x-delayed-type" => Text,
        "hash-header" | "hash-property" => Text,
        _ => return None,
    })
}

/// Policy definition keys; `operator` narrows them to what operator policies accept on
/// some supported release (the broker's own release is checked with its version).
pub fn policy_key(key: &str, operator: bool) -> Option<ArgType> {
    use ArgType::*;
    if operator && !crate::format::policy_keys::operator_key_anywhere(key) {
        return None;
    }
    Some(match key {
        "message-ttl" => NonNegativeInt,
        "expires" => PositiveInt,
        "max-length" | "max-length-bytes" => NonNegativeInt,
        "max-in-memory-length" | "max-in-memory-bytes" => NonNegativeInt,
        "overflow" => OneOf(OVERFLOW),
        "dead-letter-exchange" => Exchange,
        "dead-letter-routing-key" => Text,
        "dead-letter-strategy" => OneOf(DL_STRATEGY),
        "queue-mode" => OneOf(QUEUE_MODE),
        "queue-version" => IntRange(1, 2),
        "consumer-timeout" => NonNegativeInt,
        "queue-master-locator" => OneOf(MASTER_LOCATOR),
        "queue-leader-locator" => OneOf(LEADER_LOCATOR),
        "delivery-limit" => Int,
        "max-age" => Duration,
        "stream-max-segment-size-bytes" => PositiveInt,
        "stream-filter-size-bytes" => IntRange(16, 255),
        "initial-cluster-size" => PositiveInt,
        "target-group-size" => PositiveInt,
        "alternate-exchange" => Exchange,
        "federation-upstream" | "federation-upstream-set" | "federation-upstream-pattern" => Text,
        "ha-mode" => OneOf(HA_MODE),
        "ha-params" => Any,
        "ha-sync-mode" => OneOf(HA_SYNC),
        "ha-sync-batch-size" => PositiveInt,
        "ha-promote-on-shutdown" | "ha-promote-on-failure" => OneOf(HA_PROMOTE),
        _ => return None,
    })
}

/// A value that is not of its argument's type; the text says what was expected.
#[derive(Debug, thiserror::Error)]
#[error("expected {}, got {got}", expectation(*.expected))]
pub struct WrongArgumentType {
    pub expected: ArgType,
    pub got: Value,
}

/// What a value of `kind` looks like, for people.
fn expectation(kind: ArgType) -> String {
    use ArgType::*;
    match kind {
        Int => "an integer".into(),
        NonNegativeInt => "a non-negative integer".into(),
        PositiveInt => "a positive integer".into(),
        IntRange(lo, hi) => format!("an integer from {lo} to {hi}"),
        Text | Exchange => "a string".into(),
        Bool => "true or false".into(),
        OneOf(options) => format!("one of {}", options.join(", ")),
        Duration => "a duration such as 7D, 12h, 30m or 10s (units Y M D h m s)".into(),
        Any => "anything".into(),
    }
}

/// Checks a value against its type.
pub fn check(kind: ArgType, value: &Value) -> Result<(), WrongArgumentType> {
    use ArgType::*;
    let int = value.as_i64();
    let fits = match kind {
        Int => int.is_some(),
        NonNegativeInt => int.is_some_and(|n| n >= 0),
        PositiveInt => int.is_some_and(|n| n >= 1),
        IntRange(lo, hi) => int.is_some_and(|n| (lo..=hi).contains(&n)),
        Text | Exchange => value.is_string(),
        Bool => value.is_boolean(),
        OneOf(options) => value.as_str().is_some_and(|s| options.contains(&s)),
        Duration => value.as_str().is_some_and(is_duration),
        Any => true,
    };
    if fits {
        Ok(())
    } else {
        Err(WrongArgumentType {
            expected: kind,
            got: value.clone(),
        })
    }
}

/// RabbitMQ's stream retention syntax: digits followed by one unit letter.
fn is_duration(s: &str) -> bool {
    let Some(unit) = s.chars().last() else {
        return false;
    };
    let digits = &s[..s.len() - unit.len_utf8()];
    matches!(unit, 'Y' | 'M' | 'D' | 'h' | 'm' | 's')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ttl_must_be_a_non_negative_integer() {
        let t = queue_argument("x-message-ttl").unwrap();
        assert!(check(t, &json!(0)).is_ok());
        assert!(check(t, &json!(-1)).is_err());
        assert!(check(t, &json!("60")).is_err());
        assert!(check(t, &json!(1.5)).is_err());
    }

    #[test]
    fn overflow_is_an_enumeration() {
        let t = queue_argument("x-overflow").unwrap();
        assert!(check(t, &json!("reject-publish-dlx")).is_ok());
        let err = check(t, &json!("drop-tail")).unwrap_err();
        assert!(err
            .to_string()
            .contains("drop-head, reject-publish, reject-publish-dlx"));
    }

    #[test]
    fn max_age_is_a_duration() {
        let t = queue_argument("x-max-age").unwrap();
        assert!(check(t, &json!("7D")).is_ok());
        assert!(check(t, &json!("12h")).is_ok());
        assert!(check(t, &json!("7 days")).is_err());
        assert!(check(t, &json!("D")).is_err());
        assert!(check(t, &json!(7)).is_err());
    }

    #[test]
    fn priority_range() {
        let t = queue_argument("x-max-priority").unwrap();
        assert!(check(t, &json!(10)).is_ok());
        assert!(check(t, &json!(256)).is_err());
        assert!(check(t, &json!(0)).is_err());
    }

    #[test]
    fn ha_mode_values() {
        let t = policy_key("ha-mode", false).unwrap();
        assert!(check(t, &json!("exactly")).is_ok());
        assert!(check(t, &json!("some")).is_err());
    }

    #[test]
    fn operator_policies_accept_only_their_keys() {
        assert!(policy_key("message-ttl", true).is_some());
        assert!(policy_key("dead-letter-exchange", true).is_none());
        assert!(policy_key("dead-letter-exchange", false).is_some());
    }

    #[test]
    fn documented_keys_of_later_releases_are_known() {
        for key in [
            "queue-version",
            "consumer-timeout",
            "stream-filter-size-bytes",
        ] {
            assert!(policy_key(key, false).is_some(), "{key}");
        }
        for key in ["x-queue-version", "x-consumer-timeout"] {
            assert!(queue_argument(key).is_some(), "{key}");
        }
        let version = queue_argument("x-queue-version").unwrap();
        assert!(check(version, &json!(2)).is_ok());
        assert!(check(version, &json!(3)).is_err());
    }

    #[test]
    fn unknown_keys_are_not_typed() {
        assert!(queue_argument("x-custom-plugin").is_none());
        assert!(exchange_argument("x-something").is_none());
    }
}
