//! Decoding real 3.10.8 responses (captured into testdata/) and the conformance corpus.

use super::*;
use serde_json::json;

const DEFINITIONS: &str = include_str!("testdata/definitions-3.10.8.json");
const VHOSTS: &str = include_str!("testdata/vhosts-3.10.8.json");
const BINDINGS: &str = include_str!("testdata/bindings-3.10.8.json");
const QUEUE_TOTALS: &str = include_str!("testdata/queue-totals-3.10.8.json");
const OVERVIEW: &str = include_str!("testdata/overview-3.10.8.json");

#[test]
fn overview() {
    let overview: Overview = serde_json::from_str(OVERVIEW).unwrap();
    assert_eq!(overview.rabbitmq_version, "3.10.8");
    assert_eq!(overview.management_version, "3.10.8");
    assert_eq!(overview.cluster_name, "warren_broker_agent@vm");
}

#[test]
fn definitions_from_3_10() {
    let defs: Definitions = serde_json::from_str(DEFINITIONS).unwrap();
    assert_eq!(defs.rabbit_version.as_deref(), Some("3.10.8"));
    let svc = defs.users.iter().find(|u| u.name == "svc").unwrap();
    assert_eq!(
        svc.tags,
        Tags(vec!["monitoring".into(), "management".into()])
    );
    assert_eq!(svc.limits.get("max-connections"), Some(&json!(10)));
    assert_eq!(
        svc.hashing_algorithm.as_deref(),
        Some("rabbit_password_hashing_sha256")
    );
    let nopw = defs.users.iter().find(|u| u.name == "nopw").unwrap();
    assert_eq!(nopw.password_hash, "");
    assert!(defs.vhosts.iter().any(|v| v.name == "a b/#@%é"));
    assert!(defs.vhosts.iter().all(|v| v.metadata.is_none()));

    let limits = defs
        .parameters
        .iter()
        .find(|p| p.component == "vhost-limits")
        .unwrap();
    assert_eq!(limits.value, json!({"max-queues": 500}));
    assert!(defs
        .parameters
        .iter()
        .any(|p| p.component == "operator_policy" && p.name == "op"));

    let policy = &defs.policies[0];
    assert_eq!((policy.apply_to.as_str(), policy.priority), ("queues", -1));
    assert_eq!(policy.definition.get("message-ttl"), Some(&json!(86400000)));

    let q1 = defs.queues.iter().find(|q| q.name == "q1").unwrap();
    assert!(q1.durable && !q1.auto_delete);
    let keys: Vec<_> = q1.arguments.keys().collect();
    assert_eq!(keys, ["x-dead-letter-exchange", "x-message-ttl"]);
    let internal = defs.exchanges.iter().find(|e| e.name == "ex t").unwrap();
    assert!(internal.internal && internal.auto_delete && internal.kind == "topic");
    assert!(!defs.exchanges.iter().any(|e| e.name.starts_with("amq.")));
    let float_arg = defs
        .bindings
        .iter()
        .find(|b| b.routing_key == "rk.1")
        .unwrap();
    assert_eq!(float_arg.arguments.get("x-a"), Some(&json!(1.5)));
    assert_eq!(defs.topic_permissions[0].exchange, "amq.topic");
    assert!(defs
        .global_parameters
        .iter()
        .any(|p| p.name == "cluster_tags"));
}

#[test]
fn vhost_info_maps_undefined_queue_type_to_none() {
    let vhosts: Vec<VhostInfo> = serde_json::from_str(VHOSTS).unwrap();
    let root = vhosts.iter().find(|v| v.name == "/").unwrap();
    assert_eq!(root.description, "Default virtual host");
    assert_eq!(root.default_queue_type, None);
    let weird = vhosts.iter().find(|v| v.name == "a b/#@%é").unwrap();
    assert_eq!(weird.tags, Tags(vec!["t1".into(), "t2".into()]));
    let quorum = vhosts.iter().find(|v| v.name == "dqt1").unwrap();
    assert_eq!(quorum.default_queue_type.as_deref(), Some("quorum"));
    let absent: VhostInfo = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
    assert_eq!(absent.default_queue_type, None);
}

