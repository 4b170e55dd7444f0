//! `warren route`: from the environment offline, from the broker with `--live`, and the
//! JSON document against its checked-in schema.
//! Regenerate the schema with `UPDATE_ROUTE_SCHEMA=1 cargo test --test broker route_cli::`.

use crate::common::{warren, warren_command, Run, TempEnv};
use crate::support::BrokerNode;
use serde_json::{json, Value};
use warren::render::route;

const SCHEMA: &str = "schemas/route.schema.json";

fn offline(args: &[&str]) -> Run {
    Run::from_output(
        warren_command()
            .arg("route")
            .args(args)
            .output()
            .expect("run warren"),
    )
}

fn names(document: &Value) -> Vec<String> {
    document["queues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| q["name"].as_str().map(str::to_string))
        .collect()
}

fn assert_valid(document: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::repo_root().join(SCHEMA)).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the route schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}\n{document:#}", errors.join("\n"));
}

#[test]
fn checked_in_schema_is_the_generated_one() {
    let generated = route::schema();
    let path = crate::common::repo_root().join(SCHEMA);
    if std::env::var_os("UPDATE_ROUTE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("the schema is written");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{SCHEMA} is out of date; regenerate it with \
         `UPDATE_ROUTE_SCHEMA=1 cargo test --test broker route_cli::` and review the diff"
    );
}

#[test]
fn production_routes_an_odoo_event_to_its_queue_and_its_dead_letters_nowhere() {
    let run = offline(&[
        "--env",
        "production",
        "--exchange",
        "ex.creativeflow.topic",
        "--routing-key",
        "odoo.event.created",
        "--format",
        "json",
    ]);
    run.expect_code(0, "route offline");
    let document = run.json();
    assert_valid(&document);
    assert_eq!(names(&document), ["q.odoo.events"]);
    assert_eq!(document["unroutable"], false);
    assert_eq!(
        document["queues"][0]["path"],
        json!([{"exchange": "ex.creativeflow.topic", "via": "binding", "binding_key": "odoo.event.#"}])
    );
    // ex.dead_letter is a direct exchange bound with `#`: the CreativeFlow spec's black hole.
    let dead = &document["dead_letters"][0];
    assert_eq!(dead["queue"], "q.odoo.events");
    assert_eq!(dead["exchange"], "ex.dead_letter");
    assert_eq!(dead["unroutable"], true);
}

#[test]
fn an_unmatched_key_is_unroutable_in_both_formats() {
    let args = [
        "--env",
        "production",
        "--exchange",
        "ex.creativeflow.direct",
        "--routing-key",
        "nobody.listens",
    ];
    let human = offline(&args);
    human.expect_code(0, "route offline");
    assert!(human.stdout.contains("(unroutable)"), "{}", human.stdout);
    let json = offline(&[&args[..], &["--format", "json"]].concat());
    let document = json.json();
    assert_valid(&document);
    assert_eq!(document["unroutable"], true);
    assert_eq!(document["queues"], json!([]));
    assert_eq!(document["dead_letters"], json!([]));
}

#[test]
fn headers_and_exchange_to_exchange_hops_from_a_small_environment() {
    let env = TempEnv::new(
        "local: true\nvhosts:\n  /r:\n    exchanges:\n      front: { type: topic }\n      inner:\n        type: headers\n        internal: true\n        bindings:\n          - { exchange: front, routing_key: 'docs.#' }\n    queues:\n      q.pdf:\n        bindings:\n          - { exchange: inner, arguments: { x-match: all, format: pdf } }\n",
    );
    let route = |header: &str| {
        offline(&[
            "--env",
            env.arg(),
            "--exchange",
            "front",
            "--routing-key",
            "docs.new",
            "--header",
            header,
        ])
    };
    let run = route("format=pdf");
    run.expect_code(0, "route with a header");
    assert!(
        run.stdout.contains(
            "-> q.pdf  via front [docs.#] > inner {\"format\":\"pdf\",\"x-match\":\"all\"}"
        ),
        "{}",
        run.stdout
    );
    let run = route("format=zip");
    run.expect_code(0, "route with another header");
    assert!(run.stdout.contains("(unroutable)"), "{}", run.stdout);
}

