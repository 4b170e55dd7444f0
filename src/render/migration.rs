//! A migration in one phrase, shared by the human, JSON and Markdown plans:
//! `x-queue-type classic -> quorum; 1,204 messages will be moved, not dropped`.

use serde_json::Value;

use super::markdown::thousands;
use crate::plan::{Action, Change, MessageCount};

/// What forces the re-create, and what happens to the messages; None for other changes.
pub fn summary(change: &Change) -> Option<String> {
    if change.action != Action::Migrate {
        return None;
    }
    let migration = change.migration.as_ref()?;
    let mut forcing: Vec<_> = change.fields.iter().filter(|f| f.forces_replace).collect();
    // The type first: it is what a migration is usually for.
    forcing.sort_by_key(|f| f.field != "arguments.x-queue-type");
    let mut parts: Vec<String> = forcing
        .into_iter()
        .map(|f| {
            let show = |v: &Option<Value>| {
                v.as_ref().map_or("(none)".to_string(), |v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            };
            let field = f.field.strip_prefix("arguments.").unwrap_or(&f.field);
            format!("{field} {} -> {}", show(&f.before), show(&f.after))
        })
        .collect();
    let count = |m: Option<MessageCount>| match m {
        Some(MessageCount::Known(n)) => {
            format!("{} message{}", thousands(n), if n == 1 { "" } else { "s" })
        }
        _ => "its messages".to_string(),
    };
    if migration.resumed {
        parts.push(format!(
            "resuming a migration an earlier apply left: {} wait in {:?}",
            count(migration.waiting),
            migration.temporary
        ));
    }
    parts.push(format!(
        "{} will be moved, not dropped",
        count(change.messages)
    ));
    Some(parts.join("; "))
}
