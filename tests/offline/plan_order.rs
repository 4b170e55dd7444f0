//! `order::stages`: deletes top-down, puts bottom-up, Replace in both, deterministic ties.

use std::collections::BTreeSet;

use serde_json::{json, Map};
use warren::model::kinds;
use warren::model::{DestinationType, Resource, ResourceId, State};
use warren::plan::order::{stages, Phase, Stage};
use warren::plan::{diff, Action, Change, Plan, Scope};

use crate::model_support::ALL_KINDS;

fn prune_all() -> Scope {
    Scope {
        vhosts: ["/".to_string(), "/b".to_string()].into_iter().collect(),
        kinds: ALL_KINDS.into_iter().collect(),
        prune: ALL_KINDS.into_iter().collect(),
        ..Scope::default()
    }
}

/// One id of every kind, all in vhost "/" and for user "u".
fn one_of_every_kind() -> Vec<ResourceId> {
    let v = || "/".to_string();
    vec![
        ResourceId::Vhost { name: v() },
        ResourceId::User { name: "u".into() },
        ResourceId::GlobalParameter {
            name: "cluster_name".into(),
        },
        ResourceId::VhostLimit {
            vhost: v(),
            name: "max-queues".into(),
        },
        ResourceId::UserLimit {
            user: "u".into(),
            name: "max-channels".into(),
        },
        ResourceId::Permission {
            vhost: v(),
            user: "u".into(),
        },
        ResourceId::Exchange {
            vhost: v(),
            name: "ex".into(),
        },
        ResourceId::Queue {
            vhost: v(),
            name: "q".into(),
        },
        kinds::binding_id("/", "ex", DestinationType::Queue, "q", "k", &Map::new()),
        ResourceId::TopicPermission {
            vhost: v(),
            user: "u".into(),
        },
        ResourceId::Parameter {
            vhost: v(),
            component: "shovel".into(),
            name: "s".into(),
        },
        ResourceId::Policy {
            vhost: v(),
            name: "p".into(),
        },
        ResourceId::OperatorPolicy {
            vhost: v(),
            name: "op".into(),
        },
    ]
}

/// A plausible resource for any id (order does not look at properties).
fn resource_for(id: &ResourceId) -> Resource {
    match id {
        ResourceId::Vhost { .. } => kinds::vhost("", &[], None, false),
        ResourceId::User { .. } => kinds::user(&[], "h", None),
        ResourceId::Queue { .. } => kinds::queue(true, false, Map::new(), "classic"),
        ResourceId::Exchange { .. } => kinds::exchange("direct", true, false, false, Map::new()),
        ResourceId::Binding { .. } => Resource::new(),
        _ => kinds::parameter(json!(1)),
    }
}

fn state_of(ids: &[ResourceId]) -> State {
    let mut s = State::default();
    for id in ids {
        s.insert(id.clone(), resource_for(id));
    }
    s
}

/// Steps in execution order, as (phase, id).
fn sequence<'a>(plan: &'a Plan, stages: &[Stage]) -> Vec<(Phase, &'a ResourceId)> {
    stages
        .iter()
        .flat_map(|s| s.steps.iter().map(move |&i| (s.phase, &plan.changes[i].id)))
        .collect()
}

fn position(seq: &[(Phase, &ResourceId)], phase: Phase, id: &ResourceId) -> usize {
    seq.iter()
        .position(|(p, i)| *p == phase && *i == id)
        .unwrap_or_else(|| panic!("{id} has no {phase:?} step"))
}

fn plain_change(id: ResourceId, action: Action) -> Change {
    let resource = resource_for(&id);
    Change {
        before: (action != Action::Create).then(|| resource.clone()),
        after: (action != Action::Delete).then_some(resource),
        id,
        action,
        fields: Vec::new(),
        reason: None,
        messages: None,
        refusals: vec![],
        migration: None,
    }
}

#[test]
fn every_dependency_has_a_lower_level() {
    let ids = one_of_every_kind();
    let kinds: BTreeSet<&str> = ids.iter().map(ResourceId::kind).collect();
    assert_eq!(kinds.len(), ALL_KINDS.len(), "one id of every kind");
    let to_exchange =
        kinds::binding_id("/", "ex", DestinationType::Exchange, "ex2", "", &Map::new());
    for id in ids.iter().chain([&to_exchange]) {
        for dep in id.depends_on() {
            assert!(
                dep.level() < id.level(),
                "{id} (level {}) depends on {dep} (level {})",
                id.level(),
                dep.level()
            );
        }
    }
    assert!(to_exchange.depends_on().contains(&ResourceId::Exchange {
        vhost: "/".into(),
        name: "ex2".into()
    }));
}

