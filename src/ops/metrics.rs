//! `warren metrics`: the seed's Prometheus series (export_metrics.py), read with three requests
//! per scrape whatever the number of queues: overview, nodes and one queue list.

use std::fmt::Write;

use crate::broker::{BrokerError, HttpBroker};
use crate::render::drift::prometheus::{escape_label, header};

use super::nodes::{self, NodeInfo, OverviewInfo, QueueStats};

/// One scrape's answers.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    pub overview: OverviewInfo,
    pub nodes: Vec<NodeInfo>,
    pub queues: Vec<QueueStats>,
}

/// The three reads, concurrently.
pub async fn scrape(broker: &HttpBroker) -> Result<Scrape, BrokerError> {
    let (overview, nodes, queues) = futures::try_join!(
        nodes::overview(broker),
        nodes::nodes(broker),
        nodes::queues(broker),
    )?;
    Ok(Scrape {
        overview,
        nodes,
        queues,
    })
}

/// The exposition text (format 0.0.4). A counter the broker has not sampled yet is 0.
pub fn render(scrape: &Scrape) -> String {
    let mut out = String::new();
    let totals = &scrape.overview.queue_totals;
    let objects = &scrape.overview.object_totals;
    let single = |out: &mut String, name: &str, help: &str, value: Option<u64>| {
        header(out, name, help);
        let _ = writeln!(out, "{name} {}", value.unwrap_or(0));
    };
    single(
        &mut out,
        "rabbitmq_overview_messages_ready",
        "Messages ready for delivery, all queues.",
        totals.messages_ready,
    );
    single(
        &mut out,
        "rabbitmq_overview_messages_unacked",
        "Messages delivered and not yet acknowledged, all queues.",
        totals.messages_unacknowledged,
    );

    type QueueField = fn(&QueueStats) -> Option<u64>;
    let queue_series: [(&str, &str, QueueField); 3] = [
        (
            "rabbitmq_queue_messages_ready",
            "Messages ready for delivery in the queue.",
            |q| q.messages_ready,
        ),
        (
            "rabbitmq_queue_messages_unacked",
            "Messages delivered from the queue and not yet acknowledged.",
            |q| q.messages_unacknowledged,
        ),
        ("rabbitmq_queue_consumers", "Consumers of the queue.", |q| {
            q.consumers
        }),
    ];
    for (name, help, field) in queue_series {
        header(&mut out, name, help);
        for queue in &scrape.queues {
            let _ = writeln!(
                out,
                "{name}{{vhost=\"{}\",queue=\"{}\"}} {}",
                escape_label(&queue.vhost),
                escape_label(&queue.name),
                field(queue).unwrap_or(0)
            );
        }
    }

    type NodeField = fn(&NodeInfo) -> Option<u64>;
    let node_series: [(&str, &str, NodeField); 5] = [
        (
            "rabbitmq_node_disk_free_bytes",
            "Free disk space on the node's data partition.",
            |n| n.disk_free,
        ),
        (
            "rabbitmq_node_mem_used_bytes",
            "Memory the node uses.",
            |n| n.mem_used,
        ),
        (
            "rabbitmq_node_fd_used",
            "File descriptors the node has open.",
            |n| n.fd_used,
        ),
        (
            "rabbitmq_node_sockets_used",
            "Sockets the node has open.",
            |n| n.sockets_used,
        ),
        (
            "rabbitmq_node_running",
            "1 if the node is running, 0 if not.",
            |n| Some(u64::from(n.running)),
        ),
    ];
    for (name, help, field) in node_series {
        header(&mut out, name, help);
        for node in &scrape.nodes {
            let _ = writeln!(
                out,
                "{name}{{node=\"{}\"}} {}",
                escape_label(&node.name),
                field(node).unwrap_or(0)
            );
        }
    }
    single(
        &mut out,
        "rabbitmq_connections_total",
        "Client connections open on the cluster.",
        objects.connections,
    );
    single(
        &mut out,
        "rabbitmq_channels_total",
        "Channels open on the cluster.",
        objects.channels,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_missing_counters_are_zero() {
        let scrape = Scrape {
            queues: vec![QueueStats {
                vhost: "/".into(),
                name: "a\"b".into(),
                ..QueueStats::default()
            }],
            ..Scrape::default()
        };
        let text = render(&scrape);
        assert!(text.contains("rabbitmq_queue_consumers{vhost=\"/\",queue=\"a\\\"b\"} 0\n"));
        assert!(text.contains("# TYPE rabbitmq_channels_total gauge\nrabbitmq_channels_total 0\n"));
    }
}