#[test]
fn bindings_carry_their_properties_key() {
    let bindings: Vec<BindingInfo> = serde_json::from_str(BINDINGS).unwrap();
    let key = |rk: &str| {
        let b = bindings
            .iter()
            .find(|b| b.binding.routing_key == rk)
            .unwrap();
        b.properties_key.as_str()
    };
    assert_eq!(key("rk 2"), "rk+2");
    assert_eq!(key(""), "~");
    assert_eq!(key("rk.1"), "rk.1~jONqYA");
    assert!(bindings.iter().any(|b| b.binding.source.is_empty()));
}

#[test]
fn queue_totals() {
    let queues: Vec<QueueInfo> = serde_json::from_str(QUEUE_TOTALS).unwrap();
    let quorum = queues.iter().find(|q| q.name == "q/quorum").unwrap();
    assert_eq!((quorum.kind.as_str(), quorum.messages), ("quorum", Some(0)));
    let starting: QueueInfo =
        serde_json::from_str(r#"{"name":"q","vhost":"/","type":"classic","state":"down"}"#)
            .unwrap();
    assert_eq!(starting.messages, None);
}

#[test]
fn tags_accept_string_array_and_null() {
    let user = |tags: &str| -> UserDef {
        serde_json::from_str(&format!(r#"{{"name":"u","tags":{tags}}}"#)).unwrap()
    };
    let both = Tags(vec!["administrator".into(), "monitoring".into()]);
    assert_eq!(user(r#""administrator, monitoring""#).tags, both);
    assert_eq!(user(r#"["administrator","monitoring"]"#).tags, both);
    assert_eq!(user(r#""""#).tags, Tags::default());
    assert_eq!(user("null").tags, Tags::default());
    assert_eq!(serde_json::to_value(&both).unwrap(), json!(both.0));
}

#[test]
fn missing_fields_take_the_http_api_defaults() {
    let defs: Definitions = serde_json::from_str(
        r#"{"queues":[{"name":"q"}],"policies":[{"name":"p","pattern":".*","definition":{}}],
            "users":[{"name":"u","password_hash":"x"}],"unknown":1}"#,
    )
    .unwrap();
    let q = &defs.queues[0];
    assert!(!q.durable && !q.auto_delete && q.arguments.is_empty() && q.vhost.is_empty());
    assert_eq!(defs.policies[0].apply_to, "all");
    assert_eq!(defs.policies[0].priority, 0);
    assert!(defs.users[0].limits.is_empty() && defs.users[0].hashing_algorithm.is_none());
}

#[test]
fn later_vhost_metadata_is_kept() {
    let vhost: VhostDef = serde_json::from_str(
        r#"{"name":"protected","description":"top","tags":[],"default_queue_type":"quorum",
            "metadata":{"description":"meta","tags":["a"],"protected_from_deletion":true}}"#,
    )
    .unwrap();
    let meta = vhost.metadata.unwrap();
    assert_eq!(meta.description.as_deref(), Some("meta"));
    assert_eq!(
        meta.other.get("protected_from_deletion"),
        Some(&json!(true))
    );
    assert_eq!(vhost.description.as_deref(), Some("top"));
}

/// Every file of the shared corpus decodes (they are real exports and hand-written files).
#[test]
fn conformance_corpus_decodes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if !dir.is_dir() {
        eprintln!("skipping: {} is absent", dir.display());
        return;
    }
    let mut files = Vec::new();
    collect_json(&dir, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        let decoded = serde_json::from_str::<Definitions>(text);
        assert!(decoded.is_ok(), "{}: {:?}", file.display(), decoded.err());
    }
}

fn collect_json(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_json(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn non_ascii_tags_come_back_as_written() {
    // What 3.10.8 and 4.0.5 answer for a user PUT with tags "custom ✓,monitoring".
    let mangled = "{\"tags\": [\"custom \u{e2}\u{9c}\u{93}\", \"monitoring\"]}";
    let user: UserDef = serde_json::from_str(mangled).unwrap();
    assert_eq!(user.tags.0, ["custom ✓", "monitoring"]);
    // Already proper text, and Latin-1 text that is not UTF-8 in disguise, stay as they are.
    assert_eq!(repair_tag("zone ✓"), "zone ✓");
    assert_eq!(repair_tag("café"), "café");
    assert_eq!(repair_tag("caf\u{c3}\u{a9}"), "café");
}
