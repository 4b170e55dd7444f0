//! warren against a three-node cluster on this machine (`BrokerCluster`): plan and apply
//! converge whichever node they talk to, `status` checks the declared nodes, and several
//! `--url` values fail over when a node is down.
//!
//! Each test forms its own cluster (about a minute here); the tests take turns so that no
//! more than three extra nodes run at once.

mod common;
mod support;

use std::sync::Mutex;
use std::time::Duration;

use common::*;
use support::{eventually, BrokerCluster};

/// One cluster at a time.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

fn cluster() -> (std::sync::MutexGuard<'static, ()>, BrokerCluster) {
    let guard = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    (guard, BrokerCluster::start(3))
}

/// `warren --color never ARGS --url URL[,URL...] --user guest --password guest`.
fn warren_at(urls: &[&str], args: &[&str]) -> Run {
    let mut cmd = warren_command();
    cmd.arg("--color").arg("never").args(args);
    cmd.args([
        "--url",
        &urls.join(","),
        "--user",
        "guest",
        "--password",
        "guest",
    ]);
    let out = cmd.output().expect("run warren");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_converged(run: &Run, what: &str) {
    run.expect_code(0, what);
    assert!(
        run.stdout.contains("Converged"),
        "{what} did not say Converged:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

fn assert_plan_empty(url: &str, env: &str) {
    let run = warren_at(&[url], &["plan", "--env", env, "--detailed-exitcode"]);
    run.expect_code(0, &format!("plan --env {env} through {url}"));
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
}

/// An environment whose `server.clustering` lists the cluster's nodes.
fn clustering_env(cluster: &BrokerCluster) -> TempEnv {
    TempEnv::new(&format!(
        "server:\n  clustering: {{ nodes: [{}] }}\n",
        cluster.names().join(", ")
    ))
}

#[test]
fn apply_through_one_node_and_plan_through_another_agree() {
    let (_turn, cluster) = cluster();
    let urls = cluster.urls();
    let run = warren_at(&[&urls[0]], &["apply", "--env", "dev", "--auto-approve"]);
    assert_converged(&run, "apply --env dev through node 1");
    assert_plan_empty(&urls[2], "dev");
    assert_plan_empty(&urls[1], "dev");

    // A change made through node 3 is planned the same from node 1.
    let env = TempEnv::new(
        "vhosts:\n  /cluster:\n    queues:\n      q.one: { type: quorum }\n      q.two: {}\n",
    );
    let run = warren_at(
        &[&urls[2]],
        &["apply", "--env", env.arg(), "--auto-approve"],
    );
    assert_converged(&run, "apply a temp environment through node 3");
    assert_plan_empty(&urls[0], env.arg());
    let members = cluster.node(0).get_json("/api/queues/%2Fcluster/q.one")["members"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(members, 3, "the quorum queue spans the three nodes");
}

#[test]
fn status_is_healthy_then_names_the_stopped_node() {
    let (_turn, mut cluster) = cluster();
    let env = clustering_env(&cluster);
    let urls: Vec<String> = cluster.urls().to_vec();
    let names: Vec<String> = cluster.names().to_vec();

    let run = warren_at(&[&urls[0]], &["status", "--env", env.arg()]);
    run.expect_code(0, "status of the whole cluster");
    assert!(run.stdout.contains("healthy"), "{}", run.stdout);
    for name in &names {
        assert!(
            run.stdout.contains(&format!("{name} running")),
            "{name} missing:\n{}",
            run.stdout
        );
    }

    let took = cluster.stop_node(2);
    eprintln!("stopping {} took {:.1}s", names[2], took.as_secs_f64());
    // Node 1 notices the stop at once (the node goes down cleanly); allow for a slow box.
    let run = eventually(Duration::from_secs(30), "status to turn degraded", || {
        let run = warren_at(&[&urls[0]], &["status", "--env", env.arg()]);
        (run.code != 0).then_some(run)
    });
    run.expect_code(2, "status with node 3 stopped");
    let problems: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(
        problems,
        [format!("- node {} is not running", names[2]).as_str()],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{} stopped", names[2])),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("degraded: 1 problem(s)"),
        "{}",
        run.stdout
    );

    let run = warren_at(
        &[&urls[1]],
        &["status", "--env", env.arg(), "--format", "json"],
    );
    run.expect_code(2, "status json through node 2");
    let doc = run.json();
    assert_eq!(doc["expected_from"], "environment");
    let stopped: Vec<&str> = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["running"] == false)
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert_eq!(stopped, [names[2].as_str()]);
}

#[test]
fn several_urls_fail_over_when_the_first_node_is_down() {
    let (_turn, mut cluster) = cluster();
    let urls: Vec<String> = cluster.urls().to_vec();
    let took = cluster.stop_node(0);
    eprintln!(
        "stopping {} took {:.1}s",
        cluster.names()[0],
        took.as_secs_f64()
    );

    let all: Vec<&str> = urls.iter().map(String::as_str).collect();
    let run = warren_at(&all, &["apply", "--env", "dev", "--auto-approve"]);
    assert_converged(&run, "apply --env dev with node 1 down");
    assert_plan_empty(&urls[2], "dev");

    // Repeated --url flags work the same as a comma-separated list.
    let mut cmd = warren_command();
    cmd.args([
        "--color",
        "never",
        "plan",
        "--env",
        "dev",
        "--detailed-exitcode",
    ]);
    for url in &urls {
        cmd.args(["--url", url]);
    }
    cmd.args(["--user", "guest", "--password", "guest"]);
    let out = cmd.output().expect("run warren");
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan with repeated --url and node 1 down:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
