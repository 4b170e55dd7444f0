//! `diff(desired, live, scope)` on hand-built states: no broker, no network.

use serde_json::{json, Map, Value};
use warren::config::schema::Kind;
use warren::model::kinds;
use warren::model::{DestinationType, Resource, ResourceId, State};
use warren::plan::{diff, Action, Change, FieldDiff, Plan, Scope};

use crate::model_support::{map, state, ALL_KINDS};

fn scope(vhosts: &[&str], prune: &[Kind]) -> Scope {
    Scope {
        vhosts: vhosts.iter().map(|v| v.to_string()).collect(),
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

fn exchange_id(vhost: &str, name: &str) -> ResourceId {
    ResourceId::Exchange {
        vhost: vhost.into(),
        name: name.into(),
    }
}

fn permission_id(vhost: &str, user: &str) -> ResourceId {
    ResourceId::Permission {
        vhost: vhost.into(),
        user: user.into(),
    }
}

fn policy_id(vhost: &str, name: &str) -> ResourceId {
    ResourceId::Policy {
        vhost: vhost.into(),
        name: name.into(),
    }
}

fn to_queue(vhost: &str, source: &str, queue: &str, key: &str) -> ResourceId {
    kinds::binding_id(
        vhost,
        source,
        DestinationType::Queue,
        queue,
        key,
        &Map::new(),
    )
}

fn to_exchange(vhost: &str, source: &str, exchange: &str, key: &str) -> ResourceId {
    kinds::binding_id(
        vhost,
        source,
        DestinationType::Exchange,
        exchange,
        key,
        &Map::new(),
    )
}

fn vhost(description: &str) -> Resource {
    kinds::vhost(description, &[], None, false)
}

fn queue(arguments: Value) -> Resource {
    kinds::queue(true, false, map(arguments), "classic")
}

fn exchange(kind: &str) -> Resource {
    kinds::exchange(kind, true, false, false, Map::new())
}

fn policy(definition: Value) -> Resource {
    kinds::policy(".*", "queues", 0, map(definition))
}

/// The one change for `id`, failing if there is none or more than one.
fn change_of<'a>(plan: &'a Plan, id: &ResourceId) -> &'a Change {
    let found: Vec<&Change> = plan.changes.iter().filter(|c| &c.id == id).collect();
    assert_eq!(found.len(), 1, "expected one change for {id}: {plan:#?}");
    found[0]
}

fn field(name: &str, before: Option<Value>, after: Option<Value>, forces: bool) -> FieldDiff {
    FieldDiff {
        field: name.into(),
        before,
        after,
        forces_replace: forces,
        sensitive: false,
    }
}

/// Every kind once, with values of every shape.
fn rich_state() -> State {
    let mut topic = std::collections::BTreeMap::new();
    topic.insert("ex.events".to_string(), ("^odoo\\.".into(), ".*".into()));
    state(vec![
        (
            vhost_id("/app"),
            kinds::vhost("App", &["prod".into()], Some("quorum"), true),
        ),
        (
            user_id("odoo"),
            kinds::user(&["monitoring".into()], "aGFzaA==", None),
        ),
        (
            ResourceId::GlobalParameter {
                name: "cluster_name".into(),
            },
            kinds::parameter(json!("rabbit@prod")),
        ),
        (
            ResourceId::VhostLimit {
                vhost: "/app".into(),
                name: "max-queues".into(),
            },
            kinds::limit(100),
        ),
        (
            ResourceId::UserLimit {
                user: "odoo".into(),
                name: "max-connections".into(),
            },
            kinds::limit(10),
        ),
        (
            permission_id("/app", "odoo"),
            kinds::permission("^odoo\\.", "^odoo\\.", ".*"),
        ),
        (
            ResourceId::TopicPermission {
                vhost: "/app".into(),
                user: "odoo".into(),
            },
            kinds::topic_permissions(&topic),
        ),
        (exchange_id("/app", "ex.events"), exchange("topic")),
        (
            queue_id("/app", "q.work"),
            kinds::queue(
                true,
                false,
                map(json!({ "x-message-ttl": 60000, "x-dead-letter-exchange": "ex.dlx" })),
                "quorum",
            ),
        ),
        (
            to_queue("/app", "ex.events", "q.work", "work.#"),
            Resource::new(),
        ),
        (
            ResourceId::Parameter {
                vhost: "/app".into(),
                component: "shovel".into(),
                name: "move".into(),
            },
            kinds::parameter(json!({ "src-uri": "amqp://", "src-queue": "a", "dest-queue": "b" })),
        ),
        (
            policy_id("/app", "ttl"),
            policy(json!({ "message-ttl": 86400000 })),
        ),
        (
            ResourceId::OperatorPolicy {
                vhost: "/app".into(),
                name: "cap".into(),
            },
            kinds::operator_policy(".*", "queues", 0, map(json!({ "max-length": 1000 }))),
        ),
    ])
}

