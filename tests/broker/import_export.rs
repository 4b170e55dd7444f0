//! `warren export` and `warren import` against real brokers: an exported environment loaded
//! with `POST /api/definitions` plans empty; an imported broker validates and plans empty.
//!
//! Every test that loads or applies an environment has an empty node to itself
//! (`pool::lend()`): the shipped environments share vhost `/` and user names.

use serde_json::{json, Value};

use crate::common::*;
use crate::support::BrokerNode;

/// `warren export --env ENV` (no connection flags), with the CreativeFlow secrets set.
fn export(env: &str, extra: &[&str]) -> Run {
    let mut cmd = warren_command();
    cmd.args(["--color", "never", "export", "--env", env])
        .args(extra);
    Run::from_output(cmd.output().expect("run warren export"))
}

/// Every plaintext password the tests hand to warren.
fn test_passwords() -> Vec<String> {
    CREATIVEFLOW_USERS
        .iter()
        .flat_map(|u| {
            [
                creativeflow_password(u),
                creativeflow_password(&format!("{u}_staging")),
            ]
        })
        .collect()
}

fn assert_no_password_in(text: &str, what: &str) {
    for password in test_passwords() {
        assert!(
            !text.contains(&password),
            "{what} holds a plaintext password"
        );
    }
}

/// Exports `env`, loads the document into an empty node, and checks the plan is empty.
fn export_import_plan(env: &str) {
    let run = export(env, &[]);
    run.expect_code(0, &format!("export --env {env}"));
    assert_no_password_in(&run.stdout, "the export");
    assert_no_password_in(&run.stderr, "export's stderr");
    let document = run.json();
    let node = crate::support::pool::lend();
    call(
        &node,
        "POST",
        "/api/definitions",
        Some(&document),
        &[200, 201, 204],
    );
    assert_no_changes(&node, env);
}

#[test]
fn exported_production_loads_and_plans_empty() {
    export_import_plan("production");
}

#[test]
fn exported_staging_loads_and_plans_empty() {
    export_import_plan("staging");
}

#[test]
fn exported_dev_loads_and_plans_empty() {
    export_import_plan("dev");
}

#[test]
fn exported_vivesphere_loads_and_plans_empty() {
    export_import_plan("fixtures/vivesphere");
}

#[test]
fn export_writes_hashes_for_every_user_and_the_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("defs.json");
    let run = export("production", &["--out", out.to_str().unwrap()]);
    run.expect_code(0, "export --out");
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert_no_password_in(&run.stderr, "export's stderr");
    let text = std::fs::read_to_string(&out).unwrap();
    assert_no_password_in(&text, "the export file");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let users = doc["users"].as_array().unwrap();
    assert_eq!(users.len(), CREATIVEFLOW_USERS.len());
    for user in users {
        let hash = user["password_hash"].as_str().unwrap();
        let name = user["name"].as_str().unwrap();
        let password = creativeflow_password(name);
        assert!(
            warren::format::password::verify(
                &password,
                hash,
                warren::format::password::HashAlgorithm::Sha256
            ),
            "hash of {name} does not verify"
        );
    }
    let vhost = doc["vhosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "/creativeflow_prod")
        .expect("the production vhost")
        .clone();
    assert_eq!(vhost["metadata"]["default_queue_type"], "classic");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }
}