#[test]
fn publishing_to_an_internal_or_missing_exchange_is_an_error() {
    let env = TempEnv::new(
        "local: true\nvhosts:\n  /r:\n    exchanges:\n      inner: { type: fanout, internal: true }\n",
    );
    let run = offline(&["--env", env.arg(), "--exchange", "inner"]);
    run.expect_code(1, "route to an internal exchange");
    assert!(run.flat().contains("internal"), "{}", run.flat());
    let run = offline(&["--env", env.arg(), "--exchange", "nope"]);
    run.expect_code(1, "route to a missing exchange");
    assert!(run.flat().contains("no exchange `nope`"), "{}", run.flat());
    let run = offline(&["--env", env.arg(), "--exchange", "inner", "--header", "bad"]);
    run.expect_code(1, "a header without =");
    assert!(run.flat().contains("NAME=VALUE"), "{}", run.flat());
}

#[test]
fn live_routes_over_what_the_broker_has_not_what_the_environment_says() {
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("route-live");
    let definitions = json!({
        "exchanges": [
            {"name": "ex.live", "vhost": vhost, "type": "topic", "durable": true,
             "auto_delete": false, "internal": false, "arguments": {"alternate-exchange": "ex.ae"}},
            {"name": "ex.ae", "vhost": vhost, "type": "fanout", "durable": true,
             "auto_delete": false, "internal": false, "arguments": {}}
        ],
        "queues": [
            {"name": "q.live", "vhost": vhost, "durable": true, "auto_delete": false, "arguments": {}},
            {"name": "q.lost", "vhost": vhost, "durable": true, "auto_delete": false, "arguments": {}}
        ],
        "bindings": [
            {"source": "ex.live", "vhost": vhost, "destination": "q.live",
             "destination_type": "queue", "routing_key": "a.*", "arguments": {}},
            {"source": "ex.ae", "vhost": vhost, "destination": "q.lost",
             "destination_type": "queue", "routing_key": "", "arguments": {}}
        ]
    });
    let (status, body) = node.api("POST", "/api/definitions", Some(&definitions));
    assert!(matches!(status, 200 | 201 | 204), "{status} {body}");
    let route = |key: &str| {
        let run = warren(
            node,
            &[
                "route",
                "--env",
                "production",
                "--vhost",
                &vhost,
                "--live",
                "--exchange",
                "ex.live",
                "--routing-key",
                key,
                "--format",
                "json",
            ],
        );
        run.expect_code(0, "route --live");
        let document = run.json();
        assert_valid(&document);
        document
    };
    assert_eq!(names(&route("a.b")), ["q.live"]);
    let lost = route("b");
    assert_eq!(names(&lost), ["q.lost"]);
    assert_eq!(lost["queues"][0]["path"][0]["via"], "alternate-exchange");
    node.delete_vhost(&vhost);
}

