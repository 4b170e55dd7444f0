//! `diff(desired, live, scope)`: a pure function from two states to a [`Plan`].

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde_json::Value;

use super::reason::Reason;
use super::scope::Scope;
use super::{Action, Change, FieldDiff, Plan};
use crate::model::kinds::immutable_fields;
use crate::model::resource::{redact_credentials, SENSITIVE_FIELDS};
use crate::model::{DestinationType, Resource, ResourceId, State};

pub fn diff(environment: &str, desired: &State, live: &State, scope: &Scope) -> Plan {
    let mut plan = Plan {
        environment: environment.to_string(),
        ..Plan::default()
    };
    // Both states iterate in id order: one pass over the two, no lookup per object.
    let (mut wanted, mut found) = (desired.iter().peekable(), live.iter().peekable());
    loop {
        let order = match (wanted.peek(), found.peek()) {
            (Some((want_id, _)), Some((have_id, _))) => want_id.cmp(have_id),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match order {
            Ordering::Less => {
                let (id, want) = wanted.next().expect("peeked");
                plan.changes
                    .push(change(id, Action::Create, None, Some(want), Vec::new()));
            }
            Ordering::Equal => {
                let ((id, want), (_, have)) = (
                    wanted.next().expect("peeked"),
                    found.next().expect("peeked"),
                );
                compare(&mut plan, id, have, want);
            }
            Ordering::Greater => {
                let (id, have) = found.next().expect("peeked");
                undeclared(&mut plan, id, have, scope);
            }
        }
    }
    recreate_bindings_of_replaced(&mut plan, desired, live);
    plan.changes
        .sort_by(|a, b| (a.id.level(), &a.id).cmp(&(b.id.level(), &b.id)));
    plan
}

/// An object both sides have: updated or replaced where its fields differ.
fn compare(plan: &mut Plan, id: &ResourceId, have: &Resource, want: &Resource) {
    let fields = field_diffs(id, have, want);
    if fields.is_empty() {
        return;
    }
    let action = if fields.iter().any(|f| f.forces_replace) {
        Action::Replace
    } else {
        Action::Update
    };
    plan.changes
        .push(change(id, action, Some(have), Some(want), fields));
}

/// An object only the broker has: deleted where the scope prunes it, else listed.
fn undeclared(plan: &mut Plan, id: &ResourceId, have: &Resource, scope: &Scope) {
    if !scope.contains(id) {
        return;
    }
    if scope.prunes(id) {
        plan.changes
            .push(change(id, Action::Delete, Some(have), None, Vec::new()));
    } else {
        plan.unmanaged.push(id.clone());
    }
}

fn change(
    id: &ResourceId,
    action: Action,
    before: Option<&Resource>,
    after: Option<&Resource>,
    fields: Vec<FieldDiff>,
) -> Change {
    Change {
        before: before.cloned(),
        after: after.cloned(),
        fields,
        ..Change::new(id.clone(), action)
    }
}

/// Per-field differences; maps (arguments, definitions) are compared key by key.
pub fn field_diffs(id: &ResourceId, before: &Resource, after: &Resource) -> Vec<FieldDiff> {
    if before.props == after.props {
        return Vec::new();
    }
    let immutable = immutable_fields(id);
    let mut names: Vec<&str> = before.props.keys().chain(after.props.keys()).collect();
    names.sort();
    names.dedup();
    let mut diffs = Vec::new();
    for name in names {
        let (b, a) = (before.props.get(name), after.props.get(name));
        if b == a {
            continue;
        }
        let forces_replace = immutable.contains(&name);
        let sensitive = SENSITIVE_FIELDS.contains(&name);
        match (b, a) {
            (Some(Value::Object(bm)), Some(Value::Object(am))) => {
                let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    let (b, a) = (bm.get(key), am.get(key));
                    if b != a {
                        let field = format!("{name}.{key}");
                        diffs.push(field_diff(field, (b, a), forces_replace, sensitive));
                    }
                }
            }
            _ => diffs.push(field_diff(
                name.to_string(),
                (b, a),
                forces_replace,
                sensitive,
            )),
        }
    }
    diffs
}

/// One field's change; its values are left out when the field is sensitive or when only
/// URI passwords differ.
fn field_diff(
    field: String,
    (before, after): (Option<&Value>, Option<&Value>),
    forces_replace: bool,
    sensitive: bool,
) -> FieldDiff {
    let sensitive = sensitive || only_credentials_differ(before, after);
    FieldDiff {
        field,
        before: if sensitive { None } else { before.cloned() },
        after: if sensitive { None } else { after.cloned() },
        forces_replace,
        sensitive,
    }
}

/// Two different values that read the same once URI passwords are redacted: showing them
/// would print a change that looks like none, so it is shown as a sensitive change.
fn only_credentials_differ(before: Option<&Value>, after: Option<&Value>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => redact_credentials(b) == redact_credentials(a),
        _ => false,
    }
}

/// The broker deletes a queue's or exchange's bindings with it, declared or not: plan them
/// again, unless the plan deletes the binding or one of its ends anyway.
fn recreate_bindings_of_replaced(plan: &mut Plan, desired: &State, live: &State) {
    let with_action = |action: Action| -> BTreeSet<ResourceId> {
        plan.changes
            .iter()
            .filter(|c| c.action == action)
            .map(|c| c.id.clone())
            .collect()
    };
    let replaced = with_action(Action::Replace);
    if replaced.is_empty() {
        return;
    }
    let deleted = with_action(Action::Delete);
    for (id, have) in live.iter() {
        let ResourceId::Binding {
            vhost,
            source,
            destination_type,
            destination,
            ..
        } = id
        else {
            continue;
        };
        if deleted.contains(id) || id.depends_on().iter().any(|d| deleted.contains(d)) {
            continue;
        }
        let touches = replaced.iter().find(|r| match r {
            ResourceId::Exchange { vhost: v, name } => {
                v == vhost
                    && (name == source
                        || (*destination_type == DestinationType::Exchange && name == destination))
            }
            ResourceId::Queue { vhost: v, name } => {
                v == vhost && *destination_type == DestinationType::Queue && name == destination
            }
            _ => false,
        });
        let Some(replaced) = touches else {
            continue;
        };
        let (after, declared) = match desired.get(id) {
            Some(want) => (want.clone(), true),
            // Not declared and not pruned: left as it was, so put back as it was.
            None => (
                Resource {
                    props: have.props.clone(),
                    ..Resource::default()
                },
                false,
            ),
        };
        let mut c = change(id, Action::Create, None, Some(&after), Vec::new());
        c.reason = Some(Reason::DroppedWithReplaced {
            replaced: replaced.clone(),
            declared,
        });
        plan.changes.push(c);
    }
}
