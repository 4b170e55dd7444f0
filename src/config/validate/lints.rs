//! Warnings about what the broker accepts but a careful operator would not want.

use super::queue_type::effective_type;
use super::{pattern, plain, Checker};
use crate::config::diagnostic::DiagnosticKind;
use crate::config::diagnostic::{Diagnostic, FileId};
use crate::config::environment::{Declared, Vhost};
use crate::config::located::Located;
use crate::config::schema::PolicySpec;
use crate::format::queue_types::{skips_policy_key, SUPPORTED};
use crate::format::QueueType;

/// Queue arguments a policy could set instead (policies change without re-creating the queue).
const POLICY_ABLE: &[&str] = &[
    "x-message-ttl",
    "x-expires",
    "x-max-length",
    "x-max-length-bytes",
    "x-overflow",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-delivery-limit",
    "x-queue-mode",
    "x-max-age",
];

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    unknown_lint_codes(c);
    for vhost in env.vhosts.values() {
        for policy in vhost.policies.values() {
            ha_mirroring(c, vhost, policy);
        }
        for queue in vhost.queues.values() {
            let allowed = plain(&queue.spec.allow);
            if let Some((key, _)) = queue
                .spec
                .arguments
                .iter()
                .find(|(k, _)| k.value == "x-ha-policy")
            {
                c.lint(
                    Diagnostic::warning(
                        DiagnosticKind::ObsoleteXHaPolicy,
                        "x-ha-policy is obsolete: the broker ignores it and mirrors only by policy",
                    )
                    .at(queue.file, key.at)
                    .help(
                        "remove it; declare a policy with ha-mode, or better, use a quorum queue",
                    ),
                    &[&vhost.allow, &allowed],
                );
            }
            let movable: Vec<&str> = queue
                .spec
                .arguments
                .keys()
                .map(|k| k.value.as_str())
                .filter(|k| POLICY_ABLE.contains(k))
                .collect();
            if let Some(first) = queue
                .spec
                .arguments
                .keys()
                .find(|k| POLICY_ABLE.contains(&k.value.as_str()))
            {
                c.lint(
                    Diagnostic::warning(
                        DiagnosticKind::ArgumentAsPolicy,
                        format!(
                            "queue `{}` fixes {} as arguments; changing them later means re-creating the queue",
                            queue.name.value,
                            movable.join(", ")
                        ),
                    )
                    .at(queue.file, first.at)
                    .help("set them with a policy, which can change at any time"),
                    &[&vhost.allow, &allowed],
                );
            }
        }
        overlapping_policies(c, vhost);
        policies_skipping_queues(c, vhost);
    }
    for user in env.users.values() {
        let admin = user.spec.tags.iter().any(|t| t.value == "administrator");
        if admin {
            continue;
        }
        for (vhost, permission) in &user.spec.permissions {
            let Some(configure) = &permission.configure else {
                continue;
            };
            if matches!(configure.value.as_str(), ".*" | "^.*" | "^.*$" | ".+") {
                c.lint(
                    Diagnostic::warning(
                        DiagnosticKind::BroadConfigure,
                        format!(
                            "`{}` is not an administrator but may create and delete every queue and exchange in `{}`",
                            user.name.value, vhost.value
                        ),
                    )
                    .at(user.file, configure.at)
                    .help("narrow configure to the names the user owns, e.g. ^app\\."),
                    &[&plain(&user.spec.allow)],
                );
            }
        }
    }
}

fn ha_mirroring(c: &mut Checker, vhost: &Vhost, policy: &Declared<PolicySpec>) {
    let Some(key) = policy
        .spec
        .definition
        .keys()
        .find(|k| k.value.starts_with("ha-"))
    else {
        return;
    };
    c.lint(
        Diagnostic::warning(
            DiagnosticKind::HaMirroring,
            format!(
                "policy `{}` uses classic queue mirroring ({}), deprecated in RabbitMQ 3.13 and removed in 4.0",
                policy.name.value, key.value
            ),
        )
        .at(policy.file, key.at)
        .help("declare the queues with `type: quorum` for replication that survives 4.0"),
        &[&vhost.allow, &plain(&policy.spec.allow)],
    );
}

