//! What warren says when the connection lacks a password: with an environment it may come
//! from `broker:`, without one (`import --from-url`) only from flags and variables. How it
//! logs its requests, as text or as JSON lines, without the password.

use crate::common::*;

fn run(args: &[&str]) -> Run {
    Run::from_output(
        warren_command()
            .args(["--color", "never"])
            .args(args)
            .output()
            .expect("run warren"),
    )
}

#[test]
fn plan_without_a_password_names_every_place_one_can_come_from() {
    let env = TempEnv::new("vhosts:\n  /app: {}\n");
    let run = run(&["plan", "--env", env.arg(), "--url", "http://127.0.0.1:1"]);
    run.expect_code(1, "plan without a password");
    assert!(
        run.flat().contains(
            "no broker password: pass --password-file or set RABBITMQ_MANAGEMENT_PASSWORD, \
             or add `broker: { password: { env: NAME } }`"
        ),
        "{}",
        run.flat()
    );
}

#[test]
fn import_from_a_url_without_a_password_names_only_flags_and_variables() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("env");
    let run = run(&[
        "import",
        "--from-url",
        "http://127.0.0.1:1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    run.expect_code(1, "import without a password");
    assert!(
        run.flat().contains(
            "no broker password: pass --password-file or set RABBITMQ_MANAGEMENT_PASSWORD"
        ),
        "{}",
        run.flat()
    );
    assert!(!run.flat().contains("broker: {"), "{}", run.flat());
    assert!(!dir.exists(), "nothing is written");
}

#[test]
fn json_logs_are_one_object_per_line_and_never_hold_the_password() {
    let env = TempEnv::new("vhosts:\n  /app: {}\n");
    let out = warren_command()
        .args(["-v", "--log-format", "json", "plan", "--env", env.arg()])
        .args(["--url", "http://127.0.0.1:1", "--timeout", "1"])
        .env("RABBITMQ_MANAGEMENT_PASSWORD", "json-log-secret")
        .output()
        .expect("run warren");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let logs: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let requests = logs
        .iter()
        .filter(|l| l["target"] == "warren::broker::client" && l["level"] == "DEBUG")
        .count();
    assert!(requests >= 2, "every failed request is logged: {stderr}");
    assert!(logs.iter().all(|l| l["timestamp"].is_string()));
    assert!(!stderr.contains("json-log-secret"), "{stderr}");
}
