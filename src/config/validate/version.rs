//! Checks that depend on the broker's release (`--broker-version X.Y`, or the live broker's
//! version at plan time): policy keys, apply-to values, operator-policy keys, deprecations.

use super::{plain, queue_type, Checker};
use crate::config::diagnostic::Diagnostic;
use crate::config::diagnostic::DiagnosticKind;
use crate::config::environment::Declared;
use crate::config::schema::PolicySpec;
use crate::format::deprecations::Deprecated;
use crate::format::policy_keys::{accepts_operator_key, accepts_policy_key, policy_key_since};
use crate::format::BrokerVersion;

const QUEUE_TYPE_APPLY_TO: [&str; 3] = ["classic_queues", "quorum_queues", "streams"];

pub(super) fn check(checker: &mut Checker, version: BrokerVersion) {
    let env = checker.env;
    for vhost in env.vhosts.values() {
        let all = vhost
            .policies
            .values()
            .map(|p| (p, false))
            .chain(vhost.operator_policies.values().map(|p| (p, true)));
        for (policy, operator) in all {
            let allowed = [&vhost.allow[..], &plain(&policy.spec.allow)[..]].concat();
            apply_to(checker, policy, version);
            for (key, value) in policy.spec.definition.iter() {
                policy_key(
                    checker, policy, &key.value, key.at, operator, version, &allowed,
                );
                let negative = value.value.as_i64().is_some_and(|n| n < 0);
                if key.value == "delivery-limit" && negative && !version.at_least(4, 0, 0) {
                    checker.push(
                        Diagnostic::error(
                            DiagnosticKind::UnsupportedByVersion,
                            format!(
                                "a negative delivery-limit (no limit) needs RabbitMQ 4.0 or later; the broker is {version} and refuses it"
                            ),
                        )
                        .at(policy.file, value.at)
                        .help("leave delivery-limit out for no limit on 3.x"),
                    );
                }
            }
        }
    }
    queue_type::check_version(checker, version);
}

fn apply_to(checker: &mut Checker, policy: &Declared<PolicySpec>, version: BrokerVersion) {
    let Some(apply_to) = &policy.spec.apply_to else {
        return;
    };
    if QUEUE_TYPE_APPLY_TO.contains(&apply_to.value.as_str()) && !version.at_least(3, 12, 0) {
        checker.push(
            Diagnostic::error(
                DiagnosticKind::UnsupportedByVersion,
                format!(
                    "apply-to `{}` needs RabbitMQ 3.12 or later; the broker is {version}",
                    apply_to.value
                ),
            )
            .at(policy.file, apply_to.at)
            .help("use `queues` on this broker"),
        );
    }
}

fn policy_key(
    checker: &mut Checker,
    policy: &Declared<PolicySpec>,
    key: &str,
    at: crate::config::located::Position,
    operator: bool,
    version: BrokerVersion,
    allowed: &[String],
) {
    let feature = Deprecated::of_key(key);
    if feature == Some(Deprecated::ClassicMirroring) {
        // Before 4.0 the `ha-mirroring` lint already says it; from 4.0 it is refused.
        if version.at_least(4, 0, 0) {
            checker.push(
                Diagnostic::error(
                    DiagnosticKind::UnsupportedByVersion,
                    format!(
                        "`{key}`: classic queue mirroring was removed in RabbitMQ 4.0; the broker is {version} and refuses the policy"
                    ),
                )
                .at(policy.file, at)
                .help("declare the mirrored queues with `type: quorum` and remove the ha-* keys (see the README's move to quorum queues)"),
            );
        }
        return;
    }
    let refused = if operator {
        crate::format::policy_keys::operator_key_anywhere(key)
            && !accepts_operator_key(key, version)
    } else {
        !accepts_policy_key(key, version)
    };
    if refused {
        let since = policy_key_since(key)
            .map(|v| format!("needs RabbitMQ {v} or later"))
            .unwrap_or_else(|| "is not accepted".to_string());
        let kind = if operator {
            "an operator policy"
        } else {
            "a policy"
        };
        checker.push(
            Diagnostic::error(
                DiagnosticKind::UnsupportedByVersion,
                format!("`{key}` in {kind} {since}; the broker is {version} and refuses it"),
            )
            .at(policy.file, at),
        );
        return;
    }
    if let Some(feature) = feature {
        queue_type::deprecated(checker, version, feature, policy.file, at, allowed);
    }
}
