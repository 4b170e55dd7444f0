//! Drift as GitHub-flavoured Markdown: a summary table per kind, then the lists.

use std::fmt::Write;

use super::human::{meaning, route_line, title};
use super::{sides, summary};
use crate::plan::drift::{kinds, DriftReport, DriftState, Drifted};
use crate::render::markdown::code;

pub fn render(report: &DriftReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### warren drift: {}\n", code(&report.environment));
    let _ = writeln!(out, "**{}**\n", summary(report));
    table(&mut out, report);
    for state in DriftState::ALL {
        let list = report.list(state);
        if list.is_empty() {
            continue;
        }
        let heading = title(state).trim_end_matches(':');
        let _ = writeln!(out, "#### {heading} ({})\n", list.len());
        let meaning = meaning(state);
        let mut first = meaning.chars();
        let sentence: String = first
            .next()
            .map(|c| c.to_uppercase().chain(first).collect())
            .unwrap_or_default();
        let _ = writeln!(out, "_{sentence}._\n");
        for item in list {
            render_item(&mut out, state, item);
        }
        out.push('\n');
    }
    if !report.routes.is_empty() {
        let _ = writeln!(out, "#### Routes ({})\n", report.routes.len());
        let _ = writeln!(
            out,
            "_Where the broker routes otherwise than the environment's route assertions say._\n"
        );
        for drift in &report.routes {
            let _ = writeln!(out, "- {}", code(&route_line(drift)));
        }
        out.push('\n');
    }
    out
}

/// One row per kind with anything to count, and a total row.
fn table(out: &mut String, report: &DriftReport) {
    let row = |kind: &str| {
        [
            report.count(kind, DriftState::Missing),
            report.count(kind, DriftState::Changed),
            report.count(kind, DriftState::Unmanaged),
            report.out_of_scope.get(kind).copied().unwrap_or(0),
            report.ignored.get(kind).copied().unwrap_or(0),
        ]
    };
    let rows: Vec<(&str, [usize; 5])> = kinds()
        .map(|k| (k, row(k)))
        .filter(|(_, counts)| counts.iter().any(|n| *n > 0))
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("| kind | missing | changed | unmanaged | out of scope | ignored |\n");
    out.push_str("|:-----|--------:|--------:|----------:|-------------:|--------:|\n");
    let mut total = [0usize; 5];
    for (kind, counts) in &rows {
        let cells: Vec<String> = counts.iter().map(usize::to_string).collect();
        let _ = writeln!(out, "| {} | {} |", code(kind), cells.join(" | "));
        for (t, n) in total.iter_mut().zip(counts) {
            *t += n;
        }
    }
    let cells: Vec<String> = total.iter().map(|n| format!("**{n}**")).collect();
    let _ = writeln!(out, "| **total** | {} |\n", cells.join(" | "));
}

fn render_item(out: &mut String, state: DriftState, item: &Drifted) {
    let note = match state {
        DriftState::Changed if item.replace => ": repairing re-creates it",
        DriftState::Unmanaged if item.pruned => ": pruned, `apply --allow-destroy` deletes it",
        _ => "",
    };
    let _ = writeln!(out, "- {}{note}", code(&item.id.to_string()));
    for field in &item.fields {
        let (live, declared) = sides(field);
        let forces = if field.forces_replace {
            " (forces replacement)"
        } else {
            ""
        };
        if field.sensitive {
            let _ = writeln!(
                out,
                "  - {}: sensitive value differs{forces}",
                code(&field.field)
            );
        } else {
            let _ = writeln!(
                out,
                "  - {}: broker {}, declared {}{forces}",
                code(&field.field),
                code(&live),
                code(&declared)
            );
        }
    }
}
