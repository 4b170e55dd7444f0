//! What `apply` refuses and which flag allows it, computed once for the plan so that `plan`
//! shows every refusal, all at once, and `apply` checks the same list.

use serde_json::Value;

use super::{Action, Change, Plan, Refusal};
use crate::model::ResourceId;

/// What the refusals need beyond the plan itself.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The user warren is logged in as; read only when [`needs_login`] says so.
    pub login: Option<String>,
    /// The broker's version, when it ignores a changed default queue type on an existing
    /// vhost (before 3.11.17).
    pub ignores_vhost_queue_type_change: Option<String>,
}

/// Sets every change's refusals.
pub fn annotate(plan: &mut Plan, context: &Context) {
    for change in &mut plan.changes {
        change.refusals = refusals_of(change, context);
    }
}

/// Whether a step could remove or weaken some user: only then is the login user looked up.
pub fn needs_login(plan: &Plan) -> bool {
    plan.changes.iter().any(|c| {
        c.action != Action::Create
            && matches!(
                c.id,
                ResourceId::User { .. } | ResourceId::Permission { .. }
            )
    })
}

fn refusals_of(change: &Change, context: &Context) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    if change.action.is_destructive() {
        refusals.push(Refusal::Destroy);
        // A migration moves the messages instead of dropping them.
        if change.action != Action::Migrate && change.messages.is_some_and(|m| m.at_stake()) {
            refusals.push(Refusal::DataLoss);
        }
    }
    if let Some(migration) = change.migration.as_ref().filter(|m| m.consumers > 0) {
        refusals.push(Refusal::ConsumerDisconnect {
            consumers: migration.consumers,
        });
    }
    if let Some(login) = &context.login {
        if weakens(change, login) {
            refusals.push(Refusal::Lockout {
                user: login.clone(),
            });
        }
    }
    if let Some(version) = &context.ignores_vhost_queue_type_change {
        let changes_type = change
            .fields
            .iter()
            .any(|f| f.field == "default_queue_type");
        if matches!(change.id, ResourceId::Vhost { .. })
            && change.action == Action::Update
            && changes_type
        {
            refusals.push(Refusal::Unsupported {
                reason: format!(
                    "RabbitMQ {version} ignores a changed default queue type on an existing vhost (3.11.17 and later apply it); set `type:` on the queues that need it, or re-create the vhost"
                ),
            });
        }
    }
    refusals
}

