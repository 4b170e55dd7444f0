//! `warren metrics` on a real node: every series the CreativeFlow specification lists, in a
//! strictly valid exposition, from a textfile and from `GET /metrics`, with a request count
//! that does not grow with the number of queues.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use crate::common::*;
use crate::support::prometheus::{parse_exposition, value_of, Sample};
use crate::support::{eventually, BrokerNode};
use warren::broker::{ConnectionSettings, HttpBroker};

const SEED_METRICS: [&str; 12] = [
    "rabbitmq_overview_messages_ready",
    "rabbitmq_overview_messages_unacked",
    "rabbitmq_queue_messages_ready",
    "rabbitmq_queue_messages_unacked",
    "rabbitmq_queue_consumers",
    "rabbitmq_node_disk_free_bytes",
    "rabbitmq_node_mem_used_bytes",
    "rabbitmq_node_fd_used",
    "rabbitmq_node_sockets_used",
    "rabbitmq_node_running",
    "rabbitmq_connections_total",
    "rabbitmq_channels_total",
];

fn declare_queues(node: &BrokerNode, vhost: &str, from: usize, to: usize) {
    let body = serde_json::json!({"durable": true, "auto_delete": false, "arguments": {}});
    for i in from..to {
        let (status, text) = node.api(
            "PUT",
            &format!("/api/queues/{}/q{i}", enc(vhost)),
            Some(&body),
        );
        assert!(matches!(status, 201 | 204), "{status} {text}");
    }
}

fn publish(node: &BrokerNode, vhost: &str, queue: &str, count: usize) {
    let body = serde_json::json!({"properties": {}, "routing_key": queue, "payload": "x",
                                  "payload_encoding": "string"});
    for _ in 0..count {
        let path = format!("/api/exchanges/{}/amq.default/publish", enc(vhost));
        let (status, text) = node.api("POST", &path, Some(&body));
        assert_eq!(status, 200, "{text}");
    }
}

fn broker(node: &BrokerNode) -> HttpBroker {
    let settings = ConnectionSettings::new(vec![node.url()], "guest", "guest");
    HttpBroker::new(&settings).unwrap()
}

fn assert_seed_metrics(samples: &[Sample], node: &BrokerNode, vhost: &str) {
    for name in SEED_METRICS {
        assert!(samples.iter().any(|s| s.name == name), "{name} missing");
    }
    assert_eq!(
        value_of(
            samples,
            "rabbitmq_queue_messages_ready",
            &[("vhost", vhost), ("queue", "q0")]
        ),
        3.0
    );
    assert_eq!(
        value_of(
            samples,
            "rabbitmq_queue_consumers",
            &[("vhost", vhost), ("queue", "q1")]
        ),
        0.0
    );
    assert_eq!(
        value_of(samples, "rabbitmq_node_running", &[("node", &node.name)]),
        1.0
    );
    assert!(
        value_of(
            samples,
            "rabbitmq_node_mem_used_bytes",
            &[("node", &node.name)]
        ) > 0.0
    );
    assert!(value_of(samples, "rabbitmq_overview_messages_ready", &[]) >= 3.0);
}

/// Scrapes until the statistics show the 3 messages published to q0, in the queue's own
/// count and in the node's total (each lags by a statistics interval, and not always the same).
fn settled_scrape(node: &BrokerNode, vhost: &str) -> (Vec<Sample>, u64) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    eventually(Duration::from_secs(30), "queue stats", || {
        let broker = broker(node);
        let scrape = runtime
            .block_on(warren::ops::metrics::scrape(&broker))
            .unwrap();
        let requests = broker.request_count();
        let samples = parse_exposition(&warren::ops::metrics::render(&scrape)).unwrap();
        let ready = samples.iter().find(|s| {
            s.name == "rabbitmq_queue_messages_ready"
                && s.labels.get("vhost").map(String::as_str) == Some(vhost)
                && s.labels.get("queue").map(String::as_str) == Some("q0")
        });
        let total = samples
            .iter()
            .find(|s| s.name == "rabbitmq_overview_messages_ready")
            .map_or(0.0, |s| s.value);
        (ready.map(|s| s.value) == Some(3.0) && total >= 3.0).then_some((samples, requests))
    })
}