#[test]
fn identical_states_plan_nothing() {
    let s = rich_state();
    let plan = diff("prod", &s, &s, &scope(&["/app"], &ALL_KINDS));
    assert!(plan.is_empty(), "{plan:#?}");
    assert!(plan.unmanaged.is_empty());
    assert_eq!(plan.environment, "prod");
}

#[test]
fn desired_only_objects_are_created_parents_first() {
    let desired = state(vec![
        (queue_id("/", "q"), queue(json!({}))),
        (vhost_id("/"), vhost("")),
    ]);
    let plan = diff("dev", &desired, &State::default(), &scope(&["/"], &[]));
    let ids: Vec<&ResourceId> = plan.changes.iter().map(|c| &c.id).collect();
    assert_eq!(ids, [&vhost_id("/"), &queue_id("/", "q")]);
    for c in &plan.changes {
        assert_eq!(c.action, Action::Create);
        assert_eq!(c.before, None);
        assert_eq!(c.after.as_ref(), desired.get(&c.id));
        assert!(c.fields.is_empty());
        assert_eq!(c.reason, None);
    }
    assert_eq!(plan.summary().create, 2);
}

/// Desired and live differ only in `id`'s resource.
fn plan_one(id: ResourceId, desired: Resource, live: Resource) -> Plan {
    diff(
        "prod",
        &state(vec![(id.clone(), desired)]),
        &state(vec![(id, live)]),
        &scope(&["/"], &ALL_KINDS),
    )
}

fn assert_single(plan: &Plan, id: &ResourceId, action: Action, fields: Vec<FieldDiff>) {
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    let c = change_of(plan, id);
    assert_eq!(c.action, action);
    assert_eq!(c.fields, fields);
    assert!(c.before.is_some() && c.after.is_some());
    assert!(plan.unmanaged.is_empty());
}

#[test]
fn policy_definition_key_change_is_an_update_of_that_key() {
    let id = policy_id("/", "ttl");
    let plan = plan_one(
        id.clone(),
        policy(json!({ "message-ttl": 120000, "max-length": 10 })),
        policy(json!({ "message-ttl": 60000, "max-length": 10 })),
    );
    let expected = field(
        "definition.message-ttl",
        Some(json!(60000)),
        Some(json!(120000)),
        false,
    );
    assert_single(&plan, &id, Action::Update, vec![expected]);
}

#[test]
fn added_and_removed_definition_keys_have_one_side_only() {
    let id = policy_id("/", "ha");
    let plan = plan_one(
        id.clone(),
        policy(json!({ "max-length": 10 })),
        policy(json!({ "ha-mode": "all" })),
    );
    let expected = vec![
        field("definition.ha-mode", Some(json!("all")), None, false),
        field("definition.max-length", None, Some(json!(10)), false),
    ];
    assert_single(&plan, &id, Action::Update, expected);
}

#[test]
fn permission_regex_change_is_an_update() {
    let id = permission_id("/", "odoo");
    let plan = plan_one(
        id.clone(),
        kinds::permission("^odoo\\.", "^odoo\\.", "^n8n\\.results\\..*|odoo\\..*"),
        kinds::permission("^odoo\\.", "^odoo\\.", ".*"),
    );
    let expected = field(
        "read",
        Some(json!(".*")),
        Some(json!("^n8n\\.results\\..*|odoo\\..*")),
        false,
    );
    assert_single(&plan, &id, Action::Update, vec![expected]);
}

#[test]
fn user_tags_change_is_an_update() {
    let id = user_id("ops");
    let plan = plan_one(
        id.clone(),
        kinds::user(&["monitoring".into(), "administrator".into()], "h", None),
        kinds::user(&["monitoring".into()], "h", None),
    );
    let expected = field(
        "tags",
        Some(json!(["monitoring"])),
        Some(json!(["administrator", "monitoring"])),
        false,
    );
    assert_single(&plan, &id, Action::Update, vec![expected]);
}

