//! Saved plans: applied exactly when nothing moved, refused (naming what moved) otherwise.

use crate::common::{apply, assert_no_changes, call, warren, TempEnv};
use crate::support::BrokerNode;
use serde_json::json;

/// Users are cluster-wide: each test ignores the other tests' users on the shared node.
fn topology(vhost: &str, ttl: u32) -> String {
    format!(
        "local: true\nignore: {{ users: ['^(?!saved_{name}$)'] }}\nvhosts:\n  {vhost}:\n    exchanges:\n      ex: {{ type: direct }}\n    queues:\n      q.a: {{ bindings: [{{ exchange: ex, routing_key: a }}] }}\n    policies:\n      ttl: {{ pattern: '^q', definition: {{ message-ttl: {ttl} }} }}\nusers:\n  saved_{name}:\n    password: {{ env: CREATIVEFLOW_ODOO_SVC_PASSWORD }}\n",
        name = vhost.trim_start_matches('/')
    )
}

fn saved_plan(node: &BrokerNode, env: &TempEnv) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let path = file.path().to_str().expect("UTF-8 path").to_string();
    let run = warren(node, &["plan", "--env", env.arg(), "--out", &path]);
    run.expect_code(0, "plan --out");
    assert!(run.stderr.contains("Saved the plan"), "{}", run.stderr);
    file
}

#[test]
fn a_saved_plan_applies_when_nothing_changed() {
    let node = BrokerNode::shared();
    let env = TempEnv::new(&topology("/saved-clean", 1000));
    let file = saved_plan(node, &env);
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(
        !text.contains(&crate::common::creativeflow_password("odoo_svc")),
        "the secret is in the saved plan"
    );
    assert!(
        text.contains("(sensitive)"),
        "the password hash is redacted"
    );

    let run = apply(node, env.arg(), &["--plan", file.path().to_str().unwrap()]);
    run.expect_code(0, "apply --plan");
    assert!(
        run.stdout.contains("Apply complete! 6 added"),
        "{}",
        run.stdout
    );
    assert_no_changes(node, env.arg());
}

#[test]
fn a_saved_plan_is_refused_after_a_live_change_naming_it() {
    let node = BrokerNode::shared();
    let env = TempEnv::new(&topology("/saved-live", 1000));
    apply(node, env.arg(), &[]).expect_code(0, "first apply");
    env.write(&topology("/saved-live", 2000));
    let file = saved_plan(node, &env);
    call(
        node,
        "PUT",
        "/api/queues/%2Fsaved-live/q.stray",
        Some(&json!({"durable": true})),
        &[201, 204],
    );

    let run = apply(node, env.arg(), &["--plan", file.path().to_str().unwrap()]);
    run.expect_code(1, "apply of a stale plan");
    let text = run.flat();
    assert!(text.contains("stale"), "{text}");
    assert!(
        text.contains("queue \"q.stray\" in \"/saved-live\" appeared on the broker"),
        "{text}"
    );
    let policy = node.get_json("/api/policies/%2Fsaved-live/ttl");
    assert_eq!(
        policy["definition"]["message-ttl"], 1000,
        "nothing was applied"
    );
}

#[test]
fn a_saved_plan_is_refused_after_an_environment_change_naming_the_file() {
    let node = BrokerNode::shared();
    let env = TempEnv::new(&topology("/saved-file", 1000));
    let file = saved_plan(node, &env);
    env.write(&topology("/saved-file", 3000));

    let run = apply(node, env.arg(), &["--plan", file.path().to_str().unwrap()]);
    run.expect_code(1, "apply of a plan made from other files");
    let text = run.flat();
    assert!(
        text.contains("topology.yaml changed since the plan was made"),
        "{text}"
    );
    let (status, _) = node.api("GET", "/api/vhosts/%2Fsaved-file", None);
    assert_eq!(status, 404, "nothing was applied");
}