#[test]
fn a_scrape_costs_the_same_requests_for_5_and_50_queues() {
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("metrics-count");
    declare_queues(node, &vhost, 0, 5);
    publish(node, &vhost, "q0", 3);
    let (samples, five) = settled_scrape(node, &vhost);
    assert_seed_metrics(&samples, node, &vhost);
    declare_queues(node, &vhost, 5, 50);
    let (samples, fifty) = settled_scrape(node, &vhost);
    let ours = samples
        .iter()
        .filter(|s| s.name == "rabbitmq_queue_consumers")
        .filter(|s| s.labels.get("vhost") == Some(&vhost))
        .count();
    assert_eq!(ours, 50);
    assert_eq!(five, 3);
    assert_eq!(five, fifty);
    node.delete_vhost(&vhost);
}

#[test]
fn textfile_mode_writes_every_seed_metric() {
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("metrics-textfile");
    declare_queues(node, &vhost, 0, 2);
    publish(node, &vhost, "q0", 3);
    settled_scrape(node, &vhost);
    let env = TempEnv::new(&format!("vhosts: {{ {vhost}: {{}} }}\n"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rabbitmq.prom");
    let path = file.to_str().unwrap();
    warren(node, &["metrics", "--env", env.arg(), "--textfile", path]).expect_code(0, "metrics");
    let samples = parse_exposition(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_seed_metrics(&samples, node, &vhost);
    assert!(!samples.iter().any(|s| s.name.starts_with("warren_drift")));
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "the temporary file was left behind");

    warren(
        node,
        &[
            "metrics",
            "--env",
            env.arg(),
            "--textfile",
            path,
            "--with-drift",
        ],
    )
    .expect_code(0, "metrics --with-drift");
    let samples = parse_exposition(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_seed_metrics(&samples, node, &vhost);
    let env_name = env.path().file_name().unwrap().to_str().unwrap();
    assert_eq!(
        value_of(
            &samples,
            "warren_drift_check_success",
            &[("environment", env_name)]
        ),
        1.0
    );
    node.delete_vhost(&vhost);
}

fn http_get(port: u16, path: &str) -> Option<String> {
    http_request(port, "GET", path)
}

fn http_request(port: u16, method: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn listen_mode_serves_metrics_over_http() {
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("metrics-listen");
    declare_queues(node, &vhost, 0, 2);
    publish(node, &vhost, "q0", 3);
    settled_scrape(node, &vhost);
    let env = TempEnv::new(&format!("vhosts: {{ {vhost}: {{}} }}\n"));
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("warren"));
    cmd.current_dir(repo_root())
        .args([
            "metrics",
            "--env",
            env.arg(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args([
            "--url",
            &node.url(),
            "--user",
            "guest",
            "--password",
            "guest",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let answer = eventually(Duration::from_secs(30), "GET /metrics", || {
        http_get(port, "/metrics")
    });
    let not_found = http_get(port, "/other");
    let not_allowed = http_request(port, "POST", "/metrics");
    let head_only = http_request(port, "HEAD", "/metrics");
    child.kill().unwrap();
    child.wait().unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    // Header names are case-insensitive; hyper writes them in lower case.
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    let samples = parse_exposition(body).unwrap();
    assert_seed_metrics(&samples, node, &vhost);
    assert!(not_found.unwrap().starts_with("HTTP/1.1 404"));
    let not_allowed = not_allowed.unwrap();
    assert!(not_allowed.starts_with("HTTP/1.1 405"), "{not_allowed}");
    assert!(not_allowed
        .to_ascii_lowercase()
        .contains("allow: get, head"));
    let head_only = head_only.unwrap();
    assert!(head_only.starts_with("HTTP/1.1 200"), "{head_only}");
    assert!(
        head_only.ends_with("\r\n\r\n"),
        "no body after HEAD: {head_only}"
    );
    node.delete_vhost(&vhost);
}
