//! Golden files of the human plan: what users read before they approve an apply.
//! Review changes with `INSTA_UPDATE=always cargo test --test offline plan_golden::` and read the diff.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use warren::config::schema::Kind;
use warren::model::kinds;
use warren::model::{DestinationType, Resource, ResourceId, State};
use warren::plan::{diff, Plan, Scope};
use warren::render::plan::{human, PlanDocument};

use crate::model_support::{map, state, strings, ALL_KINDS};

const VHOST: &str = "/creativeflow_prod";
const OLD_HASH: &str = "kI3Ls1NzQ2hWY2lZbGV0dGVyc29sZGhhc2g=";
const NEW_HASH: &str = "Xy9Ls1NzQ2hWY2lZbGV0dGVyc25ld2hhc2g=";

/// The human plan as the commands print it: rendered from the plan's document.
fn render(plan: &Plan, color: bool) -> String {
    human::render(&PlanDocument::new(plan), color)
}

fn scope(prune: &[Kind]) -> Scope {
    Scope {
        vhosts: [VHOST.to_string()].into_iter().collect(),
        kinds: ALL_KINDS.into_iter().collect(),
        prune: prune.iter().copied().collect(),
        ..Scope::default()
    }
}

fn vhost_id() -> ResourceId {
    ResourceId::Vhost { name: VHOST.into() }
}

fn user_id(name: &str) -> ResourceId {
    ResourceId::User { name: name.into() }
}

fn queue_id(name: &str) -> ResourceId {
    ResourceId::Queue {
        vhost: VHOST.into(),
        name: name.into(),
    }
}

fn exchange_id(name: &str) -> ResourceId {
    ResourceId::Exchange {
        vhost: VHOST.into(),
        name: name.into(),
    }
}

fn policy_id(name: &str) -> ResourceId {
    ResourceId::Policy {
        vhost: VHOST.into(),
        name: name.into(),
    }
}

