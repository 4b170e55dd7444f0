//! The test harness itself: throwaway RabbitMQ nodes start, answer, and stop.

use std::net::TcpStream;
use std::time::Duration;

use crate::support::{eventually, BrokerNode};

#[test]
fn shared_node_answers_with_its_version_and_a_raised_fd_limit() {
    let node = BrokerNode::shared();
    assert!(std::ptr::eq(node, BrokerNode::shared()), "started once");

    let overview = node.get_json("/api/overview");
    // The release WARREN_TEST_BROKER asked for, not whatever broker the machine has.
    assert_eq!(
        overview["rabbitmq_version"],
        node.release.version(),
        "{overview}"
    );
    assert_eq!(overview["node"], node.name.as_str(), "answered by our node");

    // fd_total shows up once the node has emitted its first stats (a few seconds).
    let path = format!("/api/nodes/{}", node.name);
    let fd_total = eventually(Duration::from_secs(30), "fd_total in /api/nodes", || {
        node.get_json(&path)["fd_total"].as_u64()
    });
    // The su in Debian's start script leaves a soft limit of 1024 unless the conf-env
    // file raises it; with 1024, declarations stall at a few thousand queues.
    assert!(fd_total > 1024, "fd_total = {fd_total}");
}

#[test]
fn shared_node_hands_out_private_vhosts() {
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("harness");
    let other = node.create_vhost("harness");
    assert_ne!(vhost, other);

    let queue = serde_json::json!({"durable": true, "auto_delete": false, "arguments": {}});
    let (status, body) = node.api("PUT", &format!("/api/queues/{vhost}/q1"), Some(&queue));
    assert!(matches!(status, 201 | 204), "{status} {body}");
    let queues = node.get_json(&format!("/api/queues/{vhost}"));
    assert_eq!(queues.as_array().map(Vec::len), Some(1), "{queues}");
    assert_eq!(
        node.get_json(&format!("/api/queues/{other}")),
        serde_json::json!([])
    );

    node.delete_vhost(&vhost);
    node.delete_vhost(&other);
    let (status, _) = node.api("GET", &format!("/api/vhosts/{vhost}"), None);
    assert_eq!(status, 404);
}

#[test]
fn two_nodes_run_at_once_on_their_own_ports() {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(BrokerNode::start);
        let b = s.spawn(BrokerNode::start);
        (a.join().unwrap(), b.join().unwrap())
    });

    let ports_a = [a.amqp_port, a.mgmt_port, a.dist_port];
    let ports_b = [b.amqp_port, b.mgmt_port, b.dist_port];
    assert!(
        ports_a.iter().all(|p| !ports_b.contains(p)),
        "{ports_a:?} {ports_b:?}"
    );
    assert_ne!(a.name, b.name);
    for node in [&a, &b] {
        // 4.0 may list its AMQP listener a moment after the management API answers.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let amqp = loop {
            let overview = node.get_json("/api/overview");
            assert_eq!(overview["node"], node.name.as_str());
            let listed = overview["listeners"]
                .as_array()
                .and_then(|all| all.iter().find(|l| l["protocol"] == "amqp").cloned());
            match listed {
                Some(amqp) => break amqp,
                None if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(200))
                }
                None => panic!("no AMQP listener after 30 s: {overview}"),
            }
        };
        assert_eq!(amqp["port"], node.amqp_port, "{amqp}");
        assert_eq!(amqp["ip_address"], "127.0.0.1", "{amqp}");
        TcpStream::connect(("127.0.0.1", node.amqp_port)).expect("AMQP port accepts");
    }

    let gone: Vec<_> = [&a, &b]
        .iter()
        .map(|n| (n.mgmt_port, n.amqp_port, n.dir().to_path_buf()))
        .collect();
    std::thread::scope(|s| {
        s.spawn(move || a.stop());
        s.spawn(move || b.stop());
    });
    for (mgmt, amqp, dir) in gone {
        for port in [mgmt, amqp] {
            assert!(
                TcpStream::connect(("127.0.0.1", port)).is_err(),
                "port {port} still open after stop"
            );
        }
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
}
