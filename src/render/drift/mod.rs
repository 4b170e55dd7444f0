//! A [`DriftReport`](crate::plan::drift::DriftReport) for people (human, Markdown) and for
//! machines (JSON, Prometheus textfile).

pub mod human;
pub mod json;
pub mod markdown;
pub mod prometheus;

use std::collections::BTreeMap;

use serde_json::Value;

use super::value::inline;
use crate::plan::drift::{kinds, DriftReport};
use crate::plan::FieldDiff;

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
fn per_kind(counts: &BTreeMap<&'static str, usize>) -> Option<String> {
    let parts: Vec<String> = kinds()
        .filter_map(|k| counts.get(k).filter(|n| **n > 0).map(|n| counted(*n, k)))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `Drift: 1 missing, 2 changed, 0 unmanaged (3 out of scope not checked).` or `In sync. ...`
fn summary(report: &DriftReport) -> String {
    let out_of_scope = report.out_of_scope_total();
    if report.in_sync() {
        format!(
            "In sync. Environment {:?} matches the broker ({out_of_scope} out of scope not checked).",
            report.environment
        )
    } else {
        let routes = match report.routes.len() {
            0 => String::new(),
            1 => ", 1 route assertion failing".to_string(),
            n => format!(", {n} route assertions failing"),
        };
        format!(
            "Drift: {} missing, {} changed, {} unmanaged{routes} ({out_of_scope} out of scope not checked).",
            report.missing.len(),
            report.changed.len(),
            report.unmanaged.len()
        )
    }
}

/// The broker's and the declared value of a field, as shown to people.
fn sides(field: &FieldDiff) -> (String, String) {
    if field.sensitive {
        let hidden = "(sensitive)".to_string();
        return (hidden.clone(), hidden);
    }
    let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "(not set)".to_string(), inline);
    (show(&field.before), show(&field.after))
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
        let field = FieldDiff {
            field: "password_hash".into(),
            before: Some(Value::from("SECRET")),
            after: Some(Value::from("OTHER")),
            forces_replace: false,
            sensitive: true,
        };
        let (live, declared) = sides(&field);
        assert!(!live.contains("SECRET") && !declared.contains("OTHER"));
    }
}
