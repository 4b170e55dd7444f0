//! `warren graph`: the Mermaid output is parsed by Mermaid itself (from npm, run with node),
//! the DOT output is checked for consistency. Without node and npm the Mermaid test says so
//! and is skipped, except under `CI=true`, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{warren, warren_command, Run, TempEnv};
use crate::support::BrokerNode;
use warren::config::schema::Kind;

fn graph(args: &[&str]) -> Run {
    Run::from_output(
        warren_command()
            .arg("graph")
            .args(args)
            .output()
            .expect("run warren"),
    )
}

/// Names full of what picture languages treat as syntax, and every kind of edge.
fn awkward_env() -> TempEnv {
    TempEnv::new(concat!(
        "local: true\n",
        "vhosts:\n",
        "  \"/odd vhost\":\n",
        "    exchanges:\n",
        "      'ex \"quoted\" | piped': { type: topic, arguments: { alternate-exchange: ex.ae } }\n",
        "      ex.ae: { type: fanout }\n",
        "      'ex.inner<&>': { type: headers, internal: true, bindings: [ { exchange: 'ex \"quoted\" | piped', routing_key: '#.x.#' } ] }\n",
        "      'end': { type: direct }\n",
        "    queues:\n",
        "      'q.`tick` #quot; ünïcode':\n",
        "        arguments: { x-dead-letter-exchange: ex.missing, x-dead-letter-routing-key: 'dead.#' }\n",
        "        bindings:\n",
        "          - { exchange: 'ex \"quoted\" | piped', routing_key: 'a.*.#' }\n",
        "          - { exchange: 'ex.inner<&>', arguments: { x-match: any, format: 'pdf \"x\"', size: 3 } }\n",
        "          - { exchange: end, routing_key: '' }\n",
        "      q.parking:\n",
        "        arguments: { x-dead-letter-exchange: '', x-dead-letter-routing-key: q.retry }\n",
        "        bindings: [ { exchange: ex.ae } ]\n",
        "      q.retry: {}\n",
        "    routes:\n",
        "      - { exchange: end, expect: ['q.`tick` #quot; ünïcode'] }\n",
    ))
}

fn mermaid_dir() -> PathBuf {
    crate::common::repo_root().join("tests/mermaid")
}

/// node and npm, or None (said on stderr) when they are missing outside CI.
fn node_tools() -> Option<()> {
    let works = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works("node") && works("npm") {
        return Some(());
    }
    let message = "node and npm are needed to parse warren's Mermaid output with Mermaid";
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{message}; under CI=true this is a failure, not a skip"
    );
    eprintln!("\n*** SKIPPED: {message}; install Node.js to run this test ***\n");
    None
}