#[test]
fn export_names_a_missing_secret() {
    let mut cmd = warren_command();
    cmd.env_remove("CREATIVEFLOW_ODOO_SVC_PASSWORD")
        .args(["export", "--env", "production"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("CREATIVEFLOW_ODOO_SVC_PASSWORD"),
        "{stderr}"
    );
}

/// `warren validate --env DIR` must exit 0.
fn assert_valid(dir: &std::path::Path) {
    let out = warren_command()
        .args([
            "validate",
            "--format",
            "short",
            "--env",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "validate {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The password hashes the broker holds, none of which may show up in warren's output.
fn live_hashes(node: &BrokerNode) -> Vec<String> {
    node.get_json("/api/definitions")["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["password_hash"].as_str().map(str::to_string))
        .filter(|h| !h.is_empty())
        .collect()
}

/// `warren import --from-url NODE --out DIR [extra]`, checked to succeed without printing
/// any password hash.
fn import(node: &BrokerNode, dir: &std::path::Path, extra: &[&str]) {
    let url = node.url();
    let mut args = vec!["import", "--from-url", &url, "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = warren(node, &args);
    run.expect_code(0, "import");
    for hash in live_hashes(node) {
        assert!(
            !run.flat().contains(&hash),
            "import printed a password hash"
        );
    }
}

fn read(dir: &std::path::Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The WARREN_<USER>_PASSWORD variables of the CreativeFlow users and guest.
fn password_variables() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = CREATIVEFLOW_USERS
        .iter()
        .map(|u| {
            (
                warren::definitions::import::password_variable(u),
                creativeflow_password(u),
            )
        })
        .collect();
    vars.push(("WARREN_GUEST_PASSWORD".into(), "guest".into()));
    vars
}

#[test]
fn imported_production_broker_validates_and_plans_empty() {
    let node = crate::support::pool::lend();
    converge(&node, "production", &[]);

    // Inside the repository: the modeline is relative.
    let target = repo_root().join("target");
    std::fs::create_dir_all(&target).unwrap();
    let with_hashes = tempfile::tempdir_in(&target).unwrap();
    import(&node, with_hashes.path(), &["--with-password-hashes"]);
    let settings = read(with_hashes.path(), "environment.yaml");
    assert!(
        settings
            .starts_with("# yaml-language-server: $schema=../../schemas/environment.schema.json\n"),
        "{settings}"
    );
    assert!(
        settings.contains(&format!("urls: ['{}']", node.url())),
        "{settings}"
    );
    let vhost = read(with_hashes.path(), "vhost-creativeflow_prod.yaml");
    assert!(vhost.contains("q.ai_generation.pending:"), "{vhost}");
    assert!(
        !vhost.contains("durable"),
        "defaults are left out:\n{vhost}"
    );
    assert!(!vhost.contains("amq."), "built-ins are left out:\n{vhost}");
    let users = read(with_hashes.path(), "users.yaml");
    assert!(users.contains("password_hash:"), "{users}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(with_hashes.path().join("users.yaml"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "hashes are kept from other users");
    assert_valid(with_hashes.path());
    assert_no_changes(&node, with_hashes.path().to_str().unwrap());

    // Outside it, with password variables and one vhost: the modeline is absolute.
    let with_env = tempfile::tempdir().unwrap();
    import(&node, with_env.path(), &["--vhost", "/creativeflow_prod"]);
    let settings = read(with_env.path(), "environment.yaml");
    let schema = repo_root().join("schemas/environment.schema.json");
    assert!(
        settings.starts_with(&format!(
            "# yaml-language-server: $schema={}\n",
            schema.display()
        )),
        "{settings}"
    );
    assert!(
        settings.contains("manage:\n  vhosts: ['/creativeflow_prod']"),
        "{settings}"
    );
    let users = read(with_env.path(), "users.yaml");
    assert!(!users.contains("password_hash"), "{users}");
    assert!(
        users.contains("password: { env: WARREN_ODOO_SVC_PASSWORD }"),
        "{users}"
    );
    assert!(!with_env.path().join("vhost-default.yaml").exists());
    assert_valid(with_env.path());
    let vars = password_variables();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let env = with_env.path().to_str().unwrap();
    let run = warren_with(&node, &["plan", "--env", env, "--detailed-exitcode"], &vars);
    run.expect_code(
        0,
        "plan of the imported environment with password variables",
    );
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
}

#[test]
fn awkward_names_survive_import() {
    let node = crate::support::pool::lend();
    let odd = "odd vhost/#1 @ ü ${x}";
    let v = enc(odd);
    let root = enc("/");
    call(
        &node,
        "PUT",
        &format!("/api/vhosts/{v}"),
        Some(
            &json!({"description": "it's: #odd", "tags": "a b,c", "default_queue_type": "quorum"}),
        ),
        &[201, 204],
    );
    for vhost in [&v, &root] {
        call(
            &node,
            "PUT",
            &format!("/api/exchanges/{vhost}/{}", enc("ex #1/ü")),
            Some(
                &json!({"type": "topic", "durable": true, "arguments": {"alternate-exchange": "amq.fanout"}}),
            ),
            &[201, 204],
        );
        call(
            &node,
            "PUT",
            &format!("/api/exchanges/{vhost}/{}", enc("*star: e")),
            Some(
                &json!({"type": "headers", "durable": false, "auto_delete": true, "internal": true}),
            ),
            &[201, 204],
        );
        call(
            &node,
            "PUT",
            &format!("/api/queues/{vhost}/{}", enc("q: it's * @ 日本")),
            Some(
                &json!({"durable": true, "arguments": {"x-queue-type": "classic", "x-max-length": 10}}),
            ),
            &[201, 204],
        );
        call(
            &node,
            "PUT",
            &format!("/api/queues/{vhost}/{}", enc("-dash")),
            Some(&json!({"durable": true, "arguments": {"x-queue-type": "quorum"}})),
            &[201, 204],
        );
        call(
            &node,
            "POST",
            &format!(
                "/api/bindings/{vhost}/e/{}/q/{}",
                enc("ex #1/ü"),
                enc("q: it's * @ 日本")
            ),
            Some(&json!({"routing_key": "#.a b.*", "arguments": {}})),
            &[201, 204],
        );
        call(
            &node,
            "POST",
            &format!(
                "/api/bindings/{vhost}/e/{}/e/{}",
                enc("ex #1/ü"),
                enc("*star: e")
            ),
            Some(&json!({"routing_key": "", "arguments": {"x-match": "any", "k: v": "${y}"}})),
            &[201, 204],
        );
        call(
            &node,
            "PUT",
            &format!("/api/policies/{vhost}/{}", enc("p #1 '")),
            Some(
                &json!({"pattern": "^q: .*$", "apply-to": "queues", "priority": -3, "definition": {"max-length": 5, "overflow": "reject-publish"}}),
            ),
            &[201, 204],
        );
        call(
            &node,
            "PUT",
            &format!("/api/operator-policies/{vhost}/{}", enc("op @1")),
            Some(
                &json!({"pattern": ".*", "apply-to": "queues", "priority": 1, "definition": {"max-length": 100}}),
            ),
            &[201, 204],
        );
        call(
            &node,
            "PUT",
            &format!("/api/vhost-limits/{vhost}/max-queues"),
            Some(&json!({"value": 40})),
            &[201, 204],
        );
    }
    let user = enc("user @ü: x/y");
    call(
        &node,
        "PUT",
        &format!("/api/users/{user}"),
        Some(&json!({"password": "pw of odd", "tags": "monitoring,custom tag"})),
        &[201, 204],
    );
    call(
        &node,
        "PUT",
        &format!("/api/user-limits/{user}/max-channels"),
        Some(&json!({"value": 3})),
        &[201, 204],
    );
    call(
        &node,
        "PUT",
        &format!("/api/permissions/{v}/{user}"),
        Some(&json!({"configure": "^q: .*", "write": "", "read": "'#'"})),
        &[201, 204],
    );
    call(
        &node,
        "PUT",
        &format!("/api/topic-permissions/{v}/{user}"),
        Some(&json!({"exchange": "ex #1/ü", "write": "^a.*", "read": ""})),
        &[201, 204],
    );
    call(
        &node,
        "PUT",
        &format!("/api/global-parameters/{}", enc("odd global: #")),
        Some(&json!({"value": {"text": "${not a variable}", "n": 1.5}})),
        &[201, 204],
    );

    for extra in [&["--with-password-hashes"][..], &[][..]] {
        let dir = tempfile::tempdir().unwrap();
        import(&node, dir.path(), extra);
        assert_valid(dir.path());
        let mut vars = password_variables();
        vars.push((
            warren::definitions::import::password_variable("user @ü: x/y"),
            "pw of odd".into(),
        ));
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let env = dir.path().to_str().unwrap();
        let run = warren_with(&node, &["plan", "--env", env, "--detailed-exitcode"], &vars);
        run.expect_code(0, &format!("plan of the imported awkward names {extra:?}"));
        assert!(run.stdout.contains("No changes."), "{}", run.stdout);
    }
}

#[test]
fn import_from_an_exported_file_round_trips() {
    let export_run = export("production", &[]);
    export_run.expect_code(0, "export");
    let defs = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(defs.path(), &export_run.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = warren_command()
        .args([
            "import",
            "--from-definitions",
            defs.path().to_str().unwrap(),
        ])
        .args(["--out", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // Production grants monitoring_agent access to `/`, which it does not manage.
    assert!(
        stderr.contains(r#"permission "monitoring_agent" in "/" left out"#),
        "{stderr}"
    );
    assert_valid(dir.path());
    let settings = read(dir.path(), "environment.yaml");
    assert!(!settings.contains("broker:"), "{settings}");
    let vhost = read(dir.path(), "vhost-creativeflow_prod.yaml");
    assert!(
        vhost.contains("description: 'CreativeFlow AI virtual host (/creativeflow_prod)'"),
        "{vhost}"
    );
    assert_no_password_in(&read(dir.path(), "users.yaml"), "users.yaml");
}

/// `warren import --from-definitions FILE --out DIR` of `text`.
fn import_text(text: &str) -> (Run, tempfile::TempDir, tempfile::TempDir) {
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("definitions.json");
    std::fs::write(&file, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let env = out.path().join("env");
    let run = warren_command()
        .args(["--color", "never", "import", "--from-definitions"])
        .arg(&file)
        .arg("--out")
        .arg(&env)
        .output()
        .unwrap();
    let run = Run {
        code: run.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&run.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
    };
    (run, files, out)
}

#[test]
fn import_refuses_what_the_broker_refuses_with_its_place_and_writes_nothing() {
    let text = r##"{
  "users": [
    {"name": "limited", "password_hash": "", "tags": [],
     "limits": {"max-connections": "twomincepies"}}
  ],
  "vhosts": [{"name": "/"}],
  "bindings": [
    {"source": "x", "vhost": "/", "destination": "q",
     "destination_type": "café", "routing_key": "#"}
  ]
}"##;
    let (run, _files, out) = import_text(text);
    run.expect_code(1, "import of a refused file");
    let stderr = &run.stderr;
    assert!(
        stderr.contains(
            "definitions.json:4:36: user `limited`: limit `max-connections` must be an integer"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("definitions.json:9:26: binding from `x` to `q` in vhost `/`: destination_type must be `queue` or `exchange`, not \"café\""),
        "{stderr}"
    );
    assert!(!out.path().join("env").exists(), "nothing is written");
}

#[test]
fn import_warns_of_a_queue_declared_twice_differently() {
    let text = r#"{"vhosts": [{"name": "/"}], "queues": [
  {"name": "q", "vhost": "/", "durable": false, "auto_delete": false, "arguments": {}},
  {"name": "q", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}}
]}"#;
    let (run, _files, out) = import_text(text);
    run.expect_code(0, "import");
    assert!(
        run.stderr.contains(
            "definitions.json:3:3: queue `q` in vhost `/` is declared again, differently"
        ),
        "{}",
        run.stderr
    );
    let vhost = read(&out.path().join("env"), "vhost-default.yaml");
    assert!(
        vhost.contains("durable: false"),
        "the first is kept:\n{vhost}"
    );
}

#[test]
fn an_imported_uri_password_plans_empty_in_any_encoding_and_a_new_one_plans_one_change() {
    let node = crate::support::pool::lend();
    let (status, body) = node.api("PUT", "/api/vhosts/links", Some(&json!({})));
    assert!(status < 300, "{body}");
    // `!` sent percent-encoded, `$` not: warren's own encoding differs from both.
    let upstream = json!({ "value": { "uri": "amqp://fed:pa%21ss$@127.0.0.1:5999" } });
    let (status, body) = node.api(
        "PUT",
        "/api/parameters/federation-upstream/links/origin",
        Some(&upstream),
    );
    assert!(status < 300, "{body}");

    let dir = tempfile::tempdir().unwrap();
    import(&node, dir.path(), &["--vhost", "links"]);
    let vhost = read(dir.path(), "vhost-links.yaml");
    assert!(
        vhost.contains(
            "uri: { uri: 'amqp://fed@127.0.0.1:5999', \
             password: { env: WARREN_FEDERATION_ORIGIN_PASSWORD } }"
        ),
        "{vhost}"
    );
    assert!(
        !vhost.contains("pa%21ss") && !vhost.contains("pa!ss"),
        "{vhost}"
    );
    assert_valid(dir.path());

    let env = dir.path().to_str().unwrap();
    let plan = |password: &str| {
        warren_with(
            &node,
            &["plan", "--env", env, "--detailed-exitcode"],
            &[
                ("WARREN_FEDERATION_ORIGIN_PASSWORD", password),
                ("WARREN_GUEST_PASSWORD", "guest"),
            ],
        )
    };
    let same = plan("pa!ss$");
    same.expect_code(0, "plan with the broker's password");
    let rotated = plan("pa!ss$2");
    rotated.expect_code(2, "plan with a new password");
    assert!(
        rotated
            .stdout
            .contains("value.uri = (sensitive value changed)"),
        "{}",
        rotated.stdout
    );
    assert!(!rotated.flat().contains("pa!ss"), "{}", rotated.stdout);
}

/// A value of the wrong type is named with its line and column, and nothing is written.
#[test]
fn a_type_error_in_a_definitions_file_has_its_position() {
    let text = "{\n  \"queues\": [\n    {\"name\": \"q\", \"vhost\": \"/\", \"durable\": \"yes\"}\n  ]\n}\n";
    let (run, files, out) = import_text(text);
    run.expect_code(1, "import of a file with a string for a boolean");
    let file = files.path().join("definitions.json");
    let text = run.flat();
    assert!(
        text.contains(&format!(
            "{}:3:48: not a definitions document: invalid type: string \"yes\", expected a boolean",
            file.display()
        )),
        "{text}"
    );
    assert!(!out.path().join("env").join("users.yaml").exists());
}

/// What import writes always loads and validates, or import refuses with the reason and
/// writes nothing; file names stay within 255 bytes whatever the vhost's name.
#[test]
fn import_output_always_validates_or_is_refused() {
    let long = "v".repeat(255);
    let text = format!(
        r#"{{"vhosts": [{{"name": "{long}"}}], "queues": [{{"name": "q", "vhost": "{long}", "durable": true, "arguments": {{}}}}]}}"#
    );
    let (run, _files, out) = import_text(&text);
    run.expect_code(0, "import of a 255-byte vhost name");
    let env = out.path().join("env");
    let names: Vec<String> = std::fs::read_dir(&env)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.len() <= 255), "{names:?}");
    assert_valid(&env);

    // A value nested deeper than YAML readers go: refused, with the reason, nothing written.
    let mut deep = String::from("1");
    for _ in 0..100 {
        deep = format!("{{\"a\": {deep}}}");
    }
    let text = format!(r#"{{"global_parameters": [{{"name": "deep", "value": {deep}}}]}}"#);
    let (run, _files, out) = import_text(&text);
    run.expect_code(1, "import of a value nested 100 deep");
    assert!(
        run.flat()
            .contains("warren cannot write as a valid environment; nothing was written"),
        "{}",
        run.flat()
    );
    assert!(!out.path().join("env").join("global.yaml").exists());

    // A queue name past RabbitMQ's 255 bytes (and YAML's 1024-character plain keys) and an
    // empty vhost name: each refused by name, nothing written.
    let text = format!(
        r#"{{"vhosts": [{{"name": ""}}, {{"name": "v"}}], "queues": [{{"name": "{}", "vhost": "v", "durable": true, "arguments": {{}}}}]}}"#,
        "q".repeat(1100)
    );
    let (run, _files, out) = import_text(&text);
    run.expect_code(
        1,
        "import of an empty vhost name and a 1100-byte queue name",
    );
    let text = run.flat();
    assert!(
        text.contains("queue name is 1100 bytes long; RabbitMQ allows at most 255"),
        "{text}"
    );
    assert!(text.contains("vhost name is empty"), "{text}");
    assert!(!out.path().join("env").exists(), "{text}");
}

/// Users' password hashes are not written unless asked for: references, with the variables
/// to set listed.
#[test]
fn import_writes_password_references_unless_asked_for_hashes() {
    let text = r#"{"users": [{"name": "app", "password_hash": "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P5tENUK7z4A", "tags": []}]}"#;
    let (run, _files, out) = import_text(text);
    run.expect_code(0, "import");
    let users = read(&out.path().join("env"), "users.yaml");
    assert!(
        users.contains("password: { env: WARREN_APP_PASSWORD }"),
        "{users}"
    );
    assert!(!users.contains("kI3GCqW5"), "{users}");
    assert!(
        run.stderr.contains("WARREN_APP_PASSWORD  (user \"app\")"),
        "{}",
        run.stderr
    );
}

/// Run from a folder outside any checkout of warren, no schema is within reach: import
/// writes one into the folder, and every file's modeline points at it.
#[test]
fn import_outside_a_checkout_writes_the_schema_and_a_modeline_in_every_file() {
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("definitions.json");
    std::fs::write(
        &file,
        r#"{"vhosts": [{"name": "/"}], "users": [{"name": "u", "password_hash": "", "tags": []}],
            "queues": [{"name": "q", "vhost": "/", "durable": true, "arguments": {}}]}"#,
    )
    .unwrap();
    let env = outside.path().join("env");
    let out = warren_command()
        .current_dir(outside.path())
        .args(["import", "--from-definitions"])
        .arg(&file)
        .arg("--out")
        .arg(&env)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema = read(&env, "environment.schema.json");
    let printed = warren_command().arg("schema").output().unwrap().stdout;
    assert_eq!(
        schema.as_bytes(),
        printed.as_slice(),
        "the schema warren prints"
    );
    let mut yaml = 0;
    for entry in std::fs::read_dir(&env).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            yaml += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.starts_with("# yaml-language-server: $schema=environment.schema.json\n"),
                "{}:\n{text}",
                path.display()
            );
        }
    }
    assert_eq!(yaml, 3, "environment, vhost and users files");
    assert_valid(&env);
}

/// From a live broker, the user import logs in as is named and left out unless asked for.
#[test]
fn import_from_a_broker_leaves_out_the_login_user_unless_asked() {
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("import-login");
    let url = node.url();
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("without");
    let args = ["import", "--from-url", &url, "--vhost", &vhost, "--out"];
    let mut run_args = args.to_vec();
    run_args.push(env.to_str().unwrap());
    let run = warren(node, &run_args);
    run.expect_code(0, "import");
    assert!(
        run.flat()
            .contains("user \"guest\" (the user import logged in as) left out"),
        "{}",
        run.flat()
    );
    // guest may be the node's only user: then there is no users.yaml at all.
    let users = std::fs::read_to_string(env.join("users.yaml")).unwrap_or_default();
    assert!(!users.contains("guest:"), "{users}");
    let settings = read(&env, "environment.yaml");
    assert!(settings.contains("users: ['^guest$']"), "{settings}");
    assert_valid(&env);

    let with = dir.path().join("with");
    let mut run_args = args.to_vec();
    run_args.extend([with.to_str().unwrap(), "--include-login-user"]);
    warren(node, &run_args).expect_code(0, "import --include-login-user");
    let users = read(&with, "users.yaml");
    assert!(users.contains("guest:"), "{users}");
    node.delete_vhost(&vhost);
}
