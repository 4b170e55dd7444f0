//! Headers exchange matching as RabbitMQ does it: `x-match` all (the default, also for an
//! unknown value), any, all-with-x, any-with-x. `x-match` itself never takes part; other
//! `x-` binding arguments take part only in the `-with-x` modes.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// How a headers binding combines its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchMode {
    All,
    Any,
    AllWithX,
    AnyWithX,
}

impl MatchMode {
    /// The binding's `x-match`; missing or unrecognised means all, as on the broker.
    pub fn of(arguments: &Map<String, Value>) -> MatchMode {
        match arguments.get("x-match").and_then(Value::as_str) {
            Some("any") => MatchMode::Any,
            Some("all-with-x") => MatchMode::AllWithX,
            Some("any-with-x") => MatchMode::AnyWithX,
            _ => MatchMode::All,
        }
    }

    fn includes_x(self) -> bool {
        matches!(self, MatchMode::AllWithX | MatchMode::AnyWithX)
    }

    fn needs_all(self) -> bool {
        matches!(self, MatchMode::All | MatchMode::AllWithX)
    }
}

/// Whether a headers binding with these arguments matches a message with these headers.
pub fn matches(arguments: &Map<String, Value>, headers: &BTreeMap<String, Value>) -> bool {
    let mode = MatchMode::of(arguments);
    let mut considered = arguments
        .iter()
        .filter(|(key, _)| key.as_str() != "x-match")
        .filter(|(key, _)| mode.includes_x() || !key.starts_with("x-"));
    let hit = |(key, wanted): (&String, &Value)| {
        headers
            .get(key)
            .is_some_and(|value| same_value(wanted, value))
    };
    if mode.needs_all() {
        considered.all(hit)
    } else {
        considered.any(hit)
    }
}

/// A binding value equals a header value as Erlang's `==` compares AMQP field values: null
/// (void) asks only that the header be present, numbers compare by value.
fn same_value(wanted: &Value, value: &Value) -> bool {
    match (wanted, value) {
        (Value::Null, _) => true,
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn headers(value: Value) -> BTreeMap<String, Value> {
        value
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    #[test]
    fn all_needs_every_argument() {
        let a = args(json!({"x-match": "all", "format": "pdf", "type": "report"}));
        assert!(matches(
            &a,
            &headers(json!({"format": "pdf", "type": "report"}))
        ));
        assert!(matches(
            &a,
            &headers(json!({"format": "pdf", "type": "report", "extra": "1"}))
        ));
        assert!(!matches(&a, &headers(json!({"format": "pdf"}))));
        assert!(!matches(
            &a,
            &headers(json!({"format": "pdf", "type": "log"}))
        ));
        assert!(!matches(&a, &headers(json!({}))));
    }

    #[test]
    fn missing_or_unknown_x_match_means_all() {
        let a = args(json!({"format": "pdf", "type": "report"}));
        assert!(!matches(&a, &headers(json!({"format": "pdf"}))));
        let b = args(json!({"x-match": "most", "format": "pdf", "type": "report"}));
        assert!(!matches(&b, &headers(json!({"format": "pdf"}))));
        assert!(matches(
            &b,
            &headers(json!({"format": "pdf", "type": "report"}))
        ));
    }

    #[test]
    fn any_needs_one_argument() {
        let a = args(json!({"x-match": "any", "format": "pdf", "type": "report"}));
        assert!(matches(&a, &headers(json!({"format": "pdf"}))));
        assert!(matches(
            &a,
            &headers(json!({"type": "report", "format": "zip"}))
        ));
        assert!(!matches(&a, &headers(json!({"format": "zip"}))));
        assert!(!matches(&a, &headers(json!({}))));
    }

    #[test]
    fn no_arguments_match_everything_with_all_and_nothing_with_any() {
        assert!(matches(&args(json!({})), &headers(json!({}))));
        assert!(matches(
            &args(json!({"x-match": "all"})),
            &headers(json!({"a": "1"}))
        ));
        assert!(!matches(
            &args(json!({"x-match": "any"})),
            &headers(json!({"a": "1"}))
        ));
    }

    #[test]
    fn x_arguments_are_ignored_by_all_and_any() {
        let all = args(json!({"x-match": "all", "x-tenant": "a", "k": "v"}));
        assert!(matches(&all, &headers(json!({"k": "v"}))));
        assert!(matches(&all, &headers(json!({"k": "v", "x-tenant": "b"}))));
        let any = args(json!({"x-match": "any", "x-tenant": "a"}));
        assert!(!matches(&any, &headers(json!({"x-tenant": "a"}))));
    }

    #[test]
    fn with_x_modes_compare_x_arguments_too() {
        let all = args(json!({"x-match": "all-with-x", "x-tenant": "a", "k": "v"}));
        assert!(!matches(&all, &headers(json!({"k": "v"}))));
        assert!(matches(&all, &headers(json!({"k": "v", "x-tenant": "a"}))));
        let any = args(json!({"x-match": "any-with-x", "x-tenant": "a", "k": "v"}));
        assert!(matches(&any, &headers(json!({"x-tenant": "a"}))));
        assert!(!matches(&any, &headers(json!({"x-tenant": "b", "k": "w"}))));
        // x-match itself is never compared, not even with -with-x.
        let only = args(json!({"x-match": "all-with-x"}));
        assert!(matches(&only, &headers(json!({}))));
    }

    #[test]
    fn values_compare_by_type() {
        let a = args(json!({"n": 1}));
        assert!(matches(&a, &headers(json!({"n": 1.0}))));
        assert!(!matches(&a, &headers(json!({"n": "1"}))));
        let b = args(json!({"flag": true}));
        assert!(!matches(&b, &headers(json!({"flag": "true"}))));
    }

    #[test]
    fn null_asks_only_for_presence() {
        let a = args(json!({"x-match": "all", "trace": null}));
        assert!(matches(&a, &headers(json!({"trace": "anything"}))));
        assert!(!matches(&a, &headers(json!({}))));
    }
}
