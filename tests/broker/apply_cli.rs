//! Command-line behaviour of plan and apply around the edges: confirmation, secrets,
//! exit codes, and errors that name their cause.

use crate::common::{warren_command, TempEnv};
use crate::support::BrokerNode;

fn small_env(vhost: &str) -> TempEnv {
    TempEnv::new(&format!(
        "local: true\nvhosts:\n  {vhost}:\n    queues:\n      q.one: {{}}\nusers:\n  cli_user_{suffix}:\n    password: {{ env: WARREN_CLI_TEST_SECRET }}\n    tags: [management]\n    permissions:\n      {vhost}: {{ read: '.*' }}\n",
        suffix = vhost.trim_start_matches('/')
    ))
}

fn with_secret(args: &[&str], node: &BrokerNode, secret: Option<&str>) -> crate::common::Run {
    let mut cmd = warren_command();
    cmd.arg("--color").arg("never").args(args).args([
        "--url",
        &node.url(),
        "--user",
        "guest",
        "--password",
        "guest",
    ]);
    match secret {
        Some(value) => cmd.env("WARREN_CLI_TEST_SECRET", value),
        None => cmd.env_remove("WARREN_CLI_TEST_SECRET"),
    };
    crate::common::Run::from_output(cmd.output().expect("run warren"))
}

#[test]
fn apply_without_a_terminal_and_without_auto_approve_refuses() {
    let node = BrokerNode::shared();
    let env = small_env("/cli-confirm");
    let run = with_secret(&["apply", "--env", env.arg()], node, Some("s3cret-confirm"));
    run.expect_code(1, "apply without --auto-approve");
    assert!(run.flat().contains("--auto-approve"), "{}", run.flat());
    assert!(
        run.stdout.contains("Plan: 4 to add"),
        "the plan is shown first:\n{}",
        run.stdout
    );
    let (status, body) = node.api("GET", "/api/vhosts/%2Fcli-confirm", None);
    assert_eq!(
        status, 404,
        "nothing was applied, not even the vhost: {body}"
    );
}

#[test]
fn a_missing_secret_at_plan_time_names_the_variable() {
    let node = BrokerNode::shared();
    let env = small_env("/cli-secret");
    let run = with_secret(&["plan", "--env", env.arg()], node, None);
    run.expect_code(1, "plan with the secret unset");
    assert!(
        run.flat().contains("WARREN_CLI_TEST_SECRET"),
        "{}",
        run.flat()
    );
    assert!(run.flat().contains("missing-secret"), "{}", run.flat());
    // Plain validate passes without secrets; the hint names the flag that finds this, and
    // the environment as it was typed (here a path), so the command can be pasted.
    let hint = format!(
        "run `warren validate --env {} --resolve-secrets`",
        env.arg()
    );
    assert!(run.flat().contains(&hint), "{}", run.flat());
}

