//! The dynamic shovels a migration moves messages with: defining them, reading their state,
//! and forgetting one that was stored but never started.

use std::time::Duration;

use serde_json::{json, Value};

use super::Step;
use crate::apply::error::ApplyError;
use crate::broker::fetch::{shovel_defined, shovel_statuses};
use crate::broker::ApiPath;
use crate::format::wire::ShovelStatus;

/// A shovel shows in the broker's status list from the moment it starts; one defined this
/// long without showing there was never started.
pub(super) const SHOVEL_UNREPORTED_AFTER: Duration = Duration::from_secs(10);

impl Step<'_> {
    /// The shovel's status as the broker reports it; None when it reports none.
    pub(super) async fn shovel_status(
        &self,
        shovel: &str,
    ) -> Result<Option<ShovelStatus>, ApplyError> {
        let statuses = shovel_statuses(self.broker, self.vhost).await?;
        Ok(statuses.into_iter().find(|s| s.name == shovel))
    }

    /// Deletes a shovel's definition. The broker answers 500 when no shovel of that name
    /// runs, having deleted the definition all the same: what counts is that it is gone.
    pub(super) async fn forget_shovel(&self, shovel: &str) -> Result<(), ApplyError> {
        let path = ApiPath::parameter("shovel", self.vhost, shovel);
        match self.broker.delete(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) if e.status() == Some(500) => {
                if shovel_defined(self.broker, self.vhost, shovel).await? {
                    Err(e.into())
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn start_shovel(
        &self,
        shovel: &str,
        from: &str,
        to: &str,
    ) -> Result<(), ApplyError> {
        let uri = format!(
            "amqp:///{}",
            percent_encoding::utf8_percent_encode(self.vhost, percent_encoding::NON_ALPHANUMERIC)
        );
        let value = json!({
            "src-protocol": "amqp091",
            "src-uri": uri,
            "src-queue": from,
            "dest-protocol": "amqp091",
            "dest-uri": uri,
            "dest-queue": to,
            "ack-mode": "on-confirm",
            "src-delete-after": "queue-length",
        });
        let body = json!({ "value": value });
        self.broker
            .put_json(&ApiPath::parameter("shovel", self.vhost, shovel), &body)
            .await
            .map_err(ApplyError::from)
    }
}

/// A shovel's state for a progress line, e.g. `shovel running`.
pub(super) fn describe(status: Option<&ShovelStatus>) -> String {
    match status {
        Some(s) => format!("shovel {}", s.state),
        None => "no shovel status reported".to_string(),
    }
}

/// An error for a shovel that stopped on an error (say, a queue it cannot declare): it
/// never finishes.
pub(super) fn check_stopped(shovel: &str, status: Option<&ShovelStatus>) -> Result<(), ApplyError> {
    match status {
        Some(s) if s.state == "terminated" => Err(ApplyError::ShovelStopped {
            shovel: shovel.to_string(),
            reason: s
                .reason
                .as_ref()
                .map_or("no reason given".to_string(), Value::to_string),
        }),
        _ => Ok(()),
    }
}