#[test]
fn deletes_run_in_reverse_dependency_order() {
    let ids = one_of_every_kind();
    let plan = diff("prod", &State::default(), &state_of(&ids), &prune_all());
    assert!(plan.changes.iter().all(|c| c.action == Action::Delete));
    let all = stages(&plan);
    assert!(all.iter().all(|s| s.phase == Phase::Remove));
    let levels: Vec<u8> = all.iter().map(|s| s.level).collect();
    assert_eq!(levels, [4, 3, 2, 1, 0]);

    let seq = sequence(&plan, &all);
    assert_eq!(seq.len(), ids.len());
    let at = |kind: &str| -> usize {
        let id = ids.iter().find(|i| i.kind() == kind).unwrap();
        position(&seq, Phase::Remove, id)
    };
    for (first, then) in [
        ("policy", "binding"),
        ("operator_policy", "binding"),
        ("binding", "queue"),
        ("binding", "exchange"),
        ("queue", "permission"),
        ("exchange", "permission"),
        ("permission", "vhost"),
        ("permission", "user"),
    ] {
        assert!(
            at(first) < at(then),
            "{first} must be deleted before {then}"
        );
    }
    // Nothing is deleted before what depends on it.
    for (index, (_, id)) in seq.iter().enumerate() {
        for dep in id.depends_on() {
            if let Some(dep_at) = seq.iter().position(|(_, i)| **i == dep) {
                assert!(dep_at > index, "{dep} deleted before {id}");
            }
        }
    }
}

#[test]
fn creates_run_in_forward_dependency_order() {
    let ids = one_of_every_kind();
    let plan = diff("prod", &state_of(&ids), &State::default(), &prune_all());
    let all = stages(&plan);
    assert!(all.iter().all(|s| s.phase == Phase::Put));
    let levels: Vec<u8> = all.iter().map(|s| s.level).collect();
    assert_eq!(levels, [0, 1, 2, 3, 4]);
    let seq = sequence(&plan, &all);
    assert_eq!(seq.len(), ids.len());
    for (index, (_, id)) in seq.iter().enumerate() {
        for dep in id.depends_on() {
            let dep_at = position(&seq, Phase::Put, &dep);
            assert!(dep_at < index, "{dep} created after {id}");
        }
    }
    for stage in &all {
        for &i in &stage.steps {
            assert_eq!(plan.changes[i].id.level(), stage.level);
        }
    }
}

#[test]
fn replace_is_removed_then_put_and_bindings_follow() {
    let queue = ResourceId::Queue {
        vhost: "/".into(),
        name: "q".into(),
    };
    let binding = kinds::binding_id("/", "ex", DestinationType::Queue, "q", "k", &Map::new());
    let base = one_of_every_kind();
    let desired = state_of(&base);
    let mut live = state_of(&base);
    live.insert(
        queue.clone(),
        kinds::queue(false, false, Map::new(), "classic"),
    );
    let stale = ResourceId::Policy {
        vhost: "/".into(),
        name: "stale".into(),
    };
    live.insert(stale.clone(), resource_for(&stale));

    let plan = diff("prod", &desired, &live, &prune_all());
    let all = stages(&plan);
    let seq = sequence(&plan, &all);
    let removed = position(&seq, Phase::Remove, &queue);
    let put = position(&seq, Phase::Put, &queue);
    let rebound = position(&seq, Phase::Put, &binding);
    let deleted = position(&seq, Phase::Remove, &stale);
    assert!(
        deleted < removed && removed < put && put < rebound,
        "{seq:?}"
    );
    assert_eq!(seq.len(), 4, "{seq:?}");
    // Every remove stage comes before every put stage.
    let first_put = all.iter().position(|s| s.phase == Phase::Put).unwrap();
    assert!(all[first_put..].iter().all(|s| s.phase == Phase::Put));
}

#[test]
fn each_action_gets_the_phases_it_needs() {
    let ids = one_of_every_kind();
    let actions = [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Delete,
    ];
    let changes: Vec<Change> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| plain_change(id.clone(), actions[i % actions.len()]))
        .collect();
    let plan = Plan {
        environment: "prod".into(),
        changes,
        unmanaged: Vec::new(),
        notes: Vec::new(),
        routing: Vec::new(),
    };
    let all = stages(&plan);
    for (index, change) in plan.changes.iter().enumerate() {
        let phases: Vec<Phase> = all
            .iter()
            .filter(|s| s.steps.contains(&index))
            .map(|s| s.phase)
            .collect();
        let expected = match change.action {
            Action::Create | Action::Update => vec![Phase::Put],
            Action::Replace => vec![Phase::Remove, Phase::Put],
            Action::Delete => vec![Phase::Remove],
            Action::Migrate => vec![Phase::Migrate],
        };
        assert_eq!(phases, expected, "{}", change.id);
    }
    assert!(all.iter().all(|s| !s.steps.is_empty()));
}

