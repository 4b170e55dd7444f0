//! CreativeFlow's move off classic mirroring, as the README describes it: production as it
//! ran on 3.x (nine mirrored classic queues under `ha-all-critical-queues`) holds messages;
//! applying the shipped production moves every critical queue to a quorum queue with its
//! messages in order, removes the HA policy, and leaves the 4.0 preflight clean. On 4.0,
//! where the old topology cannot exist, the old environment is refused up front and the
//! shipped one applies.

use serde_json::{json, Value};

use crate::common::*;
use crate::support::amqp::Connection;
use crate::support::{BrokerNode, Release};

const VHOST: &str = "/creativeflow_prod";
const CRITICAL: [&str; 9] = [
    "q.ai_generation.pending",
    "q.ai_generation.samples_ready",
    "q.ai_generation.final_request",
    "q.ai_generation.completed",
    "q.ai_generation.failed",
    "q.odoo.events",
    "q.n8n.task_results",
    "q.notifications.user_alerts",
    "q.collaboration.updates",
];
const PER_QUEUE: usize = 300;

fn queue(node: &BrokerNode, name: &str) -> Value {
    node.get_json(&format!("/api/queues/{}/{}", enc(VHOST), enc(name)))
}

fn payloads(node: &BrokerNode, name: &str, count: usize) -> Vec<String> {
    wait_for_messages(node, VHOST, name, count as u64);
    let path = format!("/api/queues/{}/{}/get", enc(VHOST), enc(name));
    let body = json!({ "count": count + 5, "ackmode": "ack_requeue_false", "encoding": "auto" });
    let (status, text) = node.api("POST", &path, Some(&body));
    assert_eq!(status, 200, "{text}");
    let got: Vec<Value> = serde_json::from_str(&text).expect("JSON");
    got.iter()
        .filter_map(|m| m["payload"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn production_moves_off_classic_mirroring_with_its_messages() {
    let node = crate::support::pool::lend();
    let before = crate::before_the_move::production_before_the_move();
    let before = before.path().to_str().expect("UTF-8 path");
    if node.release >= Release::V4_0 {
        let refused = warren(&node, &["plan", "--env", before]);
        refused.expect_code(1, "the mirrored topology on 4.0");
        assert!(
            refused
                .flat()
                .contains("classic queue mirroring was removed"),
            "{}",
            refused.flat()
        );
        converge(&node, "production", &[]);
        return;
    }
    converge(&node, before, &[]);
    assert_eq!(queue(&node, "q.odoo.events")["type"], "classic");
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, VHOST);
    for name in CRITICAL {
        amqp.publish_confirmed(name, (0..PER_QUEUE).map(|i| format!("{name} {i:04}")));
    }
    for name in CRITICAL {
        wait_for_messages(&node, VHOST, name, PER_QUEUE as u64);
    }

    // The plan: nine migrations keeping their messages, the HA policy pruned.
    let plan = plan_json(&node, "production");
    let actions: Vec<(String, String)> = changes(&plan)
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap_or("").to_string(),
                c["address"].as_str().unwrap_or("").to_string(),
            )
        })
        .filter(|(action, _)| action != "create")
        .collect();
    let migrations = actions.iter().filter(|(a, _)| a == "migrate").count();
    assert_eq!(migrations, CRITICAL.len(), "{actions:?}");
    assert!(
        actions.contains(&(
            "delete".into(),
            format!("policy \"ha-all-critical-queues\" in \"{VHOST}\"")
        )),
        "{actions:?}"
    );
    assert_eq!(plan["flags_needed"], json!(["--allow-destroy"]), "{plan}");

    converge(&node, "production", &["--allow-destroy"]);
    for name in CRITICAL {
        assert_eq!(queue(&node, name)["type"], "quorum", "{name}");
        let expected: Vec<String> = (0..PER_QUEUE).map(|i| format!("{name} {i:04}")).collect();
        assert_eq!(payloads(&node, name, PER_QUEUE), expected, "{name}");
    }
    let (status, _) = node.api(
        "GET",
        &format!("/api/policies/{}/ha-all-critical-queues", enc(VHOST)),
        None,
    );
    assert_eq!(status, 404, "the HA policy is gone");
    assert_no_changes(&node, "production");
    let preflight = warren_command()
        .args(["validate", "--env", "production", "--broker-version", "4.0"])
        .output()
        .expect("run validate");
    assert!(
        preflight.status.success(),
        "the 4.0 preflight after the move: {}",
        String::from_utf8_lossy(&preflight.stdout)
    );
}
