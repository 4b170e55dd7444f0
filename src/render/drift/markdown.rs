//! Drift as GitHub-flavoured Markdown: a summary table per kind, then the lists.

use std::fmt::Write;

use super::human::{meaning, title};
use super::{listed, sides, summary, DriftDocument, Listed};
use crate::plan::drift::{kinds, DriftState};
use crate::render::markdown::code;

pub fn render(doc: &DriftDocument) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### warren drift: {}\n", code(&doc.environment));
    let _ = writeln!(out, "**{}**\n", summary(doc));
    table(&mut out, doc);
    for state in DriftState::ALL {
        let list = listed(doc, state);
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
        for item in &list {
            render_item(&mut out, state, item);
        }
        out.push('\n');
    }
    let failing = doc.failing_routes();
    if !failing.is_empty() {
        let _ = writeln!(out, "#### Routes ({})\n", failing.len());
        let _ = writeln!(
            out,
            "_Where the broker routes otherwise than the environment's route assertions say._\n"
        );
        for route in failing {
            let _ = writeln!(out, "- {}", code(&route.line));
        }
        out.push('\n');
    }
    out
}

/// One row per kind with anything to count, and a total row.
fn table(out: &mut String, doc: &DriftDocument) {
    let row = |kind: &str| {
        [
            doc.count(kind, DriftState::Missing),
            doc.count(kind, DriftState::Changed),
            doc.count(kind, DriftState::Unmanaged),
            doc.out_of_scope.get(kind).copied().unwrap_or(0),
            doc.ignored.get(kind).copied().unwrap_or(0),
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

fn render_item(out: &mut String, state: DriftState, item: &Listed) {
    let note = match state {
        DriftState::Changed if item.replace => ": repairing re-creates it",
        DriftState::Unmanaged if item.pruned => ": pruned, `apply --allow-destroy` deletes it",
        _ => "",
    };
    let _ = writeln!(out, "- {}{note}", code(item.address));
    for field in item.fields {
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
