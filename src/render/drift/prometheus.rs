//! Drift as node_exporter textfile metrics (Prometheus text exposition format 0.0.4).
//!
//! Every kind and state is written, zeros included, so an alert can compare series over time;
//! a failed check still writes `warren_drift_check_success 0` and the time, so an alert fires.

use std::fmt::Write;

use super::DriftDocument;
use crate::plan::drift::{kinds, DriftState};

const OBJECTS: &str = "warren_drift_objects";
const OUT_OF_SCOPE: &str = "warren_drift_out_of_scope_objects";
const SUCCESS: &str = "warren_drift_check_success";
const TIMESTAMP: &str = "warren_drift_last_run_timestamp_seconds";
const ROUTES: &str = "warren_drift_route_assertions";

/// The metrics of a finished check; `timestamp` is the run's time in seconds since the epoch.
pub fn render(doc: &DriftDocument, timestamp: f64) -> String {
    let env = escape_label(&doc.environment);
    let mut out = String::new();
    header(
        &mut out,
        OBJECTS,
        "Objects that differ from the environment, by kind and state (missing, changed, unmanaged).",
    );
    for kind in kinds() {
        for state in DriftState::ALL {
            let _ = writeln!(
                out,
                "{OBJECTS}{{environment=\"{env}\",kind=\"{kind}\",state=\"{}\"}} {}",
                state.as_str(),
                doc.count(kind, state)
            );
        }
    }
    header(
        &mut out,
        OUT_OF_SCOPE,
        "Live objects outside the environment's vhosts and kinds, not checked.",
    );
    for kind in kinds() {
        let _ = writeln!(
            out,
            "{OUT_OF_SCOPE}{{environment=\"{env}\",kind=\"{kind}\"}} {}",
            doc.out_of_scope.get(kind).copied().unwrap_or(0)
        );
    }
    // Only environments with route assertions have the series, so others keep their output.
    if let Some(routes) = &doc.routes {
        header(
            &mut out,
            ROUTES,
            "The environment's route assertions checked against the broker, by state (holding, failing).",
        );
        let failing = routes.failing.len();
        let holding = routes.checked.saturating_sub(failing);
        for (state, n) in [("holding", holding), ("failing", failing)] {
            let _ = writeln!(
                out,
                "{ROUTES}{{environment=\"{env}\",state=\"{state}\"}} {n}"
            );
        }
    }
    status(&mut out, &env, true, timestamp);
    out
}

/// The metrics of a check that could not finish (broker unreachable, invalid environment).
pub fn render_failure(environment: &str, timestamp: f64) -> String {
    let mut out = String::new();
    status(&mut out, &escape_label(environment), false, timestamp);
    out
}

fn status(out: &mut String, env: &str, success: bool, timestamp: f64) {
    header(
        out,
        SUCCESS,
        "Whether the last drift check read the broker and finished (1) or failed (0).",
    );
    let _ = writeln!(
        out,
        "{SUCCESS}{{environment=\"{env}\"}} {}",
        u8::from(success)
    );
    header(
        out,
        TIMESTAMP,
        "When the last drift check ran, in seconds since the Unix epoch.",
    );
    let _ = writeln!(out, "{TIMESTAMP}{{environment=\"{env}\"}} {timestamp}");
}

/// The `# HELP` and `# TYPE ... gauge` lines of one metric family.
pub fn header(out: &mut String, name: &str, help: &str) {
    let help = help.replace('\\', "\\\\").replace('\n', "\\n");
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A label value as the exposition format takes it: backslash, double quote and newline escaped.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::drift::DriftReport;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn every_kind_and_state_is_written() {
        let report = DriftReport {
            environment: "e".into(),
            ..DriftReport::default()
        };
        let text = render(&DriftDocument::new(&report), 1.5);
        let series = text.lines().filter(|l| l.starts_with(OBJECTS)).count();
        assert_eq!(series, 13 * 3);
        assert!(text.contains("warren_drift_check_success{environment=\"e\"} 1\n"));
        assert!(text.contains("warren_drift_last_run_timestamp_seconds{environment=\"e\"} 1.5\n"));
    }

    #[test]
    fn route_assertions_are_counted_when_there_are_any() {
        let mut report = DriftReport {
            environment: "e".into(),
            ..DriftReport::default()
        };
        assert!(!render(&DriftDocument::new(&report), 1.0).contains(ROUTES));
        report.routes_checked = 3;
        let text = render(&DriftDocument::new(&report), 1.0);
        assert!(
            text.contains("warren_drift_route_assertions{environment=\"e\",state=\"holding\"} 3\n")
        );
        assert!(
            text.contains("warren_drift_route_assertions{environment=\"e\",state=\"failing\"} 0\n")
        );
    }

    #[test]
    fn a_failure_says_so() {
        let text = render_failure("e", 2.0);
        assert!(text.contains("warren_drift_check_success{environment=\"e\"} 0\n"));
        assert!(text.contains("warren_drift_last_run_timestamp_seconds{environment=\"e\"} 2\n"));
        assert!(!text.contains(OBJECTS));
    }
}
