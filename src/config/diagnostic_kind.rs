//! What a diagnostic is about: its stable code and its message come from one variant.

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
            RefusedImportValue(_) => "refused-import-value",
            ConflictingDuplicate(_) => "conflicting-duplicate",
        }
    }

    pub fn message(&self) -> &str {
        use DiagnosticKind::*;
        match self {
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
            | ConflictingDuplicate(m) => m,
        }
    }

    fn message_mut(&mut self) -> &mut String {
        use DiagnosticKind::*;
        match self {
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
            | ConflictingDuplicate(m) => m,
        }
    }

    /// The kind with its message cut to `cut`'s liking.
    pub(super) fn map_message(mut self, cut: impl FnOnce(String) -> String) -> Self {
        let message = self.message_mut();
        *message = cut(std::mem::take(message));
        self
    }
}
