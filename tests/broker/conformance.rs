//! Conformance suite: real definitions files written by others (`../shared/conformance`,
//! see its README.md and MANIFEST.tsv) against RabbitMQ (3.10.8, or 4.0.5 with
//! `WARREN_TEST_BROKER=4.0`) and warren. Which files the broker refuses is pinned per
//! release: 4.0 also refuses the four files with classic-mirroring policies.
//!
//! For every file:
//! 1. broker A gets it with `POST /api/definitions`. When the broker refuses it, `warren
//!    import --from-definitions` + `warren validate` must refuse it too (exit 1) or warn;
//! 2. when the broker accepts it, an empty broker B gets `warren import` + `warren apply` of
//!    the same file; A's and B's `GET /api/definitions` must compare equal (see
//!    `normalise.rs` for the one place where documented differences are folded), and a
//!    second `warren plan --detailed-exitcode` on B must exit 0;
//! 3. `warren export` of the imported environment is loaded into an empty broker C with
//!    `POST /api/definitions`; C must compare equal to A;
//! 4. `warren import --from-url` of A, then `warren plan --detailed-exitcode` against A,
//!    must exit 0.
//!
//! Two workers (`WARREN_CONFORMANCE_WORKERS`) each start three nodes once and empty them
//! between files. Every request of the harness,
//! and warren's connection, use an administrator of the harness's own (`ADMIN`), because
//! many files redefine `guest`. Run with `-- --nocapture` to see the summary table.
//!
//! When the corpus folder is absent (a plain clone without `shared/`), the test prints why
//! and passes.

mod normalise;
mod uri_passwords;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{json, Value};

use crate::common::{enc, repo_root, warren_command, Run};
use crate::support::{BrokerNode, Release};
use normalise::{differences, ADMIN};

const ADMIN_PASSWORD: &str = "conformance-admin-pw";

/// Warning codes that are advice about a topology the broker accepts (they show up on
/// files RabbitMQ loads without complaint), so they do not count as "warren warned that
/// the broker would refuse this file".
/// (`user-without-password` is about a user the broker stores fine: it just cannot log in
/// with a password.)
const ADVICE_ONLY_WARNINGS: &[&str] = &["broad-configure", "user-without-password"];

/// Known round-trip failures, each caused by a warren bug this suite cannot fix (src/ is
/// out of its remit). The suite asserts this exact list, so a regression (a new failure)
/// and a fix (a file that now passes: remove it here) both make it fail.
const KNOWN_ROUND_TRIP_FAILURES: &[(&str, &str)] = &[];

/// Files whose result on broker A itself varies from run to run: reported, not asserted.
const NONDETERMINISTIC: &[(&str, &str)] = &[(
    "rabbitmq-server/case10/case10a.json",
    "declares one queue twice with different durability; which declaration the broker's \
     definitions import keeps varies between runs (warren keeps the first)",
)];

/// Known files RabbitMQ refuses that warren validates without error or relevant warning.
const KNOWN_SILENT_ACCEPTS: &[(&str, &str)] = &[];

/// Files every release refuses to import.
const REFUSED_EVERYWHERE: &[&str] = &[
    "rabbitmq-server/case13a.json",
    "rabbitmq-server/failing_case12.json",
    "rabbitmq-server/failing_case17.json",
    "rabbitmq-server/failing_case19.json",
    "rabbitmq-server/failing_case21.json",
    "rabbitmq-server/failing_case27.json",
    "rabbitmq-server/failing_case28.json",
    "rabbitmq-server/failing_case29.json",
    "rabbitmq__rabbitmqadmin-ng/vhost.definitions.1.json",
    "uio-bmi__localega-broker/public__definitions.json",
];

/// Files with `ha-*` policies, which 4.0 refuses (classic mirroring is gone); warren, told
/// the broker's version, must refuse them with an error, not only warn.
const REFUSED_FROM_4_0: &[&str] = &[
    "rabbitmq-server/case1.json",
    "rabbitmq-server/case3.json",
    "rabbitmq-server/prometheus_docker__rabbitmq-dist-metrics-definitions.json",
    "rabbitmq-server/prometheus_docker__rabbitmq-dist-tls-definitions.json",
];

