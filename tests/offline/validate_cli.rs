//! `warren validate` as scripts and people use it: several environments per run, exit codes,
//! lints silenced by `allow`, the human format's snippets, and where extended files point.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

const MODELINE: &str = "# yaml-language-server: $schema=../../schemas/environment.schema.json\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    fn lines_starting(&self, prefix: &str) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with(prefix))
            .collect()
    }
}

/// `warren validate ARGS` from the crate root, without colour or inherited settings.
fn validate(args: &[&str]) -> Run {
    let output = Command::cargo_bin("warren")
        .expect("the warren binary is built")
        .current_dir(root())
        .env_remove("WARREN_ENVIRONMENTS_DIR")
        .env_remove("WARREN_LOG")
        .env("NO_COLOR", "1")
        .arg("validate")
        .args(args)
        .output()
        .expect("warren runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A temporary environment folder holding `files` (name, YAML after the modeline).
fn temp_env(files: &[(&str, &str)]) -> (TempDir, String) {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), format!("{MODELINE}{text}")).expect("write");
    }
    let path = dir.path().display().to_string();
    (dir, path)
}

/// A queue whose x-message-ttl argument draws the `argument-as-policy` lint.
const TTL_QUEUE: &str = "\
vhosts:
  /app:
    queues:
      app.orders:
        arguments: { x-message-ttl: 60000 }
";

