//! Definitions -> environment text, without a broker.

use serde_json::json;

use super::*;
use crate::broker::lower::live_state;

fn state_of(raw: Value) -> State {
    let definitions: Definitions = serde_json::from_value(raw.clone()).unwrap();
    live_state(snapshot_of_file(definitions, &raw))
}

fn sample() -> Value {
    json!({
        "vhosts": [
            {"name": "/", "metadata": {"description": "Default virtual host"}},
            {"name": "app v1", "description": "it's #1", "default_queue_type": "quorum", "tracing": true}
        ],
        "users": [
            {"name": "svc@x", "password_hash": "HASHVALUE", "hashing_algorithm": "rabbit_password_hashing_sha512",
             "tags": ["monitoring"], "limits": {"max-connections": 4}},
            {"name": "nopw", "password_hash": "", "tags": []}
        ],
        "permissions": [{"user": "svc@x", "vhost": "app v1", "configure": "^a\\.", "write": "", "read": ".*"}],
        "topic_permissions": [{"user": "svc@x", "vhost": "app v1", "exchange": "amq.topic", "write": "w", "read": ""}],
        "parameters": [
            {"vhost": "app v1", "component": "vhost-limits", "name": "limits", "value": {"max-queues": 7}},
            {"vhost": "app v1", "component": "operator_policy", "name": "op",
             "value": {"pattern": "^q", "apply-to": "queues", "priority": 0, "definition": {"max-length": 5}}}
        ],
        "global_parameters": [
            {"name": "cluster_name", "value": "rabbit@x"},
            {"name": "internal_cluster_id", "value": "rabbitmq-cluster-id-x"},
            {"name": "site", "value": {"dc": "eu"}}
        ],
        "policies": [{"vhost": "app v1", "name": "ttl", "pattern": ".*", "apply-to": "all", "priority": 0,
                      "definition": {"message-ttl": 1000}}],
        "queues": [
            {"name": "q #1", "vhost": "app v1", "durable": true, "auto_delete": false, "arguments": {"x-queue-type": "quorum"}},
            {"name": "classic q", "vhost": "app v1", "durable": false, "auto_delete": false, "arguments": {"x-queue-type": "classic", "x-message-ttl": 5}},
            {"name": "amq.gen-abc", "vhost": "/", "durable": false, "auto_delete": true, "arguments": {}}
        ],
        "exchanges": [
            {"name": "ex/one", "vhost": "app v1", "type": "topic", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
            {"name": "amq.direct", "vhost": "app v1", "type": "direct", "durable": true, "auto_delete": false, "internal": false, "arguments": {}}
        ],
        "bindings": [
            {"source": "ex/one", "vhost": "app v1", "destination": "q #1", "destination_type": "queue", "routing_key": "a.#", "arguments": {}},
            {"source": "", "vhost": "app v1", "destination": "q #1", "destination_type": "queue", "routing_key": "q #1", "arguments": {}}
        ]
    })
}

fn file<'a>(files: &'a [EnvFile], name: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no {name} in {:?}",
                files.iter().map(|f| &f.name).collect::<Vec<_>>()
            )
        })
        .text
}

#[test]
fn writes_one_file_per_vhost_with_defaults_left_out() {
    let (files, notes) = environment_files(&state_of(sample()), &ImportOptions::default());
    assert!(notes.is_empty(), "{notes:?}");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "environment.yaml",
            "vhost-default.yaml",
            "vhost-app_v1.yaml",
            "users.yaml",
            "global.yaml"
        ]
    );
    assert_eq!(
        file(&files, "vhost-app_v1.yaml"),
        "vhosts:
  'app v1':
    description: 'it''s #1'
    default_queue_type: quorum
    tracing: true
    limits:
      max-queues: 7
    exchanges:
      'ex/one':
        type: topic
    queues:
      'classic q':
        type: classic
        durable: false
        arguments:
          x-message-ttl: 5
      'q #1':
        bindings:
          - { exchange: 'ex/one', routing_key: 'a.#' }
    policies:
      ttl:
        pattern: '.*'
        definition:
          message-ttl: 1000
    operator_policies:
      op:
        pattern: '^q'
        definition:
          max-length: 5
"
    );
    assert_eq!(
        file(&files, "vhost-default.yaml"),
        "vhosts:\n  '/':\n    description: 'Default virtual host'\n"
    );
    assert_eq!(
        file(&files, "global.yaml"),
        "global_parameters:\n  site:\n    dc: eu\n"
    );
}

