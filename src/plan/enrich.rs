//! What a plan needs from the broker beyond the diff, read only when a step needs it: the
//! messages in queues a destructive step touches, the keys binding deletes need, who warren
//! logs in as, and what the broker's version cannot do.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;

use super::change::{Action, MessageCount};
use super::document::Plan;
use super::refusals;
use crate::format::BrokerVersion;
use crate::model::ResourceId;

/// Messages per queue `(vhost, name)`; None for a queue listed without them.
pub type MessageCounts = HashMap<(String, String), Option<u64>>;

/// The reads enrichment makes; the live side implements them.
pub trait Reads {
    /// What a failed read says.
    type Error;
    /// Messages per queue `(vhost, name)`, in one read; None for a queue listed without them.
    fn message_counts(&self) -> impl Future<Output = Result<MessageCounts, Self::Error>>;
    /// The consumers of one queue besides the shovel of its migration to `temporary` (which
    /// an interrupted apply leaves running); 0 when the queue is not there.
    fn consumers(
        &self,
        vhost: &str,
        name: &str,
        temporary: &str,
    ) -> impl Future<Output = Result<u64, Self::Error>>;
    /// Every binding of a vhost, with the `properties_key` its DELETE needs.
    fn binding_keys(
        &self,
        vhost: &str,
    ) -> impl Future<Output = Result<Vec<(ResourceId, String)>, Self::Error>>;
    /// The user warren logs in as.
    fn login(&self) -> impl Future<Output = Result<String, Self::Error>>;
}

/// Message counts, binding keys and the refusal context, each read only when needed.
pub async fn enrich<R: Reads>(reads: &R, plan: &mut Plan) -> Result<(), R::Error> {
    count_messages(reads, plan).await?;
    attach_binding_keys(reads, plan).await
}

/// Who warren is logged in as (read only when a step could weaken a user or creates a
/// vhost), and what the broker's version cannot do.
pub async fn refusal_context<R: Reads>(
    reads: &R,
    plan: &Plan,
    version: &str,
) -> Result<refusals::Context, R::Error> {
    let creates_vhost = plan
        .changes
        .iter()
        .any(|c| c.action == Action::Create && matches!(c.id, ResourceId::Vhost { .. }));
    let login = if refusals::needs_login(plan) || creates_vhost {
        Some(reads.login().await?)
    } else {
        None
    };
    let ignores = version
        .parse::<BrokerVersion>()
        .is_ok_and(|v| !v.at_least(3, 11, 17));
    Ok(refusals::Context {
        login,
        ignores_vhost_queue_type_change: ignores.then(|| version.to_string()),
    })
}

/// Deleting a binding needs its `properties_key`: one read per vhost that has such a delete.
async fn attach_binding_keys<R: Reads>(reads: &R, plan: &mut Plan) -> Result<(), R::Error> {
    let vhosts: BTreeSet<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete && matches!(c.id, ResourceId::Binding { .. }))
        .filter_map(|c| c.id.vhost().map(str::to_string))
        .collect();
    let mut keys: HashMap<ResourceId, String> = HashMap::new();
    for vhost in vhosts {
        keys.extend(reads.binding_keys(&vhost).await?);
    }
    for change in plan
        .changes
        .iter_mut()
        .filter(|c| c.action == Action::Delete)
    {
        if let (Some(key), Some(before)) = (keys.get(&change.id), change.before.as_mut()) {
            before.properties_key = Some(key.clone());
        }
    }
    Ok(())
}

/// One request for all queue totals, made only when a destructive step touches a queue.
async fn count_messages<R: Reads>(reads: &R, plan: &mut Plan) -> Result<(), R::Error> {
    let touches_queue = |action: Action, id: &ResourceId| {
        action.is_destructive() && matches!(id, ResourceId::Queue { .. })
    };
    if !plan.changes.iter().any(|c| touches_queue(c.action, &c.id)) {
        return Ok(());
    }
    let counts = reads.message_counts().await?;
    for change in plan
        .changes
        .iter_mut()
        .filter(|c| touches_queue(c.action, &c.id))
    {
        if let ResourceId::Queue { vhost, name } = &change.id {
            // A queue that is down, or listed without stats, may hold messages; one that is
            // not there (a migration's temporary queue before it starts) holds none.
            let count_of = |queue: &str| match counts.get(&(vhost.clone(), queue.to_string())) {
                Some(Some(n)) => MessageCount::Known(*n),
                Some(None) => MessageCount::Unknown,
                None if change.before.is_none() || queue != name => MessageCount::Known(0),
                None => MessageCount::Unknown,
            };
            change.messages = Some(count_of(name));
            if let Some(migration) = change.migration.as_mut() {
                migration.waiting = Some(count_of(&migration.temporary));
                // The stats-free listing carries no consumers: ask the queue itself.
                migration.consumers = reads.consumers(vhost, name, &migration.temporary).await?;
            }
        }
    }
    Ok(())
}