/// Whether a policy's apply-to covers exchanges.
fn targets_exchanges(spec: &PolicySpec) -> bool {
    matches!(
        spec.apply_to.as_ref().map(|a| a.value.as_str()),
        None | Some("all") | Some("exchanges")
    )
}

/// Whether the broker applies the policy to a queue of this type: apply-to names the type
/// (or all queues), and no key of the policy is one the type does not support (such a
/// policy skips the queue altogether).
fn applies_to_queue(spec: &PolicySpec, queue_type: QueueType) -> bool {
    let by_apply_to = match spec.apply_to.as_ref().map(|a| a.value.as_str()) {
        None | Some("all") | Some("queues") => true,
        Some(other) => other == queue_type.apply_to(),
    };
    let latest = *SUPPORTED.last().expect("a supported release");
    by_apply_to
        && !spec
            .definition
            .keys()
            .any(|k| skips_policy_key(queue_type, &k.value, latest))
}

/// Which of a vhost's queues and exchanges one policy reaches, in declaration order.
struct Reach {
    queues: Vec<bool>,
    exchanges: Vec<bool>,
}

impl Reach {
    /// None when the pattern does not compile (the pattern check reports that).
    fn of(vhost: &Vhost, types: &[QueueType], spec: &PolicySpec) -> Option<Self> {
        let regex = pattern::compile(&spec.pattern.value).ok()?;
        // Per queue type, not per queue: the policy's keys are the same for every queue.
        let applies = QueueType::ALL.map(|t| applies_to_queue(spec, t));
        let queues = vhost
            .queues
            .keys()
            .zip(types)
            .map(|(name, t)| applies[*t as usize] && pattern::matches(&regex, name))
            .collect();
        let to_exchanges = targets_exchanges(spec);
        let exchanges = vhost
            .exchanges
            .keys()
            .map(|name| to_exchanges && pattern::matches(&regex, name))
            .collect();
        Some(Self { queues, exchanges })
    }

    /// The first queue, else exchange, that both reach.
    fn shared<'v>(&self, other: &Self, vhost: &'v Vhost) -> Option<&'v String> {
        let both = |a: &[bool], b: &[bool]| a.iter().zip(b).position(|(x, y)| *x && *y);
        if let Some(i) = both(&self.queues, &other.queues) {
            return vhost.queues.get_index(i).map(|(name, _)| name);
        }
        both(&self.exchanges, &other.exchanges)
            .and_then(|i| vhost.exchanges.get_index(i).map(|(name, _)| name))
    }
}

/// Two policies of equal priority matching one object: which applies is not defined.
/// Each pattern is matched against each name once, not once per pair of policies.
fn overlapping_policies(c: &mut Checker, vhost: &Vhost) {
    let policies: Vec<&Declared<PolicySpec>> = vhost.policies.values().collect();
    let priority = |p: &Declared<PolicySpec>| p.spec.priority.as_ref().map_or(0, |p| p.value);
    let shares_priority = |p: &Declared<PolicySpec>| {
        policies
            .iter()
            .filter(|o| priority(o) == priority(p))
            .count()
            > 1
    };
    let types: Vec<QueueType> = vhost
        .queues
        .values()
        .map(|q| effective_type(vhost, &q.spec))
        .collect();
    let reach: Vec<Option<Reach>> = policies
        .iter()
        .map(|p| {
            shares_priority(p)
                .then(|| Reach::of(vhost, &types, &p.spec))
                .flatten()
        })
        .collect();
    for (i, a) in policies.iter().enumerate() {
        for (j, b) in policies.iter().enumerate().skip(i + 1) {
            if priority(a) != priority(b) {
                continue;
            }
            let (Some(ra), Some(rb)) = (&reach[i], &reach[j]) else {
                continue;
            };
            if let Some(name) = ra.shared(rb, vhost) {
                c.lint(
                    Diagnostic::warning(
                        DiagnosticKind::OverlappingPolicies,
                        format!(
                            "policies `{}` and `{}` have the same priority and both match `{name}`; only one applies, and which is not defined",
                            a.name.value, b.name.value
                        ),
                    )
                    .at(b.file, b.name.at)
                    .related(a.file, a.name.at, "the other policy")
                    .help("give one of them a higher priority"),
                    &[&vhost.allow, &plain(&a.spec.allow), &plain(&b.spec.allow)],
                );
            }
        }
    }
}

