//! Reading back a few named objects, one GET each, instead of the whole broker: what the
//! convergence check after a small apply needs.

use std::collections::BTreeSet;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use super::client::HttpBroker;
use super::error::Result;
use super::fetch::LiveSnapshot;
use super::path::ApiPath;
use crate::format::wire::{
    BindingDef, Definitions, ExchangeDef, GlobalParameterDef, ParameterDef, PermissionDef,
    PolicyDef, QueueDef, VhostInfo,
};
use crate::model::ResourceId;

/// Requests in flight at once.
const CONCURRENT_READS: usize = 16;
const VHOST_COLUMNS: &str = "name,description,tags,default_queue_type,tracing";
const QUEUE_COLUMNS: &str = "name,vhost,durable,auto_delete,arguments";
const EXCHANGE_COLUMNS: &str = "name,vhost,type,durable,auto_delete,internal,arguments";

/// One object's read, and where its answer goes.
enum Read {
    Vhost(ApiPath),
    Permission(ApiPath),
    Parameter(ApiPath),
    GlobalParameter(ApiPath),
    Policy(ApiPath),
    Queue(ApiPath),
    Exchange(ApiPath),
    Bindings(ApiPath),
}

/// The read of one object; None for a kind this module does not read one by one.
fn read_of(id: &ResourceId) -> Option<Read> {
    Some(match id {
        ResourceId::Vhost { name } => Read::Vhost(ApiPath::vhost(name)),
        ResourceId::Permission { vhost, user } => {
            Read::Permission(ApiPath::permission(vhost, user))
        }
        ResourceId::Parameter {
            vhost,
            component,
            name,
        } => Read::Parameter(ApiPath::parameter(component, vhost, name)),
        ResourceId::GlobalParameter { name } => {
            Read::GlobalParameter(ApiPath::global_parameter(name))
        }
        ResourceId::Policy { vhost, name } => Read::Policy(ApiPath::policy(vhost, name)),
        ResourceId::Queue { vhost, name } => {
            Read::Queue(ApiPath::queue(vhost, name).query("columns", QUEUE_COLUMNS))
        }
        ResourceId::Exchange { vhost, name } => {
            Read::Exchange(ApiPath::exchange(vhost, name).query("columns", EXCHANGE_COLUMNS))
        }
        // The default exchange has no name to put in a path.
        ResourceId::Binding { source, .. } if source.is_empty() => return None,
        ResourceId::Binding {
            vhost,
            source,
            destination_type,
            destination,
            ..
        } => Read::Bindings(ApiPath::binding_create(
            vhost,
            source,
            *destination_type,
            destination,
        )),
        _ => return None,
    })
}

/// What the broker has of `ids` now, as a snapshot holding only them (and their vhosts'
/// metadata, which gives a queue its default type). None when one of them is of a kind
/// without a read of its own here: the caller then reads everything.
pub async fn fetch_objects(
    broker: &HttpBroker,
    ids: &[ResourceId],
) -> Result<Option<LiveSnapshot>> {
    let mut reads = Vec::with_capacity(ids.len());
    let mut bindings_read = BTreeSet::new();
    for id in ids {
        let Some(read) = read_of(id) else {
            return Ok(None);
        };
        // Every binding between one source and one destination comes in one answer.
        if let Read::Bindings(path) = &read {
            if !bindings_read.insert(path.to_request_target()) {
                continue;
            }
        }
        reads.push(read);
    }
    let vhosts: BTreeSet<&str> = ids.iter().filter_map(ResourceId::vhost).collect();
    let vhost_reads: Vec<Read> = vhosts
        .into_iter()
        .map(|v| Read::Vhost(ApiPath::vhost(v)))
        .filter(|read| !reads.iter().any(|r| same_vhost_read(r, read)))
        .collect();
    reads.extend(vhost_reads);
    let answers: Vec<Answer> = stream::iter(reads)
        .map(|read| answer(broker, read))
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await?;
    let mut snapshot = LiveSnapshot {
        version: String::new(),
        cluster_name: String::new(),
        definitions: Definitions::default(),
        vhosts: Vec::new(),
    };
    let defs = &mut snapshot.definitions;
    for answer in answers {
        match answer {
            Answer::Missing => {}
            Answer::Vhost(v) => snapshot.vhosts.push(v),
            Answer::Permission(p) => defs.permissions.push(p),
            Answer::Parameter(p) => defs.parameters.push(p),
            Answer::GlobalParameter(p) => defs.global_parameters.push(p),
            Answer::Policy(p) => defs.policies.push(p),
            Answer::Queue(q) => defs.queues.push(q),
            Answer::Exchange(e) => defs.exchanges.push(e),
            Answer::Bindings(b) => defs.bindings.extend(b),
        }
    }
    Ok(Some(snapshot))
}

fn same_vhost_read(a: &Read, b: &Read) -> bool {
    match (a, b) {
        (Read::Vhost(a), Read::Vhost(b)) => a.to_request_target() == b.to_request_target(),
        _ => false,
    }
}

enum Answer {
    Missing,
    Vhost(VhostInfo),
    Permission(PermissionDef),
    Parameter(ParameterDef),
    GlobalParameter(GlobalParameterDef),
    Policy(PolicyDef),
    Queue(QueueDef),
    Exchange(ExchangeDef),
    Bindings(Vec<BindingDef>),
}

async fn answer(broker: &HttpBroker, read: Read) -> Result<Answer> {
    Ok(match read {
        Read::Vhost(path) => get(broker, path.query("columns", VHOST_COLUMNS))
            .await?
            .map_or(Answer::Missing, Answer::Vhost),
        Read::Permission(path) => get(broker, path)
            .await?
            .map_or(Answer::Missing, Answer::Permission),
        Read::Parameter(path) => get(broker, path)
            .await?
            .map_or(Answer::Missing, Answer::Parameter),
        Read::GlobalParameter(path) => get(broker, path)
            .await?
            .map_or(Answer::Missing, Answer::GlobalParameter),
        Read::Policy(path) => get(broker, path)
            .await?
            .map_or(Answer::Missing, Answer::Policy),
        Read::Queue(path) => get(broker, path)
            .await?
            .map_or(Answer::Missing, Answer::Queue),
        Read::Exchange(path) => get(broker, path)
            .await?
            .map_or(Answer::Missing, Answer::Exchange),
        Read::Bindings(path) => get(broker, path)
            .await?
            .map_or(Answer::Missing, Answer::Bindings),
    })
}

/// The object at `path`; None when the broker has none there (or not the vhost).
async fn get<T: DeserializeOwned>(broker: &HttpBroker, path: ApiPath) -> Result<Option<T>> {
    match broker.get_json(&path).await {
        Ok(object) => Ok(Some(object)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