/// What the release under test refuses, in corpus order.
fn refused_by(release: Release, files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| {
            REFUSED_EVERYWHERE.contains(&f.as_str())
                || (release >= Release::V4_0 && REFUSED_FROM_4_0.contains(&f.as_str()))
        })
        .cloned()
        .collect()
}

/// A management API client logging in as the harness's administrator.
struct Api {
    url: String,
    user: String,
    password: String,
}

impl Api {
    fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String) {
        crate::support::node::curl(&self.url, &self.user, &self.password, method, path, body)
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("JSON"));
        let (status, text) = self.request(method, path, bytes.as_deref());
        assert!(
            (200..300).contains(&status) || (method == "DELETE" && status == 404),
            "{method} {path}: HTTP {status}: {text}"
        );
    }

    fn get_json(&self, path: &str) -> Value {
        let (status, text) = self.request("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
    }

    fn definitions(&self) -> Value {
        self.get_json("/api/definitions")
    }

    fn names(&self, path: &str) -> Vec<String> {
        self.get_json(path)
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|o| o["name"].as_str().map(str::to_string))
            .collect()
    }

    /// Back to a fresh node: only an empty `/`, guest/guest (administrator, full
    /// permissions on `/`; always the same hash, so that the three nodes agree), the harness's administrator, and no global parameters but
    /// the node's own.
    fn clean(&self, guest_hash: &str) {
        for vhost in self.names("/api/vhosts") {
            self.call("DELETE", &format!("/api/vhosts/{}", enc(&vhost)), None);
        }
        self.call("PUT", "/api/vhosts/%2F", Some(&json!({})));
        for user in self.names("/api/users") {
            if user != ADMIN {
                self.call("DELETE", &format!("/api/users/{}", enc(&user)), None);
            }
        }
        self.call(
            "PUT",
            "/api/users/guest",
            Some(&json!({
                "password_hash": guest_hash,
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": "administrator",
            })),
        );
        let all = json!({"configure": ".*", "write": ".*", "read": ".*"});
        for user in ["guest", ADMIN] {
            self.call(
                "PUT",
                &format!("/api/permissions/%2F/{}", enc(user)),
                Some(&all),
            );
        }
        for name in self.names("/api/global-parameters") {
            if name != "cluster_name" && name != "internal_cluster_id" {
                self.call(
                    "DELETE",
                    &format!("/api/global-parameters/{}", enc(&name)),
                    None,
                );
            }
        }
    }
}

/// Creates the harness's administrator on a node (logging in as guest, the only time).
fn admin_of(node: &BrokerNode) -> Api {
    let guest = Api {
        url: node.url(),
        user: node.user.clone(),
        password: node.password.clone(),
    };
    guest.call(
        "PUT",
        &format!("/api/users/{}", enc(ADMIN)),
        Some(&json!({"password": ADMIN_PASSWORD, "tags": "administrator"})),
    );
    Api {
        url: node.url(),
        user: ADMIN.to_string(),
        password: ADMIN_PASSWORD.to_string(),
    }
}

/// `warren --color never ARGS`, optionally connected to `api`'s broker.
fn warren(args: &[&str], api: Option<&Api>) -> Run {
    warren_with(args, api, &[])
}

/// [`warren`] with environment variables set (the imported URI passwords).
fn warren_with(args: &[&str], api: Option<&Api>, vars: &[(String, String)]) -> Run {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    match api {
        Some(api) => {
            let login = (api.user.as_str(), api.password.as_str());
            crate::common::warren_at(&api.url, login, args, &vars)
        }
        None => {
            let mut cmd = warren_command();
            cmd.args(["--color", "never"]).args(args).envs(vars);
            Run::from_output(cmd.output().expect("run warren"))
        }
    }
}

