//! Drift as text, in the plan's style: Missing, Changed and Unmanaged sections, then a summary.

use std::fmt::Write;

use owo_colors::Style;

use crate::render::paint::Painter;

use super::{per_kind, sides, summary};
use crate::plan::drift::{DriftReport, DriftState, Drifted};
use crate::plan::route_drift::RouteDrift;
use crate::route::assertion::queue_list;

pub fn render(report: &DriftReport, color: bool) -> String {
    let paint = Painter::new(color);
    let mut out = String::new();
    if !report.in_sync() {
        let _ = writeln!(
            out,
            "Drift on environment {:?} (the broker against the environment):\n",
            report.environment
        );
    }
    for state in DriftState::ALL {
        let list = report.list(state);
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
        for item in list {
            render_item(&mut out, state, item, &paint);
        }
        out.push('\n');
    }
    if !report.routes.is_empty() {
        let _ = writeln!(
            out,
            "{} where the broker routes otherwise than the environment's route assertions say ({}):",
            paint.style("Routes:", Style::new().bold()),
            report.routes.len()
        );
        for drift in &report.routes {
            let _ = writeln!(out, "  {}", route_line(drift));
        }
        out.push('\n');
    }
    let mut notes = false;
    if report.routes_checked > 0 && report.routes.is_empty() {
        let _ = writeln!(
            out,
            "Route assertions: {} checked, all hold on the broker.",
            report.routes_checked
        );
        notes = true;
    }
    if let Some(counts) = per_kind(&report.out_of_scope) {
        let _ = writeln!(out, "Out of scope, not checked: {counts}.");
        notes = true;
    }
    if let Some(counts) = per_kind(&report.ignored) {
        let _ = writeln!(out, "Left out by ignore rules: {counts}.");
        notes = true;
    }
    if notes {
        out.push('\n');
    }
    let style = if report.in_sync() {
        Style::new().green().bold()
    } else {
        Style::new().yellow().bold()
    };
    let _ = writeln!(out, "{}", paint.style(&summary(report), style));
    out
}

/// `ex with key "k" in "/v": expected [q], the broker gives (unroutable)`.
pub(super) fn route_line(drift: &RouteDrift) -> String {
    format!(
        "{} in {:?}: expected {}, the broker gives {}",
        drift.assertion.describe(),
        drift.assertion.vhost,
        queue_list(&drift.assertion.expect),
        drift.failure.describe()
    )
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

fn render_item(out: &mut String, state: DriftState, item: &Drifted, paint: &Painter) {
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
    let _ = writeln!(out, "{} {}{note}", paint.style(sign, style), item.id);
    for field in &item.fields {
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
