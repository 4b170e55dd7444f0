//! The plan document from the internal plan: the one place the plan formats read a
//! [`Plan`]; every format renders from what this builds.

use serde_json::Value;

use super::document::{
    ActionDoc, ChangeDoc, Drawing, FieldDoc, MigrationDoc, PlanDocument, RefusalDoc,
    RefusalKindDoc, SummaryDoc, FORMAT_VERSION,
};
use crate::model::resource::SENSITIVE_FIELDS;
use crate::model::{Resource, ResourceId};
use crate::plan::{Action, Change, FieldDiff, MessageCount, Plan, Refusal};
use crate::render::published_field::PublishedField;

impl PlanDocument {
    pub fn new(plan: &Plan) -> PlanDocument {
        let s = plan.summary();
        let changes: Vec<ChangeDoc> = plan.changes.iter().map(change_doc).collect();
        let refusals = || changes.iter().flat_map(|c| &c.refusals);
        let mut flags_needed: Vec<String> = refusals().filter_map(|r| r.flag.clone()).collect();
        flags_needed.sort();
        flags_needed.dedup();
        let blocked = refusals().any(|r| r.kind == RefusalKindDoc::Unsupported);
        PlanDocument {
            format_version: FORMAT_VERSION,
            environment: plan.environment.clone(),
            summary: SummaryDoc {
                create: s.create,
                update: s.update,
                replace: s.replace,
                delete: s.delete,
                migrate: s.migrate,
            },
            changes,
            unmanaged: plan.unmanaged.clone(),
            flags_needed,
            blocked,
            notes: plan
                .notes
                .iter()
                .map(crate::render::notes::sentence)
                .collect(),
            routing_changes: plan.routing.clone(),
        }
    }
}

fn refusal_doc(change: &Change, refusal: &Refusal) -> RefusalDoc {
    let kind = match refusal {
        Refusal::Destroy => RefusalKindDoc::Destroy,
        Refusal::DataLoss => RefusalKindDoc::DataLoss,
        Refusal::Lockout { .. } => RefusalKindDoc::Lockout,
        Refusal::ConsumerDisconnect { .. } => RefusalKindDoc::ConsumerDisconnect,
        Refusal::Unsupported { .. } => RefusalKindDoc::Unsupported,
    };
    RefusalDoc {
        kind,
        flag: refusal.flag().map(str::to_string),
        reason: refusal_reason(change, refusal),
        user: match refusal {
            Refusal::Lockout { user } => Some(user.clone()),
            _ => None,
        },
        consumers: match refusal {
            Refusal::ConsumerDisconnect { consumers } => Some(*consumers),
            _ => None,
        },
    }
}

/// One refusal in a sentence, as each change lists it.
fn refusal_reason(change: &Change, refusal: &Refusal) -> String {
    match refusal {
        Refusal::Destroy if change.action == Action::Replace => {
            format!("deletes and re-creates {}", change.id)
        }
        Refusal::Destroy if change.action == Action::Migrate => format!(
            "re-creates {} (its messages are moved, not dropped; consumers are disconnected)",
            change.id
        ),
        Refusal::Destroy => format!("deletes {}", change.id),
        Refusal::DataLoss => format!(
            "drops {} held in {}",
            super::refusals::messages(change.messages.and_then(MessageCount::known)),
            change.id
        ),
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

fn change_doc(change: &Change) -> ChangeDoc {
    ChangeDoc {
        id: ResourceId::clone(&change.id),
        address: change.id.to_string(),
        action: ActionDoc::from(change.action),
        destructive: change.action.is_destructive(),
        messages: change.messages.and_then(MessageCount::known),
        messages_unknown: change.messages == Some(MessageCount::Unknown),
        refusals: change
            .refusals
            .iter()
            .map(|r| refusal_doc(change, r))
            .collect(),
        migration: change.migration.as_ref().map(|m| MigrationDoc {
            temporary_queue: m.temporary.clone(),
            resumed: m.resumed,
            waiting: m.waiting.and_then(MessageCount::known),
            summary: crate::render::migration::summary(change).unwrap_or_default(),
        }),
        reason: change.reason.as_ref().map(ToString::to_string),
        fields: change_fields(change).iter().map(FieldDoc::from).collect(),
        drawing: drawing(change),
    }
}

/// What the topology picture needs of an exchange or queue: the object as it will be, or as
/// it was for a delete.
fn drawing(change: &Change) -> Drawing {
    let Some(side) = change.after.as_ref().or(change.before.as_ref()) else {
        return Drawing::default();
    };
    match change.id {
        ResourceId::Exchange { .. } => Drawing {
            exchange_type: side.str("type").map(str::to_string),
            dead_letter_exchange: None,
        },
        ResourceId::Queue { .. } => Drawing {
            exchange_type: None,
            dead_letter_exchange: side
                .get("arguments")
                .and_then(|a| a.get("x-dead-letter-exchange"))
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        _ => Drawing::default(),
    }
}

/// A change's fields: the diff for updates and replaces, every property for creates and deletes.
fn change_fields(change: &Change) -> Vec<FieldDiff> {
    match change.action {
        Action::Update | Action::Replace | Action::Migrate => change.fields.clone(),
        Action::Create => change
            .after
            .as_ref()
            .map(|r| whole(r, false))
            .unwrap_or_default(),
        Action::Delete => change
            .before
            .as_ref()
            .map(|r| whole(r, true))
            .unwrap_or_default(),
    }
}

/// Every property of one side, maps opened one level as `diff` compares them.
fn whole(resource: &Resource, removed: bool) -> Vec<FieldDiff> {
    let mut rows = Vec::new();
    let mut push = |field: String, value: &Value, sensitive: bool| {
        let value = (!sensitive).then(|| value.clone());
        let (before, after) = if removed {
            (value, None)
        } else {
            (None, value)
        };
        rows.push(FieldDiff {
            field,
            before,
            after,
            forces_replace: false,
            sensitive,
        });
    };
    for (name, value) in &resource.props {
        let sensitive = SENSITIVE_FIELDS.contains(&name);
        match value {
            Value::Object(map) if !sensitive => {
                for (key, v) in map {
                    push(format!("{name}.{key}"), v, false);
                }
            }
            other => push(name.to_string(), other, sensitive),
        }
    }
    rows
}

impl From<&FieldDiff> for FieldDoc {
    fn from(diff: &FieldDiff) -> Self {
        let PublishedField {
            field,
            before,
            after,
            forces_replace,
            sensitive,
        } = PublishedField::from(diff);
        FieldDoc {
            field,
            before,
            after,
            forces_replace,
            sensitive,
        }
    }
}

impl From<Action> for ActionDoc {
    fn from(action: Action) -> Self {
        match action {
            Action::Create => ActionDoc::Create,
            Action::Update => ActionDoc::Update,
            Action::Replace => ActionDoc::Replace,
            Action::Delete => ActionDoc::Delete,
            Action::Migrate => ActionDoc::Migrate,
        }
    }
}