#[test]
fn ties_are_ordered_by_identity_whatever_the_plan_order() {
    let queue = |name: &str| ResourceId::Queue {
        vhost: "/".into(),
        name: name.into(),
    };
    let exchange = |name: &str| ResourceId::Exchange {
        vhost: "/".into(),
        name: name.into(),
    };
    let ids = vec![
        queue("b"),
        exchange("z"),
        queue("a"),
        ResourceId::Queue {
            vhost: "/a".into(),
            name: "a".into(),
        },
        exchange("a"),
        queue("c"),
    ];
    let mut expected = ids.clone();
    expected.sort();

    for rotation in 0..ids.len() {
        let mut shuffled = ids.clone();
        shuffled.rotate_left(rotation);
        if rotation % 2 == 1 {
            shuffled.reverse();
        }
        for action in [Action::Create, Action::Delete] {
            let plan = Plan {
                environment: "prod".into(),
                changes: shuffled
                    .iter()
                    .map(|id| plain_change(id.clone(), action))
                    .collect(),
                unmanaged: Vec::new(),
                notes: Vec::new(),
                routing: Vec::new(),
            };
            let all = stages(&plan);
            assert_eq!(all.len(), 1);
            let order: Vec<ResourceId> = all[0]
                .steps
                .iter()
                .map(|&i| plan.changes[i].id.clone())
                .collect();
            assert_eq!(order, expected);
            assert_eq!(stages(&plan), all, "stages are deterministic");
        }
    }
}

#[test]
fn an_empty_plan_has_no_stages() {
    assert!(stages(&Plan::default()).is_empty());
}

/// A migration runs after every other step (its queue's new bindings may come from exchanges
/// the plan creates), and it creates the queue's bindings itself.
#[test]
fn migrations_come_last_and_take_their_bindings_with_them() {
    let queue = ResourceId::Queue {
        vhost: "/".into(),
        name: "q".into(),
    };
    let exchange = ResourceId::Exchange {
        vhost: "/".into(),
        name: "x".into(),
    };
    let binding = |destination: &str| ResourceId::Binding {
        vhost: "/".into(),
        source: "x".into(),
        destination_type: warren::model::DestinationType::Queue,
        destination: destination.into(),
        routing_key: "k".into(),
        arguments: Default::default(),
    };
    let mut migrate = plain_change(queue.clone(), Action::Migrate);
    migrate.migration = Some(warren::plan::Migration {
        temporary: "warren.migrating.q".into(),
        resumed: false,
        waiting: None,
        consumers: 0,
    });
    let plan = Plan {
        environment: "prod".into(),
        changes: vec![
            plain_change(exchange, Action::Create),
            migrate,
            plain_change(binding("q"), Action::Create),
            plain_change(binding("other"), Action::Create),
        ],
        unmanaged: Vec::new(),
        notes: Vec::new(),
        routing: Vec::new(),
    };
    let all = stages(&plan);
    let last = all.last().expect("stages");
    assert_eq!((last.phase, last.steps.clone()), (Phase::Migrate, vec![1]));
    let put: Vec<usize> = all
        .iter()
        .filter(|s| s.phase == Phase::Put)
        .flat_map(|s| s.steps.clone())
        .collect();
    assert_eq!(
        put,
        [0, 3],
        "the binding into the migrating queue is the migration's"
    );
}

/// A step that takes the login user's rights away runs after everything else, even after
/// steps of a higher level, so the rest of the apply still has the rights it needs.
#[test]
fn steps_that_lock_out_the_login_user_run_last() {
    let mut weaken = plain_change(
        ResourceId::User {
            name: "admin".into(),
        },
        Action::Update,
    );
    weaken.refusals = vec![warren::plan::Refusal::Lockout {
        user: "admin".into(),
    }];
    let mut drop_grant = plain_change(
        ResourceId::Permission {
            vhost: "/".into(),
            user: "admin".into(),
        },
        Action::Delete,
    );
    drop_grant.refusals = weaken.refusals.clone();
    let plan = Plan {
        environment: "prod".into(),
        changes: vec![
            weaken,
            plain_change(
                ResourceId::Vhost {
                    name: "/new".into(),
                },
                Action::Create,
            ),
            drop_grant,
            plain_change(
                ResourceId::Queue {
                    vhost: "/new".into(),
                    name: "q".into(),
                },
                Action::Create,
            ),
        ],
        unmanaged: Vec::new(),
        notes: Vec::new(),
        routing: Vec::new(),
    };
    let order: Vec<(Phase, Vec<usize>)> = stages(&plan)
        .into_iter()
        .map(|s| (s.phase, s.steps))
        .collect();
    assert_eq!(
        order,
        [
            (Phase::Put, vec![1]),
            (Phase::Put, vec![3]),
            (Phase::Remove, vec![2]),
            (Phase::Put, vec![0]),
        ]
    );
}
