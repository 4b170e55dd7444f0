//! Drift repair on a real broker: a converged environment is changed behind warren's back
//! through the management API; the plan shows exactly that change, apply repairs it, and
//! the next plan is empty. Every test works in a vhost and user of its own.

use serde_json::{json, Value};

use crate::common::*;
use crate::support::BrokerNode;
use warren::format::password::{hash_password, HashAlgorithm};

/// A converged environment of one vhost, two exchanges, two queues (one bound twice), a
/// policy and a user with a permission.
struct Drift {
    node: &'static BrokerNode,
    env: TempEnv,
    vhost: String,
    user: String,
}

const POLICY_TTL: u64 = 120_000;
const PARKING_TTL: u64 = 3_600_000;

fn topology(vhost: &str, user: &str, manage: &str) -> String {
    let hash = hash_password("drift-secret", HashAlgorithm::Sha256, [7, 7, 7, 7]);
    format!(
        r#"local: true
{manage}
vhosts:
  {v}:
    description: drift repair test
    exchanges:
      ex.events: {{ type: topic }}
      ex.direct: {{ type: direct }}
    queues:
      q.orders:
        bindings:
          - {{ exchange: ex.events, routing_key: 'order.#' }}
          - {{ exchange: ex.direct, routing_key: orders }}
      q.parking:
        arguments: {{ x-message-ttl: {PARKING_TTL} }}
    policies:
      orders-expiry:
        pattern: '^q\.orders$'
        apply-to: queues
        priority: 1
        definition: {{ message-ttl: {POLICY_TTL} }}
users:
  {u}:
    password_hash: {hash}
    tags: [management]
    permissions:
      {v}: {{ configure: '^q\.', write: '^ex\.', read: '^q\.' }}
"#,
        v = yq(vhost),
        u = yq(user),
    )
}

impl Drift {
    fn converged(name: &str) -> Drift {
        let node = BrokerNode::shared();
        let vhost = format!("drift-repair/{name}");
        let user = format!("drift-repair-{name}-user");
        let env = TempEnv::new(&topology(&vhost, &user, ""));
        converge(node, env.arg(), &[]);
        assert_no_changes(node, env.arg());
        Drift {
            node,
            env,
            vhost,
            user,
        }
    }

    fn plan(&self) -> Value {
        plan_json(self.node, self.env.arg())
    }

    fn v(&self) -> String {
        enc(&self.vhost)
    }

    /// Apply repairs the drift and the broker then matches the environment.
    fn repair(&self, extra: &[&str]) {
        converge(self.node, self.env.arg(), extra);
        assert_no_changes(self.node, self.env.arg());
    }
}

#[test]
fn deleted_binding_is_created_again() {
    let d = Drift::converged("binding");
    delete_binding(d.node, &d.vhost, "ex.events", "q.orders", "order.#");

    let change = only_change(&d.plan());
    assert_eq!(change["action"], "create");
    assert_eq!(
        change["id"],
        binding_id(&d.vhost, "ex.events", "q.orders", "order.#")
    );
    assert_eq!(field_diffs(&change), []);

    d.repair(&[]);
    let keys: Vec<Value> = bindings_between(d.node, &d.vhost, "ex.events", "q.orders")
        .iter()
        .map(|b| b["routing_key"].clone())
        .collect();
    assert_eq!(keys, [json!("order.#")]);
    // The other binding of the queue was never touched.
    assert_eq!(
        bindings_between(d.node, &d.vhost, "ex.direct", "q.orders").len(),
        1
    );
}

#[test]
fn changed_policy_definition_is_updated_in_place() {
    let d = Drift::converged("policy");
    let path = format!("/api/policies/{}/orders-expiry", d.v());
    let mut policy = d.node.get_json(&path);
    assert_eq!(policy["definition"], json!({ "message-ttl": POLICY_TTL }));
    policy["definition"] = json!({ "message-ttl": 5000 });
    call(d.node, "PUT", &path, Some(&policy), &[201, 204]);

    let change = only_change(&d.plan());
    assert_eq!(change["action"], "update");
    assert_eq!(
        change["id"],
        json!({ "kind": "policy", "vhost": d.vhost, "name": "orders-expiry" })
    );
    assert_eq!(
        field_diffs(&change),
        [(
            "definition.message-ttl".to_string(),
            json!(5000),
            json!(POLICY_TTL),
            false
        )]
    );

    d.repair(&[]);
    let policy = d.node.get_json(&path);
    assert_eq!(policy["definition"], json!({ "message-ttl": POLICY_TTL }));
    assert_eq!(policy["pattern"], r"^q\.orders$");
    assert_eq!(policy["priority"], 1);
}

#[test]
fn changed_queue_argument_forces_a_replace() {
    let d = Drift::converged("queue-argument");
    let path = format!("/api/queues/{}/q.parking", d.v());
    call(d.node, "DELETE", &path, None, &[204]);
    let body =
        json!({ "durable": true, "auto_delete": false, "arguments": { "x-message-ttl": 1000 } });
    call(d.node, "PUT", &path, Some(&body), &[201, 204]);

    let change = only_change(&d.plan());
    assert_eq!(change["action"], "replace");
    assert_eq!(
        change["id"],
        json!({ "kind": "queue", "vhost": d.vhost, "name": "q.parking" })
    );
    assert_eq!(
        field_diffs(&change),
        [(
            "arguments.x-message-ttl".to_string(),
            json!(1000),
            json!(PARKING_TTL),
            true
        )]
    );
    assert_eq!(change["messages"], 0, "an empty queue is at stake");

    // A replace is destructive: refused without --allow-destroy, and nothing changes.
    let refused = apply(d.node, d.env.arg(), &[]);
    refused.expect_code(1, "apply of a replace without --allow-destroy");
    assert!(
        refused.flat().contains("--allow-destroy"),
        "{}",
        refused.flat()
    );
    assert_eq!(
        queue_arguments(d.node, &d.vhost, "q.parking")["x-message-ttl"],
        1000
    );

    d.repair(&["--allow-destroy"]);
    assert_eq!(
        queue_arguments(d.node, &d.vhost, "q.parking"),
        json!({ "x-message-ttl": PARKING_TTL, "x-queue-type": "classic" })
    );
}

