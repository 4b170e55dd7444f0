//! Why a change is planned when the environment files do not say so directly.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::ResourceId;

/// For display only; apply never reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// A binding the broker drops with the exchange or queue being replaced; `declared` when
    /// the environment declares it, otherwise it is put back as it was found.
    DroppedWithReplaced {
        replaced: ResourceId,
        declared: bool,
    },
    /// An earlier apply stopped part-way through a migration; its messages wait in `temporary`.
    MigrationResumed { temporary: String },
    /// A queue's binding that the temporary queue kept during the migration.
    KeptByTemporaryQueue { temporary: String },
}

impl Reason {
    /// A stable name for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::DroppedWithReplaced { .. } => "dropped_with_replaced",
            Reason::MigrationResumed { .. } => "migration_resumed",
            Reason::KeptByTemporaryQueue { .. } => "kept_by_temporary_queue",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::DroppedWithReplaced { replaced, declared } => {
                let how = if *declared {
                    "re-created"
                } else {
                    "re-created as found"
                };
                write!(f, "{how}: the broker drops it with the replaced {replaced}")
            }
            Reason::MigrationResumed { temporary } => write!(
                f,
                "an earlier apply stopped part-way; its messages wait in {temporary:?}"
            ),
            Reason::KeptByTemporaryQueue { temporary } => write!(
                f,
                "re-created from the temporary queue {temporary:?}, which kept it during the migration"
            ),
        }
    }
}
