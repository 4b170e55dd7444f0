//! A throwaway RabbitMQ cluster on this machine: `BrokerCluster::start(n)` starts `n`
//! nodes (`BrokerNode::start`, each with its own name, ports and directory) and joins
//! nodes 2..n to node 1 with `rabbitmq-node.sh join` (rabbitmqctl stop_app, reset,
//! join_cluster, start_app: the steps of the CreativeFlow join_node.sh). Real clusters form
//! at first boot through peer discovery; tests form theirs after boot, hence the join step.
//!
//! Dropping the cluster stops every node that is still running.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::node::{eventually, BrokerNode};

fn script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/rabbitmq-node.sh")
}

/// How long starting the cluster took, for the record.
#[derive(Debug, Clone, Copy)]
pub struct ClusterTimings {
    /// Starting the nodes (in parallel) until each answers on its management port.
    pub boot: Duration,
    /// Joining nodes 2..n to node 1, one after the other.
    pub join: Duration,
    /// Waiting until node 1 reports every node running with the management plugin up.
    pub settle: Duration,
}

impl ClusterTimings {
    pub fn total(&self) -> Duration {
        self.boot + self.join + self.settle
    }
}

pub struct BrokerCluster {
    /// The nodes in order; `None` once `stop_node` stopped one.
    nodes: Vec<Option<BrokerNode>>,
    names: Vec<String>,
    urls: Vec<String>,
    pub timings: ClusterTimings,
}

impl BrokerCluster {
    /// Starts `count` nodes and clusters them. A cluster that does not form (a node that
    /// does not start or join) is stopped and formed once more from new nodes; a second
    /// failure panics.
    pub fn start(count: usize) -> BrokerCluster {
        assert!(count >= 1, "a cluster needs a node");
        match std::panic::catch_unwind(|| Self::form(count)) {
            Ok(cluster) => cluster,
            Err(failure) => {
                let reason = failure
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| failure.downcast_ref::<&str>().copied())
                    .unwrap_or("no message");
                eprintln!("the cluster did not form; forming it again from new nodes:\n{reason}");
                Self::form(count)
            }
        }
    }

    /// One try at `start`: panics (stopping what it started) when a node does not start or
    /// join.
    fn form(count: usize) -> BrokerCluster {
        let started = Instant::now();
        let nodes: Vec<BrokerNode> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..count).map(|_| scope.spawn(BrokerNode::start)).collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
            // A node that panicked while starting: the others are dropped (stopped) here.
            let mut nodes = Vec::new();
            let mut failed = None;
            for result in results {
                match result {
                    Ok(node) => nodes.push(node),
                    Err(panic) => failed = Some(panic),
                }
            }
            if let Some(panic) = failed {
                stop_all(nodes);
                std::panic::resume_unwind(panic);
            }
            nodes
        });
        let boot = started.elapsed();

        let joining = Instant::now();
        let first = nodes[0].name.clone();
        let mut failure = None;
        for node in &nodes[1..] {
            let dir = node.dir().to_str().expect("UTF-8 path");
            let out = Command::new("bash")
                .arg(script())
                .args(["join", dir, &first])
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", script()));
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() {
                failure = Some(format!("{} did not join {first}:\n{stderr}", node.name));
                break;
            }
            eprint!("{stderr}");
        }
        if let Some(failure) = failure {
            stop_all(nodes);
            panic!("{failure}");
        }
        let join = joining.elapsed();

        let settling = Instant::now();
        let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        let urls: Vec<String> = nodes.iter().map(BrokerNode::url).collect();
        for node in &nodes {
            // Every node's management API sees every node running, with its statistics.
            eventually(
                Duration::from_secs(60),
                &format!("{} to see the whole cluster", node.name),
                || {
                    let (status, body) = node.api("GET", "/api/nodes", None);
                    if status != 200 {
                        return None;
                    }
                    let listed: serde_json::Value = serde_json::from_str(&body).ok()?;
                    let listed = listed.as_array()?;
                    let all = names.iter().all(|name| {
                        listed.iter().any(|n| {
                            n["name"] == name.as_str()
                                && n["running"] == true
                                && n["fd_total"].is_u64()
                        })
                    });
                    (all && listed.len() == names.len()).then_some(())
                },
            );
        }
        let timings = ClusterTimings {
            boot,
            join,
            settle: settling.elapsed(),
        };
        eprintln!(
            "cluster of {count} formed in {:.1}s (boot {:.1}s, join {:.1}s, settle {:.1}s): {}",
            timings.total().as_secs_f64(),
            boot.as_secs_f64(),
            join.as_secs_f64(),
            timings.settle.as_secs_f64(),
            names.join(", ")
        );
        BrokerCluster {
            nodes: nodes.into_iter().map(Some).collect(),
            names,
            urls,
            timings,
        }
    }

    /// Erlang node names, node 1 first (`warren-test-PORT@localhost`).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Management API base URLs, node 1 first.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// Node `index` (0-based); panics when it was stopped.
    pub fn node(&self, index: usize) -> &BrokerNode {
        self.nodes[index]
            .as_ref()
            .unwrap_or_else(|| panic!("node {} was stopped", self.names[index]))
    }

    /// Stops node `index` (it stays a cluster member, reported as not running); returns
    /// how long stopping took.
    pub fn stop_node(&mut self, index: usize) -> Duration {
        let started = Instant::now();
        if let Some(node) = self.nodes[index].take() {
            node.stop();
        }
        started.elapsed()
    }
}

/// Stops nodes in parallel (each takes about 6 s).
fn stop_all(nodes: Vec<BrokerNode>) {
    std::thread::scope(|scope| {
        for node in nodes {
            scope.spawn(move || node.stop());
        }
    });
}

impl Drop for BrokerCluster {
    fn drop(&mut self) {
        stop_all(self.nodes.drain(..).flatten().collect());
    }
}