/// Installs the pinned parser packages once (`npm ci` from the lock file), under a file lock:
/// both releases' test runs may get here at the same moment.
fn install_parser(dir: &Path) {
    let installed =
        "[ -e node_modules/mermaid/package.json ] && [ -e node_modules/jsdom/package.json ]";
    let out = Command::new("flock")
        .arg(dir.join(".install.lock"))
        .args(["sh", "-c"])
        .arg(format!("{installed} || npm ci --no-audit --no-fund"))
        .current_dir(dir)
        .output()
        .expect("flock and npm run");
    assert!(
        out.status.success(),
        "npm ci in {}: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Mermaid block of a Markdown plan that moves a binding, adds a headers binding with
/// awkward arguments and removes a queue that dead-letters.
fn plan_picture() -> Run {
    use serde_json::{json, Map, Value};
    use warren::model::{kinds, DestinationType, Resource, ResourceId, State};
    let map = |v: Value| v.as_object().cloned().unwrap_or_default();
    let v = "/pic \"v\"";
    let mut live = State::default();
    live.insert(
        ResourceId::Exchange {
            vhost: v.into(),
            name: "ex.t".into(),
        },
        kinds::exchange("topic", true, false, false, Map::new()),
    );
    live.insert(
        ResourceId::Exchange {
            vhost: v.into(),
            name: "ex|h".into(),
        },
        kinds::exchange("headers", true, false, false, Map::new()),
    );
    live.insert(
        ResourceId::Queue {
            vhost: v.into(),
            name: "q.a".into(),
        },
        kinds::queue(true, false, Map::new(), "classic"),
    );
    let mut desired = live.clone();
    live.insert(
        ResourceId::Queue {
            vhost: v.into(),
            name: "q.old".into(),
        },
        kinds::queue(
            true,
            false,
            map(json!({"x-dead-letter-exchange": "ex.t"})),
            "classic",
        ),
    );
    live.insert(
        kinds::binding_id(v, "ex.t", DestinationType::Queue, "q.a", "a.#", &Map::new()),
        Resource::new(),
    );
    desired.insert(
        kinds::binding_id(
            v,
            "ex.t",
            DestinationType::Queue,
            "q.a",
            "#.b;",
            &Map::new(),
        ),
        Resource::new(),
    );
    desired.insert(
        kinds::binding_id(
            v,
            "ex|h",
            DestinationType::Queue,
            "q.a",
            "",
            &map(json!({"x-match": "any", "k": "a\"b<c>"})),
        ),
        Resource::new(),
    );
    let scope = warren::plan::Scope {
        vhosts: [v.to_string()].into_iter().collect(),
        kinds: [Kind::Exchanges, Kind::Queues, Kind::Bindings]
            .into_iter()
            .collect(),
        prune: [Kind::Queues, Kind::Bindings].into_iter().collect(),
        ..Default::default()
    };
    let plan = warren::plan::diff("pic", &desired, &live, &scope);
    let markdown =
        warren::render::plan::markdown::render(&warren::render::plan::PlanDocument::new(&plan));
    let start = markdown.find("```mermaid\n").expect("a Mermaid block") + "```mermaid\n".len();
    let end = start + markdown[start..].find("```").expect("the block closes");
    Run {
        code: 0,
        stdout: markdown[start..end].to_string(),
        stderr: String::new(),
    }
}

#[test]
fn mermaid_output_parses_with_mermaid() {
    let env = awkward_env();
    let mut pictures = vec![
        ("production", graph(&["--env", "production"])),
        ("staging", graph(&["--env", "staging"])),
        ("awkward", graph(&["--env", env.arg()])),
    ];
    for (name, run) in &pictures {
        run.expect_code(0, &format!("graph --env {name}"));
        assert!(run.stdout.starts_with("flowchart LR\n"), "{}", run.stdout);
    }
    let awkward = &pictures[2].1.stdout;
    for expected in [
        "==>|\"alternate\"|",
        "-.->|\"dead letters, key dead.#\"|",
        "(not declared)",
        "format=pdf #quot;x#quot; size=3 x-match=any",
        "#35;quot;",
        "class ",
    ] {
        assert!(awkward.contains(expected), "no {expected:?} in\n{awkward}");
    }
    // An empty vhost draws too, and so does the picture in a Markdown plan.
    let empty = TempEnv::new("local: true\nvhosts:\n  /empty: {}\n");
    pictures.push(("empty", graph(&["--env", empty.arg()])));
    pictures.push(("plan", plan_picture()));
    if node_tools().is_none() {
        return;
    }
    let dir = mermaid_dir();
    install_parser(&dir);
    let files = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for (name, run) in &pictures {
        let path = files.path().join(format!("{name}.mmd"));
        std::fs::write(&path, &run.stdout).expect("write picture");
        paths.push(path);
    }
    // A broken picture must fail, or the check proves nothing.
    let broken = files.path().join("broken.mmd");
    std::fs::write(&broken, "flowchart LR\n  a -->|\"unclosed| b\n").expect("write");
    let out = Command::new("node")
        .arg(dir.join("parse.mjs"))
        .args(&paths)
        .arg(&broken)
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(
        lines.len(),
        paths.len() + 1,
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (line, path) in lines.iter().zip(&paths) {
        assert_eq!(
            *line,
            format!("ok {} flowchart-v2", path.display()),
            "Mermaid refused {}:\n{}",
            path.display(),
            std::fs::read_to_string(path).unwrap_or_default()
        );
    }
    assert!(lines[paths.len()].starts_with("error "), "{report}");
}

#[test]
fn dot_output_declares_every_node_it_links() {
    let env = awkward_env();
    for args in [vec!["--env", "production"], vec!["--env", env.arg()]] {
        let run = graph(&[&args[..], &["--format", "dot"]].concat());
        run.expect_code(0, "graph --format dot");
        let text = &run.stdout;
        assert!(
            text.starts_with("digraph warren {\n") && text.ends_with("}\n"),
            "{text}"
        );
        let declared: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(" [label=") && !l.contains(" -> "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        let mut edges = 0;
        for line in text.lines().filter(|l| l.contains(" -> ")) {
            let mut words = line.split_whitespace();
            let (from, to) = (words.next().unwrap_or(""), words.nth(1).unwrap_or(""));
            assert!(
                declared.contains(&from) && declared.contains(&to),
                "{line}\n{text}"
            );
            edges += 1;
        }
        assert!(edges > 0, "{text}");
        // Every quote inside a label is escaped: quotes pair up on each line.
        for line in text.lines() {
            let unescaped = line.replace("\\\\", "").replace("\\\"", "");
            assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
        }
    }
    let production = graph(&["--env", "production", "--format", "dot"]).stdout;
    assert_eq!(
        production.matches("style=dashed, color=red").count(),
        9,
        "{production}"
    );
}

#[test]
fn live_graph_draws_what_the_broker_has() {
    let node = BrokerNode::shared();
    let vhost = node.create_vhost("graph-live");
    let encoded = vhost.replace('/', "%2F");
    for (path, body) in [
        (
            format!("/api/exchanges/{encoded}/ex.live"),
            serde_json::json!({"type": "topic"}),
        ),
        (
            format!("/api/queues/{encoded}/q.live"),
            serde_json::json!({}),
        ),
    ] {
        let (status, text) = node.api("PUT", &path, Some(&body));
        assert!(matches!(status, 201 | 204), "{path}: {status} {text}");
    }
    let (status, text) = node.api(
        "POST",
        &format!("/api/bindings/{encoded}/e/ex.live/q/q.live"),
        Some(&serde_json::json!({"routing_key": "live.#"})),
    );
    assert_eq!(status, 201, "{text}");
    let run = warren(
        node,
        &["graph", "--env", "production", "--vhost", &vhost, "--live"],
    );
    run.expect_code(0, "graph --live");
    assert!(
        run.stdout.contains("{{\"ex.live<br/>topic\"}}"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("-->|\"live.#\"|"), "{}", run.stdout);
    node.delete_vhost(&vhost);
}
