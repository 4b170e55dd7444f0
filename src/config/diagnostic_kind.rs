//! What a diagnostic is about: its stable code and its message come from one variant.

use std::borrow::Cow;

/// One kind per stable code (`unknown-reference`, the lint `ha-mirroring`, ...); each
/// carries its message. A variant's constructor is what [`super::Diagnostic::error`] takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiagnosticKind {
    ArgumentAsPolicy(String),
    BroadConfigure(String),
    ConflictingPassword(String),
    DeadLetterBlackHole(String),
    DefaultUserWithDefinitions(String),
    DeprecatedFeature(String),
    DuplicateEntity(String),
    DuplicateKey(String),
    DuplicateSetting(String),
    EnvironmentNotFound(String),
    ExtendsCycle(String),
    ExtendsNotFound(String),
    HaMirroring(String),
    InvalidArgument(String),
    InvalidName(String),
    InvalidReference(String),
    InvalidRegex(String),
    InvalidSetting(String),
    InvalidYaml(String),
    MissingSecret(String),
    NameTooLong(String),
    ObsoleteXHaPolicy(String),
    OverlappingPolicies(String),
    PolicySkipsQueue(String),
    QuorumDeliveryLimit(String),
    ReservedName(String),
    RouteMismatch(String),
    RouteUnchecked(String),
    SecretLiteral(String),
    UndeclaredExchange(String),
    UnknownArgument(String),
    UnknownExchangeType(String),
    UnknownField(String),
    UnknownLint(String),
    UnknownReference(String),
    UnknownVariable(String),
    UnreadFile(String),
    UnsupportedByVersion(String),
    UserWithoutPassword(String),
    /// `what` names a vhost the environment does not declare (code `unknown-reference`).
    UnknownVhost {
        what: String,
        vhost: String,
    },
    /// A parameter named by another one, not declared in its vhost (`unknown-reference`).
    UnknownParameter {
        component: String,
        name: String,
        vhost: String,
    },
    /// A value of a definitions document that RabbitMQ refuses to import.
    RefusedImportValue(String),
    /// An object a definitions document declares twice, differently.
    ConflictingDuplicate(String),
}

