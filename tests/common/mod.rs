//! Helpers for the plan/apply integration tests: run the `warren` binary against a test
//! node, write throwaway environments, and read or change the broker behind warren's back.
//! Use with `mod support; mod common;` in the test file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};

use crate::support::{eventually, BrokerNode};

/// The seven CreativeFlow users; production reads CREATIVEFLOW_<USER>_PASSWORD, staging
/// CREATIVEFLOW_<USER>_STAGING_PASSWORD.
pub const CREATIVEFLOW_USERS: [&str; 7] = [
    "odoo_svc",
    "n8n_worker",
    "ai_svc_internal",
    "notification_svc",
    "apigw_publisher",
    "monitoring_agent",
    "rabbitmq_admin_app",
];

/// The password the tests give a CreativeFlow user (`odoo_svc` or `odoo_svc_staging`).
pub fn creativeflow_password(user: &str) -> String {
    format!("pw-{user}-t3st")
}

/// The repository root: `--environments-dir` is resolved against it.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one `warren` run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// What a finished `warren` process printed and how it ended (-1 when a signal ended it).
    pub fn from_output(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32, what: &str) -> &Self {
        assert_eq!(
            self.code, code,
            "{what}: exit code {} (wanted {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Stdout and stderr with every run of whitespace (and miette's frame characters)
    /// folded to one space, so wrapped messages can be searched.
    pub fn flat(&self) -> String {
        flatten_text(&format!("{}\n{}", self.stdout, self.stderr))
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

pub fn flatten_text(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || "│╭╰─×".contains(c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `warren` command with no colour, the CreativeFlow secrets set, and no connection
/// variables inherited from the caller's shell.
pub fn warren_command() -> Command {
    let mut cmd = Command::cargo_bin("warren").expect("the warren binary");
    cmd.current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env_remove("RABBITMQ_MANAGEMENT_API_URL")
        .env_remove("RABBITMQ_MANAGEMENT_USER")
        .env_remove("RABBITMQ_MANAGEMENT_PASSWORD")
        .env_remove("WARREN_ENVIRONMENTS_DIR")
        .env_remove("WARREN_LOG")
        .env("WARREN_TEST_SECRET", "from-the-environment")
        .timeout(Duration::from_secs(300));
    for user in CREATIVEFLOW_USERS {
        let var = user.to_uppercase();
        cmd.env(
            format!("CREATIVEFLOW_{var}_PASSWORD"),
            creativeflow_password(user),
        );
        cmd.env(
            format!("CREATIVEFLOW_{var}_STAGING_PASSWORD"),
            creativeflow_password(&format!("{user}_staging")),
        );
    }
    cmd
}

/// Runs `warren --color never <args> --url <node> --user guest --password guest`.
pub fn warren(node: &BrokerNode, args: &[&str]) -> Run {
    warren_with(node, args, &[])
}

/// `warren`, with extra environment variables set.
pub fn warren_with(node: &BrokerNode, args: &[&str], vars: &[(&str, &str)]) -> Run {
    warren_as(node, ("guest", "guest"), args, vars)
}

/// `warren` logged in as `user` with `password`, with extra environment variables set.
pub fn warren_as(
    node: &BrokerNode,
    (user, password): (&str, &str),
    args: &[&str],
    vars: &[(&str, &str)],
) -> Run {
    warren_at(&node.url(), (user, password), args, vars)
}

/// `warren --color never ARGS --url URL --user USER --password PASSWORD`, with `vars` set;
/// `url` may list several nodes (`a,b`) or point at a proxy.
pub fn warren_at(
    url: &str,
    (user, password): (&str, &str),
    args: &[&str],
    vars: &[(&str, &str)],
) -> Run {
    let mut cmd = warren_command();
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd.arg("--color").arg("never").args(args);
    cmd.args(["--url", url, "--user", user, "--password", password]);
    Run::from_output(cmd.output().expect("run warren"))
}

/// `warren apply --env ENV --auto-approve [extra...]`.
pub fn apply(node: &BrokerNode, env: &str, extra: &[&str]) -> Run {
    let mut args = vec!["apply", "--env", env, "--auto-approve"];
    args.extend_from_slice(extra);
    warren(node, &args)
}

/// Applies and checks that the broker converged (exit 0, "Converged" on stdout).
pub fn converge(node: &BrokerNode, env: &str, extra: &[&str]) -> Run {
    let run = apply(node, env, extra);
    run.expect_code(0, &format!("apply --env {env}"));
    assert!(
        run.stdout.contains("Converged"),
        "apply --env {env} did not say Converged:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// `warren plan --env ENV --format json`, parsed; exit code 0 required.
pub fn plan_json(node: &BrokerNode, env: &str) -> Value {
    let run = warren(node, &["plan", "--env", env, "--format", "json"]);
    run.expect_code(0, &format!("plan --env {env} --format json"));
    run.json()
}

/// Checks that `plan --detailed-exitcode` exits 0 and says "No changes.".
pub fn assert_no_changes(node: &BrokerNode, env: &str) {
    let run = warren(node, &["plan", "--env", env, "--detailed-exitcode"]);
    run.expect_code(0, &format!("plan --env {env} --detailed-exitcode"));
    assert!(
        run.stdout.contains("No changes."),
        "plan --env {env}:\n{}",
        run.stdout
    );
}

/// A throwaway environment folder.
pub struct TempEnv {
    dir: tempfile::TempDir,
}

impl TempEnv {
    /// An environment of one file, `topology.yaml`.
    pub fn new(yaml: &str) -> TempEnv {
        let env = TempEnv {
            dir: tempfile::Builder::new()
                .prefix("warren-env-")
                .tempdir()
                .expect("temp dir"),
        };
        env.write(yaml);
        env
    }

    /// Replaces the environment's content.
    pub fn write(&self, yaml: &str) {
        std::fs::write(self.dir.path().join("topology.yaml"), yaml).expect("write environment");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Keeps apply's lock queue in `vhost`, so that tests sharing a node do not wait for
    /// each other's lock on `/`.
    pub fn lock_in(&self, vhost: &str) {
        let settings = format!("broker: {{ lock_vhost: {} }}\n", yq(vhost));
        std::fs::write(self.dir.path().join("environment.yaml"), settings)
            .expect("write environment.yaml");
    }

    /// The path as `--env` takes it.
    pub fn arg(&self) -> &str {
        self.dir.path().to_str().expect("UTF-8 temp path")
    }
}

/// Percent-encodes one path segment of a management API URL.
pub fn enc(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Single-quoted YAML scalar.
pub fn yq(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Sends a request and panics unless the status is one of `ok`.
pub fn call(node: &BrokerNode, method: &str, path: &str, body: Option<&Value>, ok: &[u16]) {
    let (status, text) = node.api(method, path, body);
    assert!(
        ok.contains(&status),
        "{method} {path}: HTTP {status}: {text}"
    );
}

/// GET that may answer 404 (`None`).
pub fn get_opt(node: &BrokerNode, path: &str) -> Option<Value> {
    let (status, body) = node.api("GET", path, None);
    match status {
        200 => Some(serde_json::from_str(&body).expect("JSON")),
        404 => None,
        other => panic!("GET {path}: HTTP {other}: {body}"),
    }
}

/// A user's tags as a sorted list, whatever shape the broker version returns them in.
pub fn tags_of(user: &Value) -> Vec<String> {
    let mut tags: Vec<String> = match &user["tags"] {
        Value::Array(items) => items
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => s
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        _ => vec![],
    };
    tags.sort();
    tags
}

/// HTTP status of `GET /api/whoami` as `user`:`password` (200 when they authenticate and
/// may use the management API).
pub fn whoami_status(node: &BrokerNode, user: &str, password: &str) -> u16 {
    let out = StdCommand::new("curl")
        .args(["-sS", "-m", "30", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(["-u", &format!("{user}:{password}")])
        .arg(format!("{}/api/whoami", node.url()))
        .stdin(Stdio::null())
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("curl printed a status")
}

/// The queue's arguments as the broker reports them.
pub fn queue_arguments(node: &BrokerNode, vhost: &str, queue: &str) -> Value {
    node.get_json(&format!("/api/queues/{}/{}", enc(vhost), enc(queue)))["arguments"].clone()
}

/// Bindings from `exchange` to `queue`, as the broker lists them.
pub fn bindings_between(node: &BrokerNode, vhost: &str, exchange: &str, queue: &str) -> Vec<Value> {
    let path = format!(
        "/api/bindings/{}/e/{}/q/{}",
        enc(vhost),
        enc(exchange),
        enc(queue)
    );
    node.get_json(&path)
        .as_array()
        .cloned()
        .expect("a list of bindings")
}

/// Deletes the binding exchange -> queue with `routing_key` behind warren's back.
pub fn delete_binding(node: &BrokerNode, vhost: &str, exchange: &str, queue: &str, key: &str) {
    let bindings = bindings_between(node, vhost, exchange, queue);
    let binding = bindings
        .iter()
        .find(|b| b["routing_key"] == key)
        .unwrap_or_else(|| panic!("no binding {exchange} -> {queue} key {key:?}: {bindings:?}"));
    let props = binding["properties_key"].as_str().expect("properties_key");
    let path = format!(
        "/api/bindings/{}/e/{}/q/{}/{}",
        enc(vhost),
        enc(exchange),
        enc(queue),
        enc(props)
    );
    call(node, "DELETE", &path, None, &[204]);
    assert!(
        !bindings_between(node, vhost, exchange, queue)
            .iter()
            .any(|b| b["routing_key"] == key),
        "binding {exchange} -> {queue} key {key:?} still there"
    );
}

/// Publishes `count` messages to `queue` through the default exchange.
pub fn publish(node: &BrokerNode, vhost: &str, queue: &str, count: usize) {
    let path = format!("/api/exchanges/{}/amq.default/publish", enc(vhost));
    for i in 0..count {
        let body = json!({
            "routing_key": queue,
            "payload": format!("message {i}"),
            "payload_encoding": "string",
            "properties": {},
        });
        let (status, text) = node.api("POST", &path, Some(&body));
        assert_eq!(status, 200, "publish to {queue}: {text}");
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(answer["routed"], true, "message to {queue} not routed");
    }
}

/// Waits until the broker's statistics (which lag a few seconds) show `count` messages in
/// `queue`, both with stats and in the stats-free totals warren reads.
pub fn wait_for_messages(node: &BrokerNode, vhost: &str, queue: &str, count: u64) {
    let one = format!("/api/queues/{}/{}", enc(vhost), enc(queue));
    let totals = format!(
        "/api/queues/{}?disable_stats=true&enable_queue_totals=true",
        enc(vhost)
    );
    eventually(
        Duration::from_secs(60),
        &format!("{count} messages in {queue}"),
        || {
            let stats = node.get_json(&one)["messages"].as_u64();
            let listed = node
                .get_json(&totals)
                .as_array()
                .and_then(|qs| qs.iter().find(|q| q["name"] == queue).cloned())
                .and_then(|q| q["messages"].as_u64());
            (stats == Some(count) && listed == Some(count)).then_some(())
        },
    );
}

/// The changes of a JSON plan.
pub fn changes(plan: &Value) -> Vec<Value> {
    plan["changes"].as_array().cloned().unwrap_or_default()
}

/// The unmanaged ids of a JSON plan that live in `vhost`.
pub fn unmanaged_in(plan: &Value, vhost: &str) -> Vec<Value> {
    plan["unmanaged"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|id| id["vhost"] == vhost || (id["kind"] == "vhost" && id["name"] == vhost))
        .collect()
}

/// The one change of a JSON plan, panicking with the plan when there are more or none.
pub fn only_change(plan: &Value) -> Value {
    let all = changes(plan);
    assert_eq!(
        all.len(),
        1,
        "wanted exactly one change, got:\n{}",
        serde_json::to_string_pretty(plan).unwrap_or_default()
    );
    all[0].clone()
}

/// `(field, before, after, forces_replace)` of each field diff of a change.
pub fn field_diffs(change: &Value) -> Vec<(String, Value, Value, bool)> {
    change["fields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or_default().to_string(),
                f.get("before").cloned().unwrap_or(Value::Null),
                f.get("after").cloned().unwrap_or(Value::Null),
                f["forces_replace"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// A plan's id of a binding exchange -> queue.
pub fn binding_id(vhost: &str, source: &str, queue: &str, key: &str) -> Value {
    json!({
        "kind": "binding",
        "vhost": vhost,
        "source": source,
        "destination_type": "queue",
        "destination": queue,
        "routing_key": key,
        "arguments": {},
    })
}

/// The names of `kind` objects (`queues`, `exchanges`, ...) in `vhost`, sorted, without
/// the broker's built-ins.
pub fn names_in(node: &BrokerNode, kind: &str, vhost: &str) -> Vec<String> {
    let mut names: Vec<String> = node
        .get_json(&format!("/api/{kind}/{}", enc(vhost)))
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|o| o["name"].as_str().map(str::to_string))
        .filter(|n| !n.is_empty() && !n.starts_with("amq."))
        .collect();
    names.sort();
    names
}

/// Properties of a JSON Schema (at any depth) without a `description`, as `path.name`; `kind`,
/// the tag every identity carries, is exempt.
pub fn undocumented_properties(schema: &Value) -> Vec<String> {
    fn walk(path: &str, node: &Value, undocumented: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (name, property) in properties {
                        if name != "kind" && property.get("description").is_none() {
                            undocumented.push(format!("{path}.{name}"));
                        }
                    }
                }
                for (key, child) in map {
                    walk(&format!("{path}/{key}"), child, undocumented);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(&format!("{path}/{i}"), child, undocumented);
                }
            }
            _ => {}
        }
    }
    let mut undocumented = Vec::new();
    walk("", schema, &mut undocumented);
    undocumented
}
