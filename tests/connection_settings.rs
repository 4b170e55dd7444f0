//! What warren says when the connection lacks a password: with an environment it may come
//! from `broker:`, without one (`import --from-url`) only from flags and variables.

mod common;
mod support;

use common::*;

fn run(args: &[&str]) -> Run {
    let out = warren_command()
        .args(["--color", "never"])
        .args(args)
        .output()
        .expect("run warren");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
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
