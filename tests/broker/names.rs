//! Names that need encoding (space, `/`, `%`, `#`, `@`, `~`, non-ASCII letters, a literal
//! `%2F`) in vhosts, exchanges, queues, routing keys, binding arguments, policies and
//! users, plus the `/` vhost: apply converges, and a deleted binding is repaired.

use serde_json::{json, Value};

use crate::common::*;
use crate::support::BrokerNode;
use warren::format::password::{hash_password, HashAlgorithm};

const VHOST: &str = "team a/b%#@é";
const EXCHANGE: &str = "ex/ä b";
const HEADERS: &str = "hdr ü%";
const INNER: &str = "ex~2 ß/#";
const QUEUE: &str = "q 1/ü%#@";
const QUEUE2: &str = "q%2Fx ~é";
const KEY: &str = "k/%#@ ü";
const KEY2: &str = "k~1%7E";
const POLICY: &str = "policy with spaces/ü %";
const USER: &str = "ü ser@x";
const ROOT_EXCHANGE: &str = "names/ex ü";
const ROOT_QUEUE: &str = "names/q 1/ü%#@";

fn topology() -> String {
    let hash = hash_password("names-secret", HashAlgorithm::Sha256, [1, 2, 3, 4]);
    format!(
        r#"local: true
vhosts:
  {vhost}:
    description: 'vhost ü/%#@'
    exchanges:
      {exchange}: {{ type: topic }}
      {headers}: {{ type: headers }}
      {inner}:
        type: fanout
        bindings:
          - {{ exchange: {exchange}, routing_key: {key} }}
    queues:
      {queue}:
        arguments: {{ x-message-ttl: 60000 }}
        bindings:
          - {{ exchange: {exchange}, routing_key: {key} }}
          - {{ exchange: {exchange}, routing_key: {key2} }}
          - {{ exchange: {headers}, arguments: {{ x-match: all, 'h ü/%': 'v #@' }} }}
      {queue2}:
        bindings:
          - {{ exchange: {inner} }}
    policies:
      {policy}:
        pattern: '^q '
        apply-to: queues
        definition: {{ max-length: 1000 }}
  /:
    description: Default virtual host
    exchanges:
      {root_exchange}: {{ type: direct }}
    queues:
      {root_queue}:
        bindings:
          - {{ exchange: {root_exchange}, routing_key: {key} }}
users:
  {user}:
    password_hash: {hash}
    tags: [management]
    permissions:
      {vhost}: {{ configure: '.*', write: '.*', read: '.*' }}
      /: {{ configure: '^names/', write: '^names/', read: '^names/' }}
"#,
        vhost = yq(VHOST),
        exchange = yq(EXCHANGE),
        headers = yq(HEADERS),
        inner = yq(INNER),
        queue = yq(QUEUE),
        queue2 = yq(QUEUE2),
        key = yq(KEY),
        key2 = yq(KEY2),
        policy = yq(POLICY),
        root_exchange = yq(ROOT_EXCHANGE),
        root_queue = yq(ROOT_QUEUE),
        user = yq(USER),
    )
}

fn routing_keys(node: &BrokerNode, vhost: &str, exchange: &str, queue: &str) -> Vec<Value> {
    let mut keys: Vec<Value> = bindings_between(node, vhost, exchange, queue)
        .iter()
        .map(|b| b["routing_key"].clone())
        .collect();
    keys.sort_by_key(|k| k.to_string());
    keys
}