#[test]
fn repeated_env_reports_every_environment_in_one_run() {
    let run = validate(&[
        "--env",
        "dev",
        "--env",
        "production",
        "--env",
        "fixtures/vivesphere",
        "--format",
        "short",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    for summary in ["dev: valid", "production: valid", "vivesphere: valid"] {
        assert!(
            run.stdout.contains(summary),
            "no `{summary}`:\n{}",
            run.all()
        );
    }
}

#[test]
fn an_invalid_environment_does_not_hide_the_others() {
    let run = validate(&[
        "--env",
        "fixtures/invalid/bad-apply-to",
        "--env",
        "fixtures/invalid/secret-literal",
        "--env",
        "dev",
        "--format",
        "short",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    for summary in [
        "bad-apply-to: invalid (1 error",
        "secret-literal: invalid (1 error",
        "dev: valid",
    ] {
        assert!(
            run.stdout.contains(summary),
            "no `{summary}`:\n{}",
            run.all()
        );
    }
    assert_eq!(run.lines_starting("error[invalid-argument]").len(), 1);
    assert_eq!(run.lines_starting("error[secret-literal]").len(), 1);
}

#[test]
fn unknown_environment_name_fails_naming_it() {
    let run = validate(&["--env", "no-such-environment-here"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stderr.contains("no-such-environment-here"),
        "the message should name the environment:\n{}",
        run.all()
    );
}

#[test]
fn unknown_environment_among_known_ones_still_fails() {
    let run = validate(&["--env", "dev", "--env", "prodution", "--format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(run.stderr.contains("prodution"), "{}", run.all());
}

#[test]
fn a_lint_fires_without_allow() {
    let (_dir, env) = temp_env(&[("topology.yaml", TTL_QUEUE)]);
    let run = validate(&["--env", &env, "--format", "short"]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    assert_eq!(
        run.lines_starting("warning[argument-as-policy]").len(),
        1,
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("(0 errors, 1 warning)"),
        "{}",
        run.all()
    );
}

#[test]
fn an_entitys_allow_silences_its_lint() {
    let topology = TTL_QUEUE.replace(
        "        arguments: { x-message-ttl: 60000 }\n",
        "        arguments: { x-message-ttl: 60000 }\n        allow: [argument-as-policy]\n",
    );
    let (_dir, env) = temp_env(&[("topology.yaml", &topology)]);
    let run = validate(&["--env", &env, "--format", "short"]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    assert!(!run.stdout.contains("argument-as-policy"), "{}", run.all());
    assert!(
        run.stdout.contains("(0 errors, 0 warnings)"),
        "{}",
        run.all()
    );
}

#[test]
fn an_entitys_allow_silences_only_the_codes_it_lists() {
    let topology = TTL_QUEUE.replace(
        "        arguments: { x-message-ttl: 60000 }\n",
        "        arguments: { x-message-ttl: 60000 }\n        allow: [ha-mirroring]\n",
    );
    let (_dir, env) = temp_env(&[("topology.yaml", &topology)]);
    let run = validate(&["--env", &env, "--format", "short"]);
    assert_eq!(
        run.lines_starting("warning[argument-as-policy]").len(),
        1,
        "{}",
        run.all()
    );
}

#[test]
fn the_environments_lints_allow_silences_a_lint_everywhere() {
    let (_dir, env) = temp_env(&[
        (
            "environment.yaml",
            "lints:\n  allow: [argument-as-policy]\n",
        ),
        ("topology.yaml", TTL_QUEUE),
    ]);
    let run = validate(&["--env", &env, "--format", "short"]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    assert!(!run.stdout.contains("argument-as-policy"), "{}", run.all());
    assert!(
        run.stdout.contains("(0 errors, 0 warnings)"),
        "{}",
        run.all()
    );
}

#[test]
fn allow_never_silences_an_error() {
    let topology = "\
lints:
  allow: [invalid-argument]
vhosts:
  /app:
    allow: [invalid-argument]
    queues:
      app.orders:
        allow: [invalid-argument, argument-as-policy]
        arguments: { x-message-ttl: -5 }
";
    let (_dir, env) = temp_env(&[("topology.yaml", topology)]);
    let run = validate(&["--env", &env, "--format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert_eq!(
        run.lines_starting("error[invalid-argument]").len(),
        1,
        "{}",
        run.all()
    );
}

#[test]
fn human_format_prints_a_source_snippet_with_path_and_line() {
    let fixture = "fixtures/invalid/dangling-binding-source";
    let run = validate(&["--env", fixture, "--color", "never"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    let out = &run.stdout;
    assert!(out.contains("error[unknown-reference]"), "{}", run.all());
    assert!(
        out.contains(&format!("{fixture}/topology.yaml:10:")),
        "path:line of the problem:\n{}",
        run.all()
    );
    // The offending line, with its line number in the gutter, and its neighbour for context.
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("10 ") && l.contains("exchange: app.event,")),
        "snippet of line 10:\n{}",
        run.all()
    );
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("9 ")),
        "context line 9:\n{}",
        run.all()
    );
    assert!(out.contains("did you mean `app.events`?"), "{}", run.all());
    assert!(
        !out.contains('\u{1b}'),
        "--color never prints no escapes:\n{}",
        run.all()
    );
}

#[test]
fn an_error_and_a_warning_exit_1_and_print_both() {
    let topology = "\
vhosts:
  /app:
    queues:
      app.orders:
        arguments: { x-message-ttl: -1 }
";
    let (_dir, env) = temp_env(&[("topology.yaml", topology)]);
    let short = validate(&["--env", &env, "--format", "short"]);
    assert_eq!(short.code, Some(1), "{}", short.all());
    assert_eq!(short.lines_starting("error[invalid-argument]").len(), 1);
    assert_eq!(short.lines_starting("warning[argument-as-policy]").len(), 1);
    assert!(
        short.stdout.contains("invalid (1 error, 1 warning)"),
        "{}",
        short.all()
    );

    let human = validate(&["--env", &env, "--color", "never"]);
    assert_eq!(human.code, Some(1), "{}", human.all());
    assert!(
        human.stdout.contains("error[invalid-argument]"),
        "{}",
        human.all()
    );
    assert!(
        human.stdout.contains("warning[argument-as-policy]"),
        "{}",
        human.all()
    );
}

#[test]
fn staging_points_at_productions_files_for_what_it_reuses() {
    let run = validate(&["--env", "staging", "--format", "short"]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    let reused = run.lines_starting("warning[dead-letter-black-hole]");
    assert_eq!(reused.len(), 1, "{}", run.all());
    assert!(
        reused[0].starts_with(
            "warning[dead-letter-black-hole] environments/production/exchanges.yaml:12:"
        ),
        "{}",
        run.all()
    );
    assert!(
        !run.stdout.contains("environments/staging/exchanges.yaml"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("staging: valid"),
        "the summary names staging:\n{}",
        run.all()
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).expect("copy");
        }
    }
}

#[test]
fn an_error_in_productions_shared_files_is_reported_there_for_staging() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let envs = tmp.path().join("environments");
    for name in ["production", "staging"] {
        copy_dir(&root().join("environments").join(name), &envs.join(name));
    }
    // A binding from a misspelt exchange, written once for both environments.
    let broken = "\
vhosts:
  ${vhost}:
    queues:
      q.audit:
        bindings:
          - { exchange: ex.creativeflow.topik, routing_key: \"audit.#\" }
";
    std::fs::write(
        envs.join("production/audit.yaml"),
        format!("{MODELINE}{broken}"),
    )
    .expect("write");
    let envs_dir = envs.display().to_string();
    let expected_place = envs.join("production/audit.yaml").display().to_string() + ":7:";

    for (env, vhost) in [
        ("staging", "/creativeflow_staging"),
        ("production", "/creativeflow_prod"),
    ] {
        let run = validate(&[
            "--environments-dir",
            &envs_dir,
            "--env",
            env,
            "--format",
            "short",
        ]);
        assert_eq!(run.code, Some(1), "{env}:\n{}", run.all());
        let errors = run.lines_starting("error[");
        assert_eq!(errors.len(), 1, "{env}:\n{}", run.all());
        assert!(
            errors[0].starts_with(&format!("error[unknown-reference] {expected_place}")),
            "{env} should point at production's file:\n{}",
            run.all()
        );
        assert!(
            errors[0].contains(&format!("vhost `{vhost}`")),
            "{env} names its own vhost:\n{}",
            run.all()
        );
        assert!(errors[0].contains("ex.creativeflow.topik"), "{}", run.all());
    }
}

#[test]
fn uri_password_errors_name_the_field_and_why() {
    let fixture = "fixtures/invalid/uri-password-literal";
    let run = validate(&["--env", fixture, "--format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    let file = format!("{fixture}/topology.yaml");
    let errors = run.lines_starting("error[");
    assert_eq!(
        errors,
        [
            format!(
                "error[secret-literal] {file}:7:11: shovel `orders-to-dr`: `src-uri` holds a \
                 password written in the file; secrets must not be committed"
            ),
            format!(
                "error[invalid-argument] {file}:9:11: shovel `orders-to-dr`: `dest-uri`: the \
                 `uri` names no user (`amqp://user@host`) to give the password to"
            ),
            format!(
                "error[invalid-argument] {file}:13:11: federation-upstream `origin`: `uri`: a URI \
                 is text, `{{ env: NAME }}`, `{{ file: PATH }}`, or `{{ uri: TEXT, password: \
                 {{ env: NAME }} | {{ file: PATH }} }}`"
            ),
        ],
        "{}",
        run.all()
    );
    assert!(!run.all().contains("hunter2"), "{}", run.all());
}

#[test]
fn a_uri_that_already_holds_a_password_and_a_missing_uri_secret_are_explained() {
    let (_dir, env) = temp_env(&[(
        "topology.yaml",
        "\
vhosts:
  /app:
    parameters:
      federation-upstream:
        origin:
          ack-mode: on-confirm
          uri: { uri: 'amqp://fed:inline@origin', password: { env: WARREN_TEST_UNSET_URI_PW } }
        mirror:
          uri:
            - { env: WARREN_TEST_UNSET_WHOLE_URI }
",
    )]);
    let run = validate(&["--env", &env, "--format", "short", "--resolve-secrets"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    let file = format!("{env}/topology.yaml");
    let errors = run.lines_starting("error[");
    let expected = [
        format!(
            "error[invalid-argument] {file}:8:11: federation-upstream `origin`: `uri`: the `uri` \
             already holds a password; leave it to `password`"
        ),
        format!(
            "error[missing-secret] {file}:8:11: environment variable `WARREN_TEST_UNSET_URI_PW` \
             is not set (or empty)"
        ),
        format!(
            "error[missing-secret] {file}:10:11: environment variable \
             `WARREN_TEST_UNSET_WHOLE_URI` is not set (or empty)"
        ),
    ];
    for line in &expected {
        assert!(
            errors.contains(&line.as_str()),
            "missing {line}\n{}",
            run.all()
        );
    }
    assert_eq!(errors.len(), 3, "{}", run.all());
}

/// What the broker would refuse for the queue's type fails validate, with line and column,
/// before anything is sent.
#[test]
fn arguments_wrong_for_the_queue_type_fail_with_their_position() {
    for (fixture, line) in [
        (
            "stream-with-message-ttl",
            "error[invalid-argument] fixtures/invalid/stream-with-message-ttl/topology.yaml:7:37: `x-message-ttl` is not an argument of stream queues: RabbitMQ refuses to declare queue `app.events` with it",
        ),
        (
            "quorum-with-max-priority",
            "error[invalid-argument] fixtures/invalid/quorum-with-max-priority/topology.yaml:8:11: `x-max-priority` is not an argument of quorum queues: RabbitMQ refuses to declare queue `app.orders` with it",
        ),
        (
            "quorum-with-queue-mode",
            "error[invalid-argument] fixtures/invalid/quorum-with-queue-mode/topology.yaml:8:22: `x-queue-mode` is not an argument of quorum queues: RabbitMQ refuses to declare queue `app.orders` with it",
        ),
    ] {
        let run = validate(&[
            "--env",
            &format!("fixtures/invalid/{fixture}"),
            "--format",
            "short",
        ]);
        assert_eq!(run.code, Some(1), "{}", run.all());
        assert_eq!(run.lines_starting("error["), [line], "{}", run.all());
    }
}

/// The upgrade preflight: everything in production as it ran before the move to quorum
/// queues that RabbitMQ 4.0 refuses, with where it is and what to do instead; the shipped
/// production, after the move, passes it.
#[test]
fn production_preflight_for_4_0_lists_the_ha_policy() {
    let before = crate::before_the_move::production_before_the_move();
    let env = before.path().to_str().expect("UTF-8 path");
    let run = validate(&["--env", env, "--broker-version", "4.0", "--format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert_eq!(
        run.lines_starting("error["),
        [
            format!("error[unsupported-by-version] {env}/policies.yaml:10:23: `ha-mode`: classic queue mirroring was removed in RabbitMQ 4.0; the broker is 4.0 and refuses the policy"),
            format!("error[unsupported-by-version] {env}/policies.yaml:10:37: `ha-sync-mode`: classic queue mirroring was removed in RabbitMQ 4.0; the broker is 4.0 and refuses the policy"),
        ],
        "{}",
        run.all()
    );
    let human = validate(&["--env", env, "--broker-version", "4.0"]);
    assert!(
        human
            .stdout
            .contains("help: declare the mirrored queues with `type: quorum`"),
        "{}",
        human.all()
    );
    // The same environment is valid for the release it ran on.
    let then = validate(&["--env", env, "--broker-version", "3.10.8"]);
    assert_eq!(then.code, Some(0), "{}", then.all());
    let after = validate(&["--env", "production", "--broker-version", "4.0"]);
    assert_eq!(after.code, Some(0), "{}", after.all());
}

/// Puts one entry into an environment folder.
type MakeFile = dyn Fn(&Path);

/// Nothing in an environment folder is passed over silently: what is not read as a `*.yaml`
/// file is an error (or, for a name that only looks like YAML, a named warning).
#[test]
fn the_loader_never_skips_a_file_silently() {
    const QUEUES: &str = "vhosts:\n  /app:\n    queues:\n      app.orders: {}\n";
    let cases: Vec<(&str, Box<MakeFile>, &str)> = vec![
        (
            "a .yml file",
            Box::new(|dir: &Path| std::fs::write(dir.join("topology.yml"), QUEUES).unwrap()),
            "error[unread-file]",
        ),
        (
            "a dangling link",
            Box::new(|dir: &Path| {
                std::os::unix::fs::symlink(dir.join("gone.yaml"), dir.join("linked.yaml")).unwrap()
            }),
            "is a link to nothing",
        ),
        (
            "a FIFO",
            Box::new(|dir: &Path| {
                let status = std::process::Command::new("mkfifo")
                    .arg(dir.join("pipe.yaml"))
                    .status()
                    .unwrap();
                assert!(status.success());
            }),
            "is not a regular file",
        ),
        (
            "a backup copy",
            Box::new(|dir: &Path| std::fs::write(dir.join("queues.yaml.bak"), QUEUES).unwrap()),
            "warning[unread-file]",
        ),
    ];
    for (what, make, expected) in cases {
        let (dir, path) = temp_env(&[("settings.yaml", "local: true\n")]);
        make(dir.path());
        let run = validate(&["--env", &path, "--format", "short"]);
        assert!(run.stdout.contains(expected), "{what}: {}", run.all());
        let errors = expected.starts_with("error") || !expected.contains('[');
        assert_eq!(
            run.code,
            Some(if errors { 1 } else { 0 }),
            "{what}: {}",
            run.all()
        );
    }
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_its_position() {
    let (dir, path) = temp_env(&[]);
    let mut bytes = b"vhosts:\n  /app:\n    description: caf".to_vec();
    bytes.extend([0xE9, b'\n']);
    std::fs::write(dir.path().join("topology.yaml"), bytes).unwrap();
    let run = validate(&["--env", &path, "--format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert_eq!(
        run.lines_starting("error["),
        [format!(
            "error[invalid-yaml] {path}/topology.yaml:3:21: the file is not UTF-8: byte 36 is not part of a UTF-8 character"
        )],
        "{}",
        run.all()
    );
}

#[test]
fn extends_to_a_folder_without_yaml_points_at_the_extends_line() {
    let (parent, base) = temp_env(&[]);
    std::fs::create_dir(parent.path().join("empty")).unwrap();
    std::fs::write(
        parent.path().join("child.yaml"),
        format!("{MODELINE}local: true\nextends: ./empty\n"),
    )
    .unwrap();
    let run = validate(&["--env", &base, "--format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stdout.contains(&format!(
            "error[environment-not-found] {base}/child.yaml:3:10: no *.yaml files in"
        )),
        "{}",
        run.all()
    );
}

#[test]
fn a_quoted_boolean_is_refused_at_its_value_and_every_type_error_of_a_file_is_reported() {
    let (_dir, env) = temp_env(&[(
        "topology.yaml",
        "vhosts:\n  /app:\n    tracing: \"yes\"\n    queues:\n      q: { durable: 'no', auto_delete: true }\n",
    )]);
    let run = validate(&["--env", &env, "--format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    // Line 1 is the modeline: the values are on lines 4 and 6, at their own columns.
    let at = |place: &str| {
        run.stdout.lines().any(|l| {
            l.contains(&format!("topology.yaml:{place}: ")) && l.contains("without quotes")
        })
    };
    assert!(at("4:14"), "{}", run.stdout);
    assert!(at("6:21"), "{}", run.stdout);
}

#[test]
fn staging_inherits_productions_settings_and_shows_them_merged() {
    let run = validate(&["--env", "staging", "--show-merged", "--format", "short"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    for expected in [
        // Set by staging itself.
        "  - https://rabbitmq-staging.creativeflow.internal:15671\n",
        "    load_definitions: /etc/rabbitmq/definitions/staging_definitions.json\n",
        "    level: debug\n",
        // Production's, with staging's variables.
        "  user: rabbitmq_admin_app_staging\n",
        "  vhosts:\n  - /creativeflow_staging\n",
        // Production's as written: key by key beside staging's own keys.
        "    dir: /var/log/rabbitmq\n",
        "    port: 15672\n",
        "    delegate_count: 64\n",
        "  - argument-as-policy\n",
        // A secret shows only as where it is read from.
        "  default_pass:\n    env: RABBITMQ_DEFAULT_PASS\n",
    ] {
        assert!(
            run.stdout.contains(expected),
            "no {expected:?} in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn an_inherited_setting_is_reported_in_the_file_that_wrote_it() {
    let root = tempfile::tempdir().expect("a temp dir");
    let write = |path: &str, text: &str| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, format!("{MODELINE}{text}")).expect("write");
    };
    write(
        "base/environment.yaml",
        "local: true\nlints: { allow: [argument-as-policy] }\nserver:\n  default_user: admin\n  default_pass: { env: X }\n  logging: { level: info }\n",
    );
    write(
        "child/environment.yaml",
        "extends: base\nlocal: true\nlints: { allow: [broad-configure] }\nserver:\n  management: { load_definitions: /d.json }\n  default_pass: guest-literal-pw\n",
    );
    let child = root.path().join("child").display().to_string();
    let run = validate(&["--env", &child, "--format", "short", "--show-merged"]);
    // The warning needs the child's load_definitions and the base's default_user: it points
    // at the base's line, in the base's file.
    let base_file = root
        .path()
        .join("base/environment.yaml")
        .display()
        .to_string();
    assert!(
        run.stdout.lines().any(|l| l.starts_with(&format!(
            "warning[default-user-with-definitions] {base_file}:5:17:"
        ))),
        "{}",
        run.stdout
    );
    // Both set `lints`: the child adds to the base's codes, which is no duplicate.
    assert!(!run.stdout.contains("duplicate-setting"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("  - argument-as-policy\n  - broad-configure\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("    level: info\n"), "{}", run.stdout);
    // A literal secret is an error, and never printed, not even in the merged settings.
    assert!(run.stdout.contains("secret-literal"), "{}", run.stdout);
    assert!(!run.stdout.contains("guest-literal-pw"), "{}", run.stdout);
}

/// A lint that fires on every queue draws its first three and counts the rest; errors are
/// always drawn, `--all-warnings` draws every warning, and the short format lists each.
#[test]
fn repeated_warnings_are_drawn_three_times_then_counted() {
    let queues: String = (0..7)
        .map(|i| format!("      q.{i}:\n        arguments: {{ x-message-ttl: 60000 }}\n"))
        .collect();
    let (_dir, env) = temp_env(&[(
        "topology.yaml",
        &format!("vhosts:\n  /app:\n    queues:\n{queues}"),
    )]);

    let run = validate(&["--env", &env]);
    assert_eq!(run.code, Some(0), "{}", run.all());
    let drawn = run.stdout.matches("warning[argument-as-policy]\n").count();
    assert_eq!(drawn, 3, "{}", run.all());
    assert!(
        run.stdout.contains(
            "warning[argument-as-policy]: 4 more like the above, not drawn (--all-warnings draws each, --format short lists each)"
        ),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("(0 errors, 7 warnings)"),
        "{}",
        run.all()
    );

    let all = validate(&["--env", &env, "--all-warnings"]);
    assert_eq!(
        all.stdout.matches("warning[argument-as-policy]\n").count(),
        7,
        "{}",
        all.all()
    );
    assert!(!all.stdout.contains("more like the above"), "{}", all.all());

    let short = validate(&["--env", &env, "--format", "short"]);
    let listed = short.lines_starting("warning[argument-as-policy] ");
    assert_eq!(listed.len(), 7, "{}", short.all());
}
