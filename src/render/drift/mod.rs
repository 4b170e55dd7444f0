//! A [`DriftReport`](crate::plan::drift::DriftReport) as one [`DriftDocument`], rendered for
//! people (human, Markdown) and for machines (JSON, Prometheus textfile).

pub mod document;
pub mod human;
pub mod markdown;
pub mod prometheus;

use indexmap::IndexMap;
use serde_json::Value;

pub use document::DriftDocument;

use super::value::inline;
use crate::plan::drift::DriftState;
use document::Field;

/// One listed object as people read it.
pub(super) struct Listed<'a> {
    pub address: &'a str,
    /// Repairing it re-creates it (changed objects).
    pub replace: bool,
    /// Apply with --allow-destroy deletes it (unmanaged objects).
    pub pruned: bool,
    pub fields: &'a [Field],
}

/// The objects in `state`, in the document's order.
pub(super) fn listed(doc: &DriftDocument, state: DriftState) -> Vec<Listed<'_>> {
    match state {
        DriftState::Missing => doc
            .missing
            .iter()
            .map(|m| Listed {
                address: &m.address,
                replace: false,
                pruned: false,
                fields: &[],
            })
            .collect(),
        DriftState::Changed => doc
            .changed
            .iter()
            .map(|c| Listed {
                address: &c.address,
                replace: c.replace,
                pruned: false,
                fields: &c.fields,
            })
            .collect(),
        DriftState::Unmanaged => doc
            .unmanaged
            .iter()
            .map(|u| Listed {
                address: &u.address,
                replace: false,
                pruned: u.pruned,
                fields: &[],
            })
            .collect(),
    }
}

/// `1 queue`, `2 policies`: the kind names of `manage.kinds` for the plural.
fn counted(n: usize, kind: &str) -> String {
    if n == 1 {
        format!("1 {kind}")
    } else if let Some(stem) = kind.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {kind}s")
    }
}

/// `2 vhosts, 5 queues`, kinds in dependency order; None when all are zero.
fn per_kind(counts: &IndexMap<String, usize>) -> Option<String> {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| counted(*n, k))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `Drift: 1 missing, 2 changed, 0 unmanaged (3 out of scope not checked).` or `In sync. ...`
fn summary(doc: &DriftDocument) -> String {
    let out_of_scope = doc.counts.out_of_scope;
    if doc.in_sync {
        format!(
            "In sync. Environment {:?} matches the broker ({out_of_scope} out of scope not checked).",
            doc.environment
        )
    } else {
        let routes = match doc.failing_routes().len() {
            0 => String::new(),
            1 => ", 1 route assertion failing".to_string(),
            n => format!(", {n} route assertions failing"),
        };
        format!(
            "Drift: {} missing, {} changed, {} unmanaged{routes} ({out_of_scope} out of scope not checked).",
            doc.counts.missing, doc.counts.changed, doc.counts.unmanaged
        )
    }
}

/// The broker's and the declared value of a field, as shown to people.
fn sides(field: &Field) -> (String, String) {
    if field.sensitive {
        let hidden = "(sensitive)".to_string();
        return (hidden.clone(), hidden);
    }
    let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "(not set)".to_string(), inline);
    (show(&field.live), show(&field.declared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_the_kind_names() {
        assert_eq!(counted(1, "policy"), "1 policy");
        assert_eq!(counted(2, "operator_policy"), "2 operator_policies");
        assert_eq!(counted(0, "queue"), "0 queues");
    }

    #[test]
    fn sensitive_fields_show_no_value() {
        let field = Field {
            field: "password_hash".into(),
            live: Some(Value::from("SECRET")),
            declared: Some(Value::from("OTHER")),
            forces_replace: false,
            sensitive: true,
        };
        let (live, declared) = sides(&field);
        assert!(!live.contains("SECRET") && !declared.contains("OTHER"));
    }
}
