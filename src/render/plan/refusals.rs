//! The refusals of a plan document, grouped by the flag that allows them: shown by `plan` and
//! given as `apply`'s reason, so the user learns every flag needed in one run.

use std::fmt::Write;

use super::document::{ActionDoc, ChangeDoc, PlanDocument, RefusalDoc, RefusalKindDoc};
use crate::plan::Allowed;

/// The refusals behind one flag (or behind none: not possible at all).
pub struct Group<'a> {
    pub flag: Option<&'a str>,
    /// What the steps do that needs the flag, ending in a colon.
    pub heading: String,
    /// One line per step: its sign, its id, and the detail.
    pub steps: Vec<String>,
}

/// Refusals `allowed` does not cover, one group per flag, flags first and in plan order.
pub fn groups<'a>(doc: &'a PlanDocument, allowed: &Allowed) -> Vec<Group<'a>> {
    let refused: Vec<(&ChangeDoc, &RefusalDoc)> = doc
        .changes
        .iter()
        .flat_map(|c| c.refusals.iter().map(move |r| (c, r)))
        .filter(|(_, r)| !allows(allowed, r.kind))
        .collect();
    let mut flags: Vec<Option<&str>> = Vec::new();
    for (_, refusal) in &refused {
        if !flags.contains(&refusal.flag.as_deref()) {
            flags.push(refusal.flag.as_deref());
        }
    }
    flags.sort_by_key(|f| f.is_none());
    flags
        .into_iter()
        .map(|flag| {
            let group: Vec<(&ChangeDoc, &RefusalDoc)> = refused
                .iter()
                .filter(|(_, r)| r.flag.as_deref() == flag)
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
pub fn text(doc: &PlanDocument, allowed: &Allowed) -> Option<String> {
    let groups = groups(doc, allowed);
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

/// Whether the `apply` flags given allow a refusal of `kind`.
fn allows(allowed: &Allowed, kind: RefusalKindDoc) -> bool {
    match kind {
        RefusalKindDoc::Destroy => allowed.destroy,
        RefusalKindDoc::DataLoss => allowed.data_loss,
        RefusalKindDoc::Lockout => allowed.lockout,
        RefusalKindDoc::ConsumerDisconnect => allowed.consumer_disconnect,
        RefusalKindDoc::Unsupported => false,
    }
}

/// What the group's steps do, without the flag; ends in a colon.
fn heading(flag: Option<&str>, group: &[(&ChangeDoc, &RefusalDoc)]) -> String {
    let one = group.len() == 1;
    let (step, does) = if one {
        ("this step", "s")
    } else {
        ("these steps", "")
    };
    if flag.is_none() {
        return "not possible on this broker, whatever the flags:".to_string();
    }
    let first = group.first().map(|(_, r)| *r);
    match first.map(|r| r.kind) {
        Some(RefusalKindDoc::Destroy) => format!("{step} delete{does} or re-create{does} objects:"),
        Some(RefusalKindDoc::DataLoss) => format!("{step} drop{does} the messages held in queues:"),
        Some(RefusalKindDoc::Lockout) => format!(
            "{step} remove{does} or weaken{does} {:?}, the user warren is logged in as:",
            first.and_then(|r| r.user.as_deref()).unwrap_or_default()
        ),
        Some(RefusalKindDoc::ConsumerDisconnect) => format!("{step} disconnect{does} consumers:"),
        Some(RefusalKindDoc::Unsupported) | None => format!("{step}:"),
    }
}

fn step(change: &ChangeDoc, refusal: &RefusalDoc) -> String {
    let sign = match change.action {
        ActionDoc::Create => "+",
        ActionDoc::Update => "~",
        ActionDoc::Replace | ActionDoc::Migrate => "-/+",
        ActionDoc::Delete => "-",
    };
    let id = &change.address;
    match refusal.kind {
        RefusalKindDoc::DataLoss => format!("{sign} {id} ({})", messages(change.messages)),
        RefusalKindDoc::ConsumerDisconnect => {
            let consumers = refusal.consumers.unwrap_or_default();
            format!(
                "{sign} {id} ({consumers} consumer{})",
                if consumers == 1 { "" } else { "s" }
            )
        }
        RefusalKindDoc::Unsupported => format!("{sign} {id}: {}", refusal.reason),
        RefusalKindDoc::Destroy | RefusalKindDoc::Lockout => format!("{sign} {id}"),
    }
}

/// `1,204 messages`, or what is known when the broker did not say (`None`).
pub fn messages(count: Option<u64>) -> String {
    match count {
        Some(n) => format!(
            "{} message{}",
            crate::render::markdown::thousands(n),
            if n == 1 { "" } else { "s" }
        ),
        None => "an unknown number of messages: the broker reports no count".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceId;
    use crate::plan::{Action, Change, Plan, Refusal};

    #[test]
    fn the_locked_out_user_and_the_consumers_come_from_the_document() {
        let mut weaken = Change::new(ResourceId::User { name: "me".into() }, Action::Delete);
        weaken.refusals = vec![Refusal::Lockout { user: "me".into() }];
        let queue = ResourceId::Queue {
            vhost: "/v".into(),
            name: "q".into(),
        };
        let mut migrate = Change::new(queue, Action::Migrate);
        migrate.refusals = vec![
            Refusal::ConsumerDisconnect { consumers: 2 },
            Refusal::Unsupported {
                reason: "not on 3.10".into(),
            },
        ];
        let plan = Plan {
            environment: "e".into(),
            changes: vec![weaken, migrate],
            ..Plan::default()
        };
        let doc = PlanDocument::new(&plan);
        let all = text(&doc, &Allowed::default()).expect("refused");
        assert!(
            all.starts_with(
                "  --allow-lockout: this step removes or weakens \"me\", the user warren is \
                 logged in as:\n      - user \"me\"\n"
            ),
            "{all}"
        );
        let lockout = Allowed {
            lockout: true,
            ..Allowed::default()
        };
        assert_eq!(
            text(&doc, &lockout).as_deref(),
            Some(
                "  --allow-consumer-disconnect: this step disconnects consumers:\n      \
                 -/+ queue \"q\" in \"/v\" (2 consumers)\n  not possible on this broker, \
                 whatever the flags:\n      -/+ queue \"q\" in \"/v\": not on 3.10\n"
            )
        );
    }
}
