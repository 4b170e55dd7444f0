//! The consumers a migration meets: refused unless allowed, or closed so that the messages
//! they hold come back before the queue goes.

use std::time::{Duration, Instant};

use super::{Step, POLL};
use crate::apply::error::ApplyError;
use crate::broker::fetch::{consumers_besides_shovel, queue_consumers};
use crate::broker::ApiPath;

/// How long the consumer listing may trail a queue's consumer count (a statistics interval
/// or two on a busy node).
const CONSUMERS_LISTED_WITHIN: Duration = Duration::from_secs(15);

impl Step<'_> {
    /// Refuses to go on while clients consume from `queue` (besides the migration's shovel).
    pub(super) async fn refuse_consumers(&self, queue: &str) -> Result<(), ApplyError> {
        let consumers =
            consumers_besides_shovel(self.broker, self.vhost, queue, self.temporary).await?;
        if consumers == 0 {
            return Ok(());
        }
        Err(ApplyError::ConsumersAttached {
            vhost: self.vhost.to_string(),
            queue: queue.to_string(),
            consumers,
        })
    }

    /// Closes the client connections consuming from `queue` (with the reason shown to the
    /// client). With `all_listed`, once the listing names every consumer the queue counts:
    /// a consumer left open before a shovel starts would hold its messages while the
    /// shovel moves the rest, and they would move last.
    pub(super) async fn disconnect_consumers(
        &self,
        queue: &str,
        all_listed: bool,
    ) -> Result<(), ApplyError> {
        let deadline = Instant::now() + CONSUMERS_LISTED_WITHIN;
        let consumers = loop {
            let consumers = queue_consumers(self.broker, self.vhost, queue).await?;
            let listed = !all_listed || consumers.listed >= consumers.count;
            if listed {
                break consumers;
            }
            if Instant::now() >= deadline {
                // The queue's refusal to go while in use still keeps their messages.
                self.say(&format!(
                    "{queue:?} counts {} consumer(s) but names {} after {} s; closing those named",
                    consumers.count,
                    consumers.listed,
                    CONSUMERS_LISTED_WITHIN.as_secs()
                ));
                break consumers;
            }
            tokio::time::sleep(POLL).await;
        };
        let closed = consumers.client_connections;
        if closed.is_empty() {
            return Ok(());
        }
        for connection in &closed {
            self.say(&format!("closing consumer connection {connection:?}"));
            let path = ApiPath::new(["connections", connection.as_str()]);
            match self.broker.delete(&path).await {
                Err(e) if !e.is_not_found() => return Err(e.into()),
                _ => {}
            }
        }
        // The queue takes back a closed consumer's unacknowledged messages as it drops the
        // consumer: once the listing no longer names the connection, they are back.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = queue_consumers(self.broker, self.vhost, queue).await?;
            if !now.client_connections.iter().any(|c| closed.contains(c)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(ApplyError::ConsumersStayed {
                    vhost: self.vhost.to_string(),
                    queue: queue.to_string(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
