//! Reading the live state with a constant number of requests, whatever the broker holds.

use std::time::{Duration, Instant};

use super::client::HttpBroker;
use super::error::Result;
use super::live_document::LiveDocument;
use super::lower::Lowering;
use super::path::ApiPath;
use crate::format::exports::omits_internal_exchanges;
use crate::format::wire::{
    BindingInfo, Definitions, ExchangeDef, Overview, QueueInfo, ShovelStatus, VhostInfo,
};
use crate::format::BrokerVersion;
use crate::model::State;
use crate::plan::migrations::shovel_name;

/// The `/api/vhosts` columns warren reads; skips per-vhost message stats.
const VHOST_COLUMNS: &str = "name,description,tags,default_queue_type,tracing";
const OVERVIEW_COLUMNS: &str =
    "rabbitmq_version,management_version,cluster_name,erlang_version,product_name,product_version,node";
const QUEUE_INFO_COLUMNS: &str =
    "name,vhost,type,durable,auto_delete,arguments,messages,messages_unacknowledged,consumers";
const EXCHANGE_COLUMNS: &str = "name,vhost,type,durable,auto_delete,internal,arguments";
const QUEUE_TOTAL_COLUMNS: &str = "name,vhost,type,messages,messages_ready,messages_unacknowledged";

/// Everything `fetch_live` read; the three reads run concurrently, so not one atomic snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSnapshot {
    /// `rabbitmq_version` from `/api/overview`, e.g. `3.10.8`.
    pub version: String,
    pub cluster_name: String,
    pub definitions: Definitions,
    /// Vhost metadata, which 3.10's definitions leave out.
    pub vhosts: Vec<VhostInfo>,
}

/// Three GETs, concurrently: overview, definitions, vhosts; a fourth for the internal
/// exchanges on releases whose export leaves them out.
pub async fn fetch_live(broker: &HttpBroker) -> Result<LiveSnapshot> {
    let definitions_path = ApiPath::definitions();
    let ((overview, internal), mut definitions, vhosts) = futures::try_join!(
        overview_and_internal(broker),
        broker.get_json::<Definitions>(&definitions_path),
        vhost_metadata(broker),
    )?;
    add_internal_exchanges(&mut definitions, internal);
    Ok(LiveSnapshot {
        version: overview.rabbitmq_version,
        cluster_name: overview.cluster_name,
        definitions,
        vhosts,
    })
}

/// The vhosts' metadata, which 3.10's definitions leave out.
async fn vhost_metadata(broker: &HttpBroker) -> Result<Vec<VhostInfo>> {
    let path = ApiPath::vhosts().query("columns", VHOST_COLUMNS);
    broker.get_json(&path).await
}

/// The overview, then the internal exchanges if this release's export leaves them out
/// (none otherwise): the release is known long before the definitions arrive.
async fn overview_and_internal(broker: &HttpBroker) -> Result<(Overview, Vec<ExchangeDef>)> {
    // Without the message and object totals the overview costs the broker a tenth as much
    // (18 ms against 1.5 ms at 10,000 queues), time the definitions export is competing for.
    let overview_path = ApiPath::overview()
        .query("disable_stats", "true")
        .query("columns", OVERVIEW_COLUMNS);
    let overview: Overview = broker.get_json(&overview_path).await?;
    let omits = overview
        .rabbitmq_version
        .parse::<BrokerVersion>()
        .is_ok_and(omits_internal_exchanges);
    if !omits {
        return Ok((overview, Vec::new()));
    }
    let path = ApiPath::exchanges()
        .query("disable_stats", "true")
        .query("columns", EXCHANGE_COLUMNS);
    let listed = broker.get_json::<Vec<ExchangeDef>>(&path).await?;
    // Kept while the definitions are read: only the few it is read for.
    Ok((
        overview,
        listed.into_iter().filter(listed_internal).collect(),
    ))
}

/// What `read_live` read: the live state, lowered while the definitions were parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveRead {
    /// `rabbitmq_version` from `/api/overview`, e.g. `3.10.8`.
    pub version: String,
    pub cluster_name: String,
    pub state: State,
}

/// The reads of `fetch_live`, with the definitions lowered as they are parsed instead of
/// kept whole: the plan's own memory and time stay near the answer's.
pub async fn read_live(broker: &HttpBroker) -> Result<LiveRead> {
    let definitions_path = ApiPath::definitions();
    let ((overview, internal), body, vhosts) = futures::try_join!(
        overview_and_internal(broker),
        broker.get_body(&definitions_path),
        vhost_metadata(broker),
    )?;
    let mut lowering = Lowering::new(vhosts);
    body.read(LiveDocument(&mut lowering))?;
    drop(body);
    // After the export's own exchanges, so one it lists keeps its definition.
    for e in internal {
        lowering.exchange(e);
    }
    Ok(LiveRead {
        version: overview.rabbitmq_version,
        cluster_name: overview.cluster_name,
        state: lowering.finish(),
    })
}

/// An internal exchange of a listing that an export leaving them out needs (never `amq.*`).
fn listed_internal(e: &ExchangeDef) -> bool {
    e.internal && !e.name.is_empty() && !e.name.starts_with("amq.")
}

/// The internal exchanges of a full listing that the export left out (never `amq.*`).
pub fn add_internal_exchanges(definitions: &mut Definitions, listed: Vec<ExchangeDef>) {
    let internal = listed.into_iter().filter(listed_internal).filter(|e| {
        !definitions
            .exchanges
            .iter()
            .any(|d| d.vhost == e.vhost && d.name == e.name)
    });
    definitions.exchanges.extend(internal.collect::<Vec<_>>());
}