/// warren never removes or weakens the user it is logged in as: no delete of it or its
/// permissions, no tag taken away, no permission narrowed, and no password change, which
/// would lock the rest of the apply out.
fn weakens(change: &Change, login: &str) -> bool {
    match &change.id {
        ResourceId::User { name } if name == login => match change.action {
            Action::Create => false,
            Action::Delete | Action::Replace | Action::Migrate => true,
            Action::Update => change.fields.iter().any(|f| match f.field.as_str() {
                "tags" => {
                    let tags = |v: &Option<Value>| v.as_ref().and_then(Value::as_array).cloned();
                    let after = tags(&f.after).unwrap_or_default();
                    tags(&f.before)
                        .unwrap_or_default()
                        .iter()
                        .any(|t| !after.contains(t))
                }
                _ => true,
            }),
        },
        // Regexes cannot be compared for strength; only widening to `.*` is known safe.
        ResourceId::Permission { user, .. } if user == login => match change.action {
            Action::Create => false,
            Action::Update => change
                .fields
                .iter()
                .any(|f| f.after != Some(Value::from(".*"))),
            Action::Delete | Action::Replace | Action::Migrate => true,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Allowed, FieldDiff, MessageCount};
    use serde_json::json;

    fn change(id: ResourceId, action: Action) -> Change {
        Change::new(id, action)
    }

    fn queue() -> ResourceId {
        ResourceId::Queue {
            vhost: "/".into(),
            name: "q".into(),
        }
    }

    fn plan_of(changes: Vec<Change>, context: &Context) -> Plan {
        let mut plan = Plan {
            environment: "t".into(),
            changes,
            unmanaged: vec![],
            notes: vec![],
            routing: Vec::new(),
        };
        annotate(&mut plan, context);
        plan
    }

    fn field(name: &str, before: Value, after: Value) -> FieldDiff {
        FieldDiff {
            field: name.into(),
            before: Some(before),
            after: Some(after),
            forces_replace: false,
            sensitive: false,
        }
    }

    #[test]
    fn destroy_and_data_loss_are_listed_together() {
        let mut replace = change(queue(), Action::Replace);
        replace.messages = Some(MessageCount::Known(3));
        let plan = plan_of(vec![replace], &Context::default());
        let refused: Vec<_> = plan.refused(&Allowed::default());
        let kinds: Vec<_> = refused.iter().map(|(_, r)| (*r).clone()).collect();
        assert_eq!(kinds, vec![Refusal::Destroy, Refusal::DataLoss]);
        let both = Allowed {
            destroy: true,
            data_loss: true,
            ..Allowed::default()
        };
        assert!(plan.refused(&both).is_empty());
    }

    #[test]
    fn an_unknown_message_count_is_never_taken_as_zero() {
        let mut delete = change(queue(), Action::Delete);
        delete.messages = Some(MessageCount::Unknown);
        let plan = plan_of(vec![delete], &Context::default());
        assert!(plan.changes[0].refusals.contains(&Refusal::DataLoss));
        let mut empty = change(queue(), Action::Delete);
        empty.messages = Some(MessageCount::Known(0));
        let plan = plan_of(vec![empty], &Context::default());
        assert_eq!(plan.changes[0].refusals, vec![Refusal::Destroy]);
    }

    #[test]
    fn updates_need_no_flags() {
        let mut update = change(queue(), Action::Update);
        update.messages = Some(MessageCount::Known(3));
        let plan = plan_of(vec![update], &Context::default());
        assert!(plan.changes[0].refusals.is_empty());
    }

    #[test]
    fn the_login_user_is_never_removed_or_weakened() {
        let me = || ResourceId::User {
            name: "admin".into(),
        };
        let perm = ResourceId::Permission {
            vhost: "/".into(),
            user: "admin".into(),
        };
        let context = Context {
            login: Some("admin".into()),
            ..Context::default()
        };
        let lockout = Refusal::Lockout {
            user: "admin".into(),
        };
        let mut narrowed = change(perm.clone(), Action::Update);
        narrowed.fields = vec![field("write", json!(".*"), json!("^x"))];
        let mut untagged = change(me(), Action::Update);
        untagged.fields = vec![field("tags", json!(["administrator"]), json!([]))];
        for weakening in [
            change(me(), Action::Delete),
            change(perm.clone(), Action::Delete),
            narrowed,
            untagged,
        ] {
            let plan = plan_of(vec![weakening], &context);
            assert!(needs_login(&plan));
            assert!(plan.changes[0].refusals.contains(&lockout), "{plan:?}");
        }
        let mut widened = change(perm, Action::Update);
        widened.fields = vec![field("read", json!("^a"), json!(".*"))];
        let mut tag_added = change(me(), Action::Update);
        tag_added.fields = vec![field("tags", json!(["a"]), json!(["a", "b"]))];
        let other = change(
            ResourceId::User {
                name: "other".into(),
            },
            Action::Delete,
        );
        let plan = plan_of(vec![widened, tag_added, other], &context);
        assert!(plan.changes.iter().all(|c| !c.refusals.contains(&lockout)));
        assert!(!needs_login(&plan_of(
            vec![change(me(), Action::Create)],
            &context
        )));
    }

    #[test]
    fn an_ignored_default_queue_type_change_is_refused_whatever_the_flags() {
        let mut update = change(ResourceId::Vhost { name: "/v".into() }, Action::Update);
        update.fields = vec![field(
            "default_queue_type",
            json!("classic"),
            json!("quorum"),
        )];
        let context = Context {
            ignores_vhost_queue_type_change: Some("3.10.8".into()),
            ..Context::default()
        };
        let plan = plan_of(vec![update], &context);
        let everything = Allowed {
            destroy: true,
            data_loss: true,
            lockout: true,
            consumer_disconnect: true,
        };
        let refused = plan.refused(&everything);
        assert_eq!(refused.len(), 1);
        assert!(
            matches!(refused[0].1, Refusal::Unsupported { reason } if reason.contains("3.10.8"))
        );
    }
}