impl DiagnosticKind {
    /// The stable code shown in brackets, matched by `lints: allow`.
    pub fn code(&self) -> &'static str {
        use DiagnosticKind::*;
        match self {
            ArgumentAsPolicy(_) => "argument-as-policy",
            BroadConfigure(_) => "broad-configure",
            ConflictingPassword(_) => "conflicting-password",
            DeadLetterBlackHole(_) => "dead-letter-black-hole",
            DefaultUserWithDefinitions(_) => "default-user-with-definitions",
            DeprecatedFeature(_) => "deprecated-feature",
            DuplicateEntity(_) => "duplicate-entity",
            DuplicateKey(_) => "duplicate-key",
            DuplicateSetting(_) => "duplicate-setting",
            EnvironmentNotFound(_) => "environment-not-found",
            ExtendsCycle(_) => "extends-cycle",
            ExtendsNotFound(_) => "extends-not-found",
            HaMirroring(_) => "ha-mirroring",
            InvalidArgument(_) => "invalid-argument",
            InvalidName(_) => "invalid-name",
            InvalidReference(_) => "invalid-reference",
            InvalidRegex(_) => "invalid-regex",
            InvalidSetting(_) => "invalid-setting",
            InvalidYaml(_) => "invalid-yaml",
            MissingSecret(_) => "missing-secret",
            NameTooLong(_) => "name-too-long",
            ObsoleteXHaPolicy(_) => "obsolete-x-ha-policy",
            OverlappingPolicies(_) => "overlapping-policies",
            PolicySkipsQueue(_) => "policy-skips-queue",
            QuorumDeliveryLimit(_) => "quorum-delivery-limit",
            ReservedName(_) => "reserved-name",
            RouteMismatch(_) => "route-mismatch",
            RouteUnchecked(_) => "route-unchecked",
            SecretLiteral(_) => "secret-literal",
            UndeclaredExchange(_) => "undeclared-exchange",
            UnknownArgument(_) => "unknown-argument",
            UnknownExchangeType(_) => "unknown-exchange-type",
            UnknownField(_) => "unknown-field",
            UnknownLint(_) => "unknown-lint",
            UnknownReference(_) => "unknown-reference",
            UnknownVariable(_) => "unknown-variable",
            UnreadFile(_) => "unread-file",
            UnsupportedByVersion(_) => "unsupported-by-version",
            UserWithoutPassword(_) => "user-without-password",
            UnknownVhost { .. } | UnknownParameter { .. } => "unknown-reference",
            RefusedImportValue(_) => "refused-import-value",
            ConflictingDuplicate(_) => "conflicting-duplicate",
        }
    }

    /// The message; a structured kind's is made from its fields and cut like the others.
    pub fn message(&self) -> Cow<'_, str> {
        use DiagnosticKind::*;
        match self {
            UnknownVhost { what, vhost } => Cow::Owned(super::diagnostic::readable(format!(
                "{what} vhost `{vhost}` is not declared in this environment"
            ))),
            UnknownParameter {
                component,
                name,
                vhost,
            } => Cow::Owned(super::diagnostic::readable(format!(
                "{component} `{name}` is not declared under `parameters: {component}:` in vhost `{vhost}`"
            ))),
            ArgumentAsPolicy(m) | BroadConfigure(m) | ConflictingPassword(m) | DeadLetterBlackHole(m) | DefaultUserWithDefinitions(m) | DeprecatedFeature(m) | DuplicateEntity(m) | DuplicateKey(m) | DuplicateSetting(m) | EnvironmentNotFound(m) | ExtendsCycle(m) | ExtendsNotFound(m) | HaMirroring(m) | InvalidArgument(m) | InvalidName(m) | InvalidReference(m) | InvalidRegex(m) | InvalidSetting(m) | InvalidYaml(m) | MissingSecret(m) | NameTooLong(m) | ObsoleteXHaPolicy(m) | OverlappingPolicies(m) | PolicySkipsQueue(m) | QuorumDeliveryLimit(m) | ReservedName(m) | RouteMismatch(m) | RouteUnchecked(m) | SecretLiteral(m) | UndeclaredExchange(m) | UnknownArgument(m) | UnknownExchangeType(m) | UnknownField(m) | UnknownLint(m) | UnknownReference(m) | UnknownVariable(m) | UnreadFile(m) | UnsupportedByVersion(m) | UserWithoutPassword(m) | RefusedImportValue(m) | ConflictingDuplicate(m) => Cow::Borrowed(m),
        }
    }

    /// Whether the kind names something the environment does not declare.
    pub fn is_unknown_reference(&self) -> bool {
        use DiagnosticKind::*;
        matches!(
            self,
            UnknownReference(_) | UnknownVhost { .. } | UnknownParameter { .. }
        )
    }

    /// The text a kind carries; None for a kind whose message is made from its fields.
    fn text_mut(&mut self) -> Option<&mut String> {
        use DiagnosticKind::*;
        match self {
            UnknownVhost { .. } | UnknownParameter { .. } => None,
            ArgumentAsPolicy(m)
            | BroadConfigure(m)
            | ConflictingPassword(m)
            | DeadLetterBlackHole(m)
            | DefaultUserWithDefinitions(m)
            | DeprecatedFeature(m)
            | DuplicateEntity(m)
            | DuplicateKey(m)
            | DuplicateSetting(m)
            | EnvironmentNotFound(m)
            | ExtendsCycle(m)
            | ExtendsNotFound(m)
            | HaMirroring(m)
            | InvalidArgument(m)
            | InvalidName(m)
            | InvalidReference(m)
            | InvalidRegex(m)
            | InvalidSetting(m)
            | InvalidYaml(m)
            | MissingSecret(m)
            | NameTooLong(m)
            | ObsoleteXHaPolicy(m)
            | OverlappingPolicies(m)
            | PolicySkipsQueue(m)
            | QuorumDeliveryLimit(m)
            | ReservedName(m)
            | RouteMismatch(m)
            | RouteUnchecked(m)
            | SecretLiteral(m)
            | UndeclaredExchange(m)
            | UnknownArgument(m)
            | UnknownExchangeType(m)
            | UnknownField(m)
            | UnknownLint(m)
            | UnknownReference(m)
            | UnknownVariable(m)
            | UnreadFile(m)
            | UnsupportedByVersion(m)
            | UserWithoutPassword(m)
            | RefusedImportValue(m)
            | ConflictingDuplicate(m) => Some(m),
        }
    }

    /// The kind with its message cut to `cut`'s liking.
    pub(super) fn map_message(mut self, cut: impl FnOnce(String) -> String) -> Self {
        if let Some(text) = self.text_mut() {
            *text = cut(std::mem::take(text));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_structured_kind_makes_its_code_and_message_from_its_fields() {
        let kind = DiagnosticKind::UnknownVhost {
            what: "permission of `app`:".into(),
            vhost: "stagin".into(),
        };
        assert_eq!(kind.code(), "unknown-reference");
        assert_eq!(
            kind.message(),
            "permission of `app`: vhost `stagin` is not declared in this environment"
        );
        assert!(kind.is_unknown_reference());
        let lint = DiagnosticKind::HaMirroring("ha-mode is deprecated".into());
        assert_eq!(
            (lint.code(), lint.message()),
            ("ha-mirroring", "ha-mode is deprecated".into())
        );
        assert!(!lint.is_unknown_reference());
    }
}