#[test]
fn a_saved_plan_for_another_environment_is_refused() {
    let node = BrokerNode::shared();
    let env = TempEnv::new(&topology("/saved-other", 1000));
    let other = TempEnv::new(&topology("/saved-other-2", 1000));
    let file = saved_plan(node, &env);
    let run = apply(
        node,
        other.arg(),
        &["--plan", file.path().to_str().unwrap()],
    );
    run.expect_code(1, "apply of another environment's plan");
    assert!(
        run.flat().contains("saved plan is for environment"),
        "{}",
        run.flat()
    );
}

/// A checkout holding `envs/base` (the topology) and `envs/app` (extends it).
fn checkout(vhost: &str) -> tempfile::TempDir {
    let root = tempfile::Builder::new()
        .prefix("warren-checkout-")
        .tempdir()
        .expect("temp dir");
    let envs = root.path().join("envs");
    std::fs::create_dir_all(envs.join("base")).expect("mkdir");
    std::fs::create_dir_all(envs.join("app")).expect("mkdir");
    std::fs::write(
        envs.join("base/topology.yaml"),
        format!("vhosts:\n  {vhost}:\n    queues:\n      q.a: {{}}\n"),
    )
    .expect("write");
    std::fs::write(
        envs.join("app/environment.yaml"),
        format!("extends: base\nlocal: true\nignore: {{ users: ['.'] }}\nmanage: {{ vhosts: ['{vhost}'] }}\n"),
    )
    .expect("write");
    root
}

#[test]
fn a_saved_plan_applies_from_another_checkout_and_another_spelling_of_env() {
    let node = BrokerNode::shared();
    let first = checkout("/saved-checkout");
    let second = checkout("/saved-checkout");
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let plan_file = file.path().to_str().expect("UTF-8 path");
    // Planned with --env as a path in one checkout...
    let app = first.path().join("envs/app");
    let run = warren(
        node,
        &[
            "plan",
            "--env",
            app.to_str().expect("UTF-8"),
            "--out",
            plan_file,
        ],
    );
    run.expect_code(0, "plan --out");
    // ...applied with --env as a name in another, as a CI job in its own folder would.
    let envs = second.path().join("envs");
    let run = warren(
        node,
        &[
            "apply",
            "--env",
            "app",
            "--environments-dir",
            envs.to_str().expect("UTF-8"),
            "--plan",
            plan_file,
            "--auto-approve",
        ],
    );
    run.expect_code(0, "apply --plan from another checkout");
    assert!(
        run.stdout.contains("Apply complete! 2 added"),
        "{}",
        run.stdout
    );
    node.delete_vhost("/saved-checkout");
}

/// One read: the saved plan, and the same plan written as JSON and Markdown; `show` prints
/// the saved plan in each format exactly as plan did, without the broker.
#[test]
fn show_renders_a_saved_plan_as_plan_wrote_it() {
    let node = BrokerNode::shared();
    let env = TempEnv::new(&topology("/saved-show", 1000));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("UTF-8").to_string();
    let run = warren(
        node,
        &[
            "plan",
            "--env",
            env.arg(),
            "--out",
            &path("plan.bin"),
            "--write",
            &format!("json={}", path("plan.json")),
            "--write",
            &format!("markdown={}", path("plan.md")),
        ],
    );
    run.expect_code(0, "plan --out --write");
    for (format, file) in [("json", "plan.json"), ("markdown", "plan.md")] {
        let written = std::fs::read_to_string(path(file)).expect("written by plan");
        let shown = crate::common::warren_command()
            .args(["show", &path("plan.bin"), "--format", format])
            .output()
            .expect("run warren show");
        assert!(shown.status.success(), "show --format {format}");
        assert_eq!(String::from_utf8_lossy(&shown.stdout), written, "{format}");
    }
    let human = crate::common::warren_command()
        .args(["show", &path("plan.bin")])
        .output()
        .expect("run warren show");
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("Plan: 6 to add"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
}
