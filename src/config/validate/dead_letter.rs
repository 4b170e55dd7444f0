//! The `dead-letter-black-hole` lint: dead letters that their exchange's bindings cannot route.

use crate::config::diagnostic::DiagnosticKind;
use indexmap::IndexMap;

use super::bound_keys::BoundKeys;
use super::{pattern, plain, Checker};
use crate::config::diagnostic::Diagnostic;
use crate::config::environment::{Declared, Vhost};
use crate::config::schema::{PolicySpec, QueueSpec};
use fancy_regex::Regex;

/// What is known of the routing keys a queue's messages carry (and so its dead letters).
#[derive(Clone, Debug, PartialEq)]
enum Keys {
    Exact(String),
    /// Any key matching a topic binding pattern.
    Topic(String),
    Any,
}

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    for vhost in env.vhosts.values() {
        // dead-letter exchange -> queues whose dead letters it cannot route
        let mut lost: IndexMap<String, Vec<(String, String)>> = IndexMap::new();
        let policies = queue_policies(vhost);
        let bound = BoundKeys::of(vhost);
        for (name, queue) in &vhost.queues {
            let Some((dlx, routing_key)) = dead_letter_target(&policies, name, &queue.spec) else {
                continue;
            };
            let keys = match routing_key {
                Some(key) => vec![Keys::Exact(key)],
                None => message_keys(vhost, name, &queue.spec),
            };
            for key in keys {
                if !routable(vhost, &bound, &dlx, &key) {
                    let shown = match &key {
                        Keys::Exact(k) => format!("key `{k}`"),
                        Keys::Topic(k) => format!("keys matching `{k}`"),
                        Keys::Any => "any key".to_string(),
                    };
                    lost.entry(dlx.clone())
                        .or_default()
                        .push((name.clone(), shown));
                }
            }
        }
        for (dlx, queues) in lost {
            report(c, vhost, &dlx, &queues);
        }
    }
}

fn report(c: &mut Checker, vhost: &Vhost, dlx: &str, queues: &[(String, String)]) {
    let Some(exchange) = vhost.exchanges.get(dlx) else {
        return; // undeclared: the `undeclared-exchange` lint
    };
    let listed: Vec<String> = queues
        .iter()
        .take(4)
        .map(|(q, k)| format!("{q} ({k})"))
        .collect();
    let more = queues.len().saturating_sub(4);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let kind = exchange.spec.kind.value.as_str();
    let mut help = "bind a queue that matches the dead letters' routing keys, or set x-dead-letter-routing-key".to_string();
    if kind == "direct" {
        help = format!("a direct exchange compares keys literally (`#` matches only `#`): make `{dlx}` a topic or fanout exchange, or set x-dead-letter-routing-key");
    }
    c.lint(
        Diagnostic::warning(
            DiagnosticKind::DeadLetterBlackHole,
            format!(
                "{kind} exchange `{dlx}` drops the dead letters of {}{tail}: none of its bindings routes them",
                listed.join(", ")
            ),
        )
        .at(exchange.file, exchange.name.at)
        .help(help),
        &[&vhost.allow, &plain(&exchange.spec.allow)],
    );
}

/// The vhost's policies that can apply to queues, compiled once for all its queues.
fn queue_policies(vhost: &Vhost) -> Vec<(&Declared<PolicySpec>, Regex)> {
    vhost
        .policies
        .values()
        .filter(|p| {
            !matches!(
                p.spec.apply_to.as_ref().map(|a| a.value.as_str()),
                Some("exchanges")
            )
        })
        .filter_map(|p| pattern::compile(&p.spec.pattern.value).ok().map(|r| (p, r)))
        .collect()
}

/// The queue's dead-letter exchange and routing key: its arguments first, else the policy.
fn dead_letter_target(
    policies: &[(&Declared<PolicySpec>, Regex)],
    name: &str,
    spec: &QueueSpec,
) -> Option<(String, Option<String>)> {
    let argument = |key: &str| {
        spec.arguments
            .iter()
            .find(|(k, _)| k.value == key)
            .and_then(|(_, v)| v.value.as_str().map(str::to_string))
    };
    if let Some(dlx) = argument("x-dead-letter-exchange") {
        return Some((dlx, argument("x-dead-letter-routing-key")));
    }
    let (policy, _) = policies
        .iter()
        .filter(|(_, regex)| pattern::matches(regex, name))
        .max_by_key(|(p, _)| p.spec.priority.as_ref().map_or(0, |p| p.value))?;
    let key = |k: &str| {
        policy
            .spec
            .definition
            .iter()
            .find(|(key, _)| key.value == k)
            .and_then(|(_, v)| v.value.as_str().map(str::to_string))
    };
    Some((key("dead-letter-exchange")?, key("dead-letter-routing-key")))
}

fn exchange_type<'a>(vhost: &'a Vhost, name: &str) -> &'a str {
    match vhost.exchanges.get(name) {
        Some(e) => e.spec.kind.value.as_str(),
        None if name.is_empty() || name == "amq.direct" => "direct",
        None if name == "amq.topic" => "topic",
        None if name == "amq.fanout" => "fanout",
        None => "headers",
    }
}

/// The keys a queue's messages arrive with, judged from how it is bound.
fn message_keys(vhost: &Vhost, name: &str, spec: &QueueSpec) -> Vec<Keys> {
    if spec.bindings.is_empty() {
        return vec![Keys::Exact(name.to_string())];
    }
    spec.bindings
        .iter()
        .map(|b| {
            let key = b
                .routing_key
                .as_ref()
                .map(|k| k.value.clone())
                .unwrap_or_default();
            match exchange_type(vhost, &b.exchange.value) {
                "direct" => Keys::Exact(key),
                "topic" => Keys::Topic(key),
                _ => Keys::Any,
            }
        })
        .collect()
}

/// Whether any binding out of `dlx` (or its alternate exchange) can take a message with `keys`.
fn routable(vhost: &Vhost, bound: &BoundKeys, dlx: &str, keys: &Keys) -> bool {
    let Some(exchange) = vhost.exchanges.get(dlx) else {
        return true;
    };
    if exchange
        .spec
        .arguments
        .keys()
        .any(|k| k.value == "alternate-exchange")
    {
        return true;
    }
    let Some(bound) = bound.of_exchange(dlx) else {
        return false;
    };
    match (exchange.spec.kind.value.as_str(), keys) {
        ("direct", Keys::Exact(k)) => bound.contains(k),
        ("direct", Keys::Topic(p)) => bound.keys.iter().any(|b| topic_matches(p, b)),
        ("topic", Keys::Exact(k)) => bound.keys.iter().any(|b| topic_matches(b, k)),
        _ => true,
    }
}

/// AMQP topic matching: `*` is exactly one word, `#` zero or more.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = key.split('.').collect();
    words_match(&p, &k)
}

fn words_match(p: &[&str], k: &[&str]) -> bool {
    match p.split_first() {
        None => k.is_empty(),
        Some((&"#", rest)) => (0..=k.len()).any(|skip| words_match(rest, &k[skip..])),
        Some((word, rest)) => match k.split_first() {
            Some((first, tail)) => (*word == "*" || word == first) && words_match(rest, tail),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_wildcards() {
        assert!(topic_matches("#", "a.b.c"));
        assert!(topic_matches("a.#", "a"));
        assert!(topic_matches("a.*.c", "a.b.c"));
        assert!(!topic_matches("a.*", "a.b.c"));
        assert!(topic_matches("ai.event.#", "ai.event.completed.x"));
        assert!(!topic_matches("ai.event.#", "#"));
        assert!(topic_matches("#", ""));
    }
}
