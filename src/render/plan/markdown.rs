//! `warren plan --format markdown`: the plan as a pull-request comment. Destructive steps come
//! first; details sit in one collapsed block per vhost; the whole stays under GitHub's limit.

use std::collections::BTreeMap;
use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use super::document::{ActionDoc, ChangeDoc, FieldDoc, PlanDocument};
use crate::model::ResourceId;
use crate::plan::Allowed;
use crate::render::markdown::{code, escape, html, longest_run, plural, thousands};
use crate::render::value::{inline, is_long, pretty};

/// GitHub refuses comments of 65,536 characters or more; bytes never undercount characters.
pub const MAX_LEN: usize = 65_535;
/// Destructive steps may take this much of the comment; the details get the rest.
const DESTRUCTIVE_SHARE: usize = MAX_LEN / 2;
/// Kept free for the truncation note and the closing tags.
const NOTE_RESERVE: usize = 600;
const UNMANAGED_SHOWN: usize = 50;
const UNMANAGED_BYTES: usize = 8_000;
/// A single change's diff is cut after this many lines or bytes.
const DIFF_LINES: usize = 60;
const DIFF_BYTES: usize = 6_000;
const LINE_CHARS: usize = 400;
/// Refused steps listed per flag before the rest are counted.
const REFUSED_STEPS_SHOWN: usize = 20;
const FULL_PLAN: &str = "`warren plan --format json`";

pub fn render(doc: &PlanDocument) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## warren plan: {}\n", code(&doc.environment));
    let unmanaged = unmanaged(doc);
    if doc.changes.is_empty() {
        let _ = writeln!(
            out,
            "**No changes.** The broker matches environment {}.",
            code(&doc.environment)
        );
        if !unmanaged.is_empty() {
            out.push('\n');
            out.push_str(&unmanaged);
        }
        return out;
    }
    summary(&mut out, doc);
    refusals(&mut out, doc);
    for note in &doc.notes {
        let _ = writeln!(out, "> ℹ️ {}\n", escape(note));
    }
    routing(&mut out, doc);
    topology(&mut out, doc);
    let limit = MAX_LEN - NOTE_RESERVE - unmanaged.len();
    let share = limit.min(out.len() + DESTRUCTIVE_SHARE);
    destructive(&mut out, doc, share);
    let omitted = details(&mut out, doc, limit);
    if omitted > 0 {
        let _ = writeln!(
            out,
            "> ✂️ **Details truncated:** {} of {} changes are not shown here, to keep this \
             comment under GitHub's 65,536-character limit. The full plan: {FULL_PLAN}.\n",
            thousands(omitted as u64),
            thousands(doc.changes.len() as u64),
        );
    }
    out.push_str(&unmanaged);
    out
}

/// A Mermaid picture of what the plan touches (GitHub and GitLab render it).
fn topology(out: &mut String, doc: &PlanDocument) {
    let Some(diagram) = super::mermaid::diagram(doc) else {
        return;
    };
    out.push_str("### 🗺️ Topology this plan touches\n\n_Added green, changed yellow, removed red and dashed; dotted links carry dead letters._\n\n");
    let _ = writeln!(out, "```mermaid\n{diagram}```\n");
}

/// Messages that go elsewhere once the plan is applied, one per line.
fn routing(out: &mut String, doc: &PlanDocument) {
    let routing = &doc.routing_changes;
    if routing.is_empty() {
        return;
    }
    let _ = writeln!(out, "### 🔀 Routing changes ({})\n", routing.len());
    for change in routing.iter().take(crate::render::routing::SHOWN) {
        let _ = writeln!(out, "- {}", code(&crate::render::routing::line(change)));
    }
    if routing.len() > crate::render::routing::SHOWN {
        let _ = writeln!(
            out,
            "- … and {} more: {FULL_PLAN}",
            routing.len() - crate::render::routing::SHOWN
        );
    }
    out.push('\n');
}

