//! The dynamic shovels a migration moves messages with: defining them, reading their state,
//! and forgetting one that was stored but never started.

use std::time::{Duration, Instant};

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
    /// The shovel's status as the broker reports it.
    pub(super) async fn shovel_status(&self, shovel: &str) -> Result<Report, ApplyError> {
        let Some(statuses) = shovel_statuses(self.broker, self.vhost).await? else {
            return Ok(Report::Unavailable);
        };
        Ok(match statuses.into_iter().find(|s| s.name == shovel) {
            Some(status) => Report::Status(status),
            None => Report::Missing,
        })
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

/// What the broker reports of one shovel.
#[derive(Clone, Debug)]
pub(super) enum Report {
    Status(ShovelStatus),
    /// The broker reports shovels, but not this one: it is not running.
    Missing,
    /// The broker reports no shovel at all (no shovel management plugin).
    Unavailable,
}

/// Since when a defined shovel has gone without a status, after this `report`; None while
/// it reports one, or while the broker reports none at all (no plugin to report them).
pub(super) fn unreported_since(report: &Report, since: Option<Instant>) -> Option<Instant> {
    match report {
        Report::Missing => Some(since.unwrap_or_else(Instant::now)),
        Report::Status(_) | Report::Unavailable => None,
    }
}

/// A shovel's state for a progress line, e.g. `shovel running`.
pub(super) fn describe(report: &Report) -> String {
    match report {
        Report::Status(s) => format!("shovel {}", s.state),
        Report::Missing => "no shovel status reported".to_string(),
        Report::Unavailable => "the broker reports no shovel status".to_string(),
    }
}

/// An error for a shovel that stopped on an error (say, a queue it cannot declare): it
/// never finishes.
pub(super) fn check_stopped(shovel: &str, report: &Report) -> Result<(), ApplyError> {
    match report {
        Report::Status(s) if s.state == "terminated" => Err(ApplyError::ShovelStopped {
            shovel: shovel.to_string(),
            reason: s
                .reason
                .as_ref()
                .map_or("no reason given".to_string(), Value::to_string),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::{unreported_since, Report};
    use crate::format::wire::ShovelStatus;

    #[test]
    fn only_a_status_missing_from_a_reported_list_counts_as_unreported() {
        let then = Instant::now();
        assert_eq!(unreported_since(&Report::Missing, Some(then)), Some(then));
        assert!(unreported_since(&Report::Missing, None).is_some());
        assert_eq!(unreported_since(&Report::Unavailable, Some(then)), None);
        let running = Report::Status(ShovelStatus::default());
        assert_eq!(unreported_since(&running, Some(then)), None);
    }
}
