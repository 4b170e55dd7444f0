//! warren against a three-node cluster on this machine (`BrokerCluster`): plan and apply
//! converge whichever node they talk to, `status` checks the declared nodes, and several
//! `--url` values fail over when a node is down.
//!
//! Forming a cluster takes most of the time, so one cluster serves the whole story.

use std::time::Duration;

use crate::common::*;
use crate::support::{eventually, BrokerCluster};

/// `warren --color never ARGS --url URL[,URL...] --user guest --password guest`.
fn warren_at(urls: &[&str], args: &[&str]) -> Run {
    crate::common::warren_at(&urls.join(","), ("guest", "guest"), args, &[])
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

/// One cluster for the whole story (forming one takes most of this suite's time): plans
/// agree across nodes, status is healthy, then with node 1 stopped applies fail over to the
/// others and status names the stopped node.
#[test]
fn a_cluster_agrees_fails_over_and_reports_a_stopped_node() {
    let mut cluster = BrokerCluster::start(3);
    apply_through_one_node_and_plan_through_another_agree(&cluster);
    status_is_healthy(&cluster);
    let names: Vec<String> = cluster.names().to_vec();
    let took = cluster.stop_node(0);
    eprintln!("stopping {} took {:.1}s", names[0], took.as_secs_f64());
    several_urls_fail_over_when_the_first_node_is_down(&cluster);
    status_names_the_stopped_node(&cluster, &names[0]);
}

fn apply_through_one_node_and_plan_through_another_agree(cluster: &BrokerCluster) {
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

fn status_is_healthy(cluster: &BrokerCluster) {
    let env = clustering_env(cluster);
    let run = warren_at(&[&cluster.urls()[0]], &["status", "--env", env.arg()]);
    run.expect_code(0, "status of the whole cluster");
    assert!(run.stdout.contains("healthy"), "{}", run.stdout);
    for name in cluster.names() {
        assert!(
            run.stdout.contains(&format!("{name} running")),
            "{name} missing:\n{}",
            run.stdout
        );
    }
}

fn status_names_the_stopped_node(cluster: &BrokerCluster, stopped: &str) {
    let env = clustering_env(cluster);
    let urls = cluster.urls();
    // Node 2 notices the stop at once (the node goes down cleanly); allow for a slow box.
    let run = eventually(Duration::from_secs(30), "status to turn degraded", || {
        let run = warren_at(&[&urls[1]], &["status", "--env", env.arg()]);
        (run.code != 0).then_some(run)
    });
    run.expect_code(2, "status with node 1 stopped");
    let problems: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(
        problems,
        [format!("- node {stopped} is not running").as_str()],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{stopped} stopped")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("degraded: 1 problem(s)"),
        "{}",
        run.stdout
    );

    let run = warren_at(
        &[&urls[2]],
        &["status", "--env", env.arg(), "--format", "json"],
    );
    run.expect_code(2, "status json through node 3");
    let doc = run.json();
    assert_eq!(doc["expected_from"], "environment");
    let down: Vec<&str> = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["running"] == false)
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert_eq!(down, [stopped]);
}

fn several_urls_fail_over_when_the_first_node_is_down(cluster: &BrokerCluster) {
    let urls: Vec<String> = cluster.urls().to_vec();
    let all: Vec<&str> = urls.iter().map(String::as_str).collect();
    let env = TempEnv::new("vhosts:\n  /failover:\n    queues:\n      q.f: { type: quorum }\n");
    let run = warren_at(&all, &["apply", "--env", env.arg(), "--auto-approve"]);
    assert_converged(&run, "apply with node 1 down");
    assert_plan_empty(&urls[2], env.arg());

    // Repeated --url flags work the same as a comma-separated list.
    let mut cmd = warren_command();
    cmd.args([
        "--color",
        "never",
        "plan",
        "--env",
        env.arg(),
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