/// An Erlang term as the management API renders it in JSON: lists of character codes
/// become text, other lists are joined with spaces.
fn erlang_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_u64) => items
            .iter()
            .filter_map(|c| c.as_u64().and_then(|c| char::from_u32(c as u32)))
            .collect(),
        Value::Array(items) => items.iter().map(erlang_text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// The broker's reason from an error answer (`{"error": ..., "reason": ...}`).
fn broker_reason(status: u16, body: &str) -> String {
    let reason = serde_json::from_str::<Value>(body)
        .ok()
        .map(|v| erlang_text(&v["reason"]))
        .unwrap_or_else(|| body.to_string());
    format!("HTTP {status}: {}", one_line(&reason, 220))
}

fn one_line(text: &str, max: usize) -> String {
    let flat = crate::common::flatten_text(text);
    if flat.chars().count() > max {
        format!("{}...", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

/// Diagnostics of `validate --format short`: (severity, code, line).
fn diagnostics(run: &Run) -> Vec<(String, String, String)> {
    format!("{}\n{}", run.stdout, run.stderr)
        .lines()
        .filter_map(|line| {
            let (severity, rest) = line.split_once('[')?;
            if severity != "error" && severity != "warning" {
                return None;
            }
            let code = rest.split_once(']')?.0;
            Some((severity.to_string(), code.to_string(), line.to_string()))
        })
        .collect()
}

/// What warren made of a file the broker refused.
enum RejectVerdict {
    /// `warren import` itself refused the file.
    ImportRefused(String),
    /// `warren validate` exited 1.
    Invalid(Vec<String>),
    /// `warren validate` passed with warnings that are not mere advice.
    Warned(Vec<String>),
    /// Neither: a failure of the suite.
    Silent(String),
}

struct Outcome {
    file: String,
    /// `None`: accepted; `Some(reason)`: refused by the broker.
    broker_refusal: Option<String>,
    reject: Option<RejectVerdict>,
    /// Round-trip problems (accepted files only); empty when it went through.
    round_trip: Vec<String>,
    /// Warren's validate verdict on an accepted file.
    validate: String,
}

fn corpus_files(corpus: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|f| !f.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn check_refused(file: &Path, work: &Path, release: Release) -> RejectVerdict {
    let out = work.join("refused");
    let out_arg = out.to_str().expect("UTF-8");
    let import = warren(
        &[
            "import",
            "--from-definitions",
            file.to_str().expect("UTF-8"),
            // Hashes kept: a hash the broker refuses must be caught, not left out.
            "--with-password-hashes",
            "--out",
            out_arg,
        ],
        None,
    );
    if import.code != 0 {
        return RejectVerdict::ImportRefused(one_line(&import.stderr, 300));
    }
    let validate = warren(
        &[
            "validate",
            "--format",
            "short",
            "--broker-version",
            release.version(),
            "--env",
            out_arg,
        ],
        None,
    );
    let diags = diagnostics(&validate);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.0 == "error")
        .map(|d| d.2.clone())
        .collect();
    if validate.code == 1 {
        return RejectVerdict::Invalid(errors);
    }
    let warnings: Vec<String> = diags
        .iter()
        .filter(|d| d.0 == "warning" && !ADVICE_ONLY_WARNINGS.contains(&d.1.as_str()))
        .map(|d| d.2.clone())
        .collect();
    if warnings.is_empty() {
        RejectVerdict::Silent(format!(
            "validate exit {} with no relevant warning",
            validate.code
        ))
    } else {
        RejectVerdict::Warned(warnings)
    }
}

/// Steps 2 and 3 for a file broker A accepted; returns the validate verdict and the
/// problems found.
fn round_trip(file: &Path, work: &Path, a: &Api, b: &Api, c: &Api) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let env = work.join("env");
    let env_arg = env.to_str().expect("UTF-8");
    let import = warren(
        &[
            "import",
            "--from-definitions",
            file.to_str().expect("UTF-8"),
            "--with-password-hashes",
            "--out",
            env_arg,
        ],
        None,
    );
    if import.code != 0 {
        problems.push(format!("import failed: {}", one_line(&import.stderr, 400)));
        return ("import failed".into(), problems);
    }
    let source: Value = serde_json::from_slice(&std::fs::read(file).expect("read the file"))
        .expect("a file the broker accepted is JSON");
    let vars = uri_passwords::variables(&source, &env);
    let validate = warren(&["validate", "--format", "short", "--env", env_arg], None);
    let validate_verdict = if validate.code == 0 {
        let n = diagnostics(&validate).len();
        if n == 0 {
            "valid".to_string()
        } else {
            format!("valid, {n} warning(s)")
        }
    } else {
        let errors: Vec<String> = diagnostics(&validate)
            .into_iter()
            .filter(|d| d.0 == "error")
            .map(|d| d.2)
            .collect();
        // apply, plan and export would only repeat the same errors.
        problems.push(format!("validate refused an accepted file: {errors:?}"));
        return ("INVALID".to_string(), problems);
    };
    let expected = a.definitions();

    // Step 2: warren apply into B.
    let apply = warren_with(
        &[
            "apply",
            "--env",
            env_arg,
            "--auto-approve",
            "--allow-destroy",
        ],
        Some(b),
        &vars,
    );
    if apply.code != 0 {
        problems.push(format!(
            "apply exit {}: {}",
            apply.code,
            one_line(&format!("{}\n{}", apply.stdout, apply.stderr), 600)
        ));
    }
    for d in differences(&expected, &b.definitions()) {
        problems.push(format!("A vs B(apply): {d}"));
    }
    problems.extend(plan_problem(env_arg, b, &vars, "second plan"));

    // Step 3: warren export into C.
    let export = warren_with(&["export", "--env", env_arg], None, &vars);
    if export.code != 0 {
        problems.push(format!(
            "export exit {}: {}",
            export.code,
            one_line(&export.stderr, 400)
        ));
        return (validate_verdict, problems);
    }
    let (status, body) = c.request("POST", "/api/definitions", Some(export.stdout.as_bytes()));
    if !(200..300).contains(&status) {
        problems.push(format!(
            "broker refused warren's export: {}",
            broker_reason(status, &body)
        ));
    }
    for d in differences(&expected, &c.definitions()) {
        problems.push(format!("A vs C(export): {d}"));
    }

    // Step 4: `warren import --from-url` of broker A, then a plan against A: empty.
    let live = work.join("live");
    let live_arg = live.to_str().expect("UTF-8");
    let import = warren(
        &[
            "import",
            "--from-url",
            &a.url,
            "--user",
            &a.user,
            "--password",
            &a.password,
            "--with-password-hashes",
            "--out",
            live_arg,
        ],
        None,
    );
    if import.code != 0 {
        problems.push(format!("import from A: {}", one_line(&import.stderr, 400)));
        return (validate_verdict, problems);
    }
    let vars = uri_passwords::variables(&source, &live);
    problems.extend(plan_problem(
        live_arg,
        a,
        &vars,
        "plan of A's import against A",
    ));
    (validate_verdict, problems)
}

/// `warren plan --detailed-exitcode` of `env` against `api`: None when it is empty.
fn plan_problem(env: &str, api: &Api, vars: &[(String, String)], what: &str) -> Option<String> {
    let plan = warren_with(
        &["plan", "--env", env, "--detailed-exitcode"],
        Some(api),
        vars,
    );
    (plan.code != 0).then(|| {
        format!(
            "{what} exit {}: {}",
            plan.code,
            one_line(&format!("{}\n{}", plan.stdout, plan.stderr), 600)
        )
    })
}

fn run_file(corpus: &Path, name: &str, nodes: &[Api; 3], guest_hash: &str) -> Outcome {
    let [a, b, c] = nodes;
    std::thread::scope(|s| {
        for api in nodes {
            s.spawn(move || api.clean(guest_hash));
        }
    });
    let file = corpus.join(name);
    let work = tempfile::Builder::new()
        .prefix("warren-conformance-")
        .tempdir()
        .expect("temp dir");
    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let (status, body) = a.request("POST", "/api/definitions", Some(&bytes));
    let mut outcome = Outcome {
        file: name.to_string(),
        broker_refusal: None,
        reject: None,
        round_trip: vec![],
        validate: String::new(),
    };
    if (200..300).contains(&status) {
        let (validate, problems) = round_trip(&file, work.path(), a, b, c);
        outcome.validate = validate;
        outcome.round_trip = problems;
    } else {
        outcome.broker_refusal = Some(broker_reason(status, &body));
        outcome.reject = Some(check_refused(&file, work.path(), Release::current()));
    }
    outcome
}

fn corpus_dir() -> PathBuf {
    repo_root().join("../shared/conformance")
}

/// Starts three nodes and runs files from `files` until none is left; the outcomes come
/// back with their index in `files`.
fn run_worker(
    corpus: &Path,
    files: &[String],
    next: &AtomicUsize,
    started: Instant,
) -> Vec<(usize, Outcome)> {
    let nodes: Vec<BrokerNode> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(BrokerNode::start)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("node start"))
            .collect()
    });
    let apis: [Api; 3] = [
        admin_of(&nodes[0]),
        admin_of(&nodes[1]),
        admin_of(&nodes[2]),
    ];
    // guest/guest as node A hashed it, given to every node by `clean`.
    let guest_hash = apis[0].get_json("/api/users/guest")["password_hash"]
        .as_str()
        .expect("guest's password hash")
        .to_string();
    eprintln!(
        "conformance: 3 nodes up after {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let mut outcomes = Vec::new();
    loop {
        let index = next.fetch_add(1, Ordering::SeqCst);
        let Some(name) = files.get(index) else {
            return outcomes;
        };
        let t = Instant::now();
        let outcome = run_file(corpus, name, &apis, &guest_hash);
        eprintln!("conformance: {name}: {:.1}s", t.elapsed().as_secs_f64());
        outcomes.push((index, outcome));
    }
}

#[test]
fn conformance_corpus() {
    let corpus = corpus_dir();
    if !corpus.join("MANIFEST.tsv").is_file() {
        // In CI a missing corpus is a broken checkout, not a reason to pass.
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "conformance corpus not found at {} and CI=true: CI must run this suite",
            corpus.display()
        );
        println!(
            "SKIPPED: conformance corpus not found at {} (it lives in shared/ beside the \
             crate; a plain clone without it skips this suite)",
            corpus.display()
        );
        return;
    }
    let started = Instant::now();
    let mut files = corpus_files(&corpus);
    if let Ok(only) = std::env::var("WARREN_CONFORMANCE_ONLY") {
        files.retain(|f| only.split(',').any(|o| f.contains(o)));
    }
    let missing: Vec<&String> = files.iter().filter(|f| !corpus.join(f).is_file()).collect();
    assert!(
        missing.is_empty(),
        "MANIFEST.tsv lists missing files: {missing:?}"
    );

    // Files are shared out to workers, each with three nodes of its own: a file needs
    // empty brokers, and a worker mostly waits on its nodes.
    let workers = std::env::var("WARREN_CONFORMANCE_WORKERS")
        .ok()
        .and_then(|w| w.parse::<usize>().ok())
        .unwrap_or(2)
        .clamp(1, files.len().max(1));
    let next = AtomicUsize::new(0);
    let mut outcomes: Vec<(usize, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| s.spawn(|| run_worker(&corpus, &files, &next, started)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("conformance worker"))
            .collect()
    });
    outcomes.sort_by_key(|(index, _)| *index);
    let outcomes: Vec<Outcome> = outcomes.into_iter().map(|(_, o)| o).collect();

    // The summary table.
    let width = outcomes.iter().map(|o| o.file.len()).max().unwrap_or(4);
    let mut report = String::new();
    report.push_str(&format!(
        "\n{:width$}  {:9}  {:28}  {}\n",
        "file", "broker", "warren", "round trip"
    ));
    for o in &outcomes {
        let (broker, warren_verdict, trip) = match (&o.broker_refusal, &o.reject) {
            (Some(_), Some(v)) => {
                let w = match v {
                    RejectVerdict::ImportRefused(_) => "import refuses",
                    RejectVerdict::Invalid(_) => "validate rejects",
                    RejectVerdict::Warned(_) => "validate warns",
                    RejectVerdict::Silent(_) => "SILENTLY ACCEPTS",
                };
                ("rejected", w.to_string(), "-".to_string())
            }
            _ => (
                "accepted",
                o.validate.clone(),
                if o.round_trip.is_empty() {
                    "ok".to_string()
                } else {
                    format!("FAILED ({} problems)", o.round_trip.len())
                },
            ),
        };
        report.push_str(&format!(
            "{:width$}  {:9}  {:28}  {}\n",
            o.file, broker, warren_verdict, trip
        ));
    }
    report.push_str("\nDetails:\n");
    for o in &outcomes {
        if let (Some(reason), Some(v)) = (&o.broker_refusal, &o.reject) {
            report.push_str(&format!("- {} (broker: {reason})\n", o.file));
            match v {
                RejectVerdict::ImportRefused(why) => {
                    report.push_str(&format!("    warren import: {why}\n"))
                }
                RejectVerdict::Invalid(lines) | RejectVerdict::Warned(lines) => {
                    for l in lines {
                        report.push_str(&format!("    warren: {l}\n"));
                    }
                }
                RejectVerdict::Silent(why) => {
                    report.push_str(&format!("    warren: NEITHER REJECTS NOR WARNS ({why})\n"))
                }
            }
        }
        if !o.round_trip.is_empty() {
            report.push_str(&format!("- {} round trip FAILED:\n", o.file));
            for p in &o.round_trip {
                report.push_str(&format!("    {p}\n"));
            }
        }
        let cause = KNOWN_ROUND_TRIP_FAILURES
            .iter()
            .chain(KNOWN_SILENT_ACCEPTS)
            .find(|(f, _)| *f == o.file)
            .map(|(_, why)| *why);
        if let Some(cause) = cause {
            report.push_str(&format!("    known warren bug: {cause}\n"));
        }
    }
    let accepted = outcomes
        .iter()
        .filter(|o| o.broker_refusal.is_none())
        .count();
    let trip_failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.round_trip.is_empty())
        .map(|o| o.file.as_str())
        .filter(|f| !NONDETERMINISTIC.iter().any(|(n, _)| n == f))
        .collect();
    let silent: Vec<&str> = outcomes
        .iter()
        .filter(|o| matches!(o.reject, Some(RejectVerdict::Silent(_))))
        .map(|o| o.file.as_str())
        .collect();
    report.push_str(&format!(
        "\n{} files: {} accepted by RabbitMQ ({} round trips ok, {} failed), {} rejected \
         ({} also refused or warned by warren, {} silently accepted); {:.0}s\n",
        outcomes.len(),
        accepted,
        accepted - trip_failed.len(),
        trip_failed.len(),
        outcomes.len() - accepted,
        outcomes.len() - accepted - silent.len(),
        silent.len(),
        started.elapsed().as_secs_f64()
    ));
    println!("{report}");

    // Only the files that ran (WARREN_CONFORMANCE_ONLY=case1,case2 runs a subset).
    let known = |list: &[(&'static str, &str)]| {
        list.iter()
            .map(|(f, _)| *f)
            .filter(|f| files.iter().any(|r| r == f))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        trip_failed,
        known(KNOWN_ROUND_TRIP_FAILURES),
        "round-trip failures differ from the known warren bugs (KNOWN_ROUND_TRIP_FAILURES)\n{report}"
    );
    assert_eq!(
        silent,
        known(KNOWN_SILENT_ACCEPTS),
        "files RabbitMQ rejects that warren neither rejects nor warns about differ from \
         KNOWN_SILENT_ACCEPTS\n{report}"
    );
    let release = Release::current();
    let refused: Vec<String> = outcomes
        .iter()
        .filter(|o| o.broker_refusal.is_some())
        .map(|o| o.file.clone())
        .collect();
    assert_eq!(
        refused,
        refused_by(release, &files),
        "the files RabbitMQ {} refuses differ from REFUSED_EVERYWHERE and REFUSED_FROM_4_0\n{report}",
        release.version()
    );
    let only_warned: Vec<&str> = outcomes
        .iter()
        .filter(|o| REFUSED_FROM_4_0.contains(&o.file.as_str()))
        .filter(|o| !matches!(o.reject, Some(RejectVerdict::Invalid(_)) | None))
        .map(|o| o.file.as_str())
        .collect();
    assert!(
        only_warned.is_empty(),
        "told the broker's version, validate must refuse these as 4.0 does: {only_warned:?}\n{report}"
    );
}
