//! `warren status` on a real node: healthy (0), degraded with one line per problem (2),
//! unreachable (1).

use std::time::Duration;

use crate::common::*;
use crate::support::{eventually, BrokerNode};

fn node_ready(node: &BrokerNode) {
    let path = format!("/api/nodes/{}", node.name);
    eventually(Duration::from_secs(30), "node stats", || {
        node.get_json(&path)["fd_total"].as_u64()
    });
}

#[test]
fn a_node_matching_the_environment_is_healthy() {
    let node = BrokerNode::shared();
    node_ready(node);
    let env = TempEnv::new(&format!(
        "server:\n  clustering: {{ nodes: [{}] }}\n  resources: {{ file_handle_open_limit: 1024 }}\n",
        node.name
    ));
    let run = warren(node, &["status", "--env", env.arg()]);
    run.expect_code(0, "status");
    assert!(run.stdout.contains("healthy"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("{} running", node.name)),
        "{}",
        run.stdout
    );

    let run = warren(node, &["status", "--env", env.arg(), "--format", "json"]);
    run.expect_code(0, "status json");
    let doc = run.json();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["expected_from"], "environment");
    assert_eq!(doc["rabbitmq_version"], node.release.version());
    assert_eq!(doc["problems"], serde_json::json!([]));
    assert_eq!(doc["nodes"][0]["running"], true);
}

#[test]
fn without_a_node_list_the_broker_s_nodes_are_expected() {
    let node = BrokerNode::shared();
    node_ready(node);
    let env = TempEnv::new("vhosts: {}\n");
    let run = warren(node, &["status", "--env", env.arg(), "--format", "json"]);
    run.expect_code(0, "status");
    let doc = run.json();
    assert_eq!(doc["expected_from"], "broker");
    assert_eq!(doc["expected_nodes"], serde_json::json!([node.name]));
}

#[test]
fn missing_nodes_and_unmet_settings_are_degraded() {
    let node = BrokerNode::shared();
    node_ready(node);
    // The CreativeFlow values: a test node has a lower fd limit and the default watermarks.
    let env = TempEnv::new(&format!(
        r#"server:
  clustering: {{ nodes: [{}, rabbit@missing-node] }}
  resources:
    vm_memory_high_watermark_relative: 0.6
    disk_free_limit_relative: 1.5
    file_handle_open_limit: 100000000
"#,
        node.name
    ));
    let run = warren(node, &["status", "--env", env.arg()]);
    run.expect_code(2, "status");
    let problems: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(problems.len(), 3, "{}", run.stdout);
    assert!(
        problems[0].contains("rabbit@missing-node is not a member"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("files; the environment asks for 100000000"),
        "{problems:?}"
    );
    assert!(problems[2].contains("do not match"), "{problems:?}");
    assert!(
        run.stdout.contains("degraded: 3 problem(s)"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unreachable_broker_exits_1() {
    let env = TempEnv::new("vhosts: {}\n");
    let mut cmd = warren_command();
    cmd.args(["status", "--env", env.arg(), "--url", "http://127.0.0.1:1"])
        .args(["--user", "u", "--password", "p", "--timeout", "2"]);
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