/// One queue as it is now; None when it does not exist.
pub async fn queue_info(broker: &HttpBroker, vhost: &str, name: &str) -> Result<Option<QueueInfo>> {
    let path = ApiPath::queue(vhost, name).query("columns", QUEUE_INFO_COLUMNS);
    match broker.get_json(&path).await {
        Ok(info) => Ok(Some(info)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A queue's consumers as the management API lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueConsumers {
    /// The queue's own count, in-node consumers (a shovel's, a federation link's) included.
    pub count: u64,
    /// How many consumers the listing names: it can trail the count by a few seconds.
    pub listed: u64,
    /// The client connections among them, by name (the path segment that closes one).
    /// In-node connections (named `<node.pid>`) are left out: the API cannot close them.
    pub client_connections: Vec<String>,
}

/// A queue's consumers; none when the queue does not exist.
pub async fn queue_consumers(
    broker: &HttpBroker,
    vhost: &str,
    name: &str,
) -> Result<QueueConsumers> {
    let path = ApiPath::queue(vhost, name).query("columns", "consumers,consumer_details");
    let queue: serde_json::Value = match broker.get_json(&path).await {
        Err(e) if e.is_not_found() => return Ok(QueueConsumers::default()),
        other => other?,
    };
    let listed: Vec<&str> = queue["consumer_details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["channel_details"]["connection_name"].as_str())
        .collect();
    let mut client_connections: Vec<String> = listed
        .iter()
        .filter(|name| !name.starts_with('<'))
        .map(|name| name.to_string())
        .collect();
    client_connections.sort();
    client_connections.dedup();
    Ok(QueueConsumers {
        count: queue["consumers"].as_u64().unwrap_or(0),
        listed: listed.len() as u64,
        client_connections,
    })
}

/// The bindings into one queue, with the `properties_key` each DELETE needs.
pub async fn queue_bindings(
    broker: &HttpBroker,
    vhost: &str,
    name: &str,
) -> Result<Vec<BindingInfo>> {
    broker
        .get_json(&ApiPath::queue(vhost, name).segment("bindings"))
        .await
}

/// Whether the dynamic shovel's parameter exists (it removes itself when done).
pub async fn shovel_defined(broker: &HttpBroker, vhost: &str, name: &str) -> Result<bool> {
    match broker
        .get_json::<serde_json::Value>(&ApiPath::parameter("shovel", vhost, name))
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Longer than the management API's statistics interval (5 s by default), so that a count
/// read after it includes what changed before it.
pub const STATS_SETTLE: Duration = Duration::from_secs(6);

/// Consumers of a queue besides the shovel moving it to `temporary`, which consumes from it
/// while it is defined: a migration an apply left part-way keeps its shovel running.
pub async fn consumers_besides_shovel(
    broker: &HttpBroker,
    vhost: &str,
    queue: &str,
    temporary: &str,
) -> Result<u64> {
    let Some(info) = queue_info(broker, vhost, queue).await? else {
        return Ok(0);
    };
    if info.consumers == 0 {
        return Ok(0);
    }
    if shovel_defined(broker, vhost, &shovel_name(temporary, false)).await? {
        return Ok(info.consumers - 1);
    }
    if queue_info(broker, vhost, temporary).await?.is_none() {
        return Ok(info.consumers);
    }
    // A migration is part-way and its shovel, done, removed itself: the queue's count lags
    // one statistics interval, so a consumer it still shows may be the shovel's.
    let deadline = Instant::now() + STATS_SETTLE;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = queue_info(broker, vhost, queue).await?;
        let consumers = now.map_or(0, |q| q.consumers);
        if consumers == 0 || Instant::now() >= deadline {
            return Ok(consumers);
        }
    }
}

/// The dynamic shovels of a vhost and their state; None without the management plugin
/// for shovels, which alone reports them.
pub async fn shovel_statuses(
    broker: &HttpBroker,
    vhost: &str,
) -> Result<Option<Vec<ShovelStatus>>> {
    match broker
        .get_json(&ApiPath::new(["shovels"]).segment(vhost))
        .await
    {
        Err(e) if e.is_not_found() => Ok(None),
        other => other.map(Some),
    }
}

/// A vhost's bindings with the `properties_key` their DELETE needs; read only to delete some.
pub async fn binding_keys(broker: &HttpBroker, vhost: &str) -> Result<Vec<BindingInfo>> {
    broker.get_json(&ApiPath::bindings().segment(vhost)).await
}

/// The names of a vhost's queues or exchanges (`kind`: "queues" or "exchanges"), one request;
/// without statistics, which would ask every queue for its own.
pub async fn names(
    broker: &HttpBroker,
    kind: &str,
    vhost: &str,
) -> Result<std::collections::HashSet<String>> {
    let path = ApiPath::new([kind, vhost])
        .query("disable_stats", "true")
        .query("columns", "name");
    let listed: Vec<serde_json::Value> = broker.get_json(&path).await?;
    Ok(listed
        .iter()
        .filter_map(|o| o["name"].as_str().map(str::to_string))
        .collect())
}

/// Message counts per queue, one request, without per-queue stats.
pub async fn queue_totals(broker: &HttpBroker, vhost: Option<&str>) -> Result<Vec<QueueInfo>> {
    let path = ApiPath::queues(vhost)
        .query("disable_stats", "true")
        .query("enable_queue_totals", "true")
        .query("columns", QUEUE_TOTAL_COLUMNS);
    broker.get_json(&path).await
}