/// A policy whose pattern and apply-to reach a queue, but which holds a key the queue's type
/// does not support: the broker then applies none of it to that queue (ha-* on a quorum
/// queue takes its TTL away too), and the next policy by priority applies instead.
fn policies_skipping_queues(c: &mut Checker, vhost: &Vhost) {
    let latest = *SUPPORTED.last().expect("a supported release");
    for policy in vhost.policies.values() {
        // The key that makes the policy skip each queue type, if any: most policies have none,
        // and then no queue's name needs matching.
        let skipping = QueueType::ALL.map(|t| {
            policy
                .spec
                .definition
                .keys()
                .find(|k| skips_policy_key(t, &k.value, latest))
        });
        if skipping.iter().all(Option::is_none) {
            continue;
        }
        let Ok(regex) = pattern::compile(&policy.spec.pattern.value) else {
            continue;
        };
        let apply_to = policy.spec.apply_to.as_ref().map(|a| a.value.as_str());
        for (name, queue) in &vhost.queues {
            let queue_type = effective_type(vhost, &queue.spec);
            let Some(key) = skipping[queue_type as usize] else {
                continue;
            };
            let reaches = match apply_to {
                None | Some("all") | Some("queues") => true,
                Some(other) => other == queue_type.apply_to(),
            };
            if !reaches || !pattern::matches(&regex, name) {
                continue;
            }
            c.lint(
                Diagnostic::warning(
                    DiagnosticKind::PolicySkipsQueue,
                    format!(
                        "policy `{}` matches {} queue `{name}` but holds `{}`, which {} queues do not support: the broker applies none of the policy to it",
                        policy.name.value,
                        queue_type.as_str(),
                        key.value,
                        queue_type.as_str()
                    ),
                )
                .at(policy.file, key.at)
                .help("move the key to a policy with apply-to for the other queue types, or remove it"),
                &[&vhost.allow, &plain(&policy.spec.allow), &plain(&queue.spec.allow)],
            );
            break;
        }
    }
}

/// An `allow` entry that names no lint silences nothing: most likely a typo.
fn unknown_lint_codes(c: &mut Checker) {
    let env = c.env;
    let mut written: Vec<(FileId, &Located<String>)> = env
        .settings
        .allow_written
        .iter()
        .map(|(f, code)| (*f, code))
        .collect();
    for vhost in env.vhosts.values() {
        let entities = vhost
            .exchanges
            .values()
            .map(|e| (e.file, &e.spec.allow))
            .chain(vhost.queues.values().map(|q| (q.file, &q.spec.allow)))
            .chain(vhost.policies.values().map(|p| (p.file, &p.spec.allow)))
            .chain(
                vhost
                    .operator_policies
                    .values()
                    .map(|p| (p.file, &p.spec.allow)),
            );
        for (file, allow) in entities {
            written.extend(allow.iter().map(|code| (file, code)));
        }
    }
    for user in env.users.values() {
        written.extend(user.spec.allow.iter().map(|code| (user.file, code)));
    }
    for (file, code) in written {
        if !super::LINTS.iter().any(|(known, _)| *known == code.value) {
            let known: Vec<&str> = super::LINTS.iter().map(|(k, _)| *k).collect();
            c.push(
                Diagnostic::warning(
                    DiagnosticKind::UnknownLint,
                    format!("`{}` is not a lint code; it silences nothing", code.value),
                )
                .at(file, code.at)
                .help(format!("lint codes: {}", known.join(", "))),
            );
        }
    }
}
