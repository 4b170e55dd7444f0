//! A plan as Terraform-style text: `+` create, `~` update, `-/+` replace, `-` delete.

use std::fmt::Write;

use owo_colors::Style;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::document::{ActionDoc, ChangeDoc, FieldDoc, PlanDocument};
use crate::plan::Allowed;
use crate::render::paint::Painter;
use crate::render::routing::{line, SHOWN};
use crate::render::value::{inline, is_long, pretty};

/// How many unmanaged objects are listed by name before the rest are counted.
const UNMANAGED_SHOWN: usize = 20;

pub fn render(doc: &PlanDocument, color: bool) -> String {
    let paint = Painter::new(color);
    let mut out = String::new();
    if doc.changes.is_empty() {
        let _ = writeln!(
            out,
            "{} Environment {:?} matches the broker.",
            paint.style("No changes.", Style::new().green().bold()),
            doc.environment
        );
        if !doc.unmanaged.is_empty() {
            out.push('\n');
            unmanaged(&mut out, doc);
        }
        return out;
    }
    let _ = writeln!(
        out,
        "warren will perform these actions on environment {:?}:\n",
        doc.environment
    );
    for change in &doc.changes {
        render_change(&mut out, change, &paint);
    }
    if !doc.unmanaged.is_empty() {
        unmanaged(&mut out, doc);
        out.push('\n');
    }
    for note in &doc.notes {
        let _ = writeln!(out, "Note: {note}\n");
    }
    let routing = &doc.routing_changes;
    if !routing.is_empty() {
        let _ = writeln!(
            out,
            "{} ({}):",
            paint.style("Routing changes", Style::new().bold()),
            routing.len()
        );
        for change in routing.iter().take(SHOWN) {
            let _ = writeln!(out, "  {}", line(change));
        }
        if routing.len() > SHOWN {
            let _ = writeln!(
                out,
                "  ... and {} more (warren plan --format json lists them all)",
                routing.len() - SHOWN
            );
        }
        out.push('\n');
    }
    if let Some(refusals) = super::refusals::text(doc, &Allowed::default()) {
        let _ = writeln!(
            out,
            "{}\n{refusals}",
            paint.style(
                "warren apply refuses this plan unless given:",
                Style::new().red().bold()
            )
        );
    }
    let s = &doc.summary;
    let migrate = if s.migrate > 0 {
        format!(" {} to migrate (messages kept),", s.migrate)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} {} to add, {} to change, {} to replace,{migrate} {} to destroy.",
        paint.style("Plan:", Style::new().bold()),
        s.create,
        s.update,
        s.replace,
        s.delete
    );
    out
}

fn symbol(action: ActionDoc) -> (&'static str, Style) {
    match action {
        ActionDoc::Create => ("  +", Style::new().green()),
        ActionDoc::Update => ("  ~", Style::new().yellow()),
        ActionDoc::Replace | ActionDoc::Migrate => ("-/+", Style::new().magenta()),
        ActionDoc::Delete => ("  -", Style::new().red()),
    }
}

fn headline(change: &ChangeDoc) -> String {
    let verb = match change.action {
        ActionDoc::Create => "will be created",
        ActionDoc::Update => "will be updated in place",
        ActionDoc::Replace => "must be replaced",
        ActionDoc::Migrate => "must be replaced; its messages are moved, not dropped",
        ActionDoc::Delete => "will be destroyed",
    };
    format!("  # {} {verb}", change.address)
}

fn render_change(out: &mut String, change: &ChangeDoc, paint: &Painter) {
    let (sign, style) = symbol(change.action);
    let _ = writeln!(out, "{}", headline(change));
    if let Some(reason) = &change.reason {
        let _ = writeln!(out, "  # ({reason})");
    }
    let _ = writeln!(
        out,
        "{} {}{}",
        paint.style(sign, style),
        change.address,
        change
            .migration_summary()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    );
    match change.action {
        // A create lists every field it sets, one map key per line.
        ActionDoc::Create => {
            for field in &change.fields {
                let shown = match &field.after {
                    _ if field.sensitive => "(sensitive value)".to_string(),
                    Some(value) => inline(value),
                    None => continue,
                };
                let _ = writeln!(
                    out,
                    "      {} {} = {shown}",
                    paint.style("+", Style::new().green()),
                    field.field
                );
            }
        }
        ActionDoc::Update | ActionDoc::Replace | ActionDoc::Migrate => {
            for field in &change.fields {
                render_field(out, field, paint);
            }
        }
        ActionDoc::Delete => {}
    }
    if matches!(change.action, ActionDoc::Replace | ActionDoc::Delete) && change.messages_read() {
        let text = format!(
            "      ! {} at stake",
            super::refusals::messages(change.messages)
        );
        let _ = writeln!(out, "{}", paint.style(&text, Style::new().red().bold()));
    }
    out.push('\n');
}

fn render_field(out: &mut String, field: &FieldDoc, paint: &Painter) {
    let forces = if field.forces_replace {
        paint.style("  # forces replacement", Style::new().magenta())
    } else {
        String::new()
    };
    if field.sensitive {
        let _ = writeln!(
            out,
            "      ~ {} = (sensitive value changed){forces}",
            field.field
        );
        return;
    }
    match (&field.before, &field.after) {
        (None, Some(after)) => {
            let _ = writeln!(
                out,
                "      {} {} = {}{forces}",
                paint.style("+", Style::new().green()),
                field.field,
                inline(after)
            );
        }
        (Some(before), None) => {
            let _ = writeln!(
                out,
                "      {} {} = {}{forces}",
                paint.style("-", Style::new().red()),
                field.field,
                inline(before)
            );
        }
        (Some(before), Some(after)) if is_long(before) || is_long(after) => {
            let _ = writeln!(
                out,
                "      {} {}:{forces}",
                paint.style("~", Style::new().yellow()),
                field.field
            );
            line_diff(out, before, after, paint);
        }
        (Some(before), Some(after)) => {
            let _ = writeln!(
                out,
                "      {} {} = {} -> {}{forces}",
                paint.style("~", Style::new().yellow()),
                field.field,
                inline(before),
                inline(after)
            );
        }
        (None, None) => {}
    }
}

/// Long values are shown as a line diff rather than two walls of text.
fn line_diff(out: &mut String, before: &Value, after: &Value, paint: &Painter) {
    let (before, after) = (pretty(before), pretty(after));
    let diff = TextDiff::from_lines(&before, &after);
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        let (sign, style) = match change.tag() {
            ChangeTag::Delete => ("-", Style::new().red()),
            ChangeTag::Insert => ("+", Style::new().green()),
            ChangeTag::Equal => (" ", Style::new()),
        };
        let _ = writeln!(out, "          {} {line}", paint.style(sign, style));
    }
}

fn unmanaged(out: &mut String, doc: &PlanDocument) {
    let _ = writeln!(
        out,
        "{} object{} in scope {} not declared and left alone (prune is off for {}):",
        doc.unmanaged.len(),
        if doc.unmanaged.len() == 1 { "" } else { "s" },
        if doc.unmanaged.len() == 1 {
            "is"
        } else {
            "are"
        },
        if doc.unmanaged.len() == 1 {
            "its kind"
        } else {
            "their kinds"
        },
    );
    for id in doc.unmanaged.iter().take(UNMANAGED_SHOWN) {
        let _ = writeln!(out, "    {id}");
    }
    if doc.unmanaged.len() > UNMANAGED_SHOWN {
        let _ = writeln!(
            out,
            "    ... and {} more",
            doc.unmanaged.len() - UNMANAGED_SHOWN
        );
    }
}
