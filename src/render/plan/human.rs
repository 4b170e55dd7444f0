//! A plan as Terraform-style text: `+` create, `~` update, `-/+` replace, `-` delete.

use std::fmt::Write;

use owo_colors::Style;

use crate::render::paint::Painter;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::model::resource::SENSITIVE_FIELDS;
use crate::model::Resource;
use crate::plan::{Action, Allowed, Change, FieldDiff, MessageCount, Plan};
use crate::render::value::{inline, is_long, pretty};

/// How many unmanaged objects are listed by name before the rest are counted.
const UNMANAGED_SHOWN: usize = 20;

pub fn render(plan: &Plan, color: bool) -> String {
    let paint = Painter::new(color);
    let mut out = String::new();
    if plan.is_empty() {
        let _ = writeln!(
            out,
            "{} Environment {:?} matches the broker.",
            paint.style("No changes.", Style::new().green().bold()),
            plan.environment
        );
        if !plan.unmanaged.is_empty() {
            out.push('\n');
            unmanaged(&mut out, plan);
        }
        return out;
    }
    let _ = writeln!(
        out,
        "warren will perform these actions on environment {:?}:\n",
        plan.environment
    );
    for change in &plan.changes {
        render_change(&mut out, change, &paint);
    }
    if !plan.unmanaged.is_empty() {
        unmanaged(&mut out, plan);
        out.push('\n');
    }
    for note in &plan.notes {
        let _ = writeln!(out, "Note: {}\n", crate::render::notes::sentence(note));
    }
    if !plan.routing.is_empty() {
        let _ = writeln!(
            out,
            "{} ({}):",
            paint.style("Routing changes", Style::new().bold()),
            plan.routing.len()
        );
        for change in plan.routing.iter().take(crate::render::routing::SHOWN) {
            let _ = writeln!(out, "  {}", crate::render::routing::line(change));
        }
        if plan.routing.len() > crate::render::routing::SHOWN {
            let _ = writeln!(
                out,
                "  ... and {} more (warren plan --format json lists them all)",
                plan.routing.len() - crate::render::routing::SHOWN
            );
        }
        out.push('\n');
    }
    if let Some(refusals) =
        super::refusals::text(&super::PlanDocument::new(plan), &Allowed::default())
    {
        let _ = writeln!(
            out,
            "{}\n{refusals}",
            paint.style(
                "warren apply refuses this plan unless given:",
                Style::new().red().bold()
            )
        );
    }
    let s = plan.summary();
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

fn symbol(action: Action) -> (&'static str, Style) {
    match action {
        Action::Create => ("  +", Style::new().green()),
        Action::Update => ("  ~", Style::new().yellow()),
        Action::Replace | Action::Migrate => ("-/+", Style::new().magenta()),
        Action::Delete => ("  -", Style::new().red()),
    }
}

fn headline(change: &Change) -> String {
    let verb = match change.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Migrate => "must be replaced; its messages are moved, not dropped",
        Action::Delete => "will be destroyed",
    };
    format!("  # {} {verb}", change.id)
}

fn render_change(out: &mut String, change: &Change, paint: &Painter) {
    let (sign, style) = symbol(change.action);
    let _ = writeln!(out, "{}", headline(change));
    if let Some(reason) = &change.reason {
        let _ = writeln!(out, "  # ({reason})");
    }
    let _ = writeln!(
        out,
        "{} {}{}",
        paint.style(sign, style),
        change.id,
        crate::render::migration::summary(change)
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    );
    match change.action {
        Action::Create => {
            if let Some(after) = &change.after {
                for (field, value) in flatten(after) {
                    let shown = if SENSITIVE_FIELDS.contains(&field.as_str()) {
                        "(sensitive value)".to_string()
                    } else {
                        inline(&value)
                    };
                    let _ = writeln!(
                        out,
                        "      {} {field} = {shown}",
                        paint.style("+", Style::new().green())
                    );
                }
            }
        }
        Action::Update | Action::Replace | Action::Migrate => {
            for field in &change.fields {
                render_field(out, field, paint);
            }
        }
        Action::Delete => {}
    }
    if matches!(change.action, Action::Replace | Action::Delete) && change.messages.is_some() {
        let text = format!(
            "      ! {} at stake",
            super::refusals::messages(change.messages.and_then(MessageCount::known))
        );
        let _ = writeln!(out, "{}", paint.style(&text, Style::new().red().bold()));
    }
    out.push('\n');
}

/// A resource's properties with maps opened one level (`arguments.x-message-ttl = ...`).
fn flatten(resource: &Resource) -> Vec<(String, Value)> {
    let mut rows = Vec::new();
    for (name, value) in &resource.props {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, v) in map {
                    rows.push((format!("{name}.{key}"), v.clone()));
                }
            }
            Value::Object(_) => {}
            other => rows.push((name.clone(), other.clone())),
        }
    }
    rows
}

fn render_field(out: &mut String, field: &FieldDiff, paint: &Painter) {
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

fn unmanaged(out: &mut String, plan: &Plan) {
    let _ = writeln!(
        out,
        "{} object{} in scope {} not declared and left alone (prune is off for {}):",
        plan.unmanaged.len(),
        if plan.unmanaged.len() == 1 { "" } else { "s" },
        if plan.unmanaged.len() == 1 {
            "is"
        } else {
            "are"
        },
        if plan.unmanaged.len() == 1 {
            "its kind"
        } else {
            "their kinds"
        },
    );
    for id in plan.unmanaged.iter().take(UNMANAGED_SHOWN) {
        let _ = writeln!(out, "    {id}");
    }
    if plan.unmanaged.len() > UNMANAGED_SHOWN {
        let _ = writeln!(
            out,
            "    ... and {} more",
            plan.unmanaged.len() - UNMANAGED_SHOWN
        );
    }
}