#[test]
fn a_wrong_password_says_authentication_failed_for_the_user_with_the_url_whole() {
    let node = BrokerNode::shared();
    let env = small_env("/cli-auth");
    let mut cmd = warren_command();
    cmd.args(["plan", "--env", env.arg(), "--url", &node.url()])
        .args(["--user", "guest", "--password", "not-the-pw-4711"])
        .env("WARREN_CLI_TEST_SECRET", "x");
    let out = cmd.output().expect("run warren");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let flat = crate::common::flatten_text(&stderr);
    assert!(
        flat.contains("authentication failed for user `guest`"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-pw-4711"), "{stderr}");
    // Whichever of the concurrent reads is refused first is named; its URL (the overview's
    // is long enough to be wrapped) stays on one line, whole.
    let start = format!("{}/api/", node.url());
    let token = stderr
        .lines()
        .find_map(|line| line.find(&start).map(|at| &line[at..]))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no request URL named:\n{stderr}"));
    assert!(
        token.ends_with("/api/definitions")
            || token.ends_with("node")
            || token.contains("/api/vhosts"),
        "the URL is cut across lines ({token}):\n{stderr}"
    );
}

#[test]
fn secrets_never_reach_plan_output_in_any_format() {
    let node = BrokerNode::shared();
    let env = small_env("/cli-redact");
    let secret = "Sup3r-Secret-Value-42";
    for format in ["human", "json"] {
        let run = with_secret(
            &["plan", "--env", env.arg(), "--format", format, "-vv"],
            node,
            Some(secret),
        );
        run.expect_code(0, "plan");
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{format} leaks the secret"
        );
        assert!(
            !run.stdout.contains("password_hash\": \"") || run.stdout.contains("(sensitive)"),
            "{}",
            run.stdout
        );
    }
    let applied = with_secret(
        &["apply", "--env", env.arg(), "--auto-approve", "-vv"],
        node,
        Some(secret),
    );
    applied.expect_code(0, "apply");
    assert!(!applied.stdout.contains(secret) && !applied.stderr.contains(secret));
}

#[test]
fn detailed_exitcode_is_two_with_changes_and_zero_without() {
    let node = BrokerNode::shared();
    let env = small_env("/cli-exitcode");
    let before = with_secret(
        &["plan", "--env", env.arg(), "--detailed-exitcode"],
        node,
        Some("pw-exit"),
    );
    before.expect_code(2, "plan with changes");
    let plain = with_secret(&["plan", "--env", env.arg()], node, Some("pw-exit"));
    plain.expect_code(0, "plan without --detailed-exitcode");
    with_secret(
        &["apply", "--env", env.arg(), "--auto-approve"],
        node,
        Some("pw-exit"),
    )
    .expect_code(0, "apply");
    let after = with_secret(
        &["plan", "--env", env.arg(), "--detailed-exitcode"],
        node,
        Some("pw-exit"),
    );
    after.expect_code(0, "plan after apply");
    assert!(after.stdout.contains("No changes."), "{}", after.stdout);
}

#[test]
fn rotating_a_password_plans_one_sensitive_update() {
    let node = BrokerNode::shared();
    let env = small_env("/cli-rotate");
    with_secret(
        &["apply", "--env", env.arg(), "--auto-approve"],
        node,
        Some("first-pw"),
    )
    .expect_code(0, "apply");
    let same = with_secret(
        &["plan", "--env", env.arg(), "--detailed-exitcode"],
        node,
        Some("first-pw"),
    );
    same.expect_code(0, "unchanged password");
    let rotated = with_secret(
        &["plan", "--env", env.arg(), "--detailed-exitcode"],
        node,
        Some("second-pw"),
    );
    rotated.expect_code(2, "rotated password");
    assert!(
        rotated.stdout.contains("(sensitive value changed)"),
        "{}",
        rotated.stdout
    );
    assert!(
        rotated
            .stdout
            .contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{}",
        rotated.stdout
    );
    with_secret(
        &["apply", "--env", env.arg(), "--auto-approve"],
        node,
        Some("second-pw"),
    )
    .expect_code(0, "apply rotated");
    let status = crate::common::whoami_status(node, "cli_user_cli-rotate", "second-pw");
    assert_eq!(status, 200, "the rotated password logs in");
}

#[test]
fn an_unreachable_broker_is_an_error_naming_the_url_without_credentials() {
    let env = small_env("/cli-unreachable");
    let mut cmd = warren_command();
    cmd.args([
        "plan",
        "--env",
        env.arg(),
        "--url",
        "http://127.0.0.1:9",
        "--user",
        "guest",
        "--password",
        "hunter2",
        "--timeout",
        "2",
    ]);
    cmd.env("WARREN_CLI_TEST_SECRET", "x");
    let out = cmd.output().expect("run warren");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("127.0.0.1:9"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    // A password on the command line shows in `ps`: said, once.
    let warning = "warning: --password shows in the process list";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
}

#[test]
fn removing_the_login_users_administrator_tag_needs_allow_lockout() {
    // A node of its own: once its tag is gone, the login user cannot release the apply lock,
    // which would hold the shared node's other applies until the lease expires.
    let node = &BrokerNode::start();
    let (status, body) = node.api(
        "PUT",
        "/api/users/lockout_admin",
        Some(&serde_json::json!({ "password": "pw-lockout", "tags": "administrator" })),
    );
    assert!(status == 201 || status == 204, "{body}");
    // Permissions on / for the apply lock, as an operator's admin account has.
    let (status, body) = node.api(
        "PUT",
        "/api/permissions/%2F/lockout_admin",
        Some(&serde_json::json!({ "configure": ".*", "write": ".*", "read": ".*" })),
    );
    assert!(status == 201 || status == 204, "{body}");
    let env = TempEnv::new(
        "local: true\nvhosts:\n  /cli-lockout: {}\nusers:\n  lockout_admin:\n    password: { env: WARREN_CLI_TEST_SECRET }\n",
    );
    let run_as_admin = |extra: &[&str]| {
        let mut cmd = warren_command();
        cmd.args([
            "apply",
            "--env",
            env.arg(),
            "--auto-approve",
            "--url",
            &node.url(),
        ])
        .args(["--user", "lockout_admin", "--password", "pw-lockout"])
        .args(extra)
        .env("WARREN_CLI_TEST_SECRET", "pw-lockout");
        let out = cmd.output().expect("run warren");
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let tags = || node.get_json("/api/users/lockout_admin")["tags"].clone();

    let (code, text) = run_as_admin(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("logged in as") && text.contains("--allow-lockout"),
        "{text}"
    );
    assert_eq!(
        tags(),
        serde_json::json!(["administrator"]),
        "nothing was applied"
    );

    let (code, text) = run_as_admin(&["--allow-lockout"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Apply complete!"), "{text}");
    let created = text.find("created vhost").expect("vhost created");
    let weakened = text.find("updated user").expect("user updated");
    assert!(created < weakened, "the lock-out step runs last: {text}");
    assert!(
        text.contains("Convergence not checked") && text.contains("--allow-lockout allowed"),
        "{text}"
    );
    assert_eq!(
        node.get_json("/api/vhosts/%2Fcli-lockout")["name"],
        "/cli-lockout"
    );
    assert_eq!(tags(), serde_json::json!([]), "the tag is gone, as asked");
}

/// The broker grants the login user full permissions on a vhost warren creates. warren keeps
/// them (it needs them to declare in that vhost) and says so in the plan when the environment
/// does not declare them; once declared, the note is gone and drift has nothing to report.
#[test]
fn the_grant_on_a_created_vhost_is_announced_until_declared() {
    let node = BrokerNode::shared();
    let vhost = format!("/cli-grant-{}", std::process::id());
    let bare = format!("vhosts:\n  {vhost}: {{}}\n");
    let env = TempEnv::new(&bare);
    let plan = crate::common::warren(node, &["plan", "--env", env.arg()]);
    plan.expect_code(0, "plan");
    assert!(
        plan.flat().contains(&format!(
            "Note: creating vhost {vhost:?} grants \"guest\", the user warren is logged in as, full permissions on it"
        )),
        "{}",
        plan.stdout
    );
    let declared = format!(
        "{bare}users:\n  guest:\n    password: guest\n    tags: [administrator]\n    permissions:\n      {vhost}: {{ configure: '.*', write: '.*', read: '.*' }}\nlocal: true\n# Other tests' users share this node.\nignore: {{ users: ['^(?!guest$)'] }}\n"
    );
    env.write(&declared);
    let plan = crate::common::warren(node, &["plan", "--env", env.arg()]);
    plan.expect_code(0, "plan with the grant declared");
    assert!(!plan.stdout.contains("Note:"), "{}", plan.stdout);
    crate::common::converge(node, env.arg(), &[]);
    let drift = crate::common::warren(node, &["drift", "--env", env.arg()]);
    drift.expect_code(0, "drift right after apply");
    node.delete_vhost(&vhost);
}

/// 3.10 and 3.11 (before 3.11.17) keep a vhost's default queue type when it is changed: the
/// plan says so up front, whatever the flags, instead of an apply that never converges.
/// Later releases apply the change.
#[test]
fn a_default_queue_type_change_is_refused_where_the_broker_ignores_it() {
    let node = BrokerNode::shared();
    let vhost = format!("/cli-dqt-{}", std::process::id());
    let yaml = |queue_type: &str| {
        format!(
            "vhosts:\n  {vhost}:\n    default_queue_type: {queue_type}\nignore: {{ users: ['.*'], permissions: ['.*'] }}\n"
        )
    };
    let env = TempEnv::new(&yaml("classic"));
    crate::common::converge(node, env.arg(), &[]);
    env.write(&yaml("quorum"));
    let plan = crate::common::warren(node, &["plan", "--env", env.arg(), "--format", "json"]);
    plan.expect_code(0, "plan");
    let doc = plan.json();
    if node.release == crate::support::Release::V3_10 {
        assert_eq!(doc["blocked"], true, "{doc}");
        let refused =
            crate::common::apply(node, env.arg(), &["--allow-destroy", "--allow-data-loss"]);
        refused.expect_code(1, "apply of an ignored change");
        assert!(
            refused.flat().contains(
                "RabbitMQ 3.10.8 ignores a changed default queue type on an existing vhost"
            ),
            "{}",
            refused.flat()
        );
    } else {
        assert_eq!(doc["blocked"], false, "{doc}");
        crate::common::converge(node, env.arg(), &[]);
        let v = node.get_json(&format!("/api/vhosts/{}", vhost.replace('/', "%2F")));
        assert_eq!(v["default_queue_type"], "quorum", "{v}");
    }
    node.delete_vhost(&vhost);
}
