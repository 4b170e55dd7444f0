//! Each queue against what its type accepts: arguments another type owns, values the type
//! ignores, durability, and with a known release, what that release deprecates or refuses.

use super::{pattern, Checker};
use crate::config::diagnostic::DiagnosticKind;
use crate::config::diagnostic::{Diagnostic, FileId};
use crate::config::environment::{Declared, Vhost};
use crate::config::located::{Located, Position};
use crate::config::schema::QueueSpec;
use crate::format::deprecations::{Deprecated, Treatment};
use crate::format::queue_types::{
    ignored_value, refused_everywhere, refuses_argument, skips_policy_key, SUPPORTED,
};
use crate::format::{BrokerVersion, QueueType};

/// The type the broker gives the queue: `type:`, else `x-queue-type`, else the vhost's
/// default queue type, else classic.
pub(crate) fn effective_type(vhost: &Vhost, spec: &QueueSpec) -> QueueType {
    if let Some(kind) = &spec.kind {
        return kind.value.rabbit();
    }
    let argument = spec
        .arguments
        .iter()
        .find(|(k, _)| k.value == "x-queue-type")
        .and_then(|(_, v)| v.value.as_str())
        .and_then(QueueType::parse);
    argument
        .or(vhost.default_queue_type.as_ref().map(|t| t.value.rabbit()))
        .unwrap_or(QueueType::Classic)
}

/// What every supported release refuses: checked with or without a version.
pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    for vhost in env.vhosts.values() {
        for queue in vhost.queues.values() {
            let queue_type = effective_type(vhost, &queue.spec);
            contradiction(c, queue);
            for (key, value) in &queue.spec.arguments {
                if refused_everywhere(queue_type, &key.value) {
                    refused(c, queue, queue_type, key, None);
                }
                if let Some(reason) = value
                    .value
                    .as_str()
                    .and_then(|v| ignored_value(queue_type, &key.value, v))
                {
                    c.error(
                        DiagnosticKind::InvalidArgument,
                        queue.file,
                        value.at,
                        reason.to_string(),
                    );
                }
            }
            replicated_properties(c, queue, queue_type);
        }
    }
}

/// What this release refuses beyond the above, and what it deprecates.
pub(super) fn check_version(c: &mut Checker, version: BrokerVersion) {
    let env = c.env;
    for vhost in env.vhosts.values() {
        for queue in vhost.queues.values() {
            let queue_type = effective_type(vhost, &queue.spec);
            let allowed = [&vhost.allow[..], &super::plain(&queue.spec.allow)[..]].concat();
            for (key, _) in &queue.spec.arguments {
                if refuses_argument(queue_type, &key.value, version)
                    && !refused_everywhere(queue_type, &key.value)
                {
                    refused(c, queue, queue_type, key, Some(version));
                }
                if let Some(feature) = Deprecated::of_key(&key.value) {
                    deprecated(c, version, feature, queue.file, key.at, &allowed);
                }
            }
            if queue_type == QueueType::Quorum && version.at_least(4, 0, 0) {
                delivery_limit(c, vhost, queue, &allowed);
            }
            let transient = queue.spec.durable.as_ref().filter(|d| !d.value);
            if let Some(durable) = transient {
                let feature = Deprecated::TransientNonExclusiveQueue;
                deprecated(c, version, feature, queue.file, durable.at, &allowed);
            }
        }
    }
}

/// From 4.0 a quorum queue drops a message after 20 redeliveries unless told otherwise.
fn delivery_limit(c: &mut Checker, vhost: &Vhost, queue: &Declared<QueueSpec>, allowed: &[String]) {
    let argument = |key: &str| queue.spec.arguments.keys().any(|k| k.value == key);
    let set = |key: &str| {
        argument(&format!("x-{key}"))
            || policy_sets(vhost, &queue.name.value, QueueType::Quorum, key)
    };
    if set("delivery-limit") || set("dead-letter-exchange") {
        return;
    }
    c.lint(
        Diagnostic::warning(
            DiagnosticKind::QuorumDeliveryLimit,
            format!(
                "quorum queue `{}` has no delivery limit and no dead-letter exchange: from RabbitMQ 4.0 a message redelivered 20 times is dropped",
                queue.name.value
            ),
        )
        .at(queue.file, queue.name.at)
        .help("set x-dead-letter-exchange, or a delivery-limit (-1 for none) by argument or policy"),
        &[allowed],
    );
}