#[test]
fn vhost_description_change_is_an_update() {
    let id = vhost_id("/");
    let plan = plan_one(id.clone(), vhost("new words"), vhost("old words"));
    let expected = field(
        "description",
        Some(json!("old words")),
        Some(json!("new words")),
        false,
    );
    assert_single(&plan, &id, Action::Update, vec![expected]);
}

#[test]
fn queue_argument_change_forces_replacement() {
    let id = queue_id("/", "q");
    let plan = plan_one(
        id.clone(),
        queue(json!({ "x-message-ttl": 1000, "x-queue-type": "quorum" })),
        queue(json!({ "x-message-ttl": 1000 })),
    );
    let expected = field(
        "arguments.x-queue-type",
        Some(json!("classic")),
        Some(json!("quorum")),
        true,
    );
    assert_single(&plan, &id, Action::Replace, vec![expected]);
}

#[test]
fn queue_durable_and_auto_delete_force_replacement() {
    let id = queue_id("/", "q");
    let plan = plan_one(
        id.clone(),
        kinds::queue(false, true, Map::new(), "classic"),
        kinds::queue(true, false, Map::new(), "classic"),
    );
    let expected = vec![
        field("auto_delete", Some(json!(false)), Some(json!(true)), true),
        field("durable", Some(json!(true)), Some(json!(false)), true),
    ];
    assert_single(&plan, &id, Action::Replace, expected);
}

#[test]
fn exchange_type_change_forces_replacement() {
    let id = exchange_id("/", "ex");
    let plan = plan_one(id.clone(), exchange("topic"), exchange("direct"));
    let expected = field("type", Some(json!("direct")), Some(json!("topic")), true);
    assert_single(&plan, &id, Action::Replace, vec![expected]);
}

#[test]
fn replacing_a_queue_recreates_its_bindings() {
    let kept = to_queue("/", "ex", "q", "a");
    let added = to_queue("/", "ex", "q", "b");
    let elsewhere = to_queue("/", "ex", "other", "a");
    let common = vec![
        (vhost_id("/"), vhost("")),
        (exchange_id("/", "ex"), exchange("direct")),
        (queue_id("/", "other"), queue(json!({}))),
        (kept.clone(), Resource::new()),
        (elsewhere.clone(), Resource::new()),
    ];
    let mut desired = state(common.clone());
    desired.insert(queue_id("/", "q"), queue(json!({ "x-max-length": 5 })));
    desired.insert(added.clone(), Resource::new());
    let mut live = state(common);
    live.insert(queue_id("/", "q"), queue(json!({})));

    let plan = diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS));

    assert_eq!(
        change_of(&plan, &queue_id("/", "q")).action,
        Action::Replace
    );
    let recreated = change_of(&plan, &kept);
    assert_eq!(recreated.action, Action::Create);
    assert_eq!(recreated.after.as_ref(), desired.get(&kept));
    let reason = recreated
        .reason
        .as_ref()
        .expect("a re-created binding says why")
        .to_string();
    assert!(reason.contains("re-created"), "{reason}");
    assert!(reason.contains(&queue_id("/", "q").to_string()), "{reason}");
    let fresh = change_of(&plan, &added);
    assert_eq!(
        (fresh.action, fresh.reason.as_ref()),
        (Action::Create, None)
    );
    assert!(plan.changes.iter().all(|c| c.id != elsewhere));
    assert_eq!(plan.changes.len(), 3, "{plan:#?}");
}

