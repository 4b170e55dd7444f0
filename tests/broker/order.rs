//! Apply order on a real broker, read from the `[n/total] <verb> <object>` progress lines
//! apply prints on stderr: parents before children on the way up, children before parents
//! on the way down, and a replaced queue's bindings after the queue is back.

use crate::common::*;
use crate::support::BrokerNode;
use warren::format::password::{hash_password, HashAlgorithm};

/// One progress line: `[n/total] verb kind "name" ...`.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    n: usize,
    total: usize,
    verb: String,
    kind: String,
    /// The quoted strings of the line, in order (for a binding: source, destination,
    /// routing key, vhost).
    names: Vec<String>,
    /// For a binding: `queue` or `exchange`.
    destination_type: Option<String>,
}

impl Step {
    fn vhost(&self) -> Option<&str> {
        match self.kind.as_str() {
            "vhost" => Some(&self.names[0]),
            "user" => None,
            _ => self.names.last().map(String::as_str),
        }
    }
}

/// Reads a Rust `{:?}` string starting at the opening quote; returns it and the rest.
fn quoted(text: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = text[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &text[i + 2..]),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('u') => {
                    let mut hex = String::new();
                    for (_, c) in chars.by_ref() {
                        match c {
                            '{' => {}
                            '}' => break,
                            c => hex.push(c),
                        }
                    }
                    let code = u32::from_str_radix(&hex, 16).expect("hex escape");
                    out.push(char::from_u32(code).expect("a char"));
                }
                Some(c) => out.push(c),
                None => panic!("unterminated escape in {text}"),
            },
            c => out.push(c),
        }
    }
    panic!("unterminated string in {text}")
}

fn parse_steps(stderr: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for line in stderr.lines().filter(|l| l.starts_with('[')) {
        let (counter, rest) = line[1..].split_once("] ").expect("[n/total] prefix");
        let (n, total) = counter.split_once('/').expect("n/total");
        let verbs = [
            "removed (for replacement)",
            "re-created",
            "created",
            "updated",
            "destroyed",
        ];
        let verb = verbs
            .iter()
            .find(|v| rest.starts_with(&format!("{v} ")))
            .unwrap_or_else(|| panic!("unknown verb in {line:?}"));
        let mut rest = &rest[verb.len() + 1..];
        let (kind, after) = rest.split_once(' ').expect("kind");
        rest = after;
        let mut names = Vec::new();
        let mut destination_type = None;
        while !rest.is_empty() {
            if rest.starts_with('"') {
                let (name, after) = quoted(rest);
                names.push(name);
                rest = after.trim_start();
            } else {
                let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
                if kind == "binding" && (word == "queue" || word == "exchange") {
                    destination_type = Some(word.to_string());
                }
                rest = after.trim_start();
            }
        }
        steps.push(Step {
            n: n.parse().expect("n"),
            total: total.parse().expect("total"),
            verb: verb.to_string(),
            kind: kind.to_string(),
            names,
            destination_type,
        });
    }
    steps
}

/// Index of the step that `verb`s the object `kind` named `name` in `vhost`.
fn position(steps: &[Step], verb: &str, kind: &str, name: &str, vhost: Option<&str>) -> usize {
    steps
        .iter()
        .position(|s| s.verb == verb && s.kind == kind && s.names[0] == name && s.vhost() == vhost)
        .unwrap_or_else(|| panic!("no step {verb} {kind} {name:?} in {vhost:?}: {steps:#?}"))
}

fn topology(with_old: bool, ttl: u64) -> String {
    let hash = hash_password("order-secret", HashAlgorithm::Sha256, [9, 9, 9, 9]);
    let (old_exchange, old_queue, old_binding) = if with_old {
        (
            "      b.old_source: { type: direct }\n",
            "      b.old_queue:\n        bindings:\n          - { exchange: z.source, routing_key: old }\n",
            "          - { exchange: b.old_source, routing_key: from-old }\n",
        )
    } else {
        ("", "", "")
    };
    format!(
        r#"local: true
manage: {{ prune: [queues, exchanges, bindings] }}
vhosts:
  order/a:
    exchanges:
      z.source: {{ type: topic }}
      a.inner:
        type: fanout
        bindings:
          - {{ exchange: z.source, routing_key: 'inner.#' }}
{old_exchange}    queues:
      a.queue:
        arguments: {{ x-message-ttl: {ttl} }}
        bindings:
          - {{ exchange: z.source, routing_key: k1 }}
          - {{ exchange: a.inner }}
{old_binding}      m.queue:
        bindings:
          - {{ exchange: z.source, routing_key: 'm.#' }}
{old_queue}    policies:
      a-limits:
        pattern: '^a\.'
        apply-to: queues
        definition: {{ max-length: 1000 }}
  order/b:
    exchanges:
      b.x: {{ type: direct }}
    queues:
      b.q:
        bindings:
          - {{ exchange: b.x, routing_key: b }}
users:
  order-user:
    password_hash: {hash}
    permissions:
      order/a: {{ configure: '.*', write: '.*', read: '.*' }}
      order/b: {{ read: '.*' }}
"#
    )
}

