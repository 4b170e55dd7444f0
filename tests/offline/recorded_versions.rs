//! Releases this machine cannot run (4.1, 4.2, and 4.3, whose export has 4.2.9's shape):
//! their answers, recorded where a recording exists and otherwise constructed from
//! RabbitMQ's source (`tests/recorded/README.md` says which), read into the live state
//! exactly as the 3.10.8 and 4.0.5 nodes' answers are. A converged broker plans nothing.

// The resolver signature is the library's; diagnostics are returned on cold paths only.
#![allow(clippy::result_large_err)]

use std::path::Path;

use warren::broker::fetch::add_internal_exchanges;
use warren::broker::lower::live_state;
use warren::broker::LiveSnapshot;
use warren::config::lower::desired_state;
use warren::config::{load_environment, Diagnostic};
use warren::format::exports::omits_internal_exchanges;
use warren::format::wire::{Definitions, ExchangeDef, Overview, VhostInfo};
use warren::format::BrokerVersion;
use warren::model::State;
use warren::plan::{diff, Plan, Scope};

fn recorded<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What `fetch_live` assembles from the three reads, and the fourth where the export needs it.
fn snapshot(definitions: &str, vhosts: Vec<VhostInfo>) -> LiveSnapshot {
    let mut definitions: Definitions = recorded(definitions);
    let version = definitions.rabbitmq_version.clone().unwrap_or_default();
    if omits_internal_exchanges(version.parse::<BrokerVersion>().unwrap()) {
        let listed: Vec<ExchangeDef> = recorded("4.2.9-exchanges.constructed.json");
        add_internal_exchanges(&mut definitions, listed);
    }
    LiveSnapshot {
        version,
        cluster_name: "rabbit@warren-test".into(),
        definitions,
        vhosts,
    }
}

/// The plan of an environment (YAML, secrets not needed) against a live snapshot.
fn plan(yaml: &str, live: &State) -> Plan {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("topology.yaml"), yaml).unwrap();
    let (env, problems) = load_environment(dir.path());
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    let no_secrets = |_: &_, _| -> Result<warren::model::secret_value::Secret, Diagnostic> {
        panic!("this environment has no secrets")
    };
    let desired = desired_state(&env, &no_secrets).expect("desired state");
    diff("recorded", &desired, live, &Scope::of(&env))
}

/// The topology the constructed 4.2 documents hold, as an environment declares it.
const PROD: &str = r#"
vhosts:
  /:
    description: Default virtual host
    queues:
      legacy: {}
  prod:
    description: Production
    tags: [team-a, critical]
    default_queue_type: quorum
    limits: { max-queues: 1000 }
    exchanges:
      orders: { type: topic }
      orders.fanout: { type: fanout, internal: true }
    queues:
      orders.created:
        bindings: [{ exchange: orders, routing_key: order.created }]
      audit.stream: { type: stream, arguments: { x-max-age: 7D } }
    policies:
      qq-limits:
        pattern: '^orders\.'
        apply-to: quorum_queues
        definition: { delivery-limit: 20 }
users:
  guest:
    password_hash: KYBvEg5fU0m1sE8E6qNmjITswwixc9EMjxWcjiC5f/70vgmC
    tags: [administrator]
    permissions:
      /: { configure: '.*', write: '.*', read: '.*' }
      prod: { configure: '.*', write: '.*', read: '.*' }
"#;

#[test]
fn a_converged_4_2_9_broker_plans_nothing() {
    let overview: Overview = recorded("4.2.9-overview.constructed.json");
    assert_eq!(overview.rabbitmq_version, "4.2.9");
    let vhosts: Vec<VhostInfo> = recorded("4.2.9-vhosts.constructed.json");
    let live = live_state(snapshot("4.2.9-definitions.constructed.json", vhosts));
    let plan = plan(PROD, &live);
    // cluster_tags (every 4.x broker keeps it) is neither a change nor unmanaged; the
    // internal exchange the export leaves out came from the exchange listing.
    assert!(plan.changes.is_empty(), "{plan:#?}");
    assert!(plan.unmanaged.is_empty(), "{:?}", plan.unmanaged);
}

#[test]
fn the_4_2_8_and_4_2_9_export_shapes_read_the_same() {
    let vhosts: Vec<VhostInfo> = recorded("4.2.9-vhosts.constructed.json");
    let legacy = live_state(snapshot(
        "4.2.8-definitions.constructed.json",
        vhosts.clone(),
    ));
    let canonical = live_state(snapshot("4.2.9-definitions.constructed.json", vhosts));
    assert_eq!(legacy, canonical);
    assert!(plan(PROD, &legacy).changes.is_empty());
}

#[test]
fn without_the_exchange_listing_the_4_2_9_export_misses_internal_exchanges() {
    let vhosts: Vec<VhostInfo> = recorded("4.2.9-vhosts.constructed.json");
    let definitions: Definitions = recorded("4.2.9-definitions.constructed.json");
    let bare = LiveSnapshot {
        version: "4.2.9".into(),
        cluster_name: String::new(),
        definitions,
        vhosts,
    };
    let plan = plan(PROD, &live_state(bare));
    let created: Vec<String> = plan.changes.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(created, [r#"exchange "orders.fanout" in "prod""#]);
}

#[test]
fn a_recorded_4_1_export_plans_nothing() {
    // The export itself carries what /api/vhosts would say of its only vhost.
    let vhosts = vec![VhostInfo {
        name: "/".into(),
        description: "Default virtual host".into(),
        default_queue_type: Some("classic".into()),
        ..VhostInfo::default()
    }];
    let live = live_state(snapshot("4.1.0-export.recorded.json", vhosts));
    let yaml = r#"
vhosts:
  /:
    description: Default virtual host
    exchanges:
      direct: { type: direct }
    queues:
      qq:
        type: quorum
        bindings: [{ exchange: direct, routing_key: 3c01b232-e21a-4320-bbdb-329eede5188c }]
ignore: { users: ['^guest$'], permissions: ['^guest$'] }
"#;
    let plan = plan(yaml, &live);
    assert!(plan.changes.is_empty(), "{plan:#?}");
    assert!(plan.unmanaged.is_empty(), "{:?}", plan.unmanaged);
}
