//! Properties of `diff` over arbitrary states: `diff(x, x)` is empty, and applying a plan to
//! an in-memory broker converges (planning again finds nothing to do).

use std::collections::{BTreeMap, BTreeSet};

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Union};
use serde_json::{json, Map, Value};
use warren::config::schema::Kind;
use warren::model::kinds;
use warren::model::{DestinationType, Resource, ResourceId, State};
use warren::plan::order::{stages, Phase};
use warren::plan::{diff, Action, Plan, Scope};
use warren::render::plan::{human, PlanDocument};

use crate::model_support::ALL_KINDS;

/// The human plan as the commands print it: rendered from the plan's document.
fn render(plan: &Plan, color: bool) -> String {
    human::render(&PlanDocument::new(plan), color)
}

// Small name pools, so desired and live overlap often and updates and replaces happen.
const VHOSTS: &[&str] = &["/", "app", "with space"];
const USERS: &[&str] = &["alice", "bob"];
const EXCHANGES: &[&str] = &["ex.a", "ex.b"];
const QUEUES: &[&str] = &["q.a", "q.b"];
const KEYS: &[&str] = &["", "k", "odoo.#"];
const REGEXES: &[&str] = &["", ".*", "^odoo\\.", "^n8n\\.results\\..*|odoo\\..*"];
const TAGS: &[&str] = &["administrator", "monitoring", "management"];
const ARGUMENT_KEYS: &[&str] = &[
    "x-message-ttl",
    "x-max-length",
    "x-queue-type",
    "x-dead-letter-exchange",
    "x-custom",
];

fn name(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    select(pool).prop_map(str::to_string)
}

fn tags() -> impl Strategy<Value = Vec<String>> {
    vec(name(TAGS), 0..3)
}

/// Integers, whole and fractional floats, strings with backslashes, booleans.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..3).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-3i64..3).prop_map(|n| json!(n as f64)),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        "[a-z.^*\\\\]{0,5}".prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ]
}

fn nested() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(Value::Array),
            btree_map("[a-z-]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arguments() -> impl Strategy<Value = Map<String, Value>> {
    btree_map(name(ARGUMENT_KEYS), scalar(), 0..3).prop_map(|m| m.into_iter().collect())
}

type Item = (ResourceId, Resource);

fn vhost_item() -> impl Strategy<Value = Item> {
    let default_type = prop::option::of(select(&["classic", "quorum", "undefined"][..]));
    (
        name(VHOSTS),
        select(&["", "Production"][..]),
        tags(),
        default_type,
        any::<bool>(),
    )
        .prop_map(|(name, description, tags, queue_type, tracing)| {
            (
                ResourceId::Vhost { name },
                kinds::vhost(description, &tags, queue_type, tracing),
            )
        })
}

fn user_item() -> impl Strategy<Value = Item> {
    let algorithm = prop::option::of(select(&["rabbit_password_hashing_sha512"][..]));
    (
        name(USERS),
        tags(),
        select(&["aGFzaDE=", "aGFzaDI="][..]),
        algorithm,
    )
        .prop_map(|(name, tags, hash, algorithm)| {
            (
                ResourceId::User { name },
                kinds::user(&tags, hash, algorithm),
            )
        })
}

fn global_parameter_item() -> impl Strategy<Value = Item> {
    (
        select(&["cluster_name", "internal_cluster_id"][..]),
        nested(),
    )
        .prop_map(|(name, value)| {
            (
                ResourceId::GlobalParameter { name: name.into() },
                kinds::parameter(value),
            )
        })
}

fn vhost_limit_item() -> impl Strategy<Value = Item> {
    (
        name(VHOSTS),
        select(&["max-queues", "max-connections"][..]),
        -1i64..3,
    )
        .prop_map(|(vhost, name, value)| {
            (
                ResourceId::VhostLimit {
                    vhost,
                    name: name.into(),
                },
                kinds::limit(value),
            )
        })
}

fn user_limit_item() -> impl Strategy<Value = Item> {
    (
        name(USERS),
        select(&["max-channels", "max-connections"][..]),
        -1i64..3,
    )
        .prop_map(|(user, name, value)| {
            (
                ResourceId::UserLimit {
                    user,
                    name: name.into(),
                },
                kinds::limit(value),
            )
        })
}