#[test]
fn creates_go_parents_first_and_deletes_children_first() {
    let node = BrokerNode::shared();
    let env = TempEnv::new(&topology(true, 60_000));
    let run = converge(node, env.arg(), &["--concurrency", "16"]);
    let steps = parse_steps(&run.stderr);

    // 2 vhosts, 1 user, 2 permissions, 4 exchanges, 4 queues, 7 bindings, 1 policy.
    assert_eq!(steps.len(), 21, "{}", run.stderr);
    for (i, step) in steps.iter().enumerate() {
        assert_eq!((step.n, step.total), (i + 1, 21), "{step:?}");
        assert_eq!(step.verb, "created", "{step:?}");
    }
    for step in &steps {
        let here = steps.iter().position(|s| s == step).expect("in list");
        if let Some(vhost) = step.vhost().filter(|_| step.kind != "vhost") {
            assert!(
                position(&steps, "created", "vhost", vhost, Some(vhost)) < here,
                "{step:?} before its vhost"
            );
        }
        match step.kind.as_str() {
            "binding" => {
                let vhost = step.vhost();
                let destination_kind = step.destination_type.as_deref().expect("queue/exchange");
                let source = position(&steps, "created", "exchange", &step.names[0], vhost);
                let target = position(&steps, "created", destination_kind, &step.names[1], vhost);
                assert!(
                    source < here && target < here,
                    "{step:?} created before one of its ends"
                );
            }
            "permission" => {
                let user = position(&steps, "created", "user", &step.names[0], None);
                assert!(user < here, "{step:?} before its user");
            }
            "policy" => {
                let last_queue = steps
                    .iter()
                    .rposition(|s| s.kind == "queue" && s.vhost() == step.vhost())
                    .expect("queues");
                assert!(
                    last_queue < here,
                    "{step:?} before the queues it applies to"
                );
            }
            _ => {}
        }
    }
    assert_no_changes(node, env.arg());

    // Drop b.old_queue and b.old_source (each with a binding) and replace a.queue.
    env.write(&topology(false, 120_000));
    let run = converge(node, env.arg(), &["--allow-destroy", "--concurrency", "16"]);
    let steps = parse_steps(&run.stderr);
    let v = Some("order/a");
    let destroyed_binding = |source: &str, destination: &str| {
        steps
            .iter()
            .position(|s| {
                s.verb == "destroyed"
                    && s.kind == "binding"
                    && s.names[0] == source
                    && s.names[1] == destination
            })
            .unwrap_or_else(|| {
                panic!("binding {source} -> {destination} not destroyed: {steps:#?}")
            })
    };
    let old_queue = position(&steps, "destroyed", "queue", "b.old_queue", v);
    let old_exchange = position(&steps, "destroyed", "exchange", "b.old_source", v);
    assert!(destroyed_binding("z.source", "b.old_queue") < old_queue);
    assert!(destroyed_binding("b.old_source", "a.queue") < old_exchange);
    let removed = position(&steps, "removed (for replacement)", "queue", "a.queue", v);
    let recreated = position(&steps, "re-created", "queue", "a.queue", v);
    assert!(removed < recreated);
    // The broker dropped a.queue's bindings with it; both come back after the queue.
    for source in ["z.source", "a.inner"] {
        let binding = steps
            .iter()
            .position(|s| {
                s.verb == "created"
                    && s.kind == "binding"
                    && s.names[0] == source
                    && s.names[1] == "a.queue"
            })
            .unwrap_or_else(|| panic!("binding {source} -> a.queue not re-created: {steps:#?}"));
        assert!(
            recreated < binding,
            "{source} -> a.queue bound before the queue was back"
        );
    }
    // Every delete runs before every create.
    let last_delete = steps
        .iter()
        .rposition(|s| s.verb == "destroyed" || s.verb.starts_with("removed"))
        .expect("deletes");
    let first_put = steps
        .iter()
        .position(|s| s.verb == "created" || s.verb == "re-created")
        .expect("creates");
    assert!(last_delete < first_put, "{steps:#?}");
    // 2 bindings and 2 objects destroyed, a.queue removed and re-created, 2 bindings back.
    assert_eq!(steps.len(), 8, "{steps:#?}");
    assert_no_changes(node, env.arg());
    assert_eq!(names_in(node, "queues", "order/a"), ["a.queue", "m.queue"]);
    assert_eq!(
        names_in(node, "exchanges", "order/a"),
        ["a.inner", "z.source"]
    );
    assert_eq!(
        bindings_between(node, "order/a", "z.source", "a.queue").len(),
        1
    );
    assert_eq!(
        bindings_between(node, "order/a", "a.inner", "a.queue").len(),
        1
    );
}

#[test]
fn progress_lines_parse_escaped_names() {
    let steps = parse_steps(
        "[1/2] created binding \"a \\\"b\\\"\" -> queue \"q\\u{301}\" key \"k\" in \"/\"\n[2/2] destroyed vhost \"v\"\nnoise\n",
    );
    assert_eq!(steps[0].names, ["a \"b\"", "q\u{301}", "k", "/"]);
    assert_eq!(steps[0].destination_type.as_deref(), Some("queue"));
    assert_eq!(steps[1].vhost(), Some("v"));
    assert_eq!(steps.len(), 2);
}