/// Whether a policy or operator policy that applies to the queue sets `key`.
fn policy_sets(vhost: &Vhost, queue: &str, queue_type: QueueType, key: &str) -> bool {
    let latest = *SUPPORTED.last().expect("a supported release");
    vhost
        .policies
        .values()
        .chain(vhost.operator_policies.values())
        .filter(|p| {
            let apply_to = p.spec.apply_to.as_ref().map(|a| a.value.as_str());
            matches!(apply_to, None | Some("all") | Some("queues"))
                || apply_to == Some(queue_type.apply_to())
        })
        .filter(|p| {
            !p.spec
                .definition
                .keys()
                .any(|k| skips_policy_key(queue_type, &k.value, latest))
        })
        .filter(|p| p.spec.definition.keys().any(|k| k.value == key))
        .any(|p| {
            pattern::compile(&p.spec.pattern.value)
                .is_ok_and(|regex| pattern::matches(&regex, queue))
        })
}

fn refused(
    c: &mut Checker,
    queue: &Declared<QueueSpec>,
    queue_type: QueueType,
    key: &Located<String>,
    version: Option<BrokerVersion>,
) {
    let release = match version {
        Some(v) => format!("RabbitMQ {v}"),
        None => "RabbitMQ".to_string(),
    };
    c.push(
        Diagnostic::error(
            DiagnosticKind::InvalidArgument,
            format!(
                "`{}` is not an argument of {} queues: {release} refuses to declare queue `{}` with it",
                key.value,
                queue_type.as_str(),
                queue.name.value
            ),
        )
        .at(queue.file, key.at)
        .help(advice(queue_type, &key.value)),
    );
}

/// What to do instead of an argument the type refuses.
fn advice(queue_type: QueueType, key: &str) -> String {
    match (queue_type, key) {
        (QueueType::Quorum, "x-max-priority") => {
            "quorum queues have no priority levels; use a classic queue, or separate queues per priority".into()
        }
        (QueueType::Quorum, "x-queue-mode") => {
            "remove it: quorum queues keep messages on disk and have no lazy mode".into()
        }
        (QueueType::Stream, _) => {
            "streams keep messages by size and age (x-max-length-bytes, x-max-age); remove it or use another queue type".into()
        }
        _ => format!("remove it, or declare the queue with a type that takes {key}"),
    }
}

/// Quorum queues and streams are durable, never exclusive and never auto-delete.
fn replicated_properties(c: &mut Checker, queue: &Declared<QueueSpec>, queue_type: QueueType) {
    if !queue_type.is_replicated() {
        return;
    }
    for (flag, bad) in [
        (&queue.spec.durable, false),
        (&queue.spec.auto_delete, true),
    ] {
        if let Some(flag) = flag.as_ref().filter(|f| f.value == bad) {
            c.error(
                DiagnosticKind::InvalidArgument,
                queue.file,
                flag.at,
                format!(
                    "{} queues must be durable and not auto-delete",
                    queue_type.as_str()
                ),
            );
        }
    }
}

fn contradiction(c: &mut Checker, queue: &Declared<QueueSpec>) {
    let argument = queue
        .spec
        .arguments
        .iter()
        .find(|(k, _)| k.value == "x-queue-type")
        .and_then(|(_, v)| v.value.as_str().map(|s| (s, v.at)));
    if let (Some(kind), Some((arg, at))) = (&queue.spec.kind, argument) {
        if kind.value.as_str() != arg {
            c.error(
                DiagnosticKind::InvalidArgument,
                queue.file,
                at,
                format!(
                    "x-queue-type `{arg}` contradicts `type: {}`",
                    kind.value.as_str()
                ),
            );
        }
    }
}

/// An error where the release refuses the feature, a lint where it only deprecates it.
pub(super) fn deprecated(
    c: &mut Checker,
    version: BrokerVersion,
    feature: Deprecated,
    file: FileId,
    at: Position,
    allowed: &[String],
) {
    let (what, instead) = feature.advice();
    match feature.treatment(version) {
        Treatment::Accepted => {}
        Treatment::Deprecated => c.lint(
            Diagnostic::warning(
                DiagnosticKind::DeprecatedFeature,
                format!("{what}; the broker is {version}"),
            )
            .at(file, at)
            .help(instead),
            &[allowed],
        ),
        Treatment::Refused => c.push(
            Diagnostic::error(
                DiagnosticKind::UnsupportedByVersion,
                format!("{what}; the broker is {version}"),
            )
            .at(file, at)
            .help(instead),
        ),
    }
}