#[test]
fn replacing_an_exchange_recreates_bindings_from_and_to_it() {
    let from = to_queue("/", "ex", "q", "k");
    let to = to_exchange("/", "upstream", "ex", "k");
    let unrelated = to_queue("/", "upstream", "q", "k");
    let common = vec![
        (vhost_id("/"), vhost("")),
        (exchange_id("/", "upstream"), exchange("fanout")),
        (queue_id("/", "q"), queue(json!({}))),
        (from.clone(), Resource::new()),
        (to.clone(), Resource::new()),
        (unrelated.clone(), Resource::new()),
    ];
    let mut desired = state(common.clone());
    desired.insert(exchange_id("/", "ex"), exchange("topic"));
    let mut live = state(common);
    live.insert(exchange_id("/", "ex"), exchange("direct"));

    let plan = diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS));

    assert_eq!(
        change_of(&plan, &exchange_id("/", "ex")).action,
        Action::Replace
    );
    for id in [&from, &to] {
        let c = change_of(&plan, id);
        assert_eq!(c.action, Action::Create);
        assert!(c
            .reason
            .as_ref()
            .unwrap()
            .to_string()
            .contains("re-created"));
    }
    assert!(plan.changes.iter().all(|c| c.id != unrelated));
    assert_eq!(plan.changes.len(), 3, "{plan:#?}");
}

#[test]
fn undeclared_bindings_of_a_replaced_queue_are_kept() {
    // The broker drops every binding with the queue, declared or not; prune is off.
    let undeclared = to_queue("/", "amq.topic", "q", "app.#");
    let desired = state(vec![(
        queue_id("/", "q"),
        queue(json!({ "x-max-length": 5 })),
    )]);
    let live = state(vec![
        (queue_id("/", "q"), queue(json!({}))),
        (undeclared.clone(), Resource::new()),
    ]);
    let plan = diff("prod", &desired, &live, &scope(&["/"], &[]));
    let c = change_of(&plan, &undeclared);
    assert_eq!(c.action, Action::Create);
    assert!(c
        .reason
        .as_ref()
        .unwrap()
        .to_string()
        .contains("re-created"));
    assert_eq!(plan.unmanaged, [undeclared]);
}

#[test]
fn pruned_bindings_of_a_replaced_queue_are_deleted_not_recreated() {
    let undeclared = to_queue("/", "amq.topic", "q", "app.#");
    let desired = state(vec![(
        queue_id("/", "q"),
        queue(json!({ "x-max-length": 5 })),
    )]);
    let live = state(vec![
        (queue_id("/", "q"), queue(json!({}))),
        (undeclared.clone(), Resource::new()),
    ]);
    let plan = diff("prod", &desired, &live, &scope(&["/"], &[Kind::Bindings]));
    assert_eq!(change_of(&plan, &undeclared).action, Action::Delete);
}

#[test]
fn live_only_objects_in_scope_are_unmanaged_unless_pruned() {
    let desired = state(vec![(vhost_id("/"), vhost(""))]);
    let live = state(vec![
        (vhost_id("/"), vhost("")),
        (queue_id("/", "stray"), queue(json!({}))),
        (user_id("old"), kinds::user(&[], "h", None)),
    ]);

    let listed = diff("prod", &desired, &live, &scope(&["/"], &[Kind::Exchanges]));
    assert!(listed.is_empty(), "{listed:#?}");
    assert_eq!(listed.unmanaged, [user_id("old"), queue_id("/", "stray")]);

    let pruned = diff("prod", &desired, &live, &scope(&["/"], &[Kind::Queues]));
    assert_eq!(pruned.unmanaged, [user_id("old")]);
    let c = change_of(&pruned, &queue_id("/", "stray"));
    assert_eq!(c.action, Action::Delete);
    assert_eq!(c.before.as_ref(), live.get(&queue_id("/", "stray")));
    assert_eq!(c.after, None);
    assert_eq!(pruned.changes.len(), 1);
}

#[test]
fn live_objects_out_of_scope_appear_nowhere() {
    let live = state(vec![
        (vhost_id("/other"), vhost("")),
        (queue_id("/other", "q"), queue(json!({}))),
        (policy_id("/other", "p"), policy(json!({ "max-length": 1 }))),
        (user_id("someone"), kinds::user(&[], "h", None)),
        (queue_id("/", "q"), queue(json!({}))),
    ]);
    let no_users_or_queues = Scope {
        vhosts: ["/".to_string()].into_iter().collect(),
        kinds: ALL_KINDS
            .into_iter()
            .filter(|k| ![Kind::Users, Kind::Queues].contains(k))
            .collect(),
        prune: ALL_KINDS.into_iter().collect(),
        ..Scope::default()
    };
    let plan = diff("prod", &State::default(), &live, &no_users_or_queues);
    assert!(plan.is_empty(), "{plan:#?}");
    assert!(plan.unmanaged.is_empty(), "{plan:#?}");
}