#[test]
fn drift_checks_route_assertions_against_the_broker() {
    let node = BrokerNode::shared();
    let vhost = format!("/route-drift-{}", std::process::id());
    let env = TempEnv::new(&format!(
        "local: true\nmanage: {{ kinds: [vhosts, exchanges, queues, bindings, policies] }}\nvhosts:\n  {vhost}:\n    exchanges:\n      ex.t: {{ type: topic }}\n    queues:\n      q.a:\n        bindings:\n          - {{ exchange: ex.t, routing_key: 'a.#' }}\n    routes:\n      - {{ exchange: ex.t, routing_key: a.b, expect: [q.a] }}\n      - {{ exchange: ex.t, routing_key: b, expect: [] }}\n"
    ));
    crate::common::apply(node, env.arg(), &[]).expect_code(0, "apply");
    let clean = warren(node, &["drift", "--env", env.arg()]);
    clean.expect_code(0, "drift right after apply");
    assert!(
        clean
            .stdout
            .contains("Route assertions: 2 checked, all hold on the broker."),
        "{}",
        clean.stdout
    );
    // Behind warren's back: the binding's key becomes `b`.
    let encoded = vhost.replace('/', "%2F");
    let bindings = node.get_json(&format!("/api/bindings/{encoded}/e/ex.t/q/q.a"));
    let key = bindings[0]["properties_key"]
        .as_str()
        .expect("a binding")
        .to_string();
    let path = format!(
        "/api/bindings/{encoded}/e/ex.t/q/q.a/{}",
        key.replace('#', "%23")
    );
    let (status, body) = node.api("DELETE", &path, None);
    assert_eq!(status, 204, "{body}");
    let (status, body) = node.api(
        "POST",
        &format!("/api/bindings/{encoded}/e/ex.t/q/q.a"),
        Some(&json!({"routing_key": "b"})),
    );
    assert_eq!(status, 201, "{body}");
    let human = warren(node, &["drift", "--env", env.arg()]);
    human.expect_code(2, "drift with a changed binding");
    assert!(
        human
            .stdout
            .contains("Routes: where the broker routes otherwise"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(&format!(
            "ex.t with key \"a.b\" in {vhost:?}: expected [q.a], the broker gives (unroutable)"
        )),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("2 route assertions failing"),
        "{}",
        human.stdout
    );
    let json = warren(node, &["drift", "--env", env.arg(), "--format", "json"]);
    json.expect_code(2, "drift --format json");
    let document = json.json();
    assert_eq!(document["routes"]["checked"], 2);
    assert_eq!(
        document["routes"]["failing"][1],
        json!({"vhost": vhost, "exchange": "ex.t", "routing_key": "b", "headers": {},
               "expected": [], "actual": ["q.a"], "error": null})
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::repo_root().join("schemas/drift.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the drift schema compiles");
    assert!(validator.is_valid(&document), "{document:#}");
    let markdown = warren(node, &["drift", "--env", env.arg(), "--format", "markdown"]);
    assert!(
        markdown.stdout.contains("#### Routes (2)"),
        "{}",
        markdown.stdout
    );
    let metrics = warren(
        node,
        &["drift", "--env", env.arg(), "--format", "prometheus"],
    );
    assert!(
        metrics.stdout.contains("state=\"failing\"} 2\n")
            && metrics.stdout.contains("state=\"holding\"} 0\n"),
        "{}",
        metrics.stdout
    );
    node.delete_vhost(&vhost);
}

#[test]
fn a_plan_that_changes_a_binding_shows_the_routing_change_in_every_format() {
    let node = BrokerNode::shared();
    let vhost = format!("/route-plan-{}", std::process::id());
    let env_with = |key: &str, expect: &str| {
        format!(
            "local: true\nmanage: {{ kinds: [vhosts, exchanges, queues, bindings, policies], prune: [bindings] }}\nvhosts:\n  {vhost}:\n    exchanges:\n      ex.t: {{ type: topic }}\n    queues:\n      q.odoo.events:\n        bindings:\n          - {{ exchange: ex.t, routing_key: '{key}' }}\n    routes:\n      - {{ exchange: ex.t, routing_key: odoo.event.created, expect: [{expect}] }}\n"
        )
    };
    let env = TempEnv::new(&env_with("odoo.event.#", "q.odoo.events"));
    crate::common::apply(node, env.arg(), &[]).expect_code(0, "apply");
    let unchanged = warren(node, &["plan", "--env", env.arg(), "--format", "json"]);
    assert!(
        unchanged.json().get("routing_changes").is_none(),
        "{}",
        unchanged.stdout
    );
    env.write(&env_with("odoo.events.#", ""));
    let line = format!(
        "ex.t with key \"odoo.event.created\" in {vhost:?} (route assertion): [q.odoo.events] -> (unroutable)"
    );
    let human = warren(node, &["plan", "--env", env.arg()]);
    human.expect_code(0, "plan");
    assert!(
        human.stdout.contains("Routing changes (3):"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains(&line), "{}", human.stdout);
    let markdown = warren(node, &["plan", "--env", env.arg(), "--format", "markdown"]);
    assert!(
        markdown.stdout.contains("### 🔀 Routing changes (3)"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown.stdout.contains(&format!("- `{line}`")),
        "{}",
        markdown.stdout
    );
    let json = warren(node, &["plan", "--env", env.arg(), "--format", "json"]);
    let document = json.json();
    let changes = document["routing_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(changes.len(), 3, "{document:#}");
    assert_eq!(
        changes[0],
        json!({"vhost": vhost, "exchange": "ex.t", "routing_key": "odoo.event.created",
               "declared": true, "before": {"queues": ["q.odoo.events"]}, "after": {"queues": []}})
    );
    let keys: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["routing_key"].as_str())
        .collect();
    assert!(
        keys.contains(&"odoo.event.#") && keys.contains(&"odoo.events.#"),
        "{keys:?}"
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::repo_root().join("schemas/plan.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the plan schema compiles");
    assert!(validator.is_valid(&document), "{document:#}");
    node.delete_vhost(&vhost);
}
