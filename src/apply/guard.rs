//! The destructive-step guards: flags for deletes and replaces, message counts for queues.

use crate::broker::{queue_totals, HttpBroker};
use crate::plan::{Action, Plan};

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

/// Reads the queue's message count right before deleting it: quorum queues ignore if-empty.
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
    use crate::model::ResourceId;
    use crate::plan::Change;

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

    #[test]
    fn updates_need_no_flags() {
        assert!(check_plan(&plan_with(Action::Update, Some(3)), false, false).is_ok());
    }
}