#[test]
fn password_hash_changes_carry_no_values() {
    let id = user_id("svc");
    let plan = plan_one(
        id.clone(),
        kinds::user(&[], "bmV3LWhhc2g=", None),
        kinds::user(&[], "b2xkLWhhc2g=", None),
    );
    let expected = FieldDiff {
        field: "password_hash".into(),
        before: None,
        after: None,
        forces_replace: false,
        sensitive: true,
    };
    assert_single(&plan, &id, Action::Update, vec![expected]);
    let fields = serde_json::to_string(&plan.changes[0].fields).unwrap();
    assert!(!fields.contains("bmV3LWhhc2g=") && !fields.contains("b2xkLWhhc2g="));
}

#[test]
fn number_types_are_no_difference() {
    let q = queue_id("/", "q");
    let p = policy_id("/", "p");
    let desired = state(vec![
        (
            q.clone(),
            queue(json!({ "x-message-ttl": 5, "x-max-length": 10 })),
        ),
        (p.clone(), policy(json!({ "message-ttl": 5 }))),
    ]);
    let live = state(vec![
        (
            q.clone(),
            queue(json!({ "x-message-ttl": 5.0, "x-max-length": 10.0 })),
        ),
        (p.clone(), policy(json!({ "message-ttl": 5.0 }))),
    ]);
    assert!(diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS)).is_empty());
    // A real fraction is a difference, and shows as the number it is.
    let live = state(vec![(
        q.clone(),
        queue(json!({ "x-message-ttl": 5.5, "x-max-length": 10 })),
    )]);
    let desired = state(vec![(
        q.clone(),
        queue(json!({ "x-message-ttl": 5, "x-max-length": 10 })),
    )]);
    let plan = diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS));
    let expected = field(
        "arguments.x-message-ttl",
        Some(json!(5.5)),
        Some(json!(5)),
        true,
    );
    assert_single(&plan, &q, Action::Replace, vec![expected]);
}

#[test]
fn tag_order_is_no_difference() {
    let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let desired = state(vec![
        (
            user_id("u"),
            kinds::user(&tags(&["monitoring", "administrator"]), "h", None),
        ),
        (
            vhost_id("/"),
            kinds::vhost("", &tags(&["b", "a"]), None, false),
        ),
    ]);
    let live = state(vec![
        (
            user_id("u"),
            kinds::user(&tags(&["administrator", "monitoring"]), "h", None),
        ),
        (
            vhost_id("/"),
            kinds::vhost("", &tags(&["a", "b", "a"]), None, false),
        ),
    ]);
    assert!(diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS)).is_empty());
}

#[test]
fn live_classic_queue_without_queue_type_equals_desired() {
    let id = queue_id("/", "q");
    let desired = state(vec![(
        id.clone(),
        queue(json!({ "x-queue-type": "classic" })),
    )]);
    let live = state(vec![(id.clone(), queue(json!({})))]);
    assert!(diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS)).is_empty());
    // Where the vhost defaults to quorum, an untyped live queue is a quorum queue.
    let live = state(vec![(
        id.clone(),
        kinds::queue(true, false, Map::new(), "quorum"),
    )]);
    let desired = state(vec![(id, queue(json!({ "x-queue-type": "quorum" })))]);
    assert!(diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS)).is_empty());
}

#[test]
fn live_only_bookkeeping_is_no_difference() {
    let b = to_queue("/", "ex", "q", "k");
    let q = queue_id("/", "q");
    let mut live_binding = Resource::new();
    live_binding.properties_key = Some("k".into());
    let mut live_queue = queue(json!({}));
    live_queue.messages = Some(7);
    let desired = state(vec![
        (b.clone(), Resource::new()),
        (q.clone(), queue(json!({}))),
    ]);
    let live = state(vec![(b, live_binding), (q, live_queue)]);
    assert!(diff("prod", &desired, &live, &scope(&["/"], &ALL_KINDS)).is_empty());
}

#[test]
fn changes_are_sorted_by_level_then_identity() {
    let desired = rich_state();
    let plan = diff("prod", &desired, &State::default(), &scope(&["/app"], &[]));
    assert_eq!(plan.changes.len(), desired.len());
    let keys: Vec<(u8, &ResourceId)> = plan.changes.iter().map(|c| (c.id.level(), &c.id)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}
