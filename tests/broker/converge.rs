//! Convergence on real brokers: each shipped environment, applied to an empty node,
//! converges, plans empty afterwards, and leaves on the broker what it declares.
//!
//! Production, staging and the ViveSphere fixture all touch vhost `/` and the same user
//! names, so every test here has an empty node to itself (`pool::lend()`).

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::*;
use crate::support::{eventually, BrokerNode};

const PROD: &str = "/creativeflow_prod";
const STAGING: &str = "/creativeflow_staging";

/// Applies `env` to the node, then checks that a second plan finds nothing to do.
fn converge_and_replan(node: &BrokerNode, env: &str) {
    let before = warren(node, &["plan", "--env", env, "--detailed-exitcode"]);
    before.expect_code(2, &format!("plan --env {env} on an empty broker"));
    assert!(
        before.stdout.contains(" 0 to replace, 0 to destroy."),
        "{}",
        before.stdout
    );
    let run = converge(node, env, &[]);
    assert!(
        run.stdout.contains("Apply complete!"),
        "apply --env {env}: {}",
        run.stdout
    );
    assert_no_changes(node, env);
}

/// [`converge_and_replan`] logged in as `login`.
fn converge_as(node: &BrokerNode, env: &str, login: (&str, &str)) {
    let args = ["apply", "--env", env, "--auto-approve"];
    let run = warren_as(node, login, &args, &[]);
    run.expect_code(0, &format!("apply --env {env}"));
    assert!(run.stdout.contains("Converged"), "{}", run.stdout);
    let again = warren_as(
        node,
        login,
        &["plan", "--env", env, "--detailed-exitcode"],
        &[],
    );
    again.expect_code(0, &format!("plan --env {env} after apply"));
}

/// The ten CreativeFlow queues with their exact arguments (the nine critical ones are quorum
/// queues), and the bindings.
fn check_creativeflow_topology(node: &BrokerNode, vhost: &str) {
    let dlx = |ttl: Option<u64>| {
        let mut args =
            json!({ "x-dead-letter-exchange": "ex.dead_letter", "x-queue-type": "quorum" });
        if let Some(ttl) = ttl {
            args["x-message-ttl"] = json!(ttl);
        }
        args
    };
    let expected: Vec<(&str, Value)> = vec![
        ("q.ai_generation.completed", dlx(None)),
        ("q.ai_generation.failed", dlx(None)),
        ("q.ai_generation.final_request", dlx(None)),
        ("q.ai_generation.pending", dlx(Some(3_600_000))),
        ("q.ai_generation.samples_ready", dlx(None)),
        ("q.collaboration.updates", dlx(None)),
        ("q.dead_letter", json!({ "x-queue-type": "classic" })),
        ("q.n8n.task_results", dlx(None)),
        ("q.notifications.user_alerts", dlx(None)),
        ("q.odoo.events", dlx(None)),
    ];
    let names: Vec<String> = expected.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(names_in(node, "queues", vhost), names, "queues in {vhost}");
    for (queue, args) in &expected {
        let q = node.get_json(&format!("/api/queues/{}/{}", enc(vhost), enc(queue)));
        assert_eq!(&q["arguments"], args, "arguments of {queue}");
        assert_eq!(q["durable"], true, "{queue} durable");
        assert_eq!(q["auto_delete"], false, "{queue} auto_delete");
    }

    assert_eq!(
        names_in(node, "exchanges", vhost),
        [
            "ex.creativeflow.direct",
            "ex.creativeflow.fanout",
            "ex.creativeflow.topic",
            "ex.dead_letter"
        ],
        "exchanges in {vhost}"
    );
    for (exchange, kind) in [
        ("ex.creativeflow.direct", "direct"),
        ("ex.creativeflow.topic", "topic"),
        ("ex.creativeflow.fanout", "fanout"),
        ("ex.dead_letter", "direct"),
    ] {
        let e = node.get_json(&format!("/api/exchanges/{}/{}", enc(vhost), enc(exchange)));
        assert_eq!(e["type"], kind, "type of {exchange}");
        assert_eq!(e["durable"], true, "{exchange} durable");
    }

    let dead = bindings_between(node, vhost, "ex.dead_letter", "q.dead_letter");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["routing_key"], "#");
    let pending = bindings_between(
        node,
        vhost,
        "ex.creativeflow.direct",
        "q.ai_generation.pending",
    );
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["routing_key"], "ai.generation.request");
    // Ten declared bindings, plus the default exchange's implicit one per queue.
    let all = node.get_json(&format!("/api/bindings/{}", enc(vhost)));
    let explicit = all
        .as_array()
        .expect("bindings")
        .iter()
        .filter(|b| b["source"] != "")
        .count();
    assert_eq!(explicit, 10, "declared bindings in {vhost}: {all}");

    // No classic mirroring: the one policy left is the default TTL.
    assert_eq!(names_in(node, "policies", vhost), ["ttl-default-policy"]);
    let ttl = node.get_json(&format!("/api/policies/{}/ttl-default-policy", enc(vhost)));
    assert_eq!(ttl["definition"], json!({ "message-ttl": 86_400_000 }));
    assert_eq!(ttl["pattern"], ".*");
    assert_eq!(ttl["priority"], -1);
}