fn summary(out: &mut String, doc: &PlanDocument) {
    let s = &doc.summary;
    let _ = writeln!(
        out,
        "**Plan:** {} to add, {} to change, {} to replace, {} to destroy.\n",
        thousands(s.create as u64),
        thousands(s.update as u64),
        thousands(s.replace as u64),
        thousands(s.delete as u64)
    );
    // Kinds in dependency order, as identities sort: vhosts before users, queues before bindings.
    let mut by_kind: BTreeMap<&str, (&ResourceId, [usize; 4])> = BTreeMap::new();
    for change in &doc.changes {
        let row = by_kind
            .entry(change.id.kind())
            .or_insert((&change.id, [0; 4]));
        row.0 = row.0.min(&change.id);
        row.1[action_index(change.action)] += 1;
    }
    let mut rows: Vec<_> = by_kind.into_iter().collect();
    rows.sort_by_key(|(_, (id, _))| (id.level(), *id));
    out.push_str("| Kind | Create | Update | Replace | Delete |\n");
    out.push_str("| :--- | ---: | ---: | ---: | ---: |\n");
    let cell = |n: usize| {
        if n == 0 {
            String::new()
        } else {
            thousands(n as u64)
        }
    };
    for (kind, (_, counts)) in &rows {
        let _ = writeln!(
            out,
            "| {kind} | {} | {} | {} | {} |",
            cell(counts[0]),
            cell(counts[1]),
            cell(counts[2]),
            cell(counts[3])
        );
    }
    let _ = writeln!(
        out,
        "| **Total** | **{}** | **{}** | **{}** | **{}** |\n",
        thousands(s.create as u64),
        thousands(s.update as u64),
        thousands(s.replace as u64),
        thousands(s.delete as u64)
    );
}

/// Every flag `warren apply` needs for this plan, and what cannot be applied at all.
fn refusals(out: &mut String, doc: &PlanDocument) {
    let groups = super::refusals::groups(doc, &Allowed::default());
    if groups.is_empty() {
        return;
    }
    out.push_str("### 🛑 `warren apply` refuses this plan unless given\n\n");
    for group in groups {
        match group.flag {
            Some(flag) => {
                let _ = writeln!(out, "- {}: {}", code(flag), escape(&group.heading));
            }
            None => {
                let _ = writeln!(out, "- **{}**", escape(&group.heading));
            }
        }
        for step in group.steps.iter().take(REFUSED_STEPS_SHOWN) {
            let _ = writeln!(out, "  - {}", code(step));
        }
        if group.steps.len() > REFUSED_STEPS_SHOWN {
            let _ = writeln!(
                out,
                "  - … and {} more",
                thousands((group.steps.len() - REFUSED_STEPS_SHOWN) as u64)
            );
        }
    }
    out.push('\n');
}

fn action_index(action: ActionDoc) -> usize {
    match action {
        ActionDoc::Create => 0,
        ActionDoc::Update => 1,
        // A migration is a replace that keeps the messages.
        ActionDoc::Replace | ActionDoc::Migrate => 2,
        ActionDoc::Delete => 3,
    }
}

/// Every delete and replace, before anything else, with the messages it drops.
fn destructive(out: &mut String, doc: &PlanDocument, limit: usize) {
    let steps: Vec<&ChangeDoc> = doc.changes.iter().filter(|c| c.destructive).collect();
    if steps.is_empty() {
        return;
    }
    let dropping = |c: &&&ChangeDoc| c.action != ActionDoc::Migrate;
    let messages: u64 = steps
        .iter()
        .filter(dropping)
        .filter_map(|c| c.messages)
        .sum();
    let unknown = steps.iter().filter(dropping).any(|c| c.messages_unknown);
    let _ = writeln!(
        out,
        "### ⚠️ Destructive changes ({})\n",
        thousands(steps.len() as u64)
    );
    let _ = write!(
        out,
        "{} deleted, or deleted and created again (replace). `warren apply` refuses {} \
         without `--allow-destroy`",
        if steps.len() == 1 {
            "This object is".to_string()
        } else {
            format!("These {} objects are", thousands(steps.len() as u64))
        },
        if steps.len() == 1 { "it" } else { "them" },
    );
    if messages > 0 || unknown {
        let _ = write!(
            out,
            ", and to drop the **{}{} at stake** without `--allow-data-loss`",
            if messages > 0 {
                format!("{} message{}", thousands(messages), plural(messages))
            } else {
                String::new()
            },
            match (messages > 0, unknown) {
                (true, true) => " (and an unknown number more)",
                (false, true) => "messages of unknown number",
                _ => "",
            }
        );
    }
    out.push_str(".\n\n");
    for (shown, change) in steps.iter().enumerate() {
        let mut item = format!(
            "- **{}** {}",
            verb(change.action),
            describe(&change.id, true)
        );
        item.push_str(&what_of_messages(change));
        let forcing: Vec<String> = change
            .fields
            .iter()
            .filter(|f| f.forces_replace)
            .map(|f| code(&f.field))
            .collect();
        if !forcing.is_empty() {
            let _ = write!(item, " · forced by {}", forcing.join(", "));
        }
        item.push('\n');
        if out.len() + item.len() > limit {
            let _ = writeln!(
                out,
                "- … and {} more (all in {FULL_PLAN})",
                thousands((steps.len() - shown) as u64)
            );
            break;
        }
        out.push_str(&item);
    }
    out.push('\n');
}

