//! Checks of each entity on its own: names, typed arguments, patterns, secrets, limits.

use crate::config::diagnostic::DiagnosticKind;
use indexmap::IndexMap;
use serde_json::Value;

use super::arguments::{self, ArgType};
use super::{pattern, plain, Checker};
use crate::config::diagnostic::{Diagnostic, FileId};
use crate::config::located::Located;
use crate::config::schema::{PolicySpec, SecretSource, UserSpec};

const MAX_NAME_BYTES: usize = 255;
const BUILTIN_EXCHANGE_TYPES: &[&str] = &["direct", "fanout", "topic", "headers"];
const PLUGIN_EXCHANGE_TYPES: &[&str] = &[
    "x-delayed-message",
    "x-consistent-hash",
    "x-modulus-hash",
    "x-random",
    "x-recent-history",
    "x-jms-topic",
    "x-local-random",
];
const APPLY_TO: &[&str] = &[
    "queues",
    "exchanges",
    "all",
    "classic_queues",
    "quorum_queues",
    "streams",
];
const HASHING: &[&str] = &[
    "rabbit_password_hashing_sha256",
    "rabbit_password_hashing_sha512",
    "rabbit_password_hashing_md5",
];
const PARAMETER_COMPONENTS: &[&str] = &["shovel", "federation-upstream", "federation-upstream-set"];

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    for vhost in env.vhosts.values() {
        name(c, "vhost", vhost.file, &vhost.name);
        if let Some(limits) = &vhost.limits {
            for limit in [&limits.max_connections, &limits.max_queues]
                .into_iter()
                .flatten()
            {
                limit_value(c, vhost.file, limit);
            }
        }
        for exchange in vhost.exchanges.values() {
            let allowed = [&vhost.allow[..], &plain(&exchange.spec.allow)[..]].concat();
            name(c, "exchange", exchange.file, &exchange.name);
            reserved(c, "exchange", exchange.file, &exchange.name);
            exchange_type(c, exchange.file, &exchange.spec.kind, &allowed);
            typed_arguments(
                c,
                exchange.file,
                &exchange.spec.arguments,
                arguments::exchange_argument,
                &allowed,
            );
        }
        for queue in vhost.queues.values() {
            let allowed = [&vhost.allow[..], &plain(&queue.spec.allow)[..]].concat();
            name(c, "queue", queue.file, &queue.name);
            reserved(c, "queue", queue.file, &queue.name);
            typed_arguments(
                c,
                queue.file,
                &queue.spec.arguments,
                arguments::queue_argument,
                &allowed,
            );
        }
        for (policies, operator) in [(&vhost.policies, false), (&vhost.operator_policies, true)] {
            for policy in policies.values() {
                let allowed = [&vhost.allow[..], &plain(&policy.spec.allow)[..]].concat();
                name(c, "policy", policy.file, &policy.name);
                policy_checks(c, policy.file, &policy.spec, operator, &allowed);
            }
        }
        for parameter in vhost.parameters.values() {
            let component = &parameter.spec.component;
            if !PARAMETER_COMPONENTS.contains(&component.value.as_str()) {
                c.lint(
                    Diagnostic::warning(
                        DiagnosticKind::UnknownArgument,
                        format!(
                            "parameter component `{}` is not one warren knows ({})",
                            component.value,
                            PARAMETER_COMPONENTS.join(", ")
                        ),
                    )
                    .at(parameter.file, component.at),
                    &[&vhost.allow],
                );
            }
            // An upstream set is a list of `{ upstream: NAME }`; every other component a mapping.
            let value = &parameter.spec.value.value;
            let (fits, shape) = if component.value == "federation-upstream-set" {
                (value.is_array(), "a list of { upstream: NAME }")
            } else {
                (value.is_object(), "a mapping")
            };
            if !fits {
                c.error(
                    DiagnosticKind::InvalidArgument,
                    parameter.file,
                    parameter.spec.value.at,
                    format!(
                        "the value of {} parameter `{}` must be {shape}",
                        component.value, parameter.name.value
                    ),
                );
            }
        }
    }
    for user in env.users.values() {
        name(c, "user", user.file, &user.name);
        user_checks(c, user.file, &user.name, &user.spec);
    }
    if let Some(ignore) = &env.settings.ignore {
        for (_, patterns) in ignore.spec.by_kind() {
            for regex in patterns {
                if let Err(reason) = pattern::compile(&regex.value) {
                    c.error(
                        DiagnosticKind::InvalidRegex,
                        ignore.file,
                        regex.at,
                        format!(
                            "ignore pattern `{}` does not compile: {reason}",
                            regex.value
                        ),
                    );
                }
            }
        }
    }
    if let Some(broker) = &env.settings.broker {
        if let Some(SecretSource::Literal(literal)) = &broker.spec.password {
            let user = broker.spec.user.clone().unwrap_or_default();
            literal_secret(c, broker.file, &user, literal);
        }
    }
}

