//! The CI recipes in examples/ci: the pipelines call examples/ci/steps.sh, and this test runs
//! the same jobs, in the same order, against a throwaway broker.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::BrokerNode;

const JOBS: [&str; 4] = ["pr-plan", "merge-plan", "merge-apply", "nightly-drift"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_job(node: &BrokerNode, out: &Path, job: &str) -> (i32, String) {
    let output = Command::new(root().join("examples/ci/steps.sh"))
        .args([job, "dev"])
        .current_dir(root())
        .env("WARREN", assert_cmd::cargo::cargo_bin("warren"))
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
    let node = BrokerNode::start();
    let out = tempfile::tempdir().expect("temp dir");

    let (code, text) = run_job(&node, out.path(), "pr-plan");
    assert_eq!(code, 0, "pr-plan: {text}");
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
