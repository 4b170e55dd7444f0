//! Planning a converged broker costs a constant number of HTTP requests, however many
//! objects the environment holds: 10 queues and 200 queues cost the same.

use std::fmt::Write;

use crate::common::*;
use crate::support::BrokerNode;
use warren::cli::ConnectionArgs;
use warren::commands::pipeline;

/// An environment of `queues` queues in `vhost`, each bound twice, plus two policies.
fn generated(vhost: &str, queues: usize) -> String {
    let mut yaml = format!(
        "local: true\nvhosts:\n  {}:\n    exchanges:\n      ex.topic: {{ type: topic }}\n      ex.direct: {{ type: direct }}\n    queues:\n",
        yq(vhost)
    );
    for i in 0..queues {
        let _ = write!(
            yaml,
            "      q.{i:04}:\n        arguments: {{ x-message-ttl: {} }}\n        bindings:\n          - {{ exchange: ex.topic, routing_key: 'q.{i:04}.#' }}\n          - {{ exchange: ex.direct, routing_key: 'q{i}' }}\n",
            60_000 + i
        );
    }
    yaml.push_str(
        "    policies:\n      cap:\n        pattern: '^q\\.'\n        apply-to: queues\n        definition: { max-length: 100000 }\n      exchanges:\n        pattern: '^ex\\.'\n        apply-to: exchanges\n        definition: { alternate-exchange: ex.direct }\n",
    );
    yaml
}

/// Runs the planning pipeline in-process and returns (changes, requests made).
fn plan_requests(node: &BrokerNode, env: &TempEnv) -> (usize, u64) {
    let connection = ConnectionArgs {
        urls: vec![node.url()],
        user: Some("guest".into()),
        password: Some("guest".into()),
        ..ConnectionArgs::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let planned = runtime
        .block_on(pipeline::plan(
            env.arg(),
            &repo_root().join("environments"),
            &connection,
        ))
        .unwrap_or_else(|e| panic!("plan of {}: {e:?}", env.arg()));
    (planned.plan.changes.len(), planned.broker.request_count())
}

#[test]
fn converged_plan_costs_the_same_requests_at_10_and_200_queues() {
    let node = BrokerNode::shared();
    let small = TempEnv::new(&generated("requests/10", 10));
    let large = TempEnv::new(&generated("requests/200", 200));
    converge(node, small.arg(), &[]);
    converge(node, large.arg(), &[]);
    assert_eq!(names_in(node, "queues", "requests/10").len(), 10);
    assert_eq!(names_in(node, "queues", "requests/200").len(), 200);

    let (small_changes, small_requests) = plan_requests(node, &small);
    let (large_changes, large_requests) = plan_requests(node, &large);
    eprintln!("converged plan: {small_requests} requests at 10 queues, {large_requests} at 200");
    assert_eq!(small_changes, 0, "the 10-queue environment is converged");
    assert_eq!(large_changes, 0, "the 200-queue environment is converged");
    assert_eq!(
        small_requests, large_requests,
        "requests for a converged plan: {small_requests} at 10 queues, {large_requests} at 200"
    );
    assert!(
        large_requests <= 12,
        "{large_requests} requests for a converged plan"
    );
    assert!(large_requests > 0, "the plan read the broker");
}

#[test]
fn flags_naming_the_broker_still_take_the_environments_ca_certificate() {
    let node = BrokerNode::shared();
    // The live read starts from the flags alone; the environment's CA file must still apply.
    let env = TempEnv::new(
        "local: true\nbroker: { ca_cert: no-such-ca.pem }\nvhosts:\n  requests/ca: {}\n",
    );
    let connection = ConnectionArgs {
        urls: vec![node.url()],
        user: Some("guest".into()),
        password: Some("guest".into()),
        ..ConnectionArgs::default()
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let result = runtime.block_on(pipeline::plan(
        env.arg(),
        &repo_root().join("environments"),
        &connection,
    ));
    let error = match result {
        Ok(_) => panic!("planned without the environment's CA certificate"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("no-such-ca.pem"), "{error}");
}
