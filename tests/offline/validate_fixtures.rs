//! Golden tests of `warren validate` over broken environments.
//!
//! Every folder of `fixtures/invalid/` is one broken environment showing one problem, with
//! `expected.txt` listing its errors as `CODE FILE:LINE` (FILE relative to the folder) and an
//! optional `args.txt` holding extra flags for `warren validate`. Warnings are not listed.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use assert_cmd::Command;

const INVALID: &str = "fixtures/invalid";
/// Valid environments that each show one lint; `expected.txt` lists its warnings.
const LINTS: &str = "fixtures/lints";
/// The `{ env: ... }` secret of the missing-secret fixture; it must stay unset.
const UNSET_VAR: &str = "WARREN_TEST_SURELY_UNSET_VAR";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `warren` run from the crate root, untouched by the caller's environment variables.
fn warren() -> Command {
    let mut cmd = Command::cargo_bin("warren").expect("the warren binary is built");
    cmd.current_dir(root())
        .env_remove("WARREN_ENVIRONMENTS_DIR")
        .env_remove("WARREN_LOG")
        .env_remove(UNSET_VAR)
        .env("NO_COLOR", "1");
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn validate(args: &[&str]) -> Run {
    let output = warren()
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

/// Fixture folders directly under `dir` (relative to the crate root), sorted; `_`-prefixed
/// folders are not fixtures.
fn fixture_dirs(dir: &str) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('_'))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    found.sort();
    found
}

/// Extra flags from `args.txt`, whitespace-separated.
fn extra_args(fixture: &str) -> Vec<String> {
    match std::fs::read_to_string(root().join(fixture).join("args.txt")) {
        Ok(text) => text.split_whitespace().map(str::to_string).collect(),
        Err(_) => Vec::new(),
    }
}

/// `expected.txt` as a sorted list; blank lines and `#` comments are skipped.
fn expected(fixture: &str) -> Vec<String> {
    let path = root().join(fixture).join("expected.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (every fixture needs one)", path.display()));
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// A path as printed, relative to the fixture folder, without `.` components.
fn relative_file(printed: &str, fixture: &str) -> String {
    let clean: PathBuf = Path::new(printed)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    let relative = clean.strip_prefix(fixture).unwrap_or(&clean);
    relative.to_string_lossy().replace('\\', "/")
}

/// The errors of a `--format short` run as sorted `CODE FILE:LINE` entries. An error printed
/// without a line becomes `CODE FILE`, and one without any place just `CODE`, so that a
/// missing location shows up as a mismatch instead of vanishing.
fn errors(stdout: &str, fixture: &str) -> Vec<String> {
    diagnostics(stdout, fixture, "error[")
}

/// Like [`errors`], for the diagnostics whose lines start with `prefix`.
fn diagnostics(stdout: &str, fixture: &str, prefix: &str) -> Vec<String> {
    let mut found: Vec<String> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .map(|rest| {
            let (code, rest) = rest.split_once("] ").unwrap_or((rest, ""));
            let code = code.trim_end_matches(']');
            let place = rest.split_once(": ").map(|(p, _)| p).unwrap_or("");
            let mut parts = place.rsplitn(3, ':');
            let (col, line, path) = (parts.next(), parts.next(), parts.next());
            match (path, line, col) {
                (Some(path), Some(line), Some(col))
                    if line.parse::<u32>().is_ok() && col.parse::<u32>().is_ok() =>
                {
                    format!("{code} {}:{line}", relative_file(path, fixture))
                }
                _ if place.contains('/') || place.ends_with(".yaml") => {
                    format!("{code} {}", relative_file(place, fixture))
                }
                _ => code.to_string(),
            }
        })
        .collect();
    found.sort();
    found
}

