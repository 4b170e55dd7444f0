//! The checked-in JSON Schema is what `warren schema` prints, and every environment file
//! points editors at it through a yaml-language-server modeline. The other documents derived
//! from the command line, shell completions and man pages, cover every command.

use std::path::{Component, Path, PathBuf};

use assert_cmd::Command;

const SCHEMA: &str = "schemas/environment.schema.json";
const MODELINE: &str = "# yaml-language-server: $schema=";
/// Folders whose `*.yaml` files (recursively) must carry the modeline.
const YAML_ROOTS: &[&str] = &["environments", "fixtures/vivesphere", "fixtures/invalid"];
/// Folders whose files must also pass the schema: the environments warren ships.
const SHIPPED: &[&str] = &["environments", "fixtures/vivesphere"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_output() -> String {
    let output = Command::cargo_bin("warren")
        .expect("the warren binary is built")
        .current_dir(root())
        .arg("schema")
        .output()
        .expect("warren schema runs");
    assert!(output.status.success(), "warren schema failed: {output:?}");
    String::from_utf8(output.stdout).expect("the schema is UTF-8")
}

fn checked_in_schema() -> String {
    std::fs::read_to_string(root().join(SCHEMA)).unwrap_or_else(|e| {
        panic!(
            "{SCHEMA} is missing ({e}); create it with \
             `cargo run -q -- schema > {SCHEMA}` and commit it"
        )
    })
}

#[test]
fn checked_in_schema_matches_warren_schema() {
    let expected = checked_in_schema();
    let actual = schema_output();
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .map(|i| format!("first difference at line {}", i + 1))
            .unwrap_or_else(|| "one is a prefix of the other".to_string());
        panic!(
            "{SCHEMA} is out of date ({first}); regenerate it with \
             `cargo run -q -- schema > {SCHEMA}`"
        );
    }
}

#[test]
fn schema_is_draft07_json_that_refuses_unknown_keys() {
    let schema: serde_json::Value =
        serde_json::from_str(&checked_in_schema()).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"], "http://json-schema.org/draft-07/schema#",
        "{schema:#}"
    );
    assert_eq!(schema["additionalProperties"], false);
    let properties = schema["properties"]
        .as_object()
        .expect("top-level properties");
    for key in [
        "broker",
        "extends",
        "variables",
        "manage",
        "lints",
        "local",
        "vhosts",
        "users",
        "global_parameters",
    ] {
        assert!(properties.contains_key(key), "no `{key}` in the schema");
    }
}

/// Every `*.yaml` below `dir`, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Resolves `.` and `..` without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_environment_file_starts_with_a_modeline_to_the_schema() {
    let schema = normalise(&root().join(SCHEMA));
    let mut files = Vec::new();
    for dir in YAML_ROOTS {
        files.extend(yaml_files(&root().join(dir)));
    }
    assert!(files.len() >= 10, "found only {files:?}");
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        let first = text.lines().next().unwrap_or_default();
        let shown = file.strip_prefix(root()).unwrap_or(file).display();
        let Some(target) = first.strip_prefix(MODELINE) else {
            problems.push(format!(
                "{shown}: first line is `{first}`, not `{MODELINE}...`"
            ));
            continue;
        };
        let resolved = normalise(&file.parent().expect("a parent").join(target.trim()));
        if resolved != schema {
            problems.push(format!(
                "{shown}: `{}` resolves to {}, not {}",
                target.trim(),
                resolved.display(),
                schema.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} file(s) without a correct modeline:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn shipped_environment_files_parse_as_yaml_documents() {
    // What the schema check below validates: every shipped file is a YAML mapping.
    for dir in SHIPPED {
        for file in yaml_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&file).expect("readable");
            let value: serde_json::Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(value.is_object(), "{}: not a mapping", file.display());
        }
    }
}

#[test]
fn shipped_environment_files_pass_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&checked_in_schema()).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut problems = Vec::new();
    for dir in SHIPPED {
        for file in yaml_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&file).expect("readable");
            let document: serde_json::Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for error in validator.iter_errors(&document) {
                problems.push(format!(
                    "{}: {} at {}",
                    file.display(),
                    error,
                    error.instance_path()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every subcommand `warren --help` lists.
fn subcommands() -> Vec<String> {
    let out = Command::cargo_bin("warren")
        .expect("the warren binary is built")
        .arg("--help")
        .output()
        .expect("warren --help runs");
    let help = String::from_utf8(out.stdout).expect("UTF-8");
    let list = help.split("Commands:").nth(1).expect("help lists commands");
    let names: Vec<String> = list
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 12, "{help}");
    names
}

fn warren_stdout(args: &[&str]) -> String {
    let out = Command::cargo_bin("warren")
        .expect("the warren binary is built")
        .args(args)
        .output()
        .expect("warren runs");
    assert!(out.status.success(), "warren {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn bash_completion_is_valid_bash_and_completes_every_command() {
    let script = warren_stdout(&["completions", "bash"]);
    for name in subcommands() {
        assert!(
            script.contains(&format!("warren,{name})")),
            "{name} missing"
        );
    }
    assert!(script.contains("--allow-destroy"), "apply's flags complete");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("warren.bash");
    std::fs::write(&file, &script).expect("write script");
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash runs");
    assert!(syntax.status.success(), "{syntax:?}");
}

#[test]
fn zsh_and_fish_completions_name_warren() {
    assert!(warren_stdout(&["completions", "zsh"]).starts_with("#compdef warren"));
    assert!(warren_stdout(&["completions", "fish"]).contains("complete -c warren"));
}

#[test]
fn man_pages_cover_every_command() {
    let page = warren_stdout(&["man"]);
    assert!(page.contains(".TH warren 1"), "{page}");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("man1");
    warren_stdout(&["man", "--out", out.to_str().expect("UTF-8")]);
    for name in subcommands() {
        let page = std::fs::read_to_string(out.join(format!("warren-{name}.1")))
            .unwrap_or_else(|e| panic!("warren-{name}.1: {e}"));
        assert!(page.contains(&format!(".TH warren-{name} 1")), "{page}");
    }
    let apply = std::fs::read_to_string(out.join("warren-apply.1")).expect("apply page");
    assert!(
        apply.contains("allow\\-destroy"),
        "apply's flags documented"
    );
}

const DRIFT_SCHEMA: &str = "schemas/drift.schema.json";

/// The drift report's schema is generated from the document every drift format renders from.
#[test]
fn checked_in_drift_schema_is_the_generated_one() {
    let generated = warren::render::drift::document::schema();
    let path = root().join(DRIFT_SCHEMA);
    if std::env::var_os("UPDATE_DRIFT_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("the schema is written");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{DRIFT_SCHEMA} is out of date; regenerate it with \
         `UPDATE_DRIFT_SCHEMA=1 cargo test --test offline schema::` and review the diff"
    );
}

#[test]
fn drift_schema_is_draft07_and_documents_every_field() {
    let schema: serde_json::Value =
        serde_json::from_str(&warren::render::drift::document::schema()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["properties"]["format_version"]["const"], 1);
    assert_eq!(schema["additionalProperties"], false);
    let undocumented = crate::common::undocumented_properties(&schema);
    assert!(undocumented.is_empty(), "no description: {undocumented:#?}");
}
