//! The machine and pull-request formats of a plan: `--format json` (versioned, with a checked-in
//! schema) and `--format markdown` (a comment under GitHub's size limit).
//! Review changes with `INSTA_UPDATE=always cargo test --test offline plan_formats::` and read the diff;
//! regenerate the schema with `UPDATE_PLAN_SCHEMA=1 cargo test --test offline plan_formats::`.

use std::path::PathBuf;

use serde_json::{json, Map, Value};
use warren::config::schema::Kind;
use warren::model::kinds;
use warren::model::{DestinationType, Resource, ResourceId, State};
use warren::plan::{diff, refusals, Action, Change, FieldDiff, MessageCount, Plan, Scope};

use crate::model_support::{map, state, strings, ALL_KINDS};

/// The JSON plan as `warren plan --format json` prints it: the plan's document.
mod plan_json {
    use warren::plan::Plan;
    pub use warren::render::plan::document::{ActionDoc, PlanDocument};
    pub use warren::render::plan::json::schema;

    pub fn document(plan: &Plan) -> PlanDocument {
        PlanDocument::new(plan)
    }

    pub fn render(plan: &Plan) -> String {
        warren::render::plan::json::render(&document(plan))
    }
}

/// The Markdown plan as `warren plan --format markdown` prints it: from the plan's document.
mod plan_markdown {
    use warren::plan::Plan;
    use warren::render::plan::{markdown, PlanDocument};

    pub fn render(plan: &Plan) -> String {
        markdown::render(&PlanDocument::new(plan))
    }
}

const VHOST: &str = "/creativeflow_prod";
const ANALYTICS: &str = "/analytics";
const OLD_HASH: &str = "kI3Ls1NzQ2hWY2lZbGV0dGVyc29sZGhhc2g=";
const NEW_HASH: &str = "Xy9Ls1NzQ2hWY2lZbGV0dGVyc25ld2hhc2g=";
const SCHEMA: &str = "schemas/plan.schema.json";
const GITHUB_LIMIT: usize = 65_536;

fn scope(prune: &[Kind]) -> Scope {
    Scope {
        vhosts: [VHOST.to_string(), ANALYTICS.to_string()]
            .into_iter()
            .collect(),
        kinds: ALL_KINDS.into_iter().collect(),
        prune: prune.iter().copied().collect(),
        ..Scope::default()
    }
}

fn vhost_id(name: &str) -> ResourceId {
    ResourceId::Vhost { name: name.into() }
}

fn user_id(name: &str) -> ResourceId {
    ResourceId::User { name: name.into() }
}

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

fn policy_id(vhost: &str, name: &str) -> ResourceId {
    ResourceId::Policy {
        vhost: vhost.into(),
        name: name.into(),
    }
}

fn permission_id(user: &str) -> ResourceId {
    ResourceId::Permission {
        vhost: VHOST.into(),
        user: user.into(),
    }
}

fn binding(source: &str, queue: &str, key: &str, arguments: Value) -> ResourceId {
    kinds::binding_id(
        VHOST,
        source,
        DestinationType::Queue,
        queue,
        key,
        &map(arguments),
    )
}

fn queue(arguments: Value) -> Resource {
    kinds::queue(true, false, map(arguments), "classic")
}

fn exchange(kind: &str) -> Resource {
    kinds::exchange(kind, true, false, false, Map::new())
}

fn set_messages(plan: &mut Plan, id: &ResourceId, messages: u64) {
    let change = plan
        .changes
        .iter_mut()
        .find(|c| &c.id == id)
        .unwrap_or_else(|| panic!("{id} is not in the plan"));
    change.messages = Some(MessageCount::Known(messages));
}