#[test]
fn users_keep_hashes_or_name_variables() {
    let state = state_of(sample());
    let (files, _) = environment_files(&state, &ImportOptions::default());
    assert_eq!(
        file(&files, "users.yaml"),
        "users:
  nopw: {}
  'svc@x':
    password_hash: HASHVALUE
    hashing_algorithm: rabbit_password_hashing_sha512
    tags: [monitoring]
    limits:
      max-connections: 4
    permissions:
      'app v1': { configure: '^a\\.', write: '', read: '.*' }
    topic_permissions:
      'app v1':
        amq.topic: { read: '', write: w }
"
    );
    let options = ImportOptions {
        secrets_as_env: true,
        ..ImportOptions::default()
    };
    let (files, _) = environment_files(&state, &options);
    let users = file(&files, "users.yaml");
    assert!(
        users.contains("password: { env: WARREN_SVC_X_PASSWORD }"),
        "{users}"
    );
    assert!(!users.contains("HASHVALUE"), "{users}");
}

#[test]
fn settings_name_the_broker_the_vhosts_and_the_schema() {
    let options = ImportOptions {
        vhosts: vec!["app v1".into()],
        broker_url: Some("http://127.0.0.1:15672".into()),
        schema: Some("../schemas/environment.schema.json".into()),
        ..ImportOptions::default()
    };
    let (files, _) = environment_files(&state_of(sample()), &options);
    assert_eq!(
        file(&files, "environment.yaml"),
        "# yaml-language-server: $schema=../schemas/environment.schema.json
# Imported by `warren import`.
broker:
  urls: ['http://127.0.0.1:15672']
manage:
  vhosts: ['app v1']
"
    );
    assert!(files.iter().all(|f| f.name != "vhost-default.yaml"));
    assert!(file(&files, "users.yaml").contains("'app v1'"));
}

#[test]
fn written_files_parse_as_environment_documents() {
    let (files, _) = environment_files(&state_of(sample()), &ImportOptions::default());
    for f in files {
        serde_saphyr::from_str::<crate::config::schema::Document>(&f.text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", f.name, f.text));
    }
}

#[test]
fn password_variables_and_file_names_are_safe() {
    assert_eq!(password_variable("odoo_svc"), "WARREN_ODOO_SVC_PASSWORD");
    assert_eq!(password_variable("a-b.c ü"), "WARREN_A_B_C___PASSWORD");
    let mut taken = Vec::new();
    assert_eq!(vhost_file_name("/", &mut taken), "vhost-default.yaml");
    assert_eq!(
        vhost_file_name("/creativeflow_prod", &mut taken),
        "vhost-creativeflow_prod.yaml"
    );
    assert_eq!(
        vhost_file_name("creativeflow_prod", &mut taken),
        "vhost-creativeflow_prod-2.yaml"
    );
}

#[test]
fn the_login_user_is_left_out_with_its_permissions_named_and_ignored() {
    let options = ImportOptions {
        login_user: Some("svc@x".into()),
        ..ImportOptions::default()
    };
    let (files, notes) = environment_files(&state_of(sample()), &options);
    let users = file(&files, "users.yaml");
    assert!(!users.contains("svc@x"), "{users}");
    assert!(users.contains("nopw"), "{users}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("\"svc@x\"") && n.contains("--include-login-user")),
        "{notes:?}"
    );
    let settings = file(&files, "environment.yaml");
    assert!(
        settings.contains("ignore:\n  users: ['^svc@x$']"),
        "{settings}"
    );
}

#[test]
fn unicode_vhost_names_keep_their_letters_in_file_names() {
    let raw = json!({"vhosts": [{"name": "ünicode/ホスト 1"}, {"name": "Ω".repeat(150)}]});
    let (files, _) = environment_files(&state_of(raw), &ImportOptions::default());
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert!(names.contains(&"vhost-ünicode_ホスト_1.yaml"), "{names:?}");
    // 300 bytes of Ω: cut on a character boundary, within the file system's 255 bytes.
    let long = names
        .iter()
        .find(|n| n.contains('Ω'))
        .expect("the long name");
    assert!(long.len() <= 255 && long.ends_with(".yaml"), "{long}");
}
