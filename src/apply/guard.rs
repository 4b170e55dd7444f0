//! What apply reads right before a destructive step, and who warren is logged in as.

use serde_json::Value;

use super::error::ApplyError;
use crate::broker::{queue_totals, ApiPath, HttpBroker};

/// The name the broker knows warren's login by.
pub async fn login_user(broker: &HttpBroker) -> Result<String, ApplyError> {
    let me: Value = broker.get_json(&ApiPath::new(["whoami"])).await?;
    me.get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(ApplyError::WhoamiWithoutName)
}

/// Reads the queue's message count right before deleting it: quorum queues and streams
/// refuse if-empty.
pub async fn recheck_messages(
    broker: &HttpBroker,
    vhost: &str,
    name: &str,
    allow_data_loss: bool,
) -> Result<(), ApplyError> {
    if allow_data_loss {
        return Ok(());
    }
    let totals = queue_totals(broker, Some(vhost)).await?;
    let messages = totals
        .iter()
        .find(|q| q.name == name)
        .and_then(|q| q.messages);
    match messages {
        Some(0) => Ok(()),
        Some(n) => Err(ApplyError::QueueNotEmpty {
            vhost: vhost.to_string(),
            name: name.to_string(),
            messages: n,
        }),
        // A queue that is down or has no stats yet: its messages may be there.
        None => Err(ApplyError::MessagesUnreported {
            vhost: vhost.to_string(),
            name: name.to_string(),
        }),
    }
}