/// Every action and value shape: creates (a sensitive hash, binding arguments), updates
/// (scalars, lists, a long pattern, nested maps, a password), a replace with messages,
/// re-created bindings with reasons, deletes (a queue with messages, a user with a hash),
/// unmanaged objects, and two vhosts plus cluster-wide objects.
fn full() -> Plan {
    let pending = queue_id(VHOST, "q.ai_generation.pending");
    let shovel = ResourceId::Parameter {
        vhost: VHOST.into(),
        component: "shovel".into(),
        name: "move-results".into(),
    };
    let limit = ResourceId::VhostLimit {
        vhost: VHOST.into(),
        name: "max-queues".into(),
    };
    let shovel_value = |queue: &str, uris: &[&str], properties: Value| {
        json!({
            "src-uri": "amqp://shovel@rabbit-a.internal:5672/%2Fcreativeflow_prod",
            "src-queue": "q.results",
            "dest-uri": uris,
            "dest-queue": queue,
            "dest-publish-properties": properties,
        })
    };
    let b_uri = "amqp://shovel@rabbit-b.internal:5672/%2Fcreativeflow_prod";
    let c_uri = "amqp://shovel@rabbit-c.internal:5672/%2Fcreativeflow_prod";
    let declared_binding = binding(
        "ex.creativeflow.direct",
        "q.ai_generation.pending",
        "ai.generation.request",
        json!({}),
    );
    let live = state(vec![
        (vhost_id(VHOST), kinds::vhost("", &[], None, false)),
        (
            vhost_id(ANALYTICS),
            kinds::vhost("Analytics", &[], None, false),
        ),
        (
            user_id("odoo_svc"),
            kinds::user(&strings(&["monitoring"]), OLD_HASH, None),
        ),
        (
            user_id("ops"),
            kinds::user(&strings(&["monitoring"]), OLD_HASH, None),
        ),
        (
            user_id("legacy_admin"),
            kinds::user(&strings(&["administrator"]), OLD_HASH, None),
        ),
        (limit.clone(), kinds::limit(100)),
        (
            permission_id("odoo_svc"),
            kinds::permission("^odoo\\.", "^odoo\\.", ".*"),
        ),
        (exchange_id("ex.creativeflow.direct"), exchange("direct")),
        (exchange_id("ex.dead_letter"), exchange("direct")),
        (exchange_id("ex.stray"), exchange("fanout")),
        (
            pending.clone(),
            queue(json!({ "x-message-ttl": 5000, "x-dead-letter-exchange": "ex.dead_letter" })),
        ),
        (queue_id(VHOST, "q.legacy"), queue(json!({}))),
        (declared_binding.clone(), Resource::new()),
        (
            binding("amq.topic", "q.ai_generation.pending", "ai.#", json!({})),
            Resource::new(),
        ),
        (
            policy_id(VHOST, "ha-all"),
            kinds::policy(".*", "all", 0, map(json!({ "ha-mode": "all" }))),
        ),
        (
            policy_id(VHOST, "orders"),
            kinds::policy(".*", "queues", 0, map(json!({ "max-length": 10 }))),
        ),
        (
            shovel.clone(),
            kinds::parameter(shovel_value(
                "q.results.old",
                &[b_uri],
                json!({ "delivery_mode": 1 }),
            )),
        ),
    ]);
    let desired = state(vec![
        (
            vhost_id(VHOST),
            kinds::vhost(
                "Production \"CreativeFlow\" host",
                &strings(&["prod"]),
                None,
                true,
            ),
        ),
        (
            vhost_id(ANALYTICS),
            kinds::vhost("Analytics", &[], None, false),
        ),
        (
            user_id("odoo_svc"),
            kinds::user(&strings(&["monitoring"]), NEW_HASH, None),
        ),
        (
            user_id("ops"),
            kinds::user(&strings(&["monitoring", "administrator"]), OLD_HASH, None),
        ),
        (user_id("n8n_svc"), kinds::user(&[], NEW_HASH, None)),
        (limit, kinds::limit(200)),
        (
            permission_id("odoo_svc"),
            kinds::permission("^odoo\\.", "^odoo\\.", "^n8n\\.results\\..*|odoo\\..*"),
        ),
        (
            permission_id("n8n_svc"),
            kinds::permission("", "^n8n\\.", "^n8n\\."),
        ),
        (exchange_id("ex.creativeflow.direct"), exchange("direct")),
        (exchange_id("ex.dead_letter"), exchange("direct")),
        (exchange_id("ex.documents"), exchange("headers")),
        (
            pending.clone(),
            queue(json!({
                "x-message-ttl": 10000,
                "x-dead-letter-exchange": "ex.dead_letter",
                "x-queue-type": "quorum",
            })),
        ),
        (declared_binding, Resource::new()),
        (
            binding(
                "ex.documents",
                "q.ai_generation.pending",
                "",
                json!({ "x-match": "all", "format": "pdf" }),
            ),
            Resource::new(),
        ),
        (
            policy_id(VHOST, "orders"),
            kinds::policy(
                "^(orders|invoices|payments|shipments|returns|refunds)\\.(created|updated)$",
                "queues",
                0,
                map(json!({ "max-length": 10 })),
            ),
        ),
        (
            shovel,
            kinds::parameter(shovel_value(
                "q.results",
                &[b_uri, c_uri],
                json!({ "delivery_mode": 2, "headers": { "x-origin": "rabbit-a" } }),
            )),
        ),
        (
            queue_id(ANALYTICS, "q.reports"),
            queue(json!({ "x-max-length": 1000, "x-overflow": "reject-publish" })),
        ),
        (
            policy_id(ANALYTICS, "reports-ttl"),
            kinds::policy(
                "^q\\.reports$",
                "queues",
                1,
                map(json!({ "message-ttl": 3600000 })),
            ),
        ),
    ]);
    let mut plan = diff(
        "production",
        &desired,
        &live,
        &scope(&[Kind::Queues, Kind::Policies, Kind::Users]),
    );
    set_messages(&mut plan, &pending, 42);
    set_messages(&mut plan, &queue_id(VHOST, "q.legacy"), 1200);
    let context = refusals::Context {
        login: Some("rabbitmq_admin_app".into()),
        ..Default::default()
    };
    refusals::annotate(&mut plan, &context);
    plan
}