fn binding(source: &str, queue: &str, key: &str) -> ResourceId {
    kinds::binding_id(
        VHOST,
        source,
        DestinationType::Queue,
        queue,
        key,
        &Map::new(),
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
    change.messages = Some(warren::plan::MessageCount::Known(messages));
}

/// Rendered as `plan` prints it: with the refusals apply would make, and no login user known.
fn plain(plan: &Plan) -> String {
    let mut plan = plan.clone();
    warren::plan::refusals::annotate(&mut plan, &Default::default());
    let text = render(&plan, false);
    for secret in [OLD_HASH, NEW_HASH] {
        assert!(!text.contains(secret), "a password hash leaked:\n{text}");
    }
    text
}

/// A new environment: every create shape, strings with backslashes, a sensitive hash.
fn creates() -> Plan {
    let desired = state(vec![
        (
            vhost_id(),
            kinds::vhost("Production virtual host", &[], None, false),
        ),
        (
            user_id("odoo_svc"),
            kinds::user(&strings(&["monitoring"]), NEW_HASH, None),
        ),
        (
            ResourceId::Permission {
                vhost: VHOST.into(),
                user: "odoo_svc".into(),
            },
            kinds::permission("^odoo\\.", "^odoo\\.", "^n8n\\.results\\..*|odoo\\..*"),
        ),
        (exchange_id("ex.creativeflow.direct"), exchange("direct")),
        (
            queue_id("q.ai_generation.pending"),
            queue(json!({ "x-dead-letter-exchange": "ex.dead_letter", "x-message-ttl": 3600000 })),
        ),
        (
            binding(
                "ex.creativeflow.direct",
                "q.ai_generation.pending",
                "ai.generation.request",
            ),
            Resource::new(),
        ),
        (
            policy_id("ttl-default-policy"),
            kinds::policy(".*", "queues", -1, map(json!({ "message-ttl": 86400000 }))),
        ),
    ]);
    diff("production", &desired, &State::default(), &scope(&[]))
}

/// Updates in place, one per value shape.
fn updates() -> Plan {
    let permission = ResourceId::Permission {
        vhost: VHOST.into(),
        user: "odoo_svc".into(),
    };
    let shovel = ResourceId::Parameter {
        vhost: VHOST.into(),
        component: "shovel".into(),
        name: "move-results".into(),
    };
    let limit = ResourceId::VhostLimit {
        vhost: VHOST.into(),
        name: "max-queues".into(),
    };
    let long_pattern = "^(orders|invoices|payments|shipments|returns|refunds)\\.(created|updated)$";
    let shovel_value = |queue: &str, uris: &[&str], properties: Value| {
        json!({
            "src-uri": "amqp://shovel@rabbit-a.internal:5672/%2Fcreativeflow_prod",
            "src-queue": "q.results",
            "dest-uri": uris,
            "dest-queue": queue,
            "dest-publish-properties": properties,
            "ack-mode": "on-confirm",
        })
    };
    let b_uri = "amqp://shovel@rabbit-b.internal:5672/%2Fcreativeflow_prod";
    let c_uri = "amqp://shovel@rabbit-c.internal:5672/%2Fcreativeflow_prod";
    let old_shovel = shovel_value("q.results.old", &[b_uri], json!({ "delivery_mode": 1 }));
    let new_shovel = shovel_value(
        "q.results",
        &[b_uri, c_uri],
        json!({ "delivery_mode": 2, "headers": { "x-origin": "rabbit-a", "x-route": "^odoo\\." } }),
    );
    let topic = ResourceId::TopicPermission {
        vhost: VHOST.into(),
        user: "odoo_svc".into(),
    };
    let topic_entries = |write: &str| -> BTreeMap<String, (String, String)> {
        [(
            "ex.events".to_string(),
            (write.to_string(), ".*".to_string()),
        )]
        .into_iter()
        .collect()
    };
    let live = state(vec![
        (vhost_id(), kinds::vhost("", &[], None, false)),
        (
            user_id("odoo_svc"),
            kinds::user(&strings(&["monitoring"]), OLD_HASH, None),
        ),
        (
            user_id("ops"),
            kinds::user(&strings(&["monitoring"]), OLD_HASH, None),
        ),
        (
            permission.clone(),
            kinds::permission("^odoo\\.", "^odoo\\.", ".*"),
        ),
        (limit.clone(), kinds::limit(100)),
        (shovel.clone(), kinds::parameter(old_shovel)),
        (
            topic.clone(),
            kinds::topic_permissions(&topic_entries(".*")),
        ),
        (
            policy_id("ttl-default-policy"),
            kinds::policy(
                ".*",
                "queues",
                -1,
                map(json!({ "message-ttl": 60000, "ha-mode": "all" })),
            ),
        ),
        (
            policy_id("orders"),
            kinds::policy(".*", "queues", 0, map(json!({ "max-length": 10 }))),
        ),
    ]);
    let desired = state(vec![
        (
            vhost_id(),
            kinds::vhost(
                "Production \"CreativeFlow\" host",
                &strings(&["prod"]),
                None,
                true,
            ),
        ),
        (
            user_id("odoo_svc"),
            kinds::user(&strings(&["monitoring"]), NEW_HASH, None),
        ),
        (
            user_id("ops"),
            kinds::user(&strings(&["monitoring", "administrator"]), OLD_HASH, None),
        ),
        (
            permission,
            kinds::permission("^odoo\\.", "^odoo\\.", "^n8n\\.results\\..*|odoo\\..*"),
        ),
        (limit, kinds::limit(200)),
        (shovel, kinds::parameter(new_shovel)),
        (topic, kinds::topic_permissions(&topic_entries("^odoo\\."))),
        (
            policy_id("ttl-default-policy"),
            kinds::policy(
                ".*",
                "queues",
                -1,
                map(json!({ "message-ttl": 86400000, "max-length": 100000 })),
            ),
        ),
        (
            policy_id("orders"),
            kinds::policy(long_pattern, "queues", 0, map(json!({ "max-length": 10 }))),
        ),
    ]);
    diff("production", &desired, &live, &scope(&[]))
}

/// Destructive steps: replaces with their forcing fields and bindings, deletes with messages.
fn destructive() -> Plan {
    let pending = queue_id("q.ai_generation.pending");
    let direct = exchange_id("ex.creativeflow.direct");
    let common = vec![
        (vhost_id(), kinds::vhost("", &[], None, false)),
        (exchange_id("ex.dead_letter"), exchange("direct")),
        (
            binding(
                "ex.creativeflow.direct",
                "q.ai_generation.pending",
                "ai.generation.request",
            ),
            Resource::new(),
        ),
    ];
    let mut live = state(common.clone());
    live.insert(
        pending.clone(),
        queue(json!({ "x-message-ttl": 5000, "x-dead-letter-exchange": "ex.dead_letter" })),
    );
    live.insert(direct.clone(), exchange("direct"));
    live.insert(queue_id("q.legacy"), queue(json!({})));
    live.insert(queue_id("q.legacy.single"), queue(json!({})));
    live.insert(
        policy_id("ha-all"),
        kinds::policy(".*", "all", 0, map(json!({ "ha-mode": "all" }))),
    );
    live.insert(
        binding("amq.topic", "q.ai_generation.pending", "ai.#"),
        Resource::new(),
    );
    let mut desired = state(common);
    desired.insert(
        pending.clone(),
        queue(json!({
            "x-message-ttl": 10000,
            "x-dead-letter-exchange": "ex.dead_letter",
            "x-queue-type": "quorum",
        })),
    );
    desired.insert(direct, exchange("topic"));

    let mut plan = diff(
        "production",
        &desired,
        &live,
        &scope(&[Kind::Queues, Kind::Policies, Kind::Exchanges]),
    );
    set_messages(&mut plan, &pending, 42);
    set_messages(&mut plan, &queue_id("q.legacy"), 1200);
    set_messages(&mut plan, &queue_id("q.legacy.single"), 1);
    plan
}

fn unmanaged_queues(count: usize) -> State {
    let mut live = state(vec![(vhost_id(), kinds::vhost("", &[], None, false))]);
    for i in 0..count {
        live.insert(queue_id(&format!("q.stray.{i:02}")), queue(json!({})));
    }
    live
}

#[test]
fn creates_are_listed_field_by_field() {
    insta::assert_snapshot!("creates", plain(&creates()));
}

#[test]
fn updates_show_every_value_shape() {
    insta::assert_snapshot!("updates", plain(&updates()));
}

#[test]
fn replaces_and_deletes_show_forcing_fields_and_messages() {
    insta::assert_snapshot!("destructive", plain(&destructive()));
}

#[test]
fn unmanaged_objects_are_listed_up_to_twenty() {
    let live = unmanaged_queues(23);
    let mut desired = state(vec![(
        vhost_id(),
        kinds::vhost("Production", &[], None, false),
    )]);
    desired.insert(queue_id("q.new"), queue(json!({})));
    let plan = diff("production", &desired, &live, &scope(&[]));
    assert_eq!(plan.unmanaged.len(), 23);
    insta::assert_snapshot!("unmanaged_truncated", plain(&plan));
}

#[test]
fn no_changes() {
    let live = unmanaged_queues(0);
    let plan = diff("production", &live, &live, &scope(&ALL_KINDS));
    insta::assert_snapshot!("no_changes", plain(&plan));
}

#[test]
fn no_changes_but_one_unmanaged_object() {
    let live = unmanaged_queues(1);
    let desired = unmanaged_queues(0);
    let plan = diff("production", &desired, &live, &scope(&[]));
    insta::assert_snapshot!("no_changes_one_unmanaged", plain(&plan));
}

#[test]
fn colour_only_when_asked() {
    for plan in [creates(), updates(), destructive(), Plan::default()] {
        let coloured = render(&plan, true);
        let plain = render(&plan, false);
        assert!(coloured.contains("\u{1b}["), "no ANSI escapes:\n{coloured}");
        assert!(
            !plain.contains('\u{1b}'),
            "ANSI escapes without colour:\n{plain}"
        );
    }
}

#[test]
fn rendering_is_deterministic() {
    let topic: BTreeMap<String, (String, String)> = [
        ("ex.b".to_string(), ("^b\\.".to_string(), ".*".to_string())),
        ("ex.a".to_string(), ("^a\\.".to_string(), ".*".to_string())),
    ]
    .into_iter()
    .collect();
    let id = ResourceId::TopicPermission {
        vhost: VHOST.into(),
        user: "odoo_svc".into(),
    };
    let desired = state(vec![(id, kinds::topic_permissions(&topic))]);
    let plan = diff("production", &desired, &State::default(), &scope(&[]));
    let text = plain(&plan);
    assert_eq!(text, plain(&plan.clone()));
    assert!(
        text.contains(r#"+ exchanges.ex.a = {"read": ".*", "write": "^a\."}"#),
        "{text}"
    );
}
