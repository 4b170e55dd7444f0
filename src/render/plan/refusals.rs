//! The refusals of a plan, grouped by the flag that allows them: shown by `plan` and given
//! as `apply`'s reason, so the user learns every flag needed in one run.

use std::fmt::Write;

use crate::plan::{Allowed, Change, MessageCount, Plan, Refusal};

/// The refusals behind one flag (or behind none: not possible at all).
pub struct Group {
    pub flag: Option<&'static str>,
    /// What the steps do that needs the flag, ending in a colon.
    pub heading: String,
    /// One line per step: its sign, its id, and the detail.
    pub steps: Vec<String>,
}

/// Refusals `allowed` does not cover, one group per flag, flags first and in plan order.
pub fn groups(plan: &Plan, allowed: &Allowed) -> Vec<Group> {
    let refused = plan.refused(allowed);
    let mut flags: Vec<Option<&'static str>> = Vec::new();
    for (_, refusal) in &refused {
        if !flags.contains(&refusal.flag()) {
            flags.push(refusal.flag());
        }
    }
    flags.sort_by_key(|f| f.is_none());
    flags
        .into_iter()
        .map(|flag| {
            let group: Vec<(&Change, &Refusal)> = refused
                .iter()
                .filter(|(_, r)| r.flag() == flag)
                .copied()
                .collect();
            Group {
                flag,
                heading: heading(flag, &group),
                steps: group.iter().map(|(c, r)| step(c, r)).collect(),
            }
        })
        .collect()
}

/// One line per flag with the steps it concerns; None when `allowed` covers everything.
pub fn text(plan: &Plan, allowed: &Allowed) -> Option<String> {
    let groups = groups(plan, allowed);
    if groups.is_empty() {
        return None;
    }
    let mut out = String::new();
    for group in groups {
        match group.flag {
            Some(flag) => {
                let _ = writeln!(out, "  {flag}: {}", group.heading);
            }
            None => {
                let _ = writeln!(out, "  {}", group.heading);
            }
        }
        for step in group.steps {
            let _ = writeln!(out, "      {step}");
        }
    }
    Some(out)
}

/// The flags the plan needs beyond `allowed`, for the one-line summary.
pub fn flags_needed(plan: &Plan, allowed: &Allowed) -> Vec<&'static str> {
    let mut flags: Vec<&'static str> = plan
        .refused(allowed)
        .iter()
        .filter_map(|(_, r)| r.flag())
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

/// Whether some step cannot be applied whatever the flags.
pub fn has_unsupported(plan: &Plan) -> bool {
    plan.changes
        .iter()
        .flat_map(|c| &c.refusals)
        .any(|r| matches!(r, Refusal::Unsupported { .. }))
}

/// One refusal in a sentence, for documents that list refusals per change.
pub fn reason(change: &Change, refusal: &Refusal) -> String {
    match refusal {
        Refusal::Destroy if change.action == crate::plan::Action::Replace => {
            format!("deletes and re-creates {}", change.id)
        }
        Refusal::Destroy if change.action == crate::plan::Action::Migrate => format!(
            "re-creates {} (its messages are moved, not dropped; consumers are disconnected)",
            change.id
        ),
        Refusal::Destroy => format!("deletes {}", change.id),
        Refusal::DataLoss => format!("drops {} held in {}", messages(change.messages), change.id),
        Refusal::Lockout { user } => format!(
            "removes or weakens {user:?}, the user warren is logged in as ({})",
            change.id
        ),
        Refusal::ConsumerDisconnect { consumers } => format!(
            "disconnects {consumers} consumer{} of {}",
            if *consumers == 1 { "" } else { "s" },
            change.id
        ),
        Refusal::Unsupported { reason } => reason.clone(),
    }
}

/// What the group's steps do, without the flag; ends in a colon.
fn heading(flag: Option<&str>, group: &[(&Change, &Refusal)]) -> String {
    let one = group.len() == 1;
    let (step, does) = if one {
        ("this step", "s")
    } else {
        ("these steps", "")
    };
    match (flag, group.first().map(|(_, r)| *r)) {
        (None, _) => "not possible on this broker, whatever the flags:".to_string(),
        (_, Some(Refusal::Destroy)) => format!("{step} delete{does} or re-create{does} objects:"),
        (_, Some(Refusal::DataLoss)) => {
            format!("{step} drop{does} the messages held in queues:")
        }
        (_, Some(Refusal::Lockout { user })) => format!(
            "{step} remove{does} or weaken{does} {user:?}, the user warren is logged in as:"
        ),
        (_, Some(Refusal::ConsumerDisconnect { .. })) => {
            format!("{step} disconnect{does} consumers:")
        }
        (_, _) => format!("{step}:"),
    }
}

fn step(change: &Change, refusal: &Refusal) -> String {
    let sign = match change.action {
        crate::plan::Action::Create => "+",
        crate::plan::Action::Update => "~",
        crate::plan::Action::Replace | crate::plan::Action::Migrate => "-/+",
        crate::plan::Action::Delete => "-",
    };
    match refusal {
        Refusal::DataLoss => format!("{sign} {} ({})", change.id, messages(change.messages)),
        Refusal::ConsumerDisconnect { consumers } => format!(
            "{sign} {} ({consumers} consumer{})",
            change.id,
            if *consumers == 1 { "" } else { "s" }
        ),
        Refusal::Unsupported { reason } => format!("{sign} {}: {reason}", change.id),
        Refusal::Destroy | Refusal::Lockout { .. } => format!("{sign} {}", change.id),
    }
}

/// `1,204 messages`, or what is known when the broker did not say.
pub fn messages(count: Option<MessageCount>) -> String {
    match count {
        Some(MessageCount::Known(n)) => format!(
            "{} message{}",
            crate::render::markdown::thousands(n),
            if n == 1 { "" } else { "s" }
        ),
        _ => "an unknown number of messages: the broker reports no count".to_string(),
    }
}