/// `- missing` / `+ unexpected` lines between two sorted lists (multisets).
fn diff(expected: &[String], actual: &[String]) -> String {
    let count = |list: &[String]| {
        let mut counts: BTreeMap<String, i32> = BTreeMap::new();
        for item in list {
            *counts.entry(item.clone()).or_default() += 1;
        }
        counts
    };
    let (want, got) = (count(expected), count(actual));
    let mut out = String::new();
    for (item, n) in &want {
        for _ in 0..(n - got.get(item).copied().unwrap_or(0)).max(0) {
            out.push_str(&format!("    - {item}   (expected, not reported)\n"));
        }
    }
    for (item, n) in &got {
        for _ in 0..(n - want.get(item).copied().unwrap_or(0)).max(0) {
            out.push_str(&format!("    + {item}   (reported, not expected)\n"));
        }
    }
    out
}

/// Runs one fixture; `Err` describes how the output differs from `expected.txt`.
fn check_fixture(fixture: &str) -> Result<(), String> {
    let args = extra_args(fixture);
    let mut argv = vec!["--env", fixture, "--format", "short"];
    argv.extend(args.iter().map(String::as_str));
    let run = validate(&argv);
    let want = expected(fixture);
    let got = errors(&run.stdout, fixture);
    let mut problems = String::new();
    if run.code != Some(1) {
        problems.push_str(&format!("    exit code {:?}, expected 1\n", run.code));
    }
    if want.is_empty() {
        problems.push_str("    expected.txt lists no error\n");
    }
    problems.push_str(&diff(&want, &got));
    if problems.is_empty() {
        return Ok(());
    }
    let indent = |text: &str| {
        text.lines()
            .map(|l| format!("    | {l}\n"))
            .collect::<String>()
    };
    Err(format!(
        "{fixture} (warren validate {}):\n{problems}  stdout:\n{}  stderr:\n{}",
        argv.join(" "),
        indent(&run.stdout),
        indent(&run.stderr)
    ))
}