fn permission_item() -> impl Strategy<Value = Item> {
    (
        name(VHOSTS),
        name(USERS),
        name(REGEXES),
        name(REGEXES),
        name(REGEXES),
    )
        .prop_map(|(vhost, user, configure, write, read)| {
            (
                ResourceId::Permission { vhost, user },
                kinds::permission(&configure, &write, &read),
            )
        })
}

fn topic_permission_item() -> impl Strategy<Value = Item> {
    let entries = btree_map(name(EXCHANGES), (name(REGEXES), name(REGEXES)), 0..3);
    (name(VHOSTS), name(USERS), entries).prop_map(|(vhost, user, entries)| {
        (
            ResourceId::TopicPermission { vhost, user },
            kinds::topic_permissions(&entries),
        )
    })
}

fn exchange_item() -> impl Strategy<Value = Item> {
    let kind = select(&["direct", "topic", "fanout", "headers"][..]);
    let flags = (any::<bool>(), any::<bool>(), any::<bool>());
    (name(VHOSTS), name(EXCHANGES), kind, flags, arguments()).prop_map(
        |(vhost, name, kind, (durable, auto_delete, internal), args)| {
            (
                ResourceId::Exchange { vhost, name },
                kinds::exchange(kind, durable, auto_delete, internal, args),
            )
        },
    )
}

fn queue_item() -> impl Strategy<Value = Item> {
    let default_type = select(&["classic", "quorum"][..]);
    let flags = (any::<bool>(), any::<bool>());
    (name(VHOSTS), name(QUEUES), flags, arguments(), default_type).prop_map(
        |(vhost, name, (durable, auto_delete), args, default_type)| {
            (
                ResourceId::Queue { vhost, name },
                kinds::queue(durable, auto_delete, args, default_type),
            )
        },
    )
}

fn binding_item() -> impl Strategy<Value = Item> {
    let destination = prop_oneof![
        name(QUEUES).prop_map(|q| (DestinationType::Queue, q)),
        name(EXCHANGES).prop_map(|e| (DestinationType::Exchange, e)),
    ];
    // Mostly without arguments, so the same binding turns up on both sides.
    let args = prop_oneof![
        3 => Just(Map::new()),
        1 => arguments(),
    ];
    (name(VHOSTS), name(EXCHANGES), destination, name(KEYS), args).prop_map(
        |(vhost, source, (kind, destination), key, args)| {
            let id = kinds::binding_id(&vhost, &source, kind, &destination, &key, &args);
            (id, Resource::new())
        },
    )
}

fn parameter_item() -> impl Strategy<Value = Item> {
    let component = select(&["shovel", "federation-upstream"][..]);
    (
        name(VHOSTS),
        component,
        select(&["one", "two"][..]),
        nested(),
    )
        .prop_map(|(vhost, component, name, value)| {
            (
                ResourceId::Parameter {
                    vhost,
                    component: component.into(),
                    name: name.into(),
                },
                kinds::parameter(value),
            )
        })
}

fn policy_item(operator: bool) -> impl Strategy<Value = Item> {
    let definition = btree_map(
        select(&["message-ttl", "max-length", "ha-mode", "queue-mode"][..]),
        scalar(),
        0..3,
    )
    .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let apply_to = select(&["queues", "exchanges", "all"][..]);
    (
        name(VHOSTS),
        select(&["ttl", "ha"][..]),
        name(REGEXES),
        apply_to,
        -1i64..2,
        definition,
    )
        .prop_map(
            move |(vhost, name, pattern, apply_to, priority, definition)| {
                let name = name.to_string();
                if operator {
                    (
                        ResourceId::OperatorPolicy { vhost, name },
                        kinds::operator_policy(&pattern, apply_to, priority, definition),
                    )
                } else {
                    (
                        ResourceId::Policy { vhost, name },
                        kinds::policy(&pattern, apply_to, priority, definition),
                    )
                }
            },
        )
}

fn item() -> impl Strategy<Value = Item> {
    let arms: Vec<(u32, BoxedStrategy<Item>)> = vec![
        (4, vhost_item().boxed()),
        (3, user_item().boxed()),
        (1, global_parameter_item().boxed()),
        (1, vhost_limit_item().boxed()),
        (1, user_limit_item().boxed()),
        (2, permission_item().boxed()),
        (1, topic_permission_item().boxed()),
        (3, exchange_item().boxed()),
        (3, queue_item().boxed()),
        (4, binding_item().boxed()),
        (1, parameter_item().boxed()),
        (2, policy_item(false).boxed()),
        (1, policy_item(true).boxed()),
    ];
    Union::new_weighted(arms)
}