fn name(c: &mut Checker, kind: &str, file: FileId, name: &Located<String>) {
    if name.value.len() > MAX_NAME_BYTES {
        c.error(
            DiagnosticKind::NameTooLong,
            file,
            name.at,
            format!(
                "{kind} name is {} bytes long; RabbitMQ allows at most {MAX_NAME_BYTES}",
                name.value.len()
            ),
        );
    }
    if name.value.is_empty() {
        c.error(
            DiagnosticKind::InvalidName,
            file,
            name.at,
            format!("{kind} name is empty"),
        );
    }
}

/// The broker refuses to declare `amq.`-prefixed queues and exchanges.
fn reserved(c: &mut Checker, kind: &str, file: FileId, name: &Located<String>) {
    if name.value.starts_with("amq.") {
        c.push(
            Diagnostic::error(
                DiagnosticKind::ReservedName,
                format!(
                    "{kind} `{}` uses the reserved prefix `amq.`; the broker refuses to declare it",
                    name.value
                ),
            )
            .at(file, name.at)
            .help("built-in amq.* exchanges are known without being declared"),
        );
    }
}

fn limit_value(c: &mut Checker, file: FileId, limit: &Located<i64>) {
    if limit.value < -1 {
        c.error(
            DiagnosticKind::InvalidArgument,
            file,
            limit.at,
            format!(
                "a limit must be -1 (unlimited) or a non-negative integer, got {}",
                limit.value
            ),
        );
    }
}

fn exchange_type(c: &mut Checker, file: FileId, kind: &Located<String>, allowed: &[String]) {
    let k = kind.value.as_str();
    if BUILTIN_EXCHANGE_TYPES.contains(&k) {
        return;
    }
    if k.starts_with("x-") {
        if !PLUGIN_EXCHANGE_TYPES.contains(&k) {
            c.lint(
                Diagnostic::warning(
                    DiagnosticKind::UnknownExchangeType,
                    format!("exchange type `{k}` needs a plugin that provides it"),
                )
                .at(file, kind.at),
                &[allowed],
            );
        }
        return;
    }
    c.push(
        Diagnostic::error(
            DiagnosticKind::InvalidArgument,
            format!("`{k}` is not an exchange type"),
        )
        .at(file, kind.at)
        .help("direct, fanout, topic, headers, or a plugin type starting with x-"),
    );
}

/// Documented keys are type-checked; unknown `x-` keys warn since plugins add their own.
fn typed_arguments(
    c: &mut Checker,
    file: FileId,
    args: &IndexMap<Located<String>, Located<Value>>,
    lookup: fn(&str) -> Option<ArgType>,
    allowed: &[String],
) {
    for (key, value) in args {
        match lookup(&key.value) {
            Some(kind) => {
                if let Err(reason) = arguments::check(kind, &value.value) {
                    c.error(
                        DiagnosticKind::InvalidArgument,
                        file,
                        value.at,
                        format!("`{}`: {reason}", key.value),
                    );
                }
            }
            None => c.lint(
                Diagnostic::warning(
                    DiagnosticKind::UnknownArgument,
                    format!(
                        "`{}` is not an argument RabbitMQ documents; the broker keeps it as given",
                        key.value
                    ),
                )
                .at(file, key.at),
                &[allowed],
            ),
        }
    }
}