#[test]
fn every_invalid_fixture_reports_exactly_its_expected_errors() {
    let fixtures = fixture_dirs(INVALID);
    assert!(
        fixtures.len() >= 25,
        "expected at least 25 fixtures in {INVALID}, found {}",
        fixtures.len()
    );
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|f| check_fixture(f).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ from their expected.txt:\n\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

/// The flags in `args.txt` are what exposes the problem: without them the fixture has no error.
#[test]
fn fixtures_with_flags_have_no_errors_without_them() {
    let with_flags: Vec<String> = fixture_dirs(INVALID)
        .into_iter()
        .filter(|f| !extra_args(f).is_empty())
        .collect();
    assert!(
        with_flags.len() >= 3,
        "expected the --resolve-secrets and --broker-version fixtures, found {with_flags:?}"
    );
    let mut failures = Vec::new();
    for fixture in &with_flags {
        let run = validate(&["--env", fixture, "--format", "short"]);
        let got = errors(&run.stdout, fixture);
        if run.code != Some(0) || !got.is_empty() {
            failures.push(format!(
                "{fixture}: exit {:?}, errors {got:?}\n{}",
                run.code, run.stdout
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn shipped_environments_are_valid_with_their_expected_warnings() {
    let run = validate(&["--all", "--format", "short"]);
    assert_eq!(
        run.code,
        Some(0),
        "validate --all failed:\n{}{}",
        run.stdout,
        run.stderr
    );
    for summary in ["dev: valid", "production: valid", "staging: valid"] {
        assert!(
            run.stdout.contains(summary),
            "no `{summary}` in:\n{}",
            run.stdout
        );
    }
    let prefix = "warning[dead-letter-black-hole] environments/production/";
    assert!(
        run.stdout.lines().any(|l| l.starts_with(prefix)),
        "no dead-letter-black-hole warning for production in:\n{}",
        run.stdout
    );
    // Production moved its critical queues to quorum queues: no classic mirroring is left.
    for gone in ["obsolete-x-ha-policy", "ha-mirroring", "policy-skips-queue"] {
        assert!(
            !run.stdout.contains(gone),
            "{gone} should not fire:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("error[")),
        "{}",
        run.stdout
    );
}

#[test]
fn vivesphere_fixture_is_valid() {
    let run = validate(&["--env", "fixtures/vivesphere", "--format", "short"]);
    assert_eq!(
        run.code,
        Some(0),
        "fixtures/vivesphere:\n{}{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("vivesphere: valid"), "{}", run.stdout);
}

#[test]
fn short_lines_parse_into_code_file_and_line() {
    let fixture = "fixtures/invalid/x";
    let out = "warning[ha-mirroring] fixtures/invalid/x/a.yaml:3:4: ignored\n\
               error[unknown-reference] fixtures/invalid/x/a.yaml:12:7: binding source `e`\n\
               error[invalid-argument] fixtures/invalid/x/./base/b.yaml:2:1: `k`: a: b\n\
               error[duplicate-setting] fixtures/invalid/x/b.yaml: `broker` is set twice\n\
               error[extends-cycle] `extends` leads back to somewhere\n\
               x: invalid (4 errors, 1 warning)\n";
    assert_eq!(
        errors(out, fixture),
        vec![
            "duplicate-setting b.yaml",
            "extends-cycle",
            "invalid-argument base/b.yaml:2",
            "unknown-reference a.yaml:12",
        ]
    );
}

#[test]
fn every_lint_fixture_reports_exactly_its_expected_warnings() {
    let fixtures = fixture_dirs(LINTS);
    let codes = [
        "ha-mirroring",
        "obsolete-x-ha-policy",
        "dead-letter-black-hole",
        "overlapping-policies",
        "argument-as-policy",
        "broad-configure",
        "unknown-argument",
        "unknown-exchange-type",
        "user-without-password",
        "unknown-lint",
        "default-user-with-definitions",
        "deprecated-feature",
        "policy-skips-queue",
        "quorum-delivery-limit",
    ];
    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for fixture in &fixtures {
        let flags = extra_args(fixture);
        let mut args = vec!["--env", fixture.as_str(), "--format", "short"];
        args.extend(flags.iter().map(String::as_str));
        let run = validate(&args);
        let want = expected(fixture);
        let got = diagnostics(&run.stdout, fixture, "warning[");
        seen.extend(
            got.iter()
                .map(|w| w.split(' ').next().unwrap_or("").to_string()),
        );
        let mismatch = diff(&want, &got);
        if run.code != Some(0) || !mismatch.is_empty() {
            failures.push(format!(
                "{fixture}: exit {:?}\n{mismatch}{}",
                run.code, run.stdout
            ));
        }
    }
    for code in codes {
        if !seen.iter().any(|s| s == code) {
            failures.push(format!("no fixture in {LINTS} shows the lint `{code}`"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Plan and apply validate with `errors_only`: they must refuse exactly what `validate`
/// refuses, and skip only checks that cannot refuse.
#[test]
fn errors_only_finds_every_error() {
    use warren::config::load_environment;
    use warren::config::validate::{validate, ValidateOptions};
    let (mut warnings_full, mut warnings_errors_only) = (0, 0);
    for fixture in fixture_dirs(INVALID).into_iter().chain(fixture_dirs(LINTS)) {
        let (env, _) = load_environment(&root().join(&fixture));
        let run = |errors_only: bool| {
            let options = ValidateOptions {
                errors_only,
                ..ValidateOptions::default()
            };
            let (errors, warnings): (Vec<_>, Vec<_>) = validate(&env, &options)
                .into_iter()
                .partition(|p| p.is_error());
            let codes: Vec<&str> = errors.iter().map(|p| p.code()).collect();
            (codes, warnings.len())
        };
        let (full, warned) = run(false);
        let (errors_only, warned_anyway) = run(true);
        assert_eq!(errors_only, full, "{fixture}: errors differ");
        warnings_full += warned;
        warnings_errors_only += warned_anyway;
    }
    assert!(
        warnings_errors_only * 2 < warnings_full,
        "errors_only still warns {warnings_errors_only} times of {warnings_full}"
    );
}