/// Users, tags, permissions and passwords of the CreativeFlow environments.
fn check_creativeflow_users(node: &BrokerNode, vhost: &str, suffix: &str) {
    let user = |name: &str| format!("{name}{suffix}");
    let admin = node.get_json(&format!("/api/users/{}", user("rabbitmq_admin_app")));
    assert_eq!(tags_of(&admin), ["administrator"]);
    let monitoring = node.get_json(&format!("/api/users/{}", user("monitoring_agent")));
    assert_eq!(tags_of(&monitoring), ["monitoring"]);
    let odoo = node.get_json(&format!("/api/users/{}", user("odoo_svc")));
    assert_eq!(tags_of(&odoo), Vec::<String>::new());
    assert_eq!(odoo["hashing_algorithm"], "rabbit_password_hashing_sha256");

    let perms = node.get_json(&format!(
        "/api/permissions/{}/{}",
        enc(vhost),
        user("odoo_svc")
    ));
    assert_eq!(perms["configure"], r"^odoo\.");
    assert_eq!(perms["write"], r"^odoo\.");
    assert_eq!(perms["read"], r"^n8n\.results\..*|odoo\..*");
    let apigw = node.get_json(&format!(
        "/api/permissions/{}/{}",
        enc(vhost),
        user("apigw_publisher")
    ));
    assert_eq!(
        (&apigw["configure"], &apigw["write"], &apigw["read"]),
        (&json!(""), &json!(r"^ai\.jobs\.pending"), &json!(""))
    );
    let on_root = node.get_json(&format!(
        "/api/permissions/%2F/{}",
        user("monitoring_agent")
    ));
    assert_eq!(on_root["configure"], r"^amq\.gen.*");
    assert_eq!(on_root["write"], "");
    assert_eq!(on_root["read"], ".*");
    let admin_perms = node.get_json(&format!(
        "/api/permissions/{}/{}",
        enc(vhost),
        user("rabbitmq_admin_app")
    ));
    assert_eq!(
        (
            &admin_perms["configure"],
            &admin_perms["write"],
            &admin_perms["read"]
        ),
        (&json!(".*"), &json!(".*"), &json!(".*"))
    );

    // Each of the seven users exists; the passwords from the environment variables work.
    for name in CREATIVEFLOW_USERS {
        let (status, body) = node.api("GET", &format!("/api/users/{}", user(name)), None);
        assert_eq!(status, 200, "user {}: {body}", user(name));
    }
    for name in ["rabbitmq_admin_app", "monitoring_agent"] {
        let name = user(name);
        assert_eq!(
            whoami_status(node, &name, &creativeflow_password(&name)),
            200,
            "{name} logs in with its password"
        );
        assert_eq!(
            whoami_status(node, &name, "wrong"),
            401,
            "{name} refuses a wrong password"
        );
    }
}

