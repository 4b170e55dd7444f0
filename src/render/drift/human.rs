//! Drift as text, in the plan's style: Missing, Changed and Unmanaged sections, then a summary.

use std::fmt::Write;

use owo_colors::Style;

use crate::render::paint::Painter;

use super::{listed, per_kind, sides, summary, DriftDocument, Listed};
use crate::plan::drift::DriftState;

pub fn render(doc: &DriftDocument, color: bool) -> String {
    let paint = Painter::new(color);
    let mut out = String::new();
    if !doc.in_sync {
        let _ = writeln!(
            out,
            "Drift on environment {:?} (the broker against the environment):\n",
            doc.environment
        );
    }
    for state in DriftState::ALL {
        let list = listed(doc, state);
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{} {} ({}):",
            paint.style(title(state), Style::new().bold()),
            meaning(state),
            list.len()
        );
        for item in &list {
            render_item(&mut out, state, item, &paint);
        }
        out.push('\n');
    }
    let failing = doc.failing_routes();
    if !failing.is_empty() {
        let _ = writeln!(
            out,
            "{} where the broker routes otherwise than the environment's route assertions say ({}):",
            paint.style("Routes:", Style::new().bold()),
            failing.len()
        );
        for route in failing {
            let _ = writeln!(out, "  {}", route.line);
        }
        out.push('\n');
    }
    let mut notes = false;
    if let Some(routes) = doc.routes.as_ref().filter(|r| r.failing.is_empty()) {
        let _ = writeln!(
            out,
            "Route assertions: {} checked, all hold on the broker.",
            routes.checked
        );
        notes = true;
    }
    if let Some(counts) = per_kind(&doc.out_of_scope) {
        let _ = writeln!(out, "Out of scope, not checked: {counts}.");
        notes = true;
    }
    if let Some(counts) = per_kind(&doc.ignored) {
        let _ = writeln!(out, "Left out by ignore rules: {counts}.");
        notes = true;
    }
    if notes {
        out.push('\n');
    }
    let style = if doc.in_sync {
        Style::new().green().bold()
    } else {
        Style::new().yellow().bold()
    };
    let _ = writeln!(out, "{}", paint.style(&summary(doc), style));
    out
}

pub(super) fn title(state: DriftState) -> &'static str {
    match state {
        DriftState::Missing => "Missing:",
        DriftState::Changed => "Changed:",
        DriftState::Unmanaged => "Unmanaged:",
    }
}

pub(super) fn meaning(state: DriftState) -> &'static str {
    match state {
        DriftState::Missing => "declared, not on the broker",
        DriftState::Changed => "on the broker, not as declared",
        DriftState::Unmanaged => "on the broker and in scope, not declared",
    }
}

fn render_item(out: &mut String, state: DriftState, item: &Listed, paint: &Painter) {
    let (sign, style, note) = match state {
        DriftState::Missing => ("  +", Style::new().green(), ""),
        DriftState::Changed if item.replace => {
            ("-/+", Style::new().magenta(), " (repairing re-creates it)")
        }
        DriftState::Changed => ("  ~", Style::new().yellow(), ""),
        DriftState::Unmanaged if item.pruned => (
            "  -",
            Style::new().red(),
            " (pruned: apply --allow-destroy deletes it)",
        ),
        DriftState::Unmanaged => ("  ?", Style::new().yellow(), ""),
    };
    let _ = writeln!(out, "{} {}{note}", paint.style(sign, style), item.address);
    for field in item.fields {
        let (live, declared) = sides(field);
        let forces = if field.forces_replace {
            paint.style("  # forces replacement", Style::new().magenta())
        } else {
            String::new()
        };
        let line = if field.sensitive {
            format!("{}: (sensitive value differs)", field.field)
        } else {
            format!("{}: broker {live}, declared {declared}", field.field)
        };
        let _ = writeln!(out, "      {line}{forces}");
    }
}
