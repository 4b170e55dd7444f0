//! The errors a command can end with, and the outcomes that map to exit codes.

use miette::Diagnostic;
use thiserror::Error;

/// How a command that did not fail ended; `main` maps it to the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: success, nothing to do, or valid.
    Success,
    /// Exit 1 without a further message: the command already reported its problems.
    Failed,
    /// Exit 2: changes present or drift found.
    Changes,
    /// Exit 3: apply partly done.
    Partial,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failed => 1,
            Outcome::Changes => 2,
            Outcome::Partial => 3,
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error("environment `{reference}` not found (looked for a folder at that path and under {environments_dir})")]
    #[diagnostic(
        code(warren::environment_not_found),
        help("pass a folder path, or a name under --environments-dir")
    )]
    EnvironmentNotFound {
        reference: String,
        environments_dir: String,
    },

    #[error("{what}: {source}")]
    #[diagnostic(code(warren::io))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    #[diagnostic(code(warren::usage))]
    Usage(String),

    #[error(transparent)]
    #[diagnostic(code(warren::usage))]
    UnsafeConfValue(#[from] crate::ops::rabbitmq_conf::UnsafeConfValue),

    #[error(transparent)]
    #[diagnostic(code(warren::broker))]
    Broker(#[from] crate::broker::BrokerError),

    #[error("environment `{name}` has {count} error{}; run `{command}`", if *count == 1 { "" } else { "s" })]
    #[diagnostic(code(warren::invalid_environment))]
    InvalidEnvironment {
        name: String,
        count: usize,
        /// The validate command that reports the same errors.
        command: String,
    },

    #[error("{0}")]
    #[diagnostic(code(warren::refused))]
    Refused(String),

    #[error(transparent)]
    #[diagnostic(code(warren::refused))]
    Lock(#[from] crate::apply::error::LockError),

    #[error(transparent)]
    #[diagnostic(code(warren::refused))]
    Apply(#[from] crate::apply::error::ApplyError),

    #[error(transparent)]
    #[diagnostic(code(warren::route))]
    Route(#[from] crate::route::RouteError),
}