/// A fresh node whose only user is `user`, an administrator (as a rabbitmq.conf
/// `default_user` seeds it), so that warren can connect as the environment's own admin.
fn node_seeded_with(user: &str, password: &str) -> (BrokerNode, tempfile::TempDir) {
    let dir = tempfile::Builder::new()
        .prefix("warren-seed-")
        .tempdir()
        .expect("temp dir");
    let conf = dir.path().join("rabbitmq.conf");
    std::fs::write(
        &conf,
        format!(
            "default_user = {user}\ndefault_pass = {password}\ndefault_user_tags.administrator = true\n\
             default_permissions.configure = .*\ndefault_permissions.write = .*\ndefault_permissions.read = .*\n"
        ),
    )
    .expect("write rabbitmq.conf");
    let node = BrokerNode::start_with_config(&conf, None, user, password);
    (node, dir)
}

/// The nightly job right after a clean apply, logged in as the environment's declared admin:
/// nothing to report, not even the permission the broker grants on each vhost it creates.
fn assert_drift_is_clean(node: &BrokerNode, env: &str, login: (&str, &str)) {
    let drift = warren_as(node, login, &["drift", "--env", env], &[]);
    drift.expect_code(0, &format!("drift --env {env} right after apply"));
}

#[test]
fn production_converges_on_an_empty_broker() {
    let admin = "rabbitmq_admin_app";
    let password = creativeflow_password(admin);
    let (node, _conf) = node_seeded_with(admin, &password);
    let login = (admin, password.as_str());
    let before = warren_as(&node, login, &["plan", "--env", "production"], &[]);
    before.expect_code(0, "plan --env production as its admin");
    converge_as(&node, "production", login);
    assert_drift_is_clean(&node, "production", login);
    // Production's route assertions hold on the broker it was applied to.
    let drift = warren_as(
        &node,
        login,
        &["drift", "--env", "production", "--format", "json"],
        &[],
    );
    drift.expect_code(0, "drift --format json");
    let routes = &drift.json()["routes"];
    assert_eq!(routes["failing"], serde_json::json!([]), "{routes}");
    assert!(routes["checked"].as_u64() >= Some(17), "{routes}");
    let vhost = node.get_json(&format!("/api/vhosts/{}", enc(PROD)));
    assert_eq!(
        vhost["description"],
        "CreativeFlow AI virtual host (/creativeflow_prod)"
    );
    check_creativeflow_topology(&node, PROD);
    check_creativeflow_users(&node, PROD, "");
    // Staging's objects are not there.
    let (status, _) = node.api("GET", &format!("/api/vhosts/{}", enc(STAGING)), None);
    assert_eq!(status, 404);
    let (status, _) = node.api("GET", "/api/users/odoo_svc_staging", None);
    assert_eq!(status, 404);
}

#[test]
fn staging_converges_and_leaves_production_alone_on_a_shared_broker() {
    let node = crate::support::pool::lend();
    converge_and_replan(&node, "staging");
    check_creativeflow_topology(&node, STAGING);
    check_creativeflow_users(&node, STAGING, "_staging");
    let (status, _) = node.api("GET", "/api/users/odoo_svc", None);
    assert_eq!(status, 404, "staging created a production user");
    let (status, _) = node.api("GET", &format!("/api/vhosts/{}", enc(PROD)), None);
    assert_eq!(status, 404, "staging created the production vhost");

    // Production next to it: each converges and neither plans a change to the other.
    converge_and_replan(&node, "production");
    assert_no_changes(&node, "staging");
    check_creativeflow_topology(&node, PROD);
    check_creativeflow_topology(&node, STAGING);
}