fn policy_checks(
    c: &mut Checker,
    file: FileId,
    spec: &PolicySpec,
    operator: bool,
    allowed: &[String],
) {
    if let Err(reason) = pattern::compile(&spec.pattern.value) {
        c.error(
            DiagnosticKind::InvalidRegex,
            file,
            spec.pattern.at,
            format!(
                "pattern `{}` does not compile: {reason}",
                spec.pattern.value
            ),
        );
    }
    if let Some(apply_to) = &spec.apply_to {
        if !APPLY_TO.contains(&apply_to.value.as_str()) {
            c.error(
                DiagnosticKind::InvalidArgument,
                file,
                apply_to.at,
                format!(
                    "apply-to `{}` is not one of {}",
                    apply_to.value,
                    APPLY_TO.join(", ")
                ),
            );
        }
    }
    if spec.definition.is_empty() {
        c.error(
            DiagnosticKind::InvalidArgument,
            file,
            spec.definition.at,
            "a policy definition must set at least one key".to_string(),
        );
    }
    for (key, value) in spec.definition.iter() {
        match arguments::policy_key(&key.value, operator) {
            Some(kind) => {
                if let Err(reason) = arguments::check(kind, &value.value) {
                    c.error(
                        DiagnosticKind::InvalidArgument,
                        file,
                        value.at,
                        format!("`{}`: {reason}", key.value),
                    );
                }
            }
            None if operator => c.error(
                DiagnosticKind::InvalidArgument,
                file,
                key.at,
                format!("operator policies cannot set `{}`", key.value),
            ),
            None => c.lint(
                Diagnostic::warning(
                    DiagnosticKind::UnknownArgument,
                    format!(
                        "`{}` is not a policy key RabbitMQ documents; the broker refuses keys no plugin validates",
                        key.value
                    ),
                )
                .at(file, key.at),
                &[allowed],
            ),
        }
    }
    ha_params(c, file, spec);
}

/// ha-mode exactly needs an integer ha-params, nodes a list of node names, all none.
fn ha_params(c: &mut Checker, file: FileId, spec: &PolicySpec) {
    let get = |k: &str| spec.definition.iter().find(|(key, _)| key.value == k);
    let Some((_, mode)) = get("ha-mode") else {
        return;
    };
    let params = get("ha-params");
    let problem = match (mode.value.as_str(), params) {
        (Some("exactly"), Some((_, p))) if p.value.as_i64().is_none_or(|n| n < 1) => Some((
            p.at,
            "ha-mode exactly needs ha-params to be a positive integer",
        )),
        (Some("nodes"), Some((_, p))) if !p.value.is_array() => Some((
            p.at,
            "ha-mode nodes needs ha-params to be a list of node names",
        )),
        (Some("exactly" | "nodes"), None) => Some((mode.at, "this ha-mode needs ha-params")),
        (Some("all"), Some((_, p))) => Some((p.at, "ha-mode all takes no ha-params")),
        _ => None,
    };
    if let Some((at, message)) = problem {
        c.error(
            DiagnosticKind::InvalidArgument,
            file,
            at,
            message.to_string(),
        );
    }
}