/// Collapsed blocks per vhost, cluster-wide objects first; returns how many changes were left out.
fn details(out: &mut String, doc: &PlanDocument, limit: usize) -> usize {
    let mut blocks: BTreeMap<Option<&str>, Vec<&ChangeDoc>> = BTreeMap::new();
    for change in &doc.changes {
        blocks.entry(change.id.vhost()).or_default().push(change);
    }
    out.push_str("### Details\n\n");
    let mut omitted = 0;
    for (vhost, changes) in blocks {
        if omitted > 0 {
            omitted += changes.len();
            continue;
        }
        let head = block_summary(vhost, &changes);
        let close = "</details>\n\n";
        if out.len() + head.len() + close.len() > limit {
            omitted += changes.len();
            continue;
        }
        out.push_str(&head);
        for change in &changes {
            let entry = entry(change, vhost.is_none());
            if omitted > 0 || out.len() + entry.len() + close.len() > limit {
                omitted += 1;
                continue;
            }
            out.push_str(&entry);
        }
        out.push_str(close);
    }
    omitted
}

fn block_summary(vhost: Option<&str>, changes: &[&ChangeDoc]) -> String {
    let mut counts = [0usize; 4];
    for change in changes {
        counts[action_index(change.action)] += 1;
    }
    let words = ["to add", "to change", "to replace", "to destroy"];
    let parts: Vec<String> = counts
        .iter()
        .zip(words)
        .filter(|(n, _)| **n > 0)
        .map(|(n, w)| format!("{} {w}", thousands(*n as u64)))
        .collect();
    let warning = if counts[2] + counts[3] > 0 {
        " ⚠️"
    } else {
        ""
    };
    let title = match vhost {
        Some(v) => format!("vhost <code>{}</code>", html(v)),
        None => "Cluster-wide (users, user limits, global parameters)".to_string(),
    };
    format!(
        "<details><summary><b>{title}</b>: {}{warning}</summary>\n\n",
        parts.join(", ")
    )
}

/// One change: a line saying what and why, then its fields in a `diff` block.
fn entry(change: &ChangeDoc, with_vhost: bool) -> String {
    let mut out = format!(
        "**{}**{} {}",
        verb(change.action),
        if change.destructive { " ⚠️" } else { "" },
        describe(&change.id, with_vhost)
    );
    out.push_str(&what_of_messages(change));
    if let Some(reason) = &change.reason {
        let _ = write!(out, " · _{}_", escape(reason));
    }
    out.push_str("\n\n");
    let lines = diff_lines(change);
    if !lines.is_empty() {
        let body = lines.join("\n");
        let fence = "`".repeat(longest_run(&body, '`').max(2) + 1);
        let _ = write!(out, "{fence}diff\n{body}\n{fence}\n\n");
    }
    out
}

/// What happens to a queue's messages: moved (a migration) or at stake; empty otherwise.
fn what_of_messages(change: &ChangeDoc) -> String {
    match change.migration_summary() {
        Some(summary) => format!(" · **{}**", escape(summary)),
        None if change.messages_read() => format!(
            " · **{} at stake**",
            super::refusals::messages(change.messages)
        ),
        None => String::new(),
    }
}

fn verb(action: ActionDoc) -> &'static str {
    match action {
        ActionDoc::Create => "Create",
        ActionDoc::Update => "Update",
        ActionDoc::Replace => "Replace",
        ActionDoc::Delete => "Delete",
        ActionDoc::Migrate => "Migrate",
    }
}

/// Lines of a `diff` block: `+` set, `-` removed, `!` changed without shown values.
fn diff_lines(change: &ChangeDoc) -> Vec<String> {
    let mut lines = Vec::new();
    for field in &change.fields {
        field_lines(&mut lines, field, change.action);
    }
    let total = lines.len();
    let mut bytes = 0;
    let mut kept = 0;
    for line in &mut lines {
        *line = clip(line);
        bytes += line.len() + 1;
        if kept == DIFF_LINES || bytes > DIFF_BYTES {
            break;
        }
        kept += 1;
    }
    if kept < total {
        lines.truncate(kept);
        lines.push(format!(
            "  … {} more line{} ({FULL_PLAN} has them all)",
            total - kept,
            plural((total - kept) as u64)
        ));
    }
    lines
}

