//! What apply reads right before a destructive step, and who warren is logged in as.

use serde_json::Value;

use crate::broker::{queue_totals, ApiPath, HttpBroker};

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
        .and_then(|q| q.messages);
    match messages {
        Some(0) => Ok(()),
        Some(n) => Err(format!(
            "queue {name:?} in {vhost:?} now holds {n} messages; refusing to drop them without --allow-data-loss"
        )),
        // A queue that is down or has no stats yet: its messages may be there.
        None => Err(format!(
            "the broker does not report how many messages queue {name:?} in {vhost:?} holds; refusing to delete it without --allow-data-loss"
        )),
    }
}
