//! `--help`: every command in one layout, connection options described under their own
//! heading with the variables they fall back to, and no variable's value ever shown.

use assert_cmd::Command;

const COMMANDS: [&str; 12] = [
    "validate",
    "plan",
    "apply",
    "drift",
    "schema",
    "render-config",
    "status",
    "metrics",
    "export",
    "import",
    "unlock",
    "show",
];

const WITH_CONNECTION: [&str; 7] = [
    "plan", "apply", "drift", "status", "metrics", "import", "unlock",
];

fn help(command: &str, flag: &str) -> String {
    let out = Command::cargo_bin("warren")
        .expect("the warren binary")
        .env("NO_COLOR", "1")
        .env("RABBITMQ_MANAGEMENT_PASSWORD", "pw-from-env-0815")
        .env(
            "RABBITMQ_MANAGEMENT_API_URL",
            "http://admin:pw-in-url-0816@broker.internal:15672",
        )
        .env("RABBITMQ_MANAGEMENT_USER", "user-from-env")
        .args([command, flag])
        .output()
        .expect("run warren");
    assert!(out.status.success(), "{command} {flag}");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// The text after `--flag <VALUE>` on the flag's help line.
fn description<'a>(help: &'a str, flag: &str) -> &'a str {
    let line = help
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{flag} ")))
        .unwrap_or_else(|| panic!("no {flag} in:\n{help}"));
    let rest = line.trim_start().trim_start_matches(flag).trim_start();
    let rest = if rest.starts_with('<') {
        rest.split_once('>').map_or("", |(_, after)| after)
    } else {
        rest
    };
    rest.trim()
}

#[test]
fn every_command_has_the_same_layout_for_short_and_long_help() {
    for command in COMMANDS {
        assert_eq!(
            help(command, "-h"),
            help(command, "--help"),
            "`warren {command} --help` switches to the long layout"
        );
    }
}

#[test]
fn connection_options_are_described_under_their_own_heading() {
    for command in WITH_CONNECTION {
        let text = help(command, "--help");
        let (own, connection) = text
            .split_once("Connection options:")
            .unwrap_or_else(|| panic!("{command}: no connection heading:\n{text}"));
        assert!(
            !own.contains("--url"),
            "{command}: --url among its own options"
        );
        for flag in [
            "--url",
            "--user",
            "--password",
            "--password-file",
            "--ca-cert",
            "--client-cert",
            "--client-key",
            "--insecure",
            "--timeout",
        ] {
            let text = description(connection, flag);
            assert!(!text.is_empty(), "{command}: {flag} has no description");
        }
        for variable in [
            "RABBITMQ_MANAGEMENT_API_URL",
            "RABBITMQ_MANAGEMENT_USER",
            "RABBITMQ_MANAGEMENT_PASSWORD",
        ] {
            assert!(connection.contains(variable), "{command}: {variable}");
        }
    }
}

#[test]
fn help_never_shows_the_values_of_the_connection_variables() {
    for command in WITH_CONNECTION {
        let text = help(command, "--help");
        for value in ["pw-from-env-0815", "pw-in-url-0816", "user-from-env"] {
            assert!(!text.contains(value), "{command} shows {value}:\n{text}");
        }
    }
}