#[test]
fn dev_converges_on_an_empty_broker() {
    let node = crate::support::pool::lend();
    converge_and_replan(&node, "dev");
    assert_drift_is_clean(&node, "dev", ("guest", "guest"));
    let vhost = "/dev";
    let v = node.get_json(&format!("/api/vhosts/{}", enc(vhost)));
    assert_eq!(v["description"], "Local development");
    assert_eq!(
        names_in(&node, "queues", vhost),
        ["app.dead_letter", "app.emails", "app.orders"]
    );
    assert_eq!(
        queue_arguments(&node, vhost, "app.orders"),
        json!({ "x-queue-type": "quorum" })
    );
    let orders = node.get_json(&format!("/api/queues/{}/app.orders", enc(vhost)));
    assert_eq!(orders["type"], "quorum");
    assert_eq!(
        queue_arguments(&node, vhost, "app.emails"),
        json!({ "x-queue-type": "classic" })
    );
    let events = node.get_json(&format!("/api/exchanges/{}/app.events", enc(vhost)));
    assert_eq!(events["type"], "topic");
    let dlx = node.get_json(&format!("/api/exchanges/{}/app.dead_letter", enc(vhost)));
    assert_eq!(dlx["type"], "fanout");
    let keys = |exchange: &str, queue: &str| -> Vec<Value> {
        bindings_between(&node, vhost, exchange, queue)
            .iter()
            .map(|b| b["routing_key"].clone())
            .collect()
    };
    assert_eq!(keys("app.events", "app.orders"), [json!("order.#")]);
    assert_eq!(keys("app.events", "app.emails"), [json!("email.*")]);
    assert_eq!(keys("app.dead_letter", "app.dead_letter"), [json!("")]);
    let policy = node.get_json(&format!("/api/policies/{}/app-dead-lettering", enc(vhost)));
    assert_eq!(
        policy["definition"],
        json!({ "dead-letter-exchange": "app.dead_letter", "message-ttl": 600_000 })
    );
    assert_eq!(policy["pattern"], r"^app\.(orders|emails)$");
    assert_eq!(policy["apply-to"], "queues");
    assert_eq!(policy["priority"], 0);
    let user = node.get_json("/api/users/dev_app");
    assert_eq!(
        user["password_hash"],
        "0Q8+yqM1cZ/tl0rNctmXq400SUsToa4B5duMhHuW/yabrjCf"
    );
    assert_eq!(tags_of(&user), Vec::<String>::new());
    let perms = node.get_json(&format!("/api/permissions/{}/dev_app", enc(vhost)));
    assert_eq!(
        (&perms["configure"], &perms["write"], &perms["read"]),
        (&json!(r"^app\."), &json!(r"^app\."), &json!(r"^app\."))
    );
}

#[test]
fn vivesphere_converges_on_the_default_vhost_of_an_empty_broker() {
    let node = crate::support::pool::lend();
    let env = repo_root().join("fixtures/vivesphere");
    let env = env.to_str().expect("UTF-8 path");
    converge_and_replan(&node, env);
    assert_drift_is_clean(&node, env, ("guest", "guest"));
    assert_eq!(
        names_in(&node, "queues", "/"),
        ["bot_action_queue", "dead_letter_queue", "log_queue"]
    );
    for queue in ["bot_action_queue", "dead_letter_queue", "log_queue"] {
        assert_eq!(
            queue_arguments(&node, "/", queue),
            json!({ "x-queue-type": "classic" }),
            "{queue}"
        );
    }
    assert_eq!(names_in(&node, "exchanges", "/"), ["dlx"]);
    let dlx = node.get_json("/api/exchanges/%2F/dlx");
    assert_eq!(dlx["type"], "fanout");
    let bound = bindings_between(&node, "/", "dlx", "dead_letter_queue");
    assert_eq!(bound.len(), 1, "{bound:?}");
    assert_eq!(bound[0]["routing_key"], "");
    let policy = node.get_json("/api/policies/%2F/seven-day-ttl");
    assert_eq!(
        policy["definition"],
        json!({ "message-ttl": 604_800_000, "dead-letter-exchange": "dlx" })
    );
    assert_eq!(policy["pattern"], "^(log_queue|bot_action_queue)$");
    assert_eq!(policy["apply-to"], "queues");
    // The policy applies to the two queues it names and not to the third (the queue's
    // `policy` field shows up with its statistics, a few seconds late).
    let effective = |queue: &str| {
        node.get_json(&format!("/api/queues/%2F/{queue}"))["policy"]
            .as_str()
            .map(str::to_string)
    };
    for queue in ["log_queue", "bot_action_queue"] {
        eventually(
            Duration::from_secs(60),
            &format!("policy on {queue}"),
            || (effective(queue).as_deref() == Some("seven-day-ttl")).then_some(()),
        );
    }
    assert_eq!(effective("dead_letter_queue"), None);
}

