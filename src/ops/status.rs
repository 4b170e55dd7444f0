//! `warren status`: the cluster's nodes and their health against the environment's `server:`.

use serde::Serialize;

use crate::config::server::ServerSettings;

use super::nodes::{NodeInfo, OverviewInfo};

/// Relative difference tolerated between limits the broker computed and the environment's.
const TOLERANCE: f64 = 0.02;

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub format_version: u32,
    pub environment: String,
    pub rabbitmq_version: String,
    pub erlang_version: String,
    pub cluster_name: String,
    /// Where the expected node list comes from: `environment` or `broker`.
    pub expected_from: &'static str,
    pub expected_nodes: Vec<String>,
    pub nodes: Vec<NodeInfo>,
    /// One line per problem; empty when healthy.
    pub problems: Vec<String>,
}

impl StatusReport {
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Compares what the broker reports with what the environment expects; pure.
pub fn assess(
    environment: &str,
    server: Option<&ServerSettings>,
    overview: &OverviewInfo,
    nodes: Vec<NodeInfo>,
) -> StatusReport {
    let declared: Vec<String> = server
        .and_then(|s| s.clustering.as_ref())
        .map(|c| c.nodes.iter().map(|n| n.value.clone()).collect())
        .unwrap_or_default();
    let (expected_from, expected) = if declared.is_empty() {
        ("broker", nodes.iter().map(|n| n.name.clone()).collect())
    } else {
        ("environment", declared)
    };
    let mut problems = Vec::new();
    for name in &expected {
        match nodes.iter().find(|n| &n.name == name) {
            None => problems.push(format!("node {name} is not a member of the cluster")),
            Some(node) if !node.running => problems.push(format!("node {name} is not running")),
            Some(_) => {}
        }
    }
    for node in &nodes {
        if !expected.contains(&node.name) {
            problems.push(format!(
                "node {} is in the cluster but not in the environment's clustering.nodes",
                node.name
            ));
        }
    }
    let resources = server.and_then(|s| s.resources.as_ref());
    for node in nodes.iter().filter(|n| n.running) {
        let name = &node.name;
        if !node.partitions.is_empty() {
            problems.push(format!(
                "node {name} is partitioned from {}",
                node.partitions.join(", ")
            ));
        }
        if node.mem_alarm {
            problems.push(format!(
                "node {name} has a memory alarm (using {} of {} bytes): publishers are blocked",
                show(node.mem_used),
                show(node.mem_limit)
            ));
        }
        if node.disk_free_alarm {
            problems.push(format!(
                "node {name} has a disk alarm ({} bytes free, limit {}): publishers are blocked",
                show(node.disk_free),
                show(node.disk_free_limit)
            ));
        }
        let Some(resources) = resources else { continue };
        if let (Some(want), Some(have)) = (&resources.file_handle_open_limit, node.fd_total) {
            if have < want.value {
                problems.push(format!(
                    "node {name} may open {have} files; the environment asks for {} (raise the node's open-files ulimit)",
                    want.value
                ));
            }
        }
        // The API reports limits in bytes, not RAM: with both limits relative to RAM, their
        // ratio is what the environment fixes.
        if let (Some(w), Some(d), Some(mem), Some(disk)) = (
            &resources.vm_memory_high_watermark_relative,
            &resources.disk_free_limit_relative,
            node.mem_limit,
            node.disk_free_limit,
        ) {
            if mem > 0 && w.value > 0.0 {
                let ram = mem as f64 / w.value;
                let expected_disk = d.value * ram;
                if ((disk as f64) - expected_disk).abs() > TOLERANCE * expected_disk {
                    problems.push(format!(
                        "node {name} has mem_limit {mem} and disk_free_limit {disk} bytes, which do not match \
                         vm_memory_high_watermark_relative {} and disk_free_limit_relative {} \
                         (expected disk_free_limit {:.0} for that mem_limit)",
                        w.value, d.value, expected_disk
                    ));
                }
            }
        }
    }
    StatusReport {
        format_version: 1,
        environment: environment.to_string(),
        rabbitmq_version: overview.rabbitmq_version.clone(),
        erlang_version: overview.erlang_version.clone(),
        cluster_name: overview.cluster_name.clone(),
        expected_from,
        expected_nodes: expected,
        nodes,
        problems,
    }
}

fn show(value: Option<u64>) -> String {
    value.map_or_else(|| "?".to_string(), |v| v.to_string())
}

/// For people: a summary line, one line per node, then the problems.
pub fn render_human(report: &StatusReport) -> String {
    let mut out = format!(
        "cluster {} (RabbitMQ {}, Erlang {}), environment {}\n",
        report.cluster_name, report.rabbitmq_version, report.erlang_version, report.environment
    );
    for node in &report.nodes {
        if node.running {
            out.push_str(&format!(
                "  {} running: memory {}/{} bytes, disk free {} (limit {}), fds {}/{}, sockets {}/{}\n",
                node.name,
                show(node.mem_used),
                show(node.mem_limit),
                show(node.disk_free),
                show(node.disk_free_limit),
                show(node.fd_used),
                show(node.fd_total),
                show(node.sockets_used),
                show(node.sockets_total),
            ));
        } else {
            out.push_str(&format!("  {} stopped\n", node.name));
        }
    }
    if report.problems.is_empty() {
        out.push_str("healthy\n");
    } else {
        out.push_str(&format!("degraded: {} problem(s)\n", report.problems.len()));
        for problem in &report.problems {
            out.push_str(&format!("- {problem}\n"));
        }
    }
    out
}

pub fn render_json(report: &StatusReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::located::Located;
    use crate::config::server::{ClusterSettings, ResourceLimits};

    fn node(name: &str) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            running: true,
            mem_limit: Some(600),
            disk_free_limit: Some(1500),
            fd_total: Some(65536),
            ..NodeInfo::default()
        }
    }

    fn server(nodes: &[&str]) -> ServerSettings {
        ServerSettings {
            clustering: Some(ClusterSettings {
                nodes: nodes
                    .iter()
                    .map(|n| Located::synthetic(n.to_string()))
                    .collect(),
                ..ClusterSettings::default()
            }),
            resources: Some(ResourceLimits {
                vm_memory_high_watermark_relative: Some(Located::synthetic(0.6)),
                disk_free_limit_relative: Some(Located::synthetic(1.5)),
                file_handle_open_limit: Some(Located::synthetic(65536)),
            }),
            ..ServerSettings::default()
        }
    }

    #[test]
    fn a_matching_cluster_is_healthy() {
        let s = server(&["rabbit@a", "rabbit@b"]);
        let r = assess(
            "e",
            Some(&s),
            &OverviewInfo::default(),
            vec![node("rabbit@a"), node("rabbit@b")],
        );
        assert!(r.healthy(), "{:?}", r.problems);
        assert_eq!(r.expected_from, "environment");
    }

    #[test]
    fn every_problem_is_one_line() {
        let s = server(&["rabbit@a", "rabbit@b", "rabbit@c"]);
        let mut a = node("rabbit@a");
        a.partitions = vec!["rabbit@b".into()];
        a.mem_alarm = true;
        a.disk_free_alarm = true;
        a.fd_total = Some(1024);
        a.disk_free_limit = Some(50_000_000);
        let mut b = node("rabbit@b");
        b.running = false;
        let r = assess(
            "e",
            Some(&s),
            &OverviewInfo::default(),
            vec![a, b, node("rabbit@x")],
        );
        let text = r.problems.join("\n");
        for needle in [
            "rabbit@c is not a member",
            "rabbit@b is not running",
            "rabbit@x is in the cluster but not",
            "partitioned from rabbit@b",
            "memory alarm",
            "disk alarm",
            "may open 1024 files",
            "do not match",
        ] {
            assert!(text.contains(needle), "{needle} missing in:\n{text}");
        }
        assert_eq!(r.problems.len(), 8);
        assert!(r.problems.iter().all(|p| !p.contains('\n')));
    }

    #[test]
    fn without_declared_nodes_the_broker_s_are_expected() {
        let r = assess("e", None, &OverviewInfo::default(), vec![node("rabbit@a")]);
        assert_eq!(r.expected_from, "broker");
        assert_eq!(r.expected_nodes, vec!["rabbit@a".to_string()]);
        assert!(r.healthy());
    }
}