#[test]
fn names_that_need_encoding_converge_and_repair() {
    let node = BrokerNode::shared();
    let env = TempEnv::new(&topology());
    converge(node, env.arg(), &[]);
    assert_no_changes(node, env.arg());

    // Everything is on the broker under its exact name.
    let v = node.get_json(&format!("/api/vhosts/{}", enc(VHOST)));
    assert_eq!(v["name"], VHOST);
    assert_eq!(v["description"], "vhost ü/%#@");
    let mut queues = vec![QUEUE, QUEUE2];
    queues.sort();
    assert_eq!(names_in(node, "queues", VHOST), queues);
    let mut exchanges = vec![EXCHANGE, INNER, HEADERS];
    exchanges.sort();
    assert_eq!(names_in(node, "exchanges", VHOST), exchanges);
    assert_eq!(
        queue_arguments(node, VHOST, QUEUE),
        json!({ "x-message-ttl": 60000, "x-queue-type": "classic" })
    );
    assert_eq!(
        routing_keys(node, VHOST, EXCHANGE, QUEUE),
        [json!(KEY), json!(KEY2)]
    );
    let headers = bindings_between(node, VHOST, HEADERS, QUEUE);
    assert_eq!(headers.len(), 1, "{headers:?}");
    assert_eq!(
        headers[0]["arguments"],
        json!({ "x-match": "all", "h ü/%": "v #@" })
    );
    let e2e = node.get_json(&format!(
        "/api/bindings/{}/e/{}/e/{}",
        enc(VHOST),
        enc(EXCHANGE),
        enc(INNER)
    ));
    assert_eq!(e2e.as_array().map(Vec::len), Some(1), "{e2e}");
    assert_eq!(e2e[0]["routing_key"], KEY);
    assert_eq!(routing_keys(node, VHOST, INNER, QUEUE2), [json!("")]);
    let policy = node.get_json(&format!("/api/policies/{}/{}", enc(VHOST), enc(POLICY)));
    assert_eq!(policy["name"], POLICY);
    assert_eq!(policy["definition"], json!({ "max-length": 1000 }));
    let user = node.get_json(&format!("/api/users/{}", enc(USER)));
    assert_eq!(user["name"], USER);
    assert_eq!(whoami_status(node, USER, "names-secret"), 200);
    let perms = node.get_json(&format!("/api/permissions/{}/{}", enc(VHOST), enc(USER)));
    assert_eq!(perms["configure"], ".*");
    let root_perms = node.get_json(&format!("/api/permissions/%2F/{}", enc(USER)));
    assert_eq!(root_perms["read"], "^names/");
    assert_eq!(
        routing_keys(node, "/", ROOT_EXCHANGE, ROOT_QUEUE),
        [json!(KEY)]
    );

    // Deleted behind warren's back: a queue binding in each vhost.
    delete_binding(node, VHOST, EXCHANGE, QUEUE, KEY);
    delete_binding(node, "/", ROOT_EXCHANGE, ROOT_QUEUE, KEY);
    let plan = plan_json(node, env.arg());
    let all = changes(&plan);
    assert_eq!(all.len(), 2, "{plan}");
    assert!(all.iter().all(|c| c["action"] == "create"), "{plan}");
    let ids: Vec<Value> = all.iter().map(|c| c["id"].clone()).collect();
    assert!(
        ids.contains(&binding_id(VHOST, EXCHANGE, QUEUE, KEY)),
        "{ids:?}"
    );
    assert!(
        ids.contains(&binding_id("/", ROOT_EXCHANGE, ROOT_QUEUE, KEY)),
        "{ids:?}"
    );
    converge(node, env.arg(), &[]);
    assert_no_changes(node, env.arg());
    assert_eq!(
        routing_keys(node, VHOST, EXCHANGE, QUEUE),
        [json!(KEY), json!(KEY2)]
    );
    assert_eq!(
        routing_keys(node, "/", ROOT_EXCHANGE, ROOT_QUEUE),
        [json!(KEY)]
    );

    // The binding with `~` in its key, and the one with arguments (whose properties_key
    // carries an argument hash), deleted and repaired the same way.
    delete_binding(node, VHOST, EXCHANGE, QUEUE, KEY2);
    let headers_binding = &bindings_between(node, VHOST, HEADERS, QUEUE)[0];
    let path = format!(
        "/api/bindings/{}/e/{}/q/{}/{}",
        enc(VHOST),
        enc(HEADERS),
        enc(QUEUE),
        enc(headers_binding["properties_key"].as_str().expect("key"))
    );
    call(node, "DELETE", &path, None, &[204]);
    let plan = plan_json(node, env.arg());
    assert_eq!(changes(&plan).len(), 2, "{plan}");
    converge(node, env.arg(), &[]);
    assert_no_changes(node, env.arg());
    assert_eq!(bindings_between(node, VHOST, HEADERS, QUEUE).len(), 1);
    assert_eq!(
        routing_keys(node, VHOST, EXCHANGE, QUEUE),
        [json!(KEY), json!(KEY2)]
    );
}

#[test]
fn a_replaced_queue_with_an_encoded_name_gets_its_bindings_back() {
    let node = BrokerNode::shared();
    let vhost = "names: replace/ü %";
    let queue = "q/ü %#@ r";
    let exchange = "x/%@ é";
    let yaml = |ttl: u64| {
        format!(
            "local: true\nvhosts:\n  {}:\n    exchanges:\n      {}: {{ type: direct }}\n    queues:\n      {}:\n        arguments: {{ x-max-length: {ttl} }}\n        bindings:\n          - {{ exchange: {}, routing_key: {} }}\n",
            yq(vhost),
            yq(exchange),
            yq(queue),
            yq(exchange),
            yq(KEY)
        )
    };
    let env = TempEnv::new(&yaml(10));
    converge(node, env.arg(), &[]);
    env.write(&yaml(20));
    converge(node, env.arg(), &["--allow-destroy"]);
    assert_no_changes(node, env.arg());
    assert_eq!(queue_arguments(node, vhost, queue)["x-max-length"], 20);
    assert_eq!(routing_keys(node, vhost, exchange, queue), [json!(KEY)]);
}

/// Tags are atoms inside RabbitMQ, built from their UTF-8 bytes one by one, so a tag such as
/// `custom ✓` comes back mangled; warren reads it back as written and converges.
#[test]
fn non_ascii_tags_converge() {
    let node = BrokerNode::shared();
    let hash = hash_password("tags-secret", HashAlgorithm::Sha256, [9, 8, 7, 6]);
    let env = TempEnv::new(&format!(
        r#"local: true
vhosts:
  names/tags:
    tags: ['zone ✓', 'région']
users:
  names-tagged:
    password_hash: {hash}
    tags: ['custom ✓', monitoring]
"#
    ));
    converge(node, env.arg(), &[]);
    assert_no_changes(node, env.arg());
    let user = node.get_json("/api/users/names-tagged");
    assert_eq!(user["name"], "names-tagged", "{user}");
}