/// Every kind warren manages, with the representation choices that could differ between
/// what is declared and what the broker reports: the vhost's default queue type, tag order,
/// binding arguments, sha512 hashes, limits, topic permissions, operator policies, runtime
/// and global parameters. `changed` alters something of every kind.
fn every_kind(vhost: &str, prefix: &str, changed: bool) -> String {
    let hash = warren::format::password::hash_password(
        "sink-secret",
        warren::format::password::HashAlgorithm::Sha512,
        [5, 6, 7, 8],
    );
    let pick = |before: &'static str, after: &'static str| if changed { after } else { before };
    format!(
        r#"local: true
vhosts:
  {v}:
    description: {description}
    tags: {vhost_tags}
    default_queue_type: quorum
    limits: {{ max-connections: {max_connections}, max-queues: {max_queues} }}
    exchanges:
      ex.topic: {{ type: topic }}
      ex.alt: {{ type: fanout }}
      ex.headers: {{ type: headers, arguments: {{ alternate-exchange: ex.alt }} }}
      ex.internal:
        type: {internal_type}
        internal: true
        bindings:
          - {{ exchange: ex.topic, routing_key: 'all.#' }}
      ex.auto: {{ type: direct, auto_delete: true, durable: false }}
    queues:
      q.quorum:
        arguments: {{ x-delivery-limit: {delivery_limit}, x-max-length: 1000 }}
        bindings:
          - {{ exchange: ex.headers, arguments: {{ x-match: any, kind: order, n: 1 }} }}
          - {{ exchange: ex.topic, routing_key: quorum }}
      q.classic:
        type: classic
        arguments: {{ x-max-priority: 10, x-message-ttl: 1000, x-queue-mode: lazy }}
        bindings:
          - {{ exchange: ex.internal }}
      q.stream:
        type: stream
        arguments: {{ x-max-length-bytes: 1000000 }}
      q.transient:
        type: classic
        durable: false
        auto_delete: true
    policies:
      classic-cap:
        pattern: '^q\.classic$'
        apply-to: queues
        priority: 5
        definition: {{ max-length: {policy_max}, overflow: reject-publish }}
      topic-ae:
        pattern: '^ex\.topic$'
        apply-to: exchanges
        definition: {{ alternate-exchange: ex.alt }}
      federate:
        pattern: '^ex\.alt$'
        apply-to: exchanges
        priority: 2
        definition: {{ federation-upstream: upstream-one }}
    operator_policies:
      cap-all:
        pattern: '.*'
        apply-to: queues
        definition: {{ max-length: {operator_max}, message-ttl: 86400000 }}
    parameters:
      federation-upstream:
        upstream-one: {{ uri: 'amqp://127.0.0.1:1', expires: {expires}, ack-mode: on-confirm }}
users:
  {prefix}-admin:
    password_hash: {hash}
    hashing_algorithm: rabbit_password_hashing_sha512
    tags: {user_tags}
    limits: {{ max-connections: {user_connections}, max-channels: {user_channels} }}
    permissions:
      {v}: {{ configure: '^q\.', write: '.*', read: '.*' }}
    topic_permissions:
      {v}:
        ex.topic: {{ write: {topic_write}, read: '.*' }}
        amq.topic: {{ write: '^x', read: '^y' }}
  {prefix}-reader:
    password: {{ env: WARREN_TEST_SECRET }}
    tags: [management]
    permissions:
      {v}: {{ read: {reader_read} }}
global_parameters:
  warren-test-{prefix}: {{ answer: {answer}, nested: {{ list: [1, 2.5, two] }} }}
"#,
        v = yq(vhost),
        description = pick("every kind", "every kind, changed"),
        vhost_tags = pick("[zeta, alpha]", "[alpha]"),
        max_connections = pick("100", "200"),
        max_queues = pick("500", "600"),
        internal_type = pick("fanout", "direct"),
        delivery_limit = pick("5", "6"),
        policy_max = pick("10", "20"),
        operator_max = pick("100000", "200000"),
        expires = pick("3600000", "7200000"),
        user_tags = pick("[policymaker, monitoring]", "[monitoring]"),
        user_connections = pick("10", "11"),
        user_channels = pick("20", "21"),
        topic_write = pick(r"'^all\.'", r"'^any\.'"),
        reader_read = pick(r"'^q\.'", "'.*'"),
        answer = pick("42", "43"),
    )
}

