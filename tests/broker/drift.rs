//! `warren drift`: golden files of what people read, a strict check of the Prometheus text
//! format, and drift of every kind on a real broker, each test in a vhost and users of its own.
//! Review golden changes with `INSTA_UPDATE=always cargo test --test broker drift::` and read the diff.

use serde_json::{json, Map, Value};

use crate::common::*;
use crate::support::BrokerNode;
use warren::config::schema::Kind;
use warren::format::password::{hash_password, HashAlgorithm};
use warren::model::kinds;
use warren::model::{DestinationType, Resource, ResourceId};
use warren::plan::drift::DriftReport;

use warren::plan::{diff, Scope};
use warren::render::drift::document::json as drift_json;
use warren::render::drift::{human, markdown, prometheus, DriftDocument};

use crate::model_support::{map, state, ALL_KINDS};

use crate::support::prometheus::{parse_exposition, value_of, Sample};

#[test]
fn the_parser_is_strict() {
    let good =
        "# HELP m_x A \\\\ help\n# TYPE m_x gauge\nm_x{a=\"q\\\"\\\\\\n\",b=\"\"} 1.5\nm_x 2\n";
    let samples = parse_exposition(good).unwrap();
    assert_eq!(samples[0].labels["a"], "q\"\\\n");
    for bad in [
        "# TYPE m gauge\nm 1",                    // no final newline
        "m 1\n",                                  // no TYPE
        "# TYPE m gauge\nm{a=\"x\",} 1\n",        // trailing comma
        "# TYPE m gauge\nm{a=x} 1\n",             // unquoted
        "# TYPE m gauge\nm{a=\"\\t\"} 1\n",       // bad escape
        "# TYPE m gauge\nm{1a=\"x\"} 1\n",        // label name
        "# TYPE m gauge\nm one\n",                // value
        "# TYPE m gauge\nm 1\nm 1\n",             // duplicate
        "# TYPE m gauge\n# TYPE n gauge\nm 1\n",  // not contiguous
        "# TYPE m gauge\n\nm 1\n",                // blank line
        "# TYPE m-x gauge\n",                     // metric name
        "# TYPE m gauge\nm{a=\"x\",a=\"y\"} 1\n", // label twice
        "# TYPE m gauge\nm  1\n",                 // two spaces
        "# TYPE m thing\nm 1\n",                  // type
    ] {
        assert!(parse_exposition(bad).is_err(), "accepted {bad:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Golden files over a fixed report.

const VHOST: &str = "/creativeflow_prod";
const TIMESTAMP: f64 = 1_700_000_000.25;

fn queue_id(vhost: &str, name: &str) -> ResourceId {
    ResourceId::Queue {
        vhost: vhost.into(),
        name: name.into(),
    }
}

fn exchange_id(name: &str) -> ResourceId {
    ResourceId::Exchange {
        vhost: VHOST.into(),
        name: name.into(),
    }
}

fn queue(args: Value) -> Resource {
    kinds::queue(true, false, map(args), "classic")
}

fn topic() -> Resource {
    kinds::exchange("topic", true, false, false, Map::new())
}

/// A report with something in every list: missing, changed in place and by replacement
/// (with a password), unmanaged listed and pruned, out of scope and ignored.
/// The one document every format renders from.
fn doc(report: &DriftReport) -> DriftDocument {
    DriftDocument::new(report)
}

fn fixed_report(environment: &str) -> DriftReport {
    let vhost = ResourceId::Vhost { name: VHOST.into() };
    let policy = ResourceId::Policy {
        vhost: VHOST.into(),
        name: "ttl-default-policy".into(),
    };
    let user = ResourceId::User {
        name: "odoo_svc".into(),
    };
    let binding = kinds::binding_id(
        VHOST,
        "ex.events",
        DestinationType::Queue,
        "q.new",
        "new.#",
        &Map::new(),
    );
    let desired = state(vec![
        (vhost.clone(), kinds::vhost("Production", &[], None, false)),
        (
            user.clone(),
            kinds::user(&["management".into()], "TkVXSEFTSA==", None),
        ),
        (exchange_id("ex.events"), topic()),
        (
            queue_id(VHOST, "q.orders"),
            queue(json!({ "x-message-ttl": 5000 })),
        ),
        (queue_id(VHOST, "q.new"), queue(json!({}))),
        (binding, Resource::new()),
        (
            policy.clone(),
            kinds::policy(
                ".*",
                "queues",
                -1,
                map(json!({ "message-ttl": 86_400_000 })),
            ),
        ),
    ]);
    let live = state(vec![
        (vhost, kinds::vhost("Production", &[], None, false)),
        (
            ResourceId::Vhost {
                name: "/other".into(),
            },
            kinds::vhost("", &[], None, false),
        ),
        (
            user,
            kinds::user(&["monitoring".into()], "T0xESEFTSA==", None),
        ),
        (
            ResourceId::User {
                name: "guest".into(),
            },
            kinds::user(&["administrator".into()], "R1VFU1Q=", None),
        ),
        (exchange_id("ex.events"), topic()),
        (exchange_id("ex.legacy"), topic()),
        (
            queue_id(VHOST, "q.orders"),
            queue(json!({ "x-message-ttl": 1000 })),
        ),
        (queue_id(VHOST, "scratch"), queue(json!({}))),
        (queue_id("/other", "elsewhere"), queue(json!({}))),
        (
            policy,
            kinds::policy(".*", "queues", -1, map(json!({ "message-ttl": 60_000 }))),
        ),
    ]);
    let mut scope = Scope {
        vhosts: [VHOST.to_string()].into_iter().collect(),
        kinds: ALL_KINDS.into_iter().collect(),
        prune: [Kind::Exchanges].into_iter().collect(),
        ..Scope::default()
    };
    scope.ignore.add(Kind::Users, "^guest$").unwrap();
    let plan = diff(environment, &desired, &live, &scope);
    DriftReport::new(&plan, &live, &scope)
}

fn in_sync_report() -> DriftReport {
    let mut report = DriftReport {
        environment: "dev".into(),
        ..DriftReport::default()
    };
    report.out_of_scope.insert("vhost", 1);
    report.out_of_scope.insert("permission", 1);
    report.ignored.insert("user", 1);
    report
}

#[test]
fn golden_human() {
    insta::assert_snapshot!(
        "human",
        human::render(&doc(&fixed_report("production")), false)
    );
}

#[test]
fn golden_human_in_sync() {
    insta::assert_snapshot!(
        "human_in_sync",
        human::render(&doc(&in_sync_report()), false)
    );
}

#[test]
fn golden_markdown() {
    insta::assert_snapshot!(
        "markdown",
        markdown::render(&doc(&fixed_report("production")))
    );
}

#[test]
fn golden_json() {
    insta::assert_snapshot!("json", drift_json(&doc(&fixed_report("production"))));
}

#[test]
fn golden_prometheus() {
    let text = prometheus::render(&doc(&fixed_report("production")), TIMESTAMP);
    parse_exposition(&text).unwrap();
    insta::assert_snapshot!("prometheus", text);
}

#[test]
fn golden_prometheus_failure() {
    let text = prometheus::render_failure("production", TIMESTAMP);
    parse_exposition(&text).unwrap();
    insta::assert_snapshot!("prometheus_failure", text);
}

#[test]
fn colour_only_when_asked() {
    let report = fixed_report("production");
    assert!(!human::render(&doc(&report), false).contains('\u{1b}'));
    assert!(human::render(&doc(&report), true).contains('\u{1b}'));
}

#[test]
fn prometheus_label_values_round_trip() {
    let name = "we\"ird\\env\nname";
    for text in [
        prometheus::render(&doc(&fixed_report(name)), TIMESTAMP),
        prometheus::render_failure(name, TIMESTAMP),
    ] {
        let samples = parse_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(samples.iter().all(|s| s.labels["environment"] == name));
    }
}

#[test]
fn the_fixed_report_counts_every_series() {
    let text = prometheus::render(&doc(&fixed_report("production")), TIMESTAMP);
    let samples = parse_exposition(&text).unwrap();
    let objects: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == "warren_drift_objects")
        .collect();
    assert_eq!(
        objects.len(),
        13 * 3,
        "every kind and state, zeros included"
    );
    let at = |kind: &str, state: &str| {
        value_of(
            &samples,
            "warren_drift_objects",
            &[("kind", kind), ("state", state)],
        )
    };
    assert_eq!(at("queue", "missing"), 1.0);
    assert_eq!(at("binding", "missing"), 1.0);
    assert_eq!(at("queue", "changed"), 1.0);
    assert_eq!(at("user", "changed"), 1.0);
    assert_eq!(at("policy", "changed"), 1.0);
    assert_eq!(at("queue", "unmanaged"), 1.0);
    assert_eq!(at("exchange", "unmanaged"), 1.0);
    assert_eq!(at("user", "unmanaged"), 0.0, "guest is ignored");
    let total: f64 = objects.iter().map(|s| s.value).sum();
    assert_eq!(total, 7.0);
    let oos = |kind: &str| {
        value_of(
            &samples,
            "warren_drift_out_of_scope_objects",
            &[("kind", kind)],
        )
    };
    assert_eq!((oos("vhost"), oos("queue"), oos("user")), (1.0, 1.0, 0.0));
    assert_eq!(value_of(&samples, "warren_drift_check_success", &[]), 1.0);
    assert_eq!(
        value_of(&samples, "warren_drift_last_run_timestamp_seconds", &[]),
        TIMESTAMP
    );
}

#[test]
fn no_secret_reaches_any_format() {
    let report = fixed_report("production");
    for text in [
        human::render(&doc(&report), false),
        markdown::render(&doc(&report)),
        drift_json(&doc(&report)),
        prometheus::render(&doc(&report), TIMESTAMP),
    ] {
        for hash in ["TkVXSEFTSA==", "T0xESEFTSA==", "R1VFU1Q="] {
            assert!(!text.contains(hash), "{hash} in\n{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// On a real broker.

/// One test's environment: a vhost, a user and a global parameter of its own, with every
/// kind declared. Other tests' users and global parameters (and guest) are ignored: ours are
/// `drift-NAME.*`, and no name of a test is followed by a dot in another's.
struct Drift {
    node: &'static BrokerNode,
    env: TempEnv,
    vhost: String,
    user: String,
    global: String,
}

fn topology(vhost: &str, prefix: &str, extra_ignore: &str, manage: &str) -> String {
    let hash = hash_password("drift-secret", HashAlgorithm::Sha256, [1, 2, 3, 4]);
    let not_ours = yq(&format!("^(?!{prefix}\\.)"));
    format!(
        r#"local: true
{manage}
ignore:
  users: [{not_ours}]
  user_limits: [{not_ours}]
  permissions: [{not_ours}]
  global_parameters: [{not_ours}]
{extra_ignore}
vhosts:
  {v}:
    description: drift test
    limits: {{ max-queues: 100 }}
    exchanges:
      ex.events: {{ type: topic }}
    queues:
      q.orders:
        bindings:
          - {{ exchange: ex.events, routing_key: 'order.#' }}
      q.parking:
        arguments: {{ x-message-ttl: 60000 }}
        allow: [argument-as-policy]
    policies:
      orders-expiry:
        pattern: '^q\.orders$'
        apply-to: queues
        priority: 1
        definition: {{ message-ttl: 120000 }}
    operator_policies:
      cap:
        pattern: '.*'
        apply-to: queues
        definition: {{ max-length: 100000 }}
    parameters:
      federation-upstream:
        up: {{ uri: 'amqp://localhost' }}
users:
  {u}:
    password_hash: {hash}
    tags: [management]
    limits: {{ max-connections: 10 }}
    permissions:
      {v}: {{ configure: '^q\.', write: '^ex\.', read: '^q\.' }}
    topic_permissions:
      {v}:
        ex.events: {{ write: '^order\.', read: '.*' }}
global_parameters:
  {g}: {{ owner: warren }}
"#,
        v = yq(vhost),
        u = yq(&format!("{prefix}.user")),
        g = yq(&format!("{prefix}.gp")),
    )
}

impl Drift {
    /// Applies the environment and checks drift then finds nothing.
    fn converged(name: &str) -> Drift {
        Self::converged_with(name, "", "")
    }

    fn converged_with(name: &str, extra_ignore: &str, manage: &str) -> Drift {
        let node = BrokerNode::shared();
        let prefix = format!("drift-{name}");
        let vhost = format!("drift/{name}");
        let env = TempEnv::new(&topology(&vhost, &prefix, extra_ignore, manage));
        converge(node, env.arg(), &[]);
        let d = Drift {
            node,
            env,
            vhost,
            user: format!("{prefix}.user"),
            global: format!("{prefix}.gp"),
        };
        let run = d.drift("human");
        run.expect_code(0, "drift right after apply");
        assert!(run.stdout.contains("In sync."), "{}", run.stdout);
        d
    }

    fn drift(&self, format: &str) -> Run {
        warren(
            self.node,
            &["drift", "--env", self.env.arg(), "--format", format],
        )
    }

    /// The JSON report of a run that found drift (exit 2).
    fn drifted(&self) -> Value {
        let run = self.drift("json");
        run.expect_code(2, "drift after a change behind warren's back");
        let doc = run.json();
        assert_eq!(doc["format_version"], 1);
        assert_eq!(doc["in_sync"], false);
        doc
    }

    /// The environment's name, as labels and reports carry it.
    fn name(&self) -> String {
        self.env
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    fn v(&self) -> String {
        enc(&self.vhost)
    }

    fn u(&self) -> String {
        enc(&self.user)
    }

    fn put(&self, path: &str, body: Value) {
        call(self.node, "PUT", path, Some(&body), &[201, 204]);
    }

    fn delete(&self, path: &str) {
        call(self.node, "DELETE", path, None, &[204]);
    }

    fn id(&self, kind: &str, fields: Value) -> Value {
        let mut id = map(fields);
        id.insert("kind".into(), json!(kind));
        Value::Object(id)
    }
}

/// `(state, id)` of every entry of a JSON drift report, and the counts agree with the lists.
fn entries(doc: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for state in ["missing", "changed", "unmanaged"] {
        let list = doc[state].as_array().cloned().unwrap_or_default();
        assert_eq!(doc["counts"][state], list.len(), "counts.{state}");
        for item in list {
            out.push((state.to_string(), item["id"].clone()));
        }
    }
    out
}

/// The report holds exactly this one entry.
fn assert_only(doc: &Value, state: &str, id: &Value) -> Value {
    assert_eq!(
        entries(doc),
        [(state.to_string(), id.clone())],
        "{}",
        serde_json::to_string_pretty(doc).unwrap()
    );
    doc[state][0].clone()
}

fn fields(item: &Value) -> Vec<Value> {
    item["fields"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_converged_environment_is_in_sync_in_every_format() {
    let d = Drift::converged("in-sync");
    let human = d.drift("human");
    human.expect_code(0, "human");
    assert!(human
        .stdout
        .trim_end()
        .ends_with("out of scope not checked)."));
    assert!(human.stdout.contains("In sync."), "{}", human.stdout);

    let json = d.drift("json");
    json.expect_code(0, "json");
    let doc = json.json();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["environment"], d.name());
    assert_eq!(doc["in_sync"], true);
    assert_eq!(entries(&doc), []);
    assert!(doc["counts"]["out_of_scope"].as_u64().is_some());

    let md = d.drift("markdown");
    md.expect_code(0, "markdown");
    assert!(md.stdout.contains("**In sync."), "{}", md.stdout);

    let prom = d.drift("prometheus");
    prom.expect_code(0, "prometheus");
    let samples = parse_exposition(&prom.stdout).unwrap_or_else(|e| panic!("{e}\n{}", prom.stdout));
    let objects: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == "warren_drift_objects")
        .collect();
    assert_eq!(objects.len(), 39);
    assert!(objects.iter().all(|s| s.value == 0.0));
    assert!(samples.iter().all(|s| s.labels["environment"] == d.name()));
    assert_eq!(value_of(&samples, "warren_drift_check_success", &[]), 1.0);
    let ts = value_of(&samples, "warren_drift_last_run_timestamp_seconds", &[]);
    assert!(ts > 1.6e9, "{ts}");
}

#[test]
fn a_changed_vhost() {
    let d = Drift::converged("vhost");
    d.put(
        &format!("/api/vhosts/{}", d.v()),
        json!({ "description": "changed by hand" }),
    );
    let item = assert_only(
        &d.drifted(),
        "changed",
        &d.id("vhost", json!({ "name": d.vhost })),
    );
    assert_eq!(
        fields(&item),
        [
            json!({ "field": "description", "live": "changed by hand", "declared": "drift test", "forces_replace": false, "sensitive": false })
        ]
    );
}

#[test]
fn a_changed_user() {
    let d = Drift::converged("user");
    let path = format!("/api/users/{}", d.u());
    let user = d.node.get_json(&path);
    d.put(
        &path,
        json!({
            "password_hash": user["password_hash"],
            "hashing_algorithm": user["hashing_algorithm"],
            "tags": "management,monitoring",
        }),
    );
    let item = assert_only(
        &d.drifted(),
        "changed",
        &d.id("user", json!({ "name": d.user })),
    );
    assert_eq!(fields(&item).len(), 1, "{item}");
    assert_eq!(fields(&item)[0]["field"], "tags");
}

#[test]
fn a_changed_password_shows_no_hash() {
    let d = Drift::converged("password");
    let path = format!("/api/users/{}", d.u());
    d.put(
        &path,
        json!({ "password": "changed", "tags": "management" }),
    );
    let run = d.drift("json");
    run.expect_code(2, "drift");
    let hash = d.node.get_json(&path)["password_hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!run.stdout.contains(&hash));
    let item = assert_only(
        &run.json(),
        "changed",
        &d.id("user", json!({ "name": d.user })),
    );
    assert_eq!(
        fields(&item),
        [json!({ "field": "password_hash", "forces_replace": false, "sensitive": true })]
    );
    let human = d.drift("human");
    assert!(human
        .stdout
        .contains("password_hash: (sensitive value differs)"));
    assert!(!human.stdout.contains(&hash));
}

#[test]
fn a_changed_permission() {
    let d = Drift::converged("permission");
    d.put(
        &format!("/api/permissions/{}/{}", d.v(), d.u()),
        json!({ "configure": ".*", "write": "^ex\\.", "read": "^q\\." }),
    );
    let item = assert_only(
        &d.drifted(),
        "changed",
        &d.id("permission", json!({ "vhost": d.vhost, "user": d.user })),
    );
    assert_eq!(
        fields(&item),
        [
            json!({ "field": "configure", "live": ".*", "declared": "^q\\.", "forces_replace": false, "sensitive": false })
        ]
    );
}

#[test]
fn a_missing_topic_permission() {
    let d = Drift::converged("topic-permission");
    d.delete(&format!("/api/topic-permissions/{}/{}", d.v(), d.u()));
    assert_only(
        &d.drifted(),
        "missing",
        &d.id(
            "topic_permission",
            json!({ "vhost": d.vhost, "user": d.user }),
        ),
    );
}

#[test]
fn a_changed_vhost_limit() {
    let d = Drift::converged("vhost-limit");
    d.put(
        &format!("/api/vhost-limits/{}/max-queues", d.v()),
        json!({ "value": 5 }),
    );
    let item = assert_only(
        &d.drifted(),
        "changed",
        &d.id(
            "vhost_limit",
            json!({ "vhost": d.vhost, "name": "max-queues" }),
        ),
    );
    assert_eq!(
        fields(&item),
        [
            json!({ "field": "value", "live": 5, "declared": 100, "forces_replace": false, "sensitive": false })
        ]
    );
}

#[test]
fn an_unmanaged_user_limit() {
    let d = Drift::converged("user-limit");
    d.put(
        &format!("/api/user-limits/{}/max-channels", d.u()),
        json!({ "value": 5 }),
    );
    let item = assert_only(
        &d.drifted(),
        "unmanaged",
        &d.id(
            "user_limit",
            json!({ "user": d.user, "name": "max-channels" }),
        ),
    );
    assert_eq!(item["pruned"], false);
}

#[test]
fn an_unmanaged_exchange() {
    let d = Drift::converged("exchange");
    d.put(
        &format!("/api/exchanges/{}/ex.handmade", d.v()),
        json!({ "type": "fanout", "durable": true }),
    );
    assert_only(
        &d.drifted(),
        "unmanaged",
        &d.id(
            "exchange",
            json!({ "vhost": d.vhost, "name": "ex.handmade" }),
        ),
    );
}

#[test]
fn a_queue_changed_in_a_way_that_needs_a_replace() {
    let d = Drift::converged("queue");
    let path = format!("/api/queues/{}/q.parking", d.v());
    d.delete(&path);
    d.put(
        &path,
        json!({ "durable": true, "arguments": { "x-message-ttl": 1000 } }),
    );
    let item = assert_only(
        &d.drifted(),
        "changed",
        &d.id("queue", json!({ "vhost": d.vhost, "name": "q.parking" })),
    );
    assert_eq!(item["replace"], true);
    assert_eq!(
        fields(&item),
        [
            json!({ "field": "arguments.x-message-ttl", "live": 1000, "declared": 60000, "forces_replace": true, "sensitive": false })
        ]
    );
    let human = d.drift("human");
    human.expect_code(2, "human");
    assert!(
        human.stdout.contains(&format!(
            "-/+ queue \"q.parking\" in {:?} (repairing re-creates it)",
            d.vhost
        )),
        "{}",
        human.stdout
    );
}

#[test]
fn a_missing_binding() {
    let d = Drift::converged("binding");
    delete_binding(d.node, &d.vhost, "ex.events", "q.orders", "order.#");
    assert_only(
        &d.drifted(),
        "missing",
        &binding_id(&d.vhost, "ex.events", "q.orders", "order.#"),
    );
}

#[test]
fn a_changed_policy_in_every_format() {
    let d = Drift::converged("policy");
    let path = format!("/api/policies/{}/orders-expiry", d.v());
    let mut policy = d.node.get_json(&path);
    policy["definition"] = json!({ "message-ttl": 5000 });
    d.put(&path, policy);
    let id = d.id(
        "policy",
        json!({ "vhost": d.vhost, "name": "orders-expiry" }),
    );
    let item = assert_only(&d.drifted(), "changed", &id);
    assert_eq!(
        fields(&item),
        [
            json!({ "field": "definition.message-ttl", "live": 5000, "declared": 120000, "forces_replace": false, "sensitive": false })
        ]
    );

    let human = d.drift("human");
    human.expect_code(2, "human");
    assert!(human
        .stdout
        .contains("definition.message-ttl: broker 5000, declared 120000"));
    assert!(human
        .stdout
        .contains("Drift: 0 missing, 1 changed, 0 unmanaged ("));

    let md = d.drift("markdown");
    md.expect_code(2, "markdown");
    assert!(
        md.stdout.contains("| `policy` | 0 | 1 | 0 |"),
        "{}",
        md.stdout
    );

    let prom = d.drift("prometheus");
    prom.expect_code(2, "prometheus");
    let samples = parse_exposition(&prom.stdout).unwrap_or_else(|e| panic!("{e}\n{}", prom.stdout));
    for s in samples.iter().filter(|s| s.name == "warren_drift_objects") {
        let expected = if s.labels["kind"] == "policy" && s.labels["state"] == "changed" {
            1.0
        } else {
            0.0
        };
        assert_eq!(s.value, expected, "{s:?}");
    }
    assert_eq!(
        value_of(
            &samples,
            "warren_drift_objects",
            &[
                ("environment", &d.name()),
                ("kind", "policy"),
                ("state", "changed")
            ]
        ),
        1.0
    );
    assert_eq!(value_of(&samples, "warren_drift_check_success", &[]), 1.0);
}

#[test]
fn a_missing_operator_policy() {
    let d = Drift::converged("operator-policy");
    d.delete(&format!("/api/operator-policies/{}/cap", d.v()));
    assert_only(
        &d.drifted(),
        "missing",
        &d.id(
            "operator_policy",
            json!({ "vhost": d.vhost, "name": "cap" }),
        ),
    );
}

#[test]
fn a_changed_parameter() {
    let d = Drift::converged("parameter");
    d.put(
        &format!("/api/parameters/federation-upstream/{}/up", d.v()),
        json!({ "value": { "uri": "amqp://elsewhere" } }),
    );
    let item = assert_only(
        &d.drifted(),
        "changed",
        &d.id(
            "parameter",
            json!({ "vhost": d.vhost, "component": "federation-upstream", "name": "up" }),
        ),
    );
    assert_eq!(fields(&item)[0]["field"], "value.uri");
}

#[test]
fn a_changed_global_parameter() {
    let d = Drift::converged("global-parameter");
    d.put(
        &format!("/api/global-parameters/{}", enc(&d.global)),
        json!({ "name": d.global, "value": { "owner": "someone else" } }),
    );
    let item = assert_only(
        &d.drifted(),
        "changed",
        &d.id("global_parameter", json!({ "name": d.global })),
    );
    assert_eq!(
        fields(&item),
        [
            json!({ "field": "value.owner", "live": "someone else", "declared": "warren", "forces_replace": false, "sensitive": false })
        ]
    );
}

#[test]
fn ignore_rules_hide_an_unmanaged_queue_from_drift_and_plan() {
    let d = Drift::converged("ignore");
    for name in ["scratch.tmp", "keep.me"] {
        d.put(
            &format!("/api/queues/{}/{name}", d.v()),
            json!({ "durable": true }),
        );
    }
    let queue = |name: &str| d.id("queue", json!({ "vhost": d.vhost, "name": name }));
    let unmanaged = |doc: &Value| -> Vec<Value> {
        entries(doc)
            .into_iter()
            .map(|(state, id)| {
                assert_eq!(state, "unmanaged");
                id
            })
            .collect()
    };
    assert_eq!(
        unmanaged(&d.drifted()),
        [queue("keep.me"), queue("scratch.tmp")]
    );
    assert_eq!(
        unmanaged_in(&plan_json(d.node, d.env.arg()), &d.vhost),
        [queue("keep.me"), queue("scratch.tmp")]
    );

    let prefix = "drift-ignore";
    let rule = "  queues: ['^scratch\\.']";
    d.env.write(&topology(&d.vhost, prefix, rule, ""));
    let doc = d.drifted();
    assert_eq!(unmanaged(&doc), [queue("keep.me")]);
    assert_eq!(doc["ignored"]["queue"], 1);
    assert_eq!(
        unmanaged_in(&plan_json(d.node, d.env.arg()), &d.vhost),
        [queue("keep.me")]
    );

    // Pruning queues deletes the unmanaged one and leaves the ignored one alone.
    d.env.write(&topology(
        &d.vhost,
        prefix,
        rule,
        "manage: { prune: [queues] }",
    ));
    let plan = plan_json(d.node, d.env.arg());
    let deleted: Vec<Value> = changes(&plan)
        .into_iter()
        .filter(|c| c["action"] == "delete")
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(deleted, [queue("keep.me")]);
    let doc = d.drifted();
    let item = assert_only(&doc, "unmanaged", &queue("keep.me"));
    assert_eq!(item["pruned"], true);
    converge(d.node, d.env.arg(), &["--allow-destroy"]);
    assert_eq!(
        names_in(d.node, "queues", &d.vhost),
        ["q.orders", "q.parking", "scratch.tmp"]
    );
    d.drift("json").expect_code(0, "drift after pruning");
}

#[test]
fn an_invalid_ignore_pattern_is_a_positioned_error() {
    let env =
        TempEnv::new("local: true\nignore:\n  queues: ['^ok', '(broken']\nvhosts:\n  /a: {}\n");
    let mut cmd = warren_command();
    let out = cmd
        .args(["validate", "--env", env.arg(), "--format", "short"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[invalid-regex]") && stdout.contains("topology.yaml:3:19"),
        "{stdout}"
    );
    assert!(stdout.contains("ignore pattern `(broken`"), "{stdout}");
}

/// A port nothing listens on: bound, then released.
/// Port 1: nothing listens there, and no test node can take it, as a free port taken and
/// given back could be by the time warren connects.
fn closed_port() -> u16 {
    1
}

#[test]
fn an_unreachable_broker_is_an_error_and_a_failed_check() {
    let env = TempEnv::new("local: true\nvhosts:\n  /a: {}\n");
    let url = format!("http://127.0.0.1:{}", closed_port());
    let run = |format: &str| {
        let out = warren_command()
            .args(["drift", "--env", env.arg(), "--format", format])
            .args(["--url", &url, "--user", "guest", "--password", "guest"])
            .args(["--timeout", "5"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for format in ["human", "json", "markdown"] {
        let (code, stdout, stderr) = run(format);
        assert_eq!(code, Some(1), "{format}: {stdout}{stderr}");
        assert_eq!(stdout, "", "{format}");
        assert!(stderr.contains("reachable"), "{format}: {stderr}");
    }
    let (code, stdout, _) = run("prometheus");
    assert_eq!(code, Some(1));
    let samples = parse_exposition(&stdout).unwrap_or_else(|e| panic!("{e}\n{stdout}"));
    let name = env
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        value_of(
            &samples,
            "warren_drift_check_success",
            &[("environment", &name)]
        ),
        0.0
    );
    assert!(value_of(&samples, "warren_drift_last_run_timestamp_seconds", &[]) > 1.6e9);
    assert!(samples.iter().all(|s| s.name != "warren_drift_objects"));
}

/// The shipped local environments ignore the broker's guest user, so on a fresh broker
/// they are in sync right after apply. Each needs an empty node to itself: users are cluster-wide.
fn shipped_environment_is_in_sync_on_a_fresh_broker(env: &str) {
    let node = crate::support::pool::lend();
    let before = warren(&node, &["drift", "--env", env]);
    before.expect_code(2, "drift before apply");
    assert!(before.stdout.contains("Missing:"), "{}", before.stdout);
    converge(&node, env, &[]);
    let run = warren(&node, &["drift", "--env", env]);
    run.expect_code(0, &format!("drift --env {env}"));
    assert!(run.stdout.contains("In sync."), "{}", run.stdout);
    assert!(
        run.stdout.contains("Left out by ignore rules: 1 user"),
        "{}",
        run.stdout
    );
    let plan = plan_json(&node, env);
    let unmanaged = plan["unmanaged"].as_array().cloned().unwrap_or_default();
    assert_eq!(unmanaged, Vec::<Value>::new(), "{plan}");
}

#[test]
fn the_dev_environment_is_in_sync_on_a_fresh_broker() {
    shipped_environment_is_in_sync_on_a_fresh_broker("dev");
}

#[test]
fn the_vivesphere_fixture_is_in_sync_on_a_fresh_broker() {
    shipped_environment_is_in_sync_on_a_fresh_broker("fixtures/vivesphere");
}

#[test]
fn json_reports_validate_against_the_drift_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/drift.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the drift schema compiles");
    for report in [fixed_report("production"), in_sync_report()] {
        let document: serde_json::Value = serde_json::from_str(&drift_json(&doc(&report))).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
    let mut broken: serde_json::Value =
        serde_json::from_str(&drift_json(&doc(&fixed_report("production")))).unwrap();
    broken["format_version"] = 2.into();
    assert!(
        !validator.is_valid(&broken),
        "a future format version is not this schema's"
    );
}
