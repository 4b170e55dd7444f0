//! Known secrets, run through every command at debug log level: none may appear in stdout,
//! stderr or a file warren writes. Secrets here: a user's password (from a variable), the
//! broker login's password, and the password inside a federation upstream's URI.

use std::path::Path;
use std::process::Command;

use crate::support::BrokerNode;

const USER_SECRET: &str = "Zq9-user-secret-41";
const LOGIN_SECRET: &str = "Zq9-login-secret-42";
const URI_SECRET: &str = "Zq9-uri-secret-43";
/// The URI password after a rotation.
const ROTATED_URI_SECRET: &str = "Zq9-uri-secret-44";

fn environment(dir: &Path) {
    // The URI's password comes from a variable, as `import` writes it and `validate` wants it.
    let yaml = "local: true\nignore: { users: ['^(?!redact_)'] }\nvhosts:\n  /redact:\n    queues:\n      q.one: {}\n    parameters:\n      federation-upstream:\n        origin: { uri: { uri: 'amqp://fed@127.0.0.1:5999', password: { env: REDACT_URI_PASSWORD } } }\nusers:\n  redact_app:\n    password: { env: REDACT_USER_PASSWORD }\n    permissions:\n      /redact: { read: '.*' }\n";
    std::fs::write(dir.join("topology.yaml"), yaml).unwrap();
}

struct Outputs {
    text: String,
    uri_password: &'static str,
}

impl Outputs {
    fn run(&mut self, node: &BrokerNode, args: &[&str]) -> i32 {
        let out = Command::new(assert_cmd::cargo::cargo_bin("warren"))
            .args(args)
            .arg("-vv")
            .env("NO_COLOR", "1")
            .env("REDACT_USER_PASSWORD", USER_SECRET)
            .env("REDACT_URI_PASSWORD", self.uri_password)
            .env("RABBITMQ_MANAGEMENT_API_URL", node.url())
            .env("RABBITMQ_MANAGEMENT_USER", "redact_login")
            .env("RABBITMQ_MANAGEMENT_PASSWORD", LOGIN_SECRET)
            .output()
            .expect("run warren");
        self.text.push_str(&format!(
            "\n$ warren {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        out.status.code().unwrap_or(-1)
    }
}

fn replace_in(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, text.replace(from, to)).unwrap();
}

fn files_under(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&files_under(&path));
        } else {
            text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    text
}

#[test]
fn no_secret_reaches_any_output() {
    let node = BrokerNode::shared();
    let (status, body) = node.api(
        "PUT",
        "/api/users/redact_login",
        Some(&serde_json::json!({ "password": LOGIN_SECRET, "tags": "administrator" })),
    );
    assert!(status == 201 || status == 204, "{body}");
    // The apply lock is a queue in `/`: the login user may declare it there.
    let all = serde_json::json!({ "configure": ".*", "write": ".*", "read": ".*" });
    let (status, body) = node.api("PUT", "/api/permissions/%2F/redact_login", Some(&all));
    assert!(status == 201 || status == 204, "{body}");
    let work = tempfile::tempdir().unwrap();
    let env_dir = work.path().join("env");
    std::fs::create_dir(&env_dir).unwrap();
    environment(&env_dir);
    let env = env_dir.to_str().unwrap();
    let saved = work.path().join("plan.bin");
    let mut out = Outputs {
        text: String::new(),
        uri_password: URI_SECRET,
    };

    assert_eq!(
        out.run(node, &["validate", "--env", env, "--resolve-secrets"]),
        0,
        "{}",
        out.text
    );
    for format in ["human", "json", "markdown"] {
        assert_eq!(
            out.run(node, &["plan", "--env", env, "--format", format]),
            0,
            "{}",
            out.text
        );
    }
    assert_eq!(
        out.run(
            node,
            &["plan", "--env", env, "--out", saved.to_str().unwrap()]
        ),
        0,
        "{}",
        out.text
    );
    assert_eq!(
        out.run(node, &["apply", "--env", env, "--auto-approve"]),
        0,
        "{}",
        out.text
    );
    // A changed federation URI and a rotated password: both show as changes, without values.
    replace_in(&env_dir.join("topology.yaml"), "5999", "5998");
    for format in ["human", "json", "markdown", "prometheus"] {
        assert_eq!(
            out.run(node, &["drift", "--env", env, "--format", format]),
            2,
            "{}",
            out.text
        );
    }
    for format in ["human", "json", "markdown"] {
        assert_eq!(
            out.run(node, &["plan", "--env", env, "--format", format]),
            0,
            "{}",
            out.text
        );
    }
    assert_eq!(
        out.run(
            node,
            &[
                "export",
                "--env",
                env,
                "--out",
                work.path().join("export.json").to_str().unwrap()
            ]
        ),
        0,
        "{}",
        out.text
    );

    let imported = work.path().join("imported");
    assert_eq!(
        out.run(
            node,
            &[
                "import",
                "--from-url",
                &node.url(),
                "--vhost",
                "/redact",
                "--out",
                imported.to_str().unwrap()
            ]
        ),
        0,
        "{}",
        out.text
    );
    let imported_text = files_under(&imported);
    assert!(
        imported_text.contains("password: { env: WARREN_FEDERATION_ORIGIN_PASSWORD }"),
        "import refers to a variable for the URI password:\n{imported_text}"
    );
    assert!(
        !imported_text.contains(URI_SECRET),
        "import wrote the URI password"
    );

    // A rotated URI password: one sensitive change, without either value.
    replace_in(&env_dir.join("topology.yaml"), "5998", "5999");
    out.uri_password = ROTATED_URI_SECRET;
    let before_rotation = out.text.len();
    assert_eq!(
        out.run(node, &["plan", "--env", env, "--detailed-exitcode"]),
        2,
        "{}",
        out.text
    );
    let rotation = out.text[before_rotation..].to_string();
    assert!(
        rotation.contains("value.uri = (sensitive value changed)"),
        "{rotation}"
    );
    assert!(rotation.contains("1 to change"), "{rotation}");

    assert!(
        out.text.contains("5998"),
        "the URI change was shown:\n{}",
        out.text
    );
    assert!(
        out.text.contains("amqp://fed:***@127.0.0.1:5998"),
        "the URI is shown redacted:\n{}",
        out.text
    );
    let written = files_under(work.path());
    for secret in [USER_SECRET, LOGIN_SECRET] {
        assert!(
            !out.text.contains(secret),
            "{secret} printed:\n{}",
            out.text
        );
        assert!(!written.contains(secret), "{secret} written to a file");
    }
    for secret in [URI_SECRET, ROTATED_URI_SECRET] {
        assert!(
            !out.text.contains(secret),
            "the URI password printed:\n{}",
            out.text
        );
    }
    let saved_text = std::fs::read_to_string(&saved).unwrap();
    assert!(
        !saved_text.contains(URI_SECRET),
        "the URI password is in the saved plan"
    );
}