fn field_lines(lines: &mut Vec<String>, field: &FieldDoc, action: ActionDoc) {
    let forces = if field.forces_replace {
        "  # forces replacement"
    } else {
        ""
    };
    let name = &field.field;
    if field.sensitive {
        lines.push(match action {
            ActionDoc::Create => format!("+ {name} = (sensitive value)"),
            ActionDoc::Delete => format!("- {name} = (sensitive value)"),
            _ => format!("! {name} = (sensitive value changed){forces}"),
        });
        return;
    }
    match (&field.before, &field.after) {
        (None, Some(after)) => lines.push(format!("+ {name} = {}{forces}", inline(after))),
        (Some(before), None) => lines.push(format!("- {name} = {}{forces}", inline(before))),
        (Some(before), Some(after)) if is_long(before) || is_long(after) => {
            lines.push(format!("! {name}:{forces}"));
            let (before, after) = (pretty(before), pretty(after));
            for line in TextDiff::from_lines(&before, &after).iter_all_changes() {
                let sign = match line.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                lines.push(format!(
                    "{sign}     {}",
                    line.value().trim_end_matches('\n')
                ));
            }
        }
        (Some(before), Some(after)) => {
            lines.push(format!("- {name} = {}", inline(before)));
            lines.push(format!("+ {name} = {}{forces}", inline(after)));
        }
        (None, None) => lines.push(format!("! {name}{forces}")),
    }
}

/// One huge value must not eat the whole comment.
fn clip(line: &str) -> String {
    if line.chars().count() <= LINE_CHARS {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(LINE_CHARS).collect();
    cut.push_str(" …");
    cut
}

/// An object for a reader: its kind, then its name(s) as code; the vhost when asked.
fn describe(id: &ResourceId, with_vhost: bool) -> String {
    let what = match id {
        ResourceId::Vhost { name } => return format!("vhost {}", code(name)),
        ResourceId::User { name }
        | ResourceId::GlobalParameter { name }
        | ResourceId::VhostLimit { name, .. }
        | ResourceId::Exchange { name, .. }
        | ResourceId::Queue { name, .. }
        | ResourceId::Policy { name, .. }
        | ResourceId::OperatorPolicy { name, .. } => format!("{} {}", id.kind(), code(name)),
        ResourceId::UserLimit { user, name } => {
            format!("user_limit {} of {}", code(name), code(user))
        }
        ResourceId::Permission { user, .. } | ResourceId::TopicPermission { user, .. } => {
            format!("{} of {}", id.kind(), code(user))
        }
        ResourceId::Parameter {
            component, name, ..
        } => format!("parameter {}", code(&format!("{component}/{name}"))),
        ResourceId::Binding {
            source,
            destination_type,
            destination,
            routing_key,
            arguments,
            ..
        } => {
            let source = if source.is_empty() {
                "(default exchange)".to_string()
            } else {
                code(source)
            };
            let mut text = format!(
                "binding {source} → {} {} key {}",
                destination_type.as_str(),
                code(destination),
                code(routing_key)
            );
            if !arguments.is_empty() {
                let _ = write!(text, " args {}", code(arguments.as_str()));
            }
            text
        }
    };
    match id.vhost() {
        Some(vhost) if with_vhost => format!("{what} in {}", code(vhost)),
        _ => what,
    }
}

fn unmanaged(doc: &PlanDocument) -> String {
    let n = doc.unmanaged.len();
    if n == 0 {
        return String::new();
    }
    let mut out = format!(
        "<details><summary>{} object{} in scope {} not declared and left alone (prune is off \
         for {} kind{})</summary>\n\n",
        thousands(n as u64),
        plural(n as u64),
        if n == 1 { "is" } else { "are" },
        if n == 1 { "its" } else { "their" },
        plural(n as u64),
    );
    let mut shown = 0;
    for id in doc.unmanaged.iter().take(UNMANAGED_SHOWN) {
        let item = format!("- {}\n", describe(id, true));
        if out.len() + item.len() > UNMANAGED_BYTES {
            break;
        }
        out.push_str(&item);
        shown += 1;
    }
    if n > shown {
        let _ = writeln!(
            out,
            "- … and {} more (all in {FULL_PLAN})",
            thousands((n - shown) as u64)
        );
    }
    out.push_str("\n</details>\n");
    out
}
