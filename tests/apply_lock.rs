//! The apply lock: a second apply waits for the first or fails naming the holder; a crashed
//! holder's lease expires; two applies never interleave.

mod common;
mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use common::{apply, call, warren, TempEnv};
use serde_json::json;
use support::BrokerNode;

const LOCK: &str = "/api/global-parameters/warren-apply-lock";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn queues_env(vhost: &str, count: usize) -> TempEnv {
    let mut yaml = format!("local: true\nvhosts:\n  {vhost}:\n    exchanges:\n      ex: {{ type: direct }}\n    queues:\n");
    for i in 0..count {
        yaml.push_str(&format!(
            "      q.{i:04}: {{ bindings: [{{ exchange: ex, routing_key: k{i} }}] }}\n"
        ));
    }
    TempEnv::new(&yaml)
}

fn hold_lock(node: &BrokerNode, expires_at: u64) {
    let lease = json!({
        "holder": "ci@elsewhere pid 4242",
        "environment": "production",
        "acquired_at": now() - 30,
        "expires_at": expires_at,
    });
    call(
        node,
        "PUT",
        LOCK,
        Some(&json!({ "name": "warren-apply-lock", "value": lease })),
        &[201, 204],
    );
}

/// These tests share one lock on one node: they run one after another in a single test.
#[test]
fn the_apply_lock() {
    let node = BrokerNode::start();

    // A live lease held by someone else: the apply waits, then fails naming the holder.
    hold_lock(&node, now() + 600);
    let env = queues_env("/lock-held", 3);
    let plan = warren(&node, &["plan", "--env", env.arg(), "--format", "json"]);
    plan.expect_code(0, "plan while the lock is held");
    assert!(
        !plan.stdout.contains("warren-apply-lock"),
        "the lock is never part of a plan"
    );
    let started = Instant::now();
    let refused = apply(&node, env.arg(), &["--lock-timeout", "2"]);
    refused.expect_code(1, "apply while another holds the lock");
    let text = refused.flat();
    assert!(text.contains("ci@elsewhere pid 4242"), "{text}");
    assert!(
        text.contains("applying environment \"production\", for 3"),
        "{text}"
    );
    assert!(
        started.elapsed().as_secs() >= 2,
        "it waited for the lock first"
    );
    let (status, _) = node.api("GET", "/api/vhosts/%2Flock-held", None);
    assert_eq!(status, 404, "nothing was applied");

    // The holder crashed: its lease expired, so the next apply takes over.
    hold_lock(&node, now() - 1);
    apply(&node, env.arg(), &[]).expect_code(0, "apply over an expired lease");
    let (status, _) = node.api("GET", LOCK, None);
    assert_eq!(status, 404, "the lock is released after apply");

    // Two applies at once: one waits for the other; their steps never interleave.
    let first = queues_env("/lock-a", 150);
    let second = queues_env("/lock-b", 150);
    let spawn = |env: &TempEnv| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("warren"));
        cmd.env("NO_COLOR", "1")
            .env_remove("RABBITMQ_MANAGEMENT_API_URL")
            .args([
                "apply",
                "--env",
                env.arg(),
                "--auto-approve",
                "--url",
                &node.url(),
                "--user",
                "guest",
                "--password",
                "guest",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn warren");
        let stderr = child.stderr.take().unwrap();
        let lines = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .map(|line| (Instant::now(), line))
                .collect::<Vec<_>>()
        });
        (child, lines)
    };
    let (mut a, a_lines) = spawn(&first);
    let (mut b, b_lines) = spawn(&second);
    assert!(a.wait().unwrap().success(), "first apply");
    assert!(b.wait().unwrap().success(), "second apply");
    let (a_lines, b_lines) = (a_lines.join().unwrap(), b_lines.join().unwrap());
    let window = |lines: &[(Instant, String)]| {
        let steps: Vec<Instant> = lines
            .iter()
            .filter(|(_, l)| l.starts_with('['))
            .map(|(t, _)| *t)
            .collect();
        (
            *steps.first().expect("progress lines"),
            *steps.last().unwrap(),
        )
    };
    let (a_start, a_end) = window(&a_lines);
    let (b_start, b_end) = window(&b_lines);
    assert!(
        a_end < b_start || b_end < a_start,
        "the two applies' steps interleaved"
    );
    let waited = a_lines
        .iter()
        .chain(&b_lines)
        .any(|(_, l)| l.contains("Waiting for the lock held by"));
    assert!(waited, "one apply said it was waiting for the other");
}
