//! The destructive-step guards: flags for deletes and replaces, message counts for queues,
//! and the user warren is logged in as.

use serde_json::Value;

use crate::broker::{queue_totals, ApiPath, HttpBroker};
use crate::model::ResourceId;
use crate::plan::{Action, Change, Plan};

/// Refuses a plan whose destructive steps lack the flags that allow them.
pub fn check_plan(plan: &Plan, allow_destroy: bool, allow_data_loss: bool) -> Result<(), String> {
    let destructive: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action.is_destructive())
        .map(|c| {
            format!(
                "  {} {}",
                if c.action == Action::Replace {
                    "-/+"
                } else {
                    "-"
                },
                c.id
            )
        })
        .collect();
    if !destructive.is_empty() && !allow_destroy {
        return Err(format!(
            "the plan deletes or replaces {} object{}; pass --allow-destroy to allow it:\n{}",
            destructive.len(),
            if destructive.len() == 1 { "" } else { "s" },
            destructive.join("\n")
        ));
    }
    let losing: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action.is_destructive() && c.messages.unwrap_or(0) > 0)
        .map(|c| format!("  {} ({} messages)", c.id, c.messages.unwrap_or(0)))
        .collect();
    if !losing.is_empty() && !allow_data_loss {
        return Err(format!(
            "the plan drops messages held in {} queue{}; pass --allow-data-loss to allow it:\n{}",
            losing.len(),
            if losing.len() == 1 { "" } else { "s" },
            losing.join("\n")
        ));
    }
    Ok(())
}

/// Whether a step could remove or weaken some user; only then is the login user looked up.
pub fn touches_users(plan: &Plan) -> bool {
    plan.changes.iter().any(|c| {
        c.action != Action::Create
            && matches!(
                c.id,
                ResourceId::User { .. } | ResourceId::Permission { .. }
            )
    })
}

/// The name the broker knows warren's login by.
pub async fn login_user(broker: &HttpBroker) -> Result<String, String> {
    let me: Value = broker
        .get_json(&ApiPath::new(["whoami"]))
        .await
        .map_err(|e| e.to_string())?;
    me.get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "GET /api/whoami answered without a name".to_string())
}

/// warren never removes or weakens the user it is logged in as: no delete of it or its
/// permissions, no tag taken away, no permission narrowed, and no password change, which
/// would lock the rest of the apply out.
pub fn check_login_user(plan: &Plan, login: &str) -> Result<(), String> {
    let harmful: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| weakens(c, login))
        .map(|c| format!("  {}", c.id))
        .collect();
    if harmful.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the plan would remove, weaken or lock out {login:?}, the user warren is logged in as; declare it as it is, leave it out of scope, or pass --allow-lockout:\n{}",
        harmful.join("\n")
    ))
}

fn weakens(change: &Change, login: &str) -> bool {
    match &change.id {
        ResourceId::User { name } if name == login => match change.action {
            Action::Create => false,
            Action::Delete | Action::Replace => true,
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
            Action::Delete | Action::Replace => true,
        },
        _ => false,
    }
}

/// Reads the queue's message count right before deleting it: quorum queues and streams
/// refuse if-empty.
pub async fn recheck_messages(
    broker: &HttpBroker,
    vhost: &str,
    name: &str,
    allow_data_loss: bool,
) -> Result<(), String> {
    if allow_data_loss {
        return Ok(());
    }
    let totals = queue_totals(broker, Some(vhost))
        .await
        .map_err(|e| e.to_string())?;
    let messages = totals
        .iter()
        .find(|q| q.name == name)
        .and_then(|q| q.messages)
        .unwrap_or(0);
    if messages > 0 {
        return Err(format!(
            "queue {name:?} in {vhost:?} now holds {messages} messages; refusing to drop them without --allow-data-loss"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::FieldDiff;
    use serde_json::json;

    fn plan_with(action: Action, messages: Option<u64>) -> Plan {
        Plan {
            environment: "t".into(),
            changes: vec![Change {
                id: ResourceId::Queue {
                    vhost: "/".into(),
                    name: "q".into(),
                },
                action,
                before: None,
                after: None,
                fields: vec![],
                reason: None,
                messages,
            }],
            unmanaged: vec![],
        }
    }

    #[test]
    fn destroy_needs_its_flag() {
        let err = check_plan(&plan_with(Action::Delete, Some(0)), false, false).unwrap_err();
        assert!(err.contains("--allow-destroy"), "{err}");
        assert!(check_plan(&plan_with(Action::Delete, Some(0)), true, false).is_ok());
    }

    #[test]
    fn messages_need_the_data_loss_flag_too() {
        let err = check_plan(&plan_with(Action::Replace, Some(3)), true, false).unwrap_err();
        assert!(
            err.contains("3 messages") && err.contains("--allow-data-loss"),
            "{err}"
        );
        assert!(check_plan(&plan_with(Action::Replace, Some(3)), true, true).is_ok());
    }

    fn user_change(id: ResourceId, action: Action, fields: Vec<FieldDiff>) -> Plan {
        let mut plan = plan_with(action, None);
        plan.changes[0].id = id;
        plan.changes[0].fields = fields;
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
    fn the_login_user_is_never_removed_or_weakened() {
        let me = || ResourceId::User {
            name: "admin".into(),
        };
        let perm = ResourceId::Permission {
            vhost: "/".into(),
            user: "admin".into(),
        };
        for plan in [
            user_change(me(), Action::Delete, vec![]),
            user_change(perm.clone(), Action::Delete, vec![]),
            user_change(
                perm.clone(),
                Action::Update,
                vec![field("write", json!(".*"), json!("^x"))],
            ),
            user_change(
                me(),
                Action::Update,
                vec![field("tags", json!(["administrator"]), json!([]))],
            ),
        ] {
            let err = check_login_user(&plan, "admin").unwrap_err();
            assert!(err.contains("\"admin\""), "{err}");
            assert!(touches_users(&plan));
        }
        let widened = user_change(
            perm,
            Action::Update,
            vec![field("read", json!("^a"), json!(".*"))],
        );
        assert!(check_login_user(&widened, "admin").is_ok());
        let added_tag = user_change(
            me(),
            Action::Update,
            vec![field("tags", json!(["a"]), json!(["a", "b"]))],
        );
        assert!(check_login_user(&added_tag, "admin").is_ok());
        let other = user_change(
            ResourceId::User {
                name: "other".into(),
            },
            Action::Delete,
            vec![],
        );
        assert!(check_login_user(&other, "admin").is_ok());
        assert!(!touches_users(&user_change(me(), Action::Create, vec![])));
    }

    #[test]
    fn updates_need_no_flags() {
        assert!(check_plan(&plan_with(Action::Update, Some(3)), false, false).is_ok());
    }
}
