//! Checks an [`Environment`]: references, typed arguments, patterns, versions and lints.

pub mod arguments;
mod bound_keys;
mod dead_letter;
mod entities;
mod lints;
mod pattern;
pub(crate) mod queue_type;
mod references;
pub mod routes;
mod uri_credentials;
mod version;

use super::diagnostic::{Diagnostic, FileId, KindOf, Severity};
use super::environment::Environment;
use super::located::Position;

pub use crate::format::BrokerVersion;

#[derive(Clone, Debug, Default)]
pub struct ValidateOptions {
    /// Turns on checks for what this broker version accepts.
    pub broker_version: Option<BrokerVersion>,
    /// Skips the checks that can only warn: plan and apply print errors alone, and at
    /// 10,000 queues the warnings cost a tenth of loading.
    pub errors_only: bool,
}

/// Every lint code, with what it warns about; the README lists the same.
pub const LINTS: &[(&str, &str)] = &[
    (
        "ha-mirroring",
        "ha-* policy keys: classic mirroring is deprecated in 3.13 and removed in 4.0",
    ),
    (
        "obsolete-x-ha-policy",
        "the x-ha-policy queue argument is ignored by the broker",
    ),
    (
        "dead-letter-black-hole",
        "dead letters that no binding of the dead-letter exchange routes",
    ),
    (
        "overlapping-policies",
        "two policies of equal priority match the same queue or exchange",
    ),
    (
        "argument-as-policy",
        "queue arguments that a policy could set and later change",
    ),
    (
        "broad-configure",
        "a non-administrator may configure every resource (`.*`)",
    ),
    (
        "unknown-argument",
        "an x- argument or policy key RabbitMQ does not document",
    ),
    (
        "undeclared-exchange",
        "a dead-letter or alternate exchange the environment does not declare",
    ),
    (
        "unknown-exchange-type",
        "an exchange type that needs a plugin",
    ),
    (
        "user-without-password",
        "a user with neither password nor password_hash cannot log in with a password",
    ),
    (
        "policy-skips-queue",
        "a policy that matches a queue but holds a key its type does not support, so none of it applies",
    ),
    (
        "quorum-delivery-limit",
        "a quorum queue on 4.x without a delivery limit or dead-letter exchange: the broker drops a message after 20 redeliveries",
    ),
    (
        "deprecated-feature",
        "a feature the target RabbitMQ release deprecates or ignores (with --broker-version, or the live broker's)",
    ),
    (
        "default-user-with-definitions",
        "server.default_user is not created on a node that loads definitions at boot",
    ),
];

/// Collects diagnostics; lints are dropped where an `allow` list silences them.
pub(crate) struct Checker<'a> {
    pub env: &'a Environment,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    pub fn error(&mut self, kind: KindOf, file: FileId, at: Position, message: String) {
        self.problems
            .push(Diagnostic::error(kind, message).at(file, at));
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.problems.push(diagnostic);
    }

    /// A lint, unless the environment or one of `allowed` (the entity's own lists) silences it.
    pub fn lint(&mut self, diagnostic: Diagnostic, allowed: &[&[String]]) {
        let code = diagnostic.code();
        let silenced = self.env.settings.allow.iter().any(|c| c == code)
            || allowed.iter().any(|list| list.iter().any(|c| c == code));
        if !silenced {
            self.problems.push(diagnostic);
        }
    }
}

/// Runs every check; the result is ordered by file and position, errors and warnings mixed.
pub fn validate(env: &Environment, options: &ValidateOptions) -> Vec<Diagnostic> {
    let mut checker = Checker {
        env,
        problems: Vec::new(),
    };
    entities::check(&mut checker);
    queue_type::check(&mut checker);
    references::check(&mut checker);
    if !options.errors_only {
        lints::check(&mut checker);
        dead_letter::check(&mut checker);
    }
    uri_credentials::check(&mut checker);
    routes::check(&mut checker);
    if let Some(version) = options.broker_version {
        version::check(&mut checker, version);
    }
    for problem in super::server::check(env) {
        if problem.is_error() {
            checker.push(problem);
        } else if !options.errors_only {
            checker.lint(problem, &[]);
        }
    }
    let mut problems = checker.problems;
    problems.sort_by_key(|p| {
        let place = p.location.map(|l| (l.file, l.at.line, l.at.column));
        (place, p.severity != Severity::Error)
    });
    problems
}

/// Only the checks that depend on the broker version, for when the version becomes known.
pub fn validate_for_version(env: &Environment, version: BrokerVersion) -> Vec<Diagnostic> {
    let mut checker = Checker {
        env,
        problems: Vec::new(),
    };
    version::check(&mut checker, version);
    checker.problems
}

/// Allowed-lint lists are written as `Located<String>`; compare them as plain strings.
pub(crate) fn plain(list: &[super::located::Located<String>]) -> Vec<String> {
    list.iter().map(|c| c.value.clone()).collect()
}