/// Any set of objects, even ones whose vhost or user is missing.
fn any_state() -> impl Strategy<Value = State> {
    vec(item(), 0..40).prop_map(|items| {
        let mut s = State::default();
        for (id, resource) in items {
            s.insert(id, resource);
        }
        s
    })
}

/// A state a broker could hold: every object's dependencies are present.
fn consistent_state() -> impl Strategy<Value = State> {
    any_state().prop_map(|s| {
        let mut ids: Vec<&ResourceId> = s.resources.keys().collect();
        ids.sort_by_key(|id| id.level());
        let mut kept = State::default();
        for id in ids {
            if id.depends_on().iter().all(|d| kept.contains(d)) {
                kept.insert(id.clone(), s.get(id).unwrap().clone());
            }
        }
        kept
    })
}

fn prune_set() -> impl Strategy<Value = BTreeSet<Kind>> {
    prop_oneof![
        Just(BTreeSet::new()),
        Just(ALL_KINDS.into_iter().collect()),
        prop::sample::subsequence(&ALL_KINDS[..], 0..=ALL_KINDS.len())
            .prop_map(|kinds| kinds.into_iter().collect()),
    ]
}

/// Every kind, every vhost either side mentions.
fn covering(states: &[&State], prune: BTreeSet<Kind>) -> Scope {
    Scope {
        vhosts: states
            .iter()
            .flat_map(|s| s.resources.keys())
            .filter_map(|id| id.vhost().map(str::to_string))
            .collect(),
        kinds: ALL_KINDS.into_iter().collect(),
        prune,
        ..Scope::default()
    }
}

/// The plan as the simplest broker would take it: puts insert `after`, deletes remove.
fn apply_naively(plan: &Plan, live: &State) -> State {
    let mut broker = live.clone();
    for change in &plan.changes {
        match change.action {
            Action::Create | Action::Update | Action::Replace | Action::Migrate => {
                let after = change.after.clone().expect("a put has an after");
                broker.insert(change.id.clone(), after);
            }
            Action::Delete => {
                broker.resources.remove(&change.id);
            }
        }
    }
    broker
}

/// Removes `id` and, as RabbitMQ does, everything that cannot exist without it.
fn remove_cascading(broker: &mut State, id: &ResourceId) -> BTreeSet<ResourceId> {
    let mut gone = BTreeSet::from([id.clone()]);
    let mut ids: Vec<ResourceId> = broker.resources.keys().cloned().collect();
    ids.sort_by_key(|i| i.level());
    for other in ids {
        if other.depends_on().iter().any(|d| gone.contains(d)) {
            gone.insert(other);
        }
    }
    for g in &gone {
        broker.resources.remove(g);
    }
    gone
}

/// The plan as a strict broker takes it, stage by stage: a put needs its dependencies,
/// a removal takes dependants with it (a queue's bindings, a vhost's contents).
fn apply_strictly(plan: &Plan, live: &State) -> Result<State, String> {
    let mut broker = live.clone();
    for stage in stages(plan) {
        for &index in &stage.steps {
            let change = &plan.changes[index];
            let id = &change.id;
            match stage.phase {
                Phase::Remove => {
                    if !broker.contains(id) {
                        return Err(format!("{id} is already gone when removed"));
                    }
                    remove_cascading(&mut broker, id);
                }
                Phase::Migrate => {
                    return Err(format!("{id}: diff alone never plans a migration"));
                }
                Phase::Put => {
                    if let Some(dep) = id.depends_on().into_iter().find(|d| !broker.contains(d)) {
                        return Err(format!("{id} is put before {dep} exists"));
                    }
                    let present = broker.contains(id);
                    if change.action == Action::Update && !present {
                        return Err(format!("{id} is updated but does not exist"));
                    }
                    if change.action != Action::Update && present {
                        return Err(format!("{id} is created but exists already"));
                    }
                    let after = change.after.clone().ok_or(format!("{id} has no after"))?;
                    broker.insert(id.clone(), after);
                }
            }
        }
    }
    Ok(broker)
}

/// Live objects the plan may lose: the ones it deletes and what depends on them.
fn lost_with_deletes(plan: &Plan, live: &State) -> BTreeSet<ResourceId> {
    let mut lost: BTreeSet<ResourceId> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.id.clone())
        .collect();
    let mut ids: Vec<&ResourceId> = live.resources.keys().collect();
    ids.sort_by_key(|i| i.level());
    for id in ids {
        if id.depends_on().iter().any(|d| lost.contains(d)) {
            lost.insert(id.clone());
        }
    }
    lost
}