fn empty() -> Plan {
    let live = state(vec![(vhost_id(VHOST), kinds::vhost("", &[], None, false))]);
    diff("production", &live, &live, &scope(&ALL_KINDS))
}

/// 4,000 creates and 1,000 deletes of queues holding messages: far over GitHub's limit.
fn huge() -> Plan {
    let vhost = (vhost_id(VHOST), kinds::vhost("", &[], None, false));
    let mut live = state(vec![vhost.clone()]);
    let mut desired = state(vec![vhost]);
    for i in 0..4000 {
        desired.insert(
            queue_id(VHOST, &format!("q.tenant.{i:04}.events")),
            queue(json!({ "x-message-ttl": 60000, "x-queue-type": "quorum" })),
        );
    }
    for i in 0..1000 {
        live.insert(queue_id(VHOST, &format!("q.old.{i:04}")), queue(json!({})));
    }
    let mut plan = diff("production", &desired, &live, &scope(&[Kind::Queues]));
    for change in &mut plan.changes {
        if change.action == Action::Delete {
            change.messages = Some(MessageCount::Known(7));
        }
    }
    refusals::annotate(&mut plan, &Default::default());
    plan
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn no_secret(text: &str) -> &str {
    for secret in [OLD_HASH, NEW_HASH] {
        assert!(!text.contains(secret), "a password hash leaked:\n{text}");
    }
    text
}

fn json_of(plan: &Plan) -> Value {
    let text = plan_json::render(plan);
    serde_json::from_str(no_secret(&text)).expect("the JSON plan parses")
}

fn validate(instance: &Value) -> Result<(), Vec<String>> {
    let text = std::fs::read_to_string(root().join(SCHEMA)).expect("the plan schema is checked in");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[test]
fn json_golden() {
    let text = plan_json::render(&full());
    insta::assert_snapshot!("json", no_secret(&text));
}

#[test]
fn markdown_golden() {
    let text = plan_markdown::render(&full());
    insta::assert_snapshot!("markdown", no_secret(&text));
}

#[test]
fn empty_plan_golden() {
    let plan = empty();
    let doc = json_of(&plan);
    assert_eq!(doc["changes"], json!([]), "{doc:#}");
    assert_eq!(
        doc["summary"],
        json!({ "create": 0, "update": 0, "replace": 0, "delete": 0, "migrate": 0 })
    );
    let markdown = plan_markdown::render(&plan);
    assert!(markdown.contains("No changes."), "{markdown}");
    insta::assert_snapshot!("empty_json", plan_json::render(&plan));
    insta::assert_snapshot!("empty_markdown", markdown);
}

#[test]
fn checked_in_schema_is_the_generated_one() {
    let generated = plan_json::schema();
    let path = root().join(SCHEMA);
    if std::env::var_os("UPDATE_PLAN_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("the schema is written");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{SCHEMA} is out of date; regenerate it with \
         `UPDATE_PLAN_SCHEMA=1 cargo test --test offline plan_formats::` and review the diff"
    );
}

#[test]
fn schema_is_draft07_and_documents_every_field() {
    let schema: Value = serde_json::from_str(&plan_json::schema()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["properties"]["format_version"]["const"], 1);
    let undocumented = crate::common::undocumented_properties(&schema);
    assert!(undocumented.is_empty(), "no description: {undocumented:#?}");
}

#[test]
fn real_output_validates_against_the_schema() {
    for plan in [full(), empty(), huge(), Plan::default()] {
        let doc = json_of(&plan);
        if let Err(errors) = validate(&doc) {
            panic!("invalid against {SCHEMA}: {errors:#?}\n{doc:#}");
        }
    }
}

#[test]
fn the_schema_refuses_what_warren_never_writes() {
    let good = json_of(&full());
    let mut wrong_version = good.clone();
    wrong_version["format_version"] = json!(2);
    let mut unknown_field = good.clone();
    unknown_field["changes"][0]["password"] = json!("x");
    let mut unknown_kind = good.clone();
    unknown_kind["unmanaged"][0]["kind"] = json!("stream");
    let mut no_summary = good;
    no_summary.as_object_mut().unwrap().remove("summary");
    for (what, doc) in [
        ("format_version 2", wrong_version),
        ("an unknown field", unknown_field),
        ("an unknown kind", unknown_kind),
        ("no summary", no_summary),
    ] {
        assert!(validate(&doc).is_err(), "the schema accepts {what}");
    }
}

#[test]
fn json_round_trips_and_carries_every_part() {
    let plan = full();
    let text = plan_json::render(&plan);
    let doc: plan_json::PlanDocument = serde_json::from_str(&text).unwrap();
    assert_eq!(doc, plan_json::document(&plan));
    assert_eq!(doc.format_version, 1);
    assert_eq!(doc.environment, "production");
    assert_eq!(doc.changes.len(), plan.changes.len());
    let s = plan.summary();
    assert_eq!(
        (
            doc.summary.create,
            doc.summary.update,
            doc.summary.replace,
            doc.summary.delete
        ),
        (s.create, s.update, s.replace, s.delete)
    );
    assert!(s.create > 0 && s.update > 0 && s.replace > 0 && s.delete > 0);
    assert!(!doc.unmanaged.is_empty());
    assert!(doc.changes.iter().any(|c| c.reason.is_some()));
    assert!(doc.changes.iter().any(|c| c.messages == Some(1200)));
    assert!(doc.changes.iter().all(|c| c.destructive
        == matches!(
            c.action,
            plan_json::ActionDoc::Replace | plan_json::ActionDoc::Delete
        )));
}

#[test]
fn sensitive_values_never_appear_even_if_a_plan_carries_them() {
    // A hand-made plan whose sensitive field still holds values, on every action.
    let user = user_id("odoo_svc");
    let hashed = kinds::user(&[], OLD_HASH, None);
    let leaky = FieldDiff {
        field: "password_hash".into(),
        before: Some(json!(OLD_HASH)),
        after: Some(json!(NEW_HASH)),
        forces_replace: false,
        sensitive: true,
    };
    let plan = Plan {
        environment: "production".into(),
        changes: [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
        ]
        .into_iter()
        .map(|action| Change {
            id: user.clone(),
            action,
            before: Some(hashed.clone()),
            after: Some(kinds::user(&[], NEW_HASH, None)),
            fields: vec![leaky.clone()],
            reason: None,
            messages: None,
            refusals: vec![],
            migration: None,
        })
        .collect(),
        unmanaged: vec![],
        notes: vec![],
        routing: Vec::new(),
    };
    let json = plan_json::render(&plan);
    let markdown = plan_markdown::render(&plan);
    no_secret(&json);
    no_secret(&markdown);
    assert!(json.contains(r#""sensitive": true"#), "{json}");
    assert!(
        markdown.contains("password_hash = (sensitive value"),
        "{markdown}"
    );
}

#[test]
fn markdown_of_a_huge_plan_is_truncated_under_the_limit() {
    let plan = huge();
    assert_eq!(plan.changes.len(), 5000);
    let text = plan_markdown::render(&plan);
    assert!(text.len() < GITHUB_LIMIT, "{} bytes", text.len());
    assert!(text.chars().count() < GITHUB_LIMIT);
    assert!(text.contains("Details truncated"), "no truncation note");
    assert!(text.contains("`warren plan --format json`"));
    // The note's count is exactly what the details leave out.
    let shown = text
        .lines()
        .filter(|l| l.starts_with("**Create**") || l.starts_with("**Delete**"))
        .count();
    let note = text
        .lines()
        .find(|l| l.contains("Details truncated"))
        .unwrap();
    let omitted = format!("{} of 5,000 changes", thousands(5000 - shown));
    assert!(note.contains(&omitted), "{note} (shown {shown})");
    assert!(shown > 0, "the details show nothing");
    // Still well-formed: every block and fence closed, destructive steps listed first.
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count()
    );
    assert_eq!(
        text.matches("```diff\n").count() + text.matches("```mermaid\n").count(),
        text.matches("\n```\n").count()
    );
    let destructive = text.find("### ⚠️ Destructive changes (1,000)").unwrap();
    assert!(destructive < text.find("### Details").unwrap());
    assert!(
        text.contains("**7,000 messages at stake**"),
        "total messages"
    );
}

#[test]
fn one_giant_value_is_cut_not_the_whole_comment() {
    let id = ResourceId::Parameter {
        vhost: VHOST.into(),
        component: "shovel".into(),
        name: "bulk".into(),
    };
    let big: Vec<String> = (0..5000).map(|i| format!("amqp://node-{i}:5672")).collect();
    let desired = state(vec![
        (
            id,
            kinds::parameter(json!({ "dest-uri": big, "note": "x".repeat(100_000) })),
        ),
        (queue_id(VHOST, "q.after"), queue(json!({}))),
    ]);
    let plan = diff("production", &desired, &State::default(), &scope(&[]));
    let text = plan_markdown::render(&plan);
    assert!(text.len() < GITHUB_LIMIT, "{} bytes", text.len());
    assert!(
        !text.contains("Details truncated"),
        "both changes fit once cut"
    );
    assert!(text.contains("**Create** queue `q.after`"), "{text}");
    assert!(text.len() < 10_000, "{} bytes", text.len());
    assert!(
        text.lines().all(|l| l.chars().count() <= 410),
        "a line is not cut"
    );
    assert!(text.contains("+ value.note = \"xxxx"), "{text}");

    // A long line diff keeps its first lines and counts the rest.
    let id = ResourceId::Parameter {
        vhost: VHOST.into(),
        component: "shovel".into(),
        name: "bulk".into(),
    };
    let live = state(vec![(
        id.clone(),
        kinds::parameter(json!({ "dest-uri": big[1..] })),
    )]);
    let desired = state(vec![(id, kinds::parameter(json!({ "dest-uri": big })))]);
    let text = plan_markdown::render(&diff("production", &desired, &live, &scope(&[])));
    assert!(text.len() < 10_000, "{} bytes", text.len());
    assert!(text.contains("+       \"amqp://node-0:5672\","), "{text}");
    assert!(
        text.contains("more lines (`warren plan --format json` has them all)"),
        "{text}"
    );
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn markdown_of_a_small_plan_is_whole() {
    let text = plan_markdown::render(&full());
    assert!(!text.contains("truncated"), "{text}");
    assert!(!text.contains("more line"), "{text}");
    let entries = text
        .lines()
        .filter(|l| {
            ["**Create**", "**Update**", "**Replace**", "**Delete**"]
                .iter()
                .any(|verb| l.starts_with(verb))
        })
        .count();
    assert_eq!(entries, full().changes.len(), "{text}");
    let destructive = text.find("### ⚠️ Destructive changes").unwrap();
    assert!(destructive < text.find("### Details").unwrap());
    assert!(text.find("<b>Cluster-wide").unwrap() < text.find("<b>vhost").unwrap());
}

#[test]
fn cli_offers_markdown() {
    let output = assert_cmd::Command::cargo_bin("warren")
        .unwrap()
        .args(["plan", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("markdown"), "{help}");
}