fn user_checks(c: &mut Checker, file: FileId, name: &Located<String>, spec: &UserSpec) {
    let allowed = plain(&spec.allow);
    if spec.password.is_some() && spec.password_hash.is_some() {
        c.error(
            DiagnosticKind::ConflictingPassword,
            file,
            name.at,
            format!("user `{}` sets both password and password_hash", name.value),
        );
    }
    if spec.password.is_none() && spec.password_hash.is_none() {
        c.lint(
            Diagnostic::warning(
                DiagnosticKind::UserWithoutPassword,
                format!(
                    "user `{}` has no password: it can only authenticate by other means (e.g. x509)",
                    name.value
                ),
            )
            .at(file, name.at),
            &[&allowed],
        );
    }
    if let Some(SecretSource::Literal(literal)) = &spec.password {
        literal_secret(c, file, name, literal);
    }
    if let Some(hash) = &spec.password_hash {
        password_hash(
            c,
            file,
            hash,
            spec.hashing_algorithm.as_ref().map(|a| a.value.as_str()),
        );
    }
    if let Some(algorithm) = &spec.hashing_algorithm {
        if !HASHING.contains(&algorithm.value.as_str()) {
            c.error(
                DiagnosticKind::InvalidArgument,
                file,
                algorithm.at,
                format!(
                    "hashing_algorithm `{}` is not one of {}",
                    algorithm.value,
                    HASHING.join(", ")
                ),
            );
        }
    }
    if let Some(limits) = &spec.limits {
        for limit in [&limits.max_connections, &limits.max_channels]
            .into_iter()
            .flatten()
        {
            limit_value(c, file, limit);
        }
    }
    for permission in spec.permissions.values() {
        for regex in [&permission.configure, &permission.write, &permission.read]
            .into_iter()
            .flatten()
        {
            regex_check(c, file, regex);
        }
    }
    for exchanges in spec.topic_permissions.values() {
        for permission in exchanges.values() {
            for regex in [&permission.write, &permission.read].into_iter().flatten() {
                regex_check(c, file, regex);
            }
        }
    }
}

/// A literal password is allowed only as guest/guest in a `local` environment.
pub(super) fn literal_secret(
    c: &mut Checker,
    file: FileId,
    user: &Located<String>,
    literal: &Located<String>,
) {
    let guest = user.value == "guest" && literal.value == "guest";
    if !(guest && c.env.settings.local) {
        c.push(
            Diagnostic::error(
                DiagnosticKind::SecretLiteral,
                format!(
                    "the password of `{}` is written in the file; secrets must not be committed",
                    user.value
                ),
            )
            .at(file, literal.at)
            .help("use `{ env: NAME }`, `{ file: PATH }` or a pre-computed password_hash"),
        );
    }
}

fn regex_check(c: &mut Checker, file: FileId, regex: &Located<String>) {
    if let Err(reason) = pattern::compile(&regex.value) {
        c.error(
            DiagnosticKind::InvalidRegex,
            file,
            regex.at,
            format!("`{}` does not compile: {reason}", regex.value),
        );
    }
}

/// A hash as the broker stores it: base64 of a 4-byte salt and the digest.
fn password_hash(c: &mut Checker, file: FileId, hash: &Located<String>, algorithm: Option<&str>) {
    use base64::Engine;
    if hash.value.is_empty() {
        return;
    }
    let digest_len = match algorithm.unwrap_or("rabbit_password_hashing_sha256") {
        "rabbit_password_hashing_sha512" => 64,
        "rabbit_password_hashing_md5" => 16,
        _ => 32,
    };
    match base64::engine::general_purpose::STANDARD.decode(&hash.value) {
        Ok(bytes) if bytes.len() == 4 + digest_len => {}
        Ok(bytes) => c.error(
            DiagnosticKind::InvalidArgument,
            file,
            hash.at,
            format!(
                "password_hash decodes to {} bytes; a salted hash for this algorithm has {}",
                bytes.len(),
                4 + digest_len
            ),
        ),
        Err(_) => c.error(
            DiagnosticKind::InvalidArgument,
            file,
            hash.at,
            "password_hash is not base64; the broker refuses it (not_base64)".to_string(),
        ),
    }
}
