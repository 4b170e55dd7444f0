//! The CI recipes in examples/ci: the pipelines call examples/ci/steps.sh, and this test runs
//! the same jobs, in the same order, against a throwaway broker.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::BrokerNode;

const JOBS: [&str; 4] = ["pr-plan", "merge-plan", "merge-apply", "nightly-drift"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs one job with `WARREN` set to a wrapper that logs each warren command line to
/// `out/warren-calls.log` before running it.
fn run_job(node: &BrokerNode, out: &Path, job: &str) -> (i32, String) {
    let wrapper = out.join("warren-wrapper.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >>'{log}'\nexec '{bin}' \"$@\"\n",
            log = out.join("warren-calls.log").display(),
            bin = assert_cmd::cargo::cargo_bin("warren").display()
        ),
    )
    .expect("write the wrapper");
    let mut mode = std::fs::metadata(&wrapper).expect("wrapper").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(&wrapper, mode).expect("chmod the wrapper");
    let _ = std::fs::remove_file(out.join("warren-calls.log"));
    let output = Command::new(root().join("examples/ci/steps.sh"))
        .args([job, "dev"])
        .current_dir(root())
        .env("WARREN", &wrapper)
        .env("WARREN_OUT", out)
        .env("NO_COLOR", "1")
        .env("RABBITMQ_MANAGEMENT_API_URL", node.url())
        .env("RABBITMQ_MANAGEMENT_USER", "guest")
        .env("RABBITMQ_MANAGEMENT_PASSWORD", "guest")
        .output()
        .expect("run steps.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// How many of the job's warren commands read the broker (plan, apply, drift, status).
fn broker_reads(out: &Path) -> usize {
    let log = std::fs::read_to_string(out.join("warren-calls.log")).unwrap_or_default();
    log.lines()
        .filter(|l| {
            ["plan ", "apply ", "drift ", "status "]
                .iter()
                .any(|c| l.starts_with(c))
        })
        .count()
}

/// The jobs a pipeline file runs, in the order it lists them.
fn jobs_in(pipeline: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(root().join("examples/ci").join(pipeline)).expect("pipeline file");
    text.lines()
        .filter_map(|l| l.split("examples/ci/steps.sh ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_pipelines_run_the_rehearsed_jobs_in_order() {
    for pipeline in ["github-actions.yml", "gitlab-ci.yml"] {
        assert_eq!(jobs_in(pipeline), JOBS, "{pipeline}");
    }
}

#[test]
fn the_ci_jobs_work_end_to_end_on_a_throwaway_broker() {
    let node = crate::support::pool::lend();
    let out = tempfile::tempdir().expect("temp dir");

    let (code, text) = run_job(&node, out.path(), "pr-plan");
    assert_eq!(code, 0, "pr-plan: {text}");
    assert_eq!(broker_reads(out.path()), 1, "pr-plan reads the broker once");
    let comment = std::fs::read_to_string(out.path().join("plan.md")).unwrap();
    assert!(
        comment.contains("dev_app") && comment.len() < 65_536,
        "{comment}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("plan.json")).unwrap())
            .unwrap();
    assert!(!json["changes"].as_array().unwrap().is_empty(), "{json}");

    let (code, text) = run_job(&node, out.path(), "merge-plan");
    assert_eq!(code, 0, "merge-plan: {text}");
    assert!(out.path().join("plan.bin").exists());

    let (code, text) = run_job(&node, out.path(), "merge-apply");
    assert_eq!(code, 0, "merge-apply: {text}");
    assert!(text.contains("Converged"), "{text}");

    let (code, text) = run_job(&node, out.path(), "nightly-drift");
    assert_eq!(code, 0, "nightly-drift on a converged broker: {text}");
    assert_eq!(
        broker_reads(out.path()),
        1,
        "nightly-drift reads the broker once"
    );
    let metrics = std::fs::read_to_string(out.path().join("drift.prom")).unwrap();
    assert!(
        metrics.contains("warren_drift_check_success{environment=\"dev\"} 1"),
        "{metrics}"
    );

    // Drift behind warren's back: the nightly job reports it with exit 2.
    let (status, body) = node.api("DELETE", "/api/queues/%2Fdev/app.emails", None);
    assert_eq!(status, 204, "{body}");
    let (code, text) = run_job(&node, out.path(), "nightly-drift");
    assert_eq!(code, 2, "nightly-drift after a change: {text}");
    let report = std::fs::read_to_string(out.path().join("drift.md")).unwrap();
    assert!(report.contains("app.emails"), "{report}");
}

/// The nightly job's one read still writes the metrics file when the broker is down, so the
/// alert fires; the report is not written as if the check had passed.
#[test]
fn nightly_drift_writes_failed_metrics_when_the_broker_is_unreachable() {
    let out = tempfile::tempdir().expect("temp dir");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let output = Command::new(root().join("examples/ci/steps.sh"))
        .args(["nightly-drift", "dev"])
        .current_dir(root())
        .env("WARREN", assert_cmd::cargo::cargo_bin("warren"))
        .env("WARREN_OUT", out.path())
        .env("NO_COLOR", "1")
        .env(
            "RABBITMQ_MANAGEMENT_API_URL",
            format!("http://127.0.0.1:{closed}"),
        )
        .env("RABBITMQ_MANAGEMENT_USER", "guest")
        .env("RABBITMQ_MANAGEMENT_PASSWORD", "guest")
        .output()
        .expect("run steps.sh");
    assert_eq!(output.status.code(), Some(1));
    let metrics = std::fs::read_to_string(out.path().join("drift.prom")).expect("drift.prom");
    assert!(
        metrics.contains("warren_drift_check_success{environment=\"dev\"} 0"),
        "{metrics}"
    );
}