#[test]
fn changed_permission_is_updated_in_place() {
    let d = Drift::converged("permission");
    let path = format!("/api/permissions/{}/{}", d.v(), enc(&d.user));
    let body = json!({ "configure": r"^q\.", "write": ".*", "read": r"^q\." });
    call(d.node, "PUT", &path, Some(&body), &[201, 204]);

    let change = only_change(&d.plan());
    assert_eq!(change["action"], "update");
    assert_eq!(
        change["id"],
        json!({ "kind": "permission", "vhost": d.vhost, "user": d.user })
    );
    assert_eq!(
        field_diffs(&change),
        [("write".to_string(), json!(".*"), json!(r"^ex\."), false)]
    );

    d.repair(&[]);
    let perms = d.node.get_json(&path);
    assert_eq!(
        (&perms["configure"], &perms["write"], &perms["read"]),
        (&json!(r"^q\."), &json!(r"^ex\."), &json!(r"^q\."))
    );
}

#[test]
fn changed_password_is_updated_without_showing_the_hash() {
    let d = Drift::converged("password");
    let path = format!("/api/users/{}", enc(&d.user));
    let before = d.node.get_json(&path)["password_hash"].clone();
    let body = json!({ "password": "changed-behind-our-back", "tags": "management" });
    call(d.node, "PUT", &path, Some(&body), &[201, 204]);

    let changed = d.node.get_json(&path)["password_hash"].clone();
    assert_ne!(changed, before);

    let plan = d.plan();
    let text = plan.to_string();
    for hash in [&before, &changed] {
        let hash = hash.as_str().expect("a hash");
        assert!(
            !text.contains(hash),
            "the plan shows a password hash: {text}"
        );
    }
    let change = only_change(&plan);
    assert_eq!(change["action"], "update");
    assert_eq!(change["id"], json!({ "kind": "user", "name": d.user }));
    assert_eq!(
        field_diffs(&change),
        [("password_hash".to_string(), Value::Null, Value::Null, false)]
    );
    assert_eq!(change["fields"][0]["sensitive"], true);

    d.repair(&[]);
    assert_eq!(d.node.get_json(&path)["password_hash"], before);
    assert_eq!(whoami_status(d.node, &d.user, "drift-secret"), 200);
}

#[test]
fn undeclared_queue_is_unmanaged_unless_queues_are_pruned() {
    let d = Drift::converged("undeclared");
    let path = format!("/api/queues/{}/q.stray", d.v());
    let body = json!({ "durable": true, "auto_delete": false, "arguments": {} });
    call(d.node, "PUT", &path, Some(&body), &[201, 204]);

    // The broker gave guest, who created the vhost, full permissions on it: undeclared too.
    let guest = json!({ "kind": "permission", "vhost": d.vhost, "user": "guest" });
    // Prune off: listed, not a change.
    let plan = d.plan();
    assert_eq!(changes(&plan), Vec::<Value>::new(), "{plan}");
    assert_eq!(
        unmanaged_in(&plan, &d.vhost),
        [
            guest.clone(),
            json!({ "kind": "queue", "vhost": d.vhost, "name": "q.stray" })
        ]
    );
    assert_no_changes(d.node, d.env.arg());
    // Other tests share the node: their global objects are ignored here, so the list shows
    // this vhost's.
    let ignore = "ignore: { users: ['.'], user_limits: ['.'], global_parameters: ['.'] }";
    let quiet = TempEnv::new(&topology(&d.vhost, &d.user, ignore));
    let human = warren(d.node, &["plan", "--env", quiet.arg()]);
    human.expect_code(0, "plan");
    assert!(
        human
            .stdout
            .contains(&format!("queue \"q.stray\" in {:?}", d.vhost)),
        "{}",
        human.stdout
    );

    // Prune on for queues: a delete, refused without --allow-destroy.
    d.env
        .write(&topology(&d.vhost, &d.user, "manage: { prune: [queues] }"));
    let plan = d.plan();
    let change = only_change(&plan);
    assert_eq!(change["action"], "delete");
    assert_eq!(
        change["id"],
        json!({ "kind": "queue", "vhost": d.vhost, "name": "q.stray" })
    );
    assert_eq!(change["messages"], 0);
    assert_eq!(unmanaged_in(&plan, &d.vhost), [guest]);

    let refused = apply(d.node, d.env.arg(), &[]);
    refused.expect_code(1, "apply of a prune without --allow-destroy");
    assert!(
        refused.flat().contains("--allow-destroy"),
        "{}",
        refused.flat()
    );
    assert!(
        get_opt(d.node, &path).is_some(),
        "the refused apply deleted the queue"
    );

    d.repair(&["--allow-destroy"]);
    assert!(get_opt(d.node, &path).is_none(), "q.stray still there");
    assert_eq!(
        names_in(d.node, "queues", &d.vhost),
        ["q.orders", "q.parking"]
    );
}
