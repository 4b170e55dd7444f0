//! What status and metrics read: `/api/nodes`, `/api/overview` and `/api/queues`, each with
//! `columns=` so the broker sends only the fields used, and each one request.

use serde::{Deserialize, Serialize};

use crate::broker::{ApiPath, BrokerError, HttpBroker};

const NODE_COLUMNS: &str = "name,type,running,partitions,mem_alarm,disk_free_alarm,mem_limit,\
mem_used,disk_free_limit,disk_free,fd_total,fd_used,sockets_total,sockets_used";
const OVERVIEW_COLUMNS: &str =
    "rabbitmq_version,erlang_version,cluster_name,node,queue_totals,object_totals";
const QUEUE_COLUMNS: &str = "vhost,name,messages_ready,messages_unacknowledged,consumers";

/// One node of `/api/nodes`; a stopped cluster member has little more than its name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeInfo {
    pub name: String,
    /// `disc` or `ram`.
    #[serde(rename = "type")]
    pub kind: String,
    pub running: bool,
    /// Nodes this node cannot see (a network partition).
    pub partitions: Vec<String>,
    pub mem_alarm: bool,
    pub disk_free_alarm: bool,
    pub mem_limit: Option<u64>,
    pub mem_used: Option<u64>,
    pub disk_free_limit: Option<u64>,
    pub disk_free: Option<u64>,
    pub fd_total: Option<u64>,
    pub fd_used: Option<u64>,
    pub sockets_total: Option<u64>,
    pub sockets_used: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OverviewInfo {
    pub rabbitmq_version: String,
    pub erlang_version: String,
    pub cluster_name: String,
    pub node: String,
    pub queue_totals: QueueTotals,
    pub object_totals: ObjectTotals,
}

/// Absent (an empty object on 3.10) until the statistics database has a sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueTotals {
    pub messages_ready: Option<u64>,
    pub messages_unacknowledged: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectTotals {
    pub connections: Option<u64>,
    pub channels: Option<u64>,
    pub queues: Option<u64>,
    pub consumers: Option<u64>,
}

/// One queue's counters; absent while the queue has no statistics sample yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueStats {
    pub vhost: String,
    pub name: String,
    pub messages_ready: Option<u64>,
    pub messages_unacknowledged: Option<u64>,
    pub consumers: Option<u64>,
}

pub async fn nodes(broker: &HttpBroker) -> Result<Vec<NodeInfo>, BrokerError> {
    let path = ApiPath::new(["nodes"]).query("columns", NODE_COLUMNS);
    broker.get_json(&path).await
}

pub async fn overview(broker: &HttpBroker) -> Result<OverviewInfo, BrokerError> {
    let path = ApiPath::overview().query("columns", OVERVIEW_COLUMNS);
    broker.get_json(&path).await
}

/// Every queue of every vhost, one request.
pub async fn queues(broker: &HttpBroker) -> Result<Vec<QueueStats>, BrokerError> {
    let path = ApiPath::queues(None).query("columns", QUEUE_COLUMNS);
    broker.get_json(&path).await
}