#[test]
// One test, not two: the broker (3.10) answers GET /api/definitions with HTTP 500 while a
// stream queue is being declared, so nothing may read the broker while a stream starts.
fn every_kind_converges_then_a_change_of_every_kind_converges() {
    const PREFIX: &str = "sink";
    let node = BrokerNode::shared();
    let vhost = "sink/all";
    let env = TempEnv::new(&every_kind(vhost, PREFIX, false));
    converge(node, env.arg(), &[]);
    assert_no_changes(node, env.arg());
    // A second apply has nothing to do.
    let again = apply(node, env.arg(), &[]);
    again.expect_code(0, "second apply");
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert!(!again.stdout.contains("Apply complete"), "{}", again.stdout);

    let v = enc(vhost);
    let info = node.get_json(&format!("/api/vhosts/{v}"));
    assert_eq!(tags_of(&info), ["alpha", "zeta"]);
    assert_eq!(
        queue_arguments(node, vhost, "q.quorum"),
        json!({ "x-delivery-limit": 5, "x-max-length": 1000, "x-queue-type": "quorum" })
    );
    let stream = node.get_json(&format!("/api/queues/{v}/q.stream"));
    assert_eq!(stream["type"], "stream");
    let transient = node.get_json(&format!("/api/queues/{v}/q.transient"));
    assert_eq!(
        (&transient["durable"], &transient["auto_delete"]),
        (&json!(false), &json!(true))
    );
    let headers = bindings_between(node, vhost, "ex.headers", "q.quorum");
    assert_eq!(
        headers[0]["arguments"],
        json!({ "x-match": "any", "kind": "order", "n": 1 })
    );
    let limits = node.get_json(&format!("/api/vhost-limits/{v}"));
    assert_eq!(
        limits[0]["value"],
        json!({ "max-connections": 100, "max-queues": 500 })
    );
    let user = node.get_json("/api/users/sink-admin");
    assert_eq!(user["hashing_algorithm"], "rabbit_password_hashing_sha512");
    assert_eq!(tags_of(&user), ["monitoring", "policymaker"]);
    assert_eq!(whoami_status(node, "sink-admin", "sink-secret"), 200);
    assert_eq!(
        whoami_status(node, "sink-reader", "from-the-environment"),
        200
    );
    let user_limits = node.get_json("/api/user-limits/sink-admin");
    assert_eq!(
        user_limits[0]["value"],
        json!({ "max-connections": 10, "max-channels": 20 })
    );
    let topic = node.get_json(&format!("/api/topic-permissions/{v}/sink-admin"));
    assert_eq!(topic.as_array().map(Vec::len), Some(2), "{topic}");
    let op = node.get_json(&format!("/api/operator-policies/{v}/cap-all"));
    assert_eq!(
        op["definition"],
        json!({ "max-length": 100000, "message-ttl": 86400000 })
    );
    let upstream = node.get_json(&format!(
        "/api/parameters/federation-upstream/{v}/upstream-one"
    ));
    assert_eq!(upstream["value"]["uri"], "amqp://127.0.0.1:1");
    let global = node.get_json("/api/global-parameters/warren-test-sink");
    assert_eq!(
        global["value"],
        json!({ "answer": 42, "nested": { "list": [1, 2.5, "two"] } })
    );

    // Then a change of every kind converges too.
    env.write(&every_kind(vhost, PREFIX, true));
    let secret = ("WARREN_TEST_SECRET", "rotated-secret");
    let plan = warren_with(
        node,
        &["plan", "--env", env.arg(), "--format", "json"],
        &[secret],
    );
    plan.expect_code(0, "plan of the changed environment");
    let plan = plan.json();
    let summary: Vec<(String, String)> = changes(&plan)
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["id"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let count = |action: &str| summary.iter().filter(|(a, _)| a == action).count();
    // Re-created with the replaced exchange and queue: ex.topic -> ex.internal,
    // ex.internal -> q.classic, and both bindings of q.quorum.
    assert_eq!(count("create"), 4, "{summary:?}");
    assert!(summary
        .iter()
        .filter(|(a, _)| a == "create")
        .all(|(_, k)| k == "binding"));
    assert_eq!(count("replace"), 2, "{summary:?}");
    // vhost, 2 vhost limits, policy, operator policy, parameter, 2 users (tags, password),
    // 2 user limits, permission, topic permission, global parameter.
    assert_eq!(count("update"), 13, "{summary:?}");
    assert_eq!(count("delete"), 0, "{summary:?}");

    let run = warren_with(
        node,
        &[
            "apply",
            "--env",
            env.arg(),
            "--auto-approve",
            "--allow-destroy",
        ],
        &[secret],
    );
    run.expect_code(0, "apply of the changed environment");
    assert!(run.stdout.contains("Converged"), "{}", run.stdout);
    let again = warren_with(
        node,
        &["plan", "--env", env.arg(), "--detailed-exitcode"],
        &[secret],
    );
    again.expect_code(0, "plan after apply");

    let v = enc(vhost);
    let info = node.get_json(&format!("/api/vhosts/{v}"));
    assert_eq!(info["description"], "every kind, changed");
    assert_eq!(tags_of(&info), ["alpha"]);
    let limits = node.get_json(&format!("/api/vhost-limits/{v}"));
    assert_eq!(
        limits[0]["value"],
        json!({ "max-connections": 200, "max-queues": 600 })
    );
    let internal = node.get_json(&format!("/api/exchanges/{v}/ex.internal"));
    assert_eq!(internal["type"], "direct");
    assert_eq!(
        bindings_between(node, vhost, "ex.internal", "q.classic").len(),
        1
    );
    let into_internal = node.get_json(&format!("/api/bindings/{v}/e/ex.topic/e/ex.internal"));
    assert_eq!(
        into_internal.as_array().map(Vec::len),
        Some(1),
        "{into_internal}"
    );
    assert_eq!(
        queue_arguments(node, vhost, "q.quorum")["x-delivery-limit"],
        6
    );
    assert_eq!(
        bindings_between(node, vhost, "ex.headers", "q.quorum").len(),
        1
    );
    assert_eq!(
        bindings_between(node, vhost, "ex.topic", "q.quorum").len(),
        1
    );
    let user_limits = node.get_json("/api/user-limits/sink-admin");
    assert_eq!(
        user_limits[0]["value"],
        json!({ "max-connections": 11, "max-channels": 21 })
    );
    assert_eq!(
        tags_of(&node.get_json("/api/users/sink-admin")),
        ["monitoring"]
    );
    assert_eq!(whoami_status(node, "sink-reader", "rotated-secret"), 200);
    assert_eq!(
        whoami_status(node, "sink-reader", "from-the-environment"),
        401
    );
    let global = node.get_json("/api/global-parameters/warren-test-sink");
    assert_eq!(global["value"]["answer"], 43);
}
