//! After a definitions import: which of its queues and exchanges the broker does not have.
//! The import skips a queue it cannot declare (a vhost a killed apply left half-made)
//! without saying so.

use std::collections::{BTreeMap, HashSet};

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::broker::fetch::names;
use crate::broker::fetch_objects::fetch_objects;
use crate::broker::{BrokerError, HttpBroker};
use crate::model::ResourceId;
use crate::plan::Plan;

/// Up to this many objects of a vhost are checked one GET each; more, by listing the vhost
/// (on 3.10 a listing of 10,000 queues took 0.6 s, 200 single reads 0.1 s).
const READ_ONE_BY_ONE_MAX: usize = 500;

/// Vhost listings read at once.
const CONCURRENT_LISTINGS: usize = 4;

/// An object the import was asked to create, as `(kind, vhost, name)`.
type Wanted = (&'static str, String, String);

/// The steps of `chunk` whose queue or exchange is missing, lowest level first.
pub async fn missing_after_import(
    broker: &HttpBroker,
    plan: &Plan,
    chunk: &[usize],
) -> Result<Vec<usize>, BrokerError> {
    let mut by_vhost: BTreeMap<(&'static str, &str), Vec<&ResourceId>> = BTreeMap::new();
    for &index in chunk {
        let id = &plan.changes[index].id;
        if let Some((kind, vhost, _)) = wanted(id) {
            by_vhost.entry((kind, vhost)).or_default().push(id);
        }
    }
    let (few, many): (Vec<_>, Vec<_>) = by_vhost
        .into_iter()
        .partition(|(_, ids)| ids.len() <= READ_ONE_BY_ONE_MAX);
    let mut to_list: Vec<(&'static str, &str)> = many.into_iter().map(|(key, _)| key).collect();
    let mut present: HashSet<Wanted> = HashSet::new();
    // Every vhost's few objects in one batch of reads, many at a time: a round of reads per
    // vhost, one vhost after another, took seconds with a thousand vhosts.
    let ids: Vec<ResourceId> = few
        .iter()
        .flat_map(|(_, ids)| ids.iter().map(|&id| id.clone()))
        .collect();
    if !ids.is_empty() {
        match fetch_objects(broker, &ids).await? {
            Some(snapshot) => {
                let found = snapshot.definitions;
                let queues = found
                    .queues
                    .into_iter()
                    .map(|q| ("queues", q.vhost, q.name));
                let exchanges =
                    (found.exchanges.into_iter()).map(|e| ("exchanges", e.vhost, e.name));
                present.extend(queues.chain(exchanges));
            }
            None => to_list.extend(few.iter().map(|(key, _)| *key)),
        }
    }
    let listed: Vec<(&'static str, &str, HashSet<String>)> = stream::iter(to_list)
        .map(|(kind, vhost)| async move {
            let listed = names(broker, kind, vhost).await?;
            Ok::<_, BrokerError>((kind, vhost, listed))
        })
        .buffer_unordered(CONCURRENT_LISTINGS)
        .try_collect()
        .await?;
    for (kind, vhost, listed) in listed {
        present.extend(
            listed
                .into_iter()
                .map(|name| (kind, vhost.to_string(), name)),
        );
    }
    let mut missing: Vec<usize> = chunk
        .iter()
        .copied()
        .filter(|&index| {
            wanted(&plan.changes[index].id).is_some_and(|(kind, vhost, name)| {
                !present.contains(&(kind, vhost.to_string(), name.to_string()))
            })
        })
        .collect();
    missing.sort_by_key(|&index| plan.changes[index].id.level());
    Ok(missing)
}

/// A queue's or an exchange's kind (as its listing's path names it), vhost and name.
fn wanted(id: &ResourceId) -> Option<(&'static str, &str, &str)> {
    match id {
        ResourceId::Queue { vhost, name } => Some(("queues", vhost, name)),
        ResourceId::Exchange { vhost, name } => Some(("exchanges", vhost, name)),
        _ => None,
    }
}
