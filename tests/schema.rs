//! The checked-in JSON Schema is what `warren schema` prints, and every environment file
//! points editors at it through a yaml-language-server modeline.

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
                    error.instance_path
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