fn describe(plan: &Plan) -> String {
    plan.changes
        .iter()
        .map(|c| format!("{:?} {}\n", c.action, c.id))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_state_differs_from_nothing_but_itself(x in any_state(), prune in prune_set()) {
        let plan = diff("prop", &x, &x, &covering(&[&x], prune));
        prop_assert!(plan.is_empty(), "{}", describe(&plan));
        prop_assert!(plan.unmanaged.is_empty());
    }

    #[test]
    fn every_change_is_justified(desired in any_state(), live in any_state(), prune in prune_set()) {
        let scope = covering(&[&desired, &live], prune);
        let plan = diff("prop", &desired, &live, &scope);
        for c in &plan.changes {
            let (in_desired, in_live) = (desired.contains(&c.id), live.contains(&c.id));
            match c.action {
                Action::Create => prop_assert!(
                    !in_live || c.reason.is_some(),
                    "{} created but live", c.id
                ),
                Action::Migrate => prop_assert!(false, "{}: diff alone never migrates", c.id),
                Action::Update | Action::Replace => {
                    prop_assert!(in_desired && in_live);
                    prop_assert!(!c.fields.is_empty());
                    let forced = c.fields.iter().any(|f| f.forces_replace);
                    prop_assert_eq!(forced, c.action == Action::Replace);
                }
                Action::Delete => prop_assert!(!in_desired && scope.prunes(&c.id)),
            }
        }
        let ids: BTreeSet<&ResourceId> = plan.changes.iter().map(|c| &c.id).collect();
        prop_assert_eq!(ids.len(), plan.changes.len(), "one change per object");
    }

    #[test]
    fn every_plan_renders_every_change(desired in any_state(), live in any_state(), prune in prune_set()) {
        let plan = diff("prop", &desired, &live, &covering(&[&desired, &live], prune));
        let text = render(&plan, false);
        for c in &plan.changes {
            let line = format!("# {} ", c.id);
            prop_assert!(text.contains(&line), "{} missing from\n{}", c.id, text);
        }
        let escape = '\u{1b}';
        prop_assert!(!text.contains(escape));
        prop_assert_eq!(plan.is_empty(), text.starts_with("No changes."));
    }

    #[test]
    fn applying_the_plan_in_memory_converges(desired in any_state(), live in any_state()) {
        let scope = covering(&[&desired, &live], ALL_KINDS.into_iter().collect());
        let plan = diff("prop", &desired, &live, &scope);
        prop_assert!(plan.unmanaged.is_empty());
        let result = apply_naively(&plan, &live);
        let again = diff("prop", &desired, &result, &scope);
        prop_assert!(again.is_empty(), "plan:\n{}\nagain:\n{}", describe(&plan), describe(&again));
        prop_assert!(again.unmanaged.is_empty());
    }

    #[test]
    fn a_strict_broker_converges_and_keeps_what_is_not_pruned(
        desired in consistent_state(),
        live in consistent_state(),
        prune in prune_set(),
    ) {
        let scope = covering(&[&desired, &live], prune);
        let plan = diff("prop", &desired, &live, &scope);
        let result = match apply_strictly(&plan, &live) {
            Ok(result) => result,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\nplan:\n{}", describe(&plan)))),
        };
        let again = diff("prop", &desired, &result, &scope);
        prop_assert!(again.is_empty(), "plan:\n{}\nagain:\n{}", describe(&plan), describe(&again));
        // Undeclared objects that are not pruned survive, unchanged, even a replace.
        let lost = lost_with_deletes(&plan, &live);
        for (id, have) in live.iter() {
            if desired.contains(id) || lost.contains(id) {
                continue;
            }
            let kept = result.get(id).map(|r| &r.props);
            prop_assert_eq!(kept, Some(&have.props), "{} lost\nplan:\n{}", id, describe(&plan));
        }
        let expected: BTreeMap<&ResourceId, ()> = desired
            .resources
            .keys()
            .chain(live.resources.keys().filter(|id| !lost.contains(*id)))
            .map(|id| (id, ()))
            .collect();
        let got: Vec<&ResourceId> = result.resources.keys().collect();
        prop_assert_eq!(got, expected.keys().copied().collect::<Vec<_>>());
    }
}
