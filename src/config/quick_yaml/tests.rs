//! Whatever this reader accepts, the full parser must read to the same document, positions
//! included: checked on every environment file at hand, on files `warren import` writes from
//! the conformance corpus, on small cases at the subset's edges, and on mutations of them all.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::located::parsing_file;
use crate::config::schema::Document;
use crate::definitions::import::{environment_files, snapshot_of_file, ImportOptions};
use crate::format::wire::Definitions;

/// Both readings of `text`: this reader's (if it takes it) and the full parser's.
fn both(text: &str) -> (Option<String>, Result<String, String>) {
    parsing_file(3, || {
        let quick = super::read::<Document>(text).map(|d| format!("{d:#?}"));
        let full = serde_saphyr::from_str::<Document>(text)
            .map(|d| format!("{d:#?}"))
            .map_err(|e| e.to_string());
        (quick, full)
    })
}

/// Fails when this reader accepts `text` and reads it differently from the full parser.
fn agrees(text: &str) -> bool {
    match both(text) {
        (None, _) => false,
        (Some(quick), Ok(full)) => {
            assert_eq!(quick, full, "read differently:\n{text}");
            true
        }
        (Some(quick), Err(e)) => {
            panic!("accepted what the full parser refuses ({e}):\n{text}\n{quick}")
        }
    }
}

/// Files under `dir` whose names end in one of `extensions`.
fn files(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, extensions, out);
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}

/// Environment files in this repository and those `warren import` writes from real
/// definitions files.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in ["environments", "fixtures", "examples"] {
        files(&root.join(dir), &["yaml", "yml"], &mut paths);
    }
    let mut texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| !t.contains("${"))
        .collect();
    let mut definitions = Vec::new();
    files(
        &root.join("../shared/conformance"),
        &["json"],
        &mut definitions,
    );
    for path in definitions {
        let Ok(raw) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(&raw) else {
            continue;
        };
        let Ok(parsed) = serde_json::from_value::<Definitions>(value.clone()) else {
            continue;
        };
        let state = crate::broker::lower::live_state(snapshot_of_file(parsed, &value));
        let (files, _) = environment_files(&state, &ImportOptions::default());
        texts.extend(files.into_iter().map(|f| f.text));
    }
    texts
}

#[test]
fn every_accepted_file_reads_as_the_full_parser_reads_it() {
    let corpus = corpus();
    assert!(corpus.len() >= 100, "only {} files at hand", corpus.len());
    let accepted = corpus.iter().filter(|t| agrees(t)).count();
    let readable = corpus.iter().filter(|t| both(t).1.is_ok()).count();
    // Most files are plain block YAML: the reader must take them, or it saves nothing.
    assert!(
        accepted * 10 >= readable * 9,
        "took {accepted} of the {readable} files the full parser reads"
    );
}

/// Small documents at the subset's edges: each is either left to the full parser or read
/// exactly as it reads it.
const EDGES: &[&str] = &[
    "local: true\n",
    "local: True\n",
    "local: yes\n",
    "local: \"true\"\n",
    "local: null\n",
    "local: ~\n",
    "local:\n",
    "broker:\n  urls: ['http://a:1', \"http://b:2\"]\n  timeout: 30\n",
    "broker:\n  timeout: 030\n",
    "broker:\n  timeout: 0x1e\n",
    "broker:\n  timeout: 1_000\n",
    "broker:\n  timeout: -1\n",
    "broker:\n  timeout: 18446744073709551616\n",
    "broker:\n  user: 123\n",
    "broker:\n  user: ''\n",
    "broker:\n  user: \"\"\n",
    "broker:\n  user: 'it''s'\n",
    "broker:\n  user: \"a\\tb\\u00e9\\\\\"\n",
    "broker:\n  user: \"a\\x41\"\n",
    "broker:\n  user: a b  # comment\n",
    "broker:\n  user: a#b\n",
    "broker:\n  user: a:b\n",
    "broker:\n  user: &x a\n",
    "broker:\n  user: !!str a\n",
    "broker:\n  user: |\n    a\n",
    "broker:\n  user: a\n    b\n",
    "broker:\n  user: é\n  urls: [ü]\n",
    "broker: {user: a, urls: [x, y]}\n",
    "broker: {user: a, urls: [x, y],}\n",
    "broker: { user: a,\n  urls: [x] }\n",
    "broker: { user: a,\nurls: [x] }\n",
    "vhosts:\n  a:\n    queues:\n      q: {}\n      q: {}\n",
    "vhosts:\n  a:\n    queues:\n      q: {}\n      \"q\": {}\n",
    "vhosts:\n  a:\n    queues:\n      q:\n        arguments: {x-max-length: 10, x-overflow: reject-publish}\n",
    "vhosts:\n  a:\n    queues:\n      q:\n        type: quorum\n        durable: true\n",
    "vhosts:\n  a:\n    queues:\n      q:\n        type: \"quorum\"\n",
    "vhosts:\n  a:\n    queues:\n      q:\n        type: Quorum\n",
    "vhosts:\n  a:\n    queues:\n      q:\n        bindings:\n        - exchange: e\n          routing_key: k\n        - {exchange: f}\n",
    "vhosts:\n  a:\n    queues:\n      q:\n        bindings:\n          - exchange: e\n            routing_key: k\n",
    "vhosts:\n  a:\n    queues:\n      q:\n        bindings:\n          - exchange: e\n           routing_key: k\n",
    "vhosts:\n  a:\n    policies:\n      p:\n        pattern: ^q\n        definition: {ha-mode: all, max-length: 5}\n        priority: 1\n",
    "vhosts:\n  a:\n    policies:\n      p:\n        pattern: '^q'\n        definition:\n          message-ttl: 1000\n          x: [1, 2, {a: b}]\n",
    "users:\n  u:\n    password: {env: PW}\n    tags: [administrator]\n",
    "users:\n  u:\n    password: secret\n",
    "users:\n  u:\n    password: {file: /run/pw}\n",
    "---\nlocal: true\n",
    "--- # c\nlocal: true\n",
    "local: true\n---\nlocal: false\n",
    "local: true\n...\n",
    "# c\n\n  # d\nlocal: true # e\n",
    "local: true\r\n",
    "local: true\rx: 1\n",
    "local:\ttrue\n",
    "\u{feff}local: true\n",
    "local: true\n  \n",
    " local: true\n",
    "? local\n: true\n",
    "\"local\": true\n",
    "'local' : true\n",
    "local : true\n",
    "variables:\n  a: b\n  a: c\n",
    "variables: {a: b, c: d}\n",
    "variables:\n  a: \"x\\\n    y\"\n",
    "variables:\n  a: 'x\n    y'\n",
    "manage:\n  kinds: [queues, exchanges]\n",
    "manage:\n  kinds:\n  - queues\n  - exchanges\nlocal: true\n",
    "manage:\n  kinds:\n  - queues\n - exchanges\n",
    "manage:\n  kinds:\n    - - queues\n",
    "manage:\n  kinds:\n    -\n      queues\n",
    "manage:\n  kinds: [queues\n  , exchanges]\n",
    "lints:\n  allow: [a] # x\n  allow: [b]\n",
    "vhosts:\n  a:\n    routes:\n    - exchange: e\n      expect:\n      - a\n",
    "vhosts:\n  a:\n    routes:\n      - exchange: e\n        expect:\n          - a\n",
    "global_parameters:\n  k:\n  - a\n",
    "global_parameters:\n  k:\n  -   a\n  -  b\n",
    "global_parameters:\n  k:\n  -\n    a\n",
    "global_parameters:\n  k:\n  - # c\n    a\n",
    "global_parameters:\r\n  k:\r\n  - a\r\n",
    "variables:\n  a: \"\\u+041\"\n",
    "variables:\n  a: \"\\u004\"\n",
];

#[test]
fn documents_at_the_edges_are_left_to_the_full_parser_or_read_alike() {
    let accepted = EDGES.iter().filter(|t| agrees(t)).count();
    // The subset is wide enough to matter, and narrow enough to refuse some of these.
    assert!(accepted > EDGES.len() / 3, "took {accepted}");
    assert!(accepted < EDGES.len(), "took every edge case");
}

#[test]
fn documents_at_the_full_parsers_limits_are_left_to_it_or_read_alike() {
    let long_quoted_key = format!(
        "variables:\n  '{}'{}: v\n",
        "k".repeat(1000),
        " ".repeat(23)
    );
    let long_flow_key = format!("variables: {{{}: v}}\n", "k".repeat(1025));
    let long_plain_key = format!("variables:\n  {}: v\n", "k".repeat(990));
    for text in [&long_quoted_key, &long_flow_key, &long_plain_key] {
        agrees(text);
    }
    assert!(
        agrees(&long_plain_key),
        "a key well within the limit is read"
    );
    // One node past the full parser's budget of 250,000: a mapping and its 125,000 pairs.
    let many: String = (0..125_000).map(|n| format!("  k{n}: v\n")).collect();
    let too_many = format!("variables:\n{many}");
    assert!(super::read::<Document>(&too_many).is_none());
    assert!(serde_saphyr::from_str::<Document>(&too_many).is_err());
}

/// A small deterministic generator, so a failure names a case that can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    " ", "  ", "\n", ":", ": ", "-", "- ", "#", " #", "\"", "'", "{", "}", "[", "]", ",", "&a ",
    "*a", "!", "|", ">", "?", "\\", "\t", "~", "null", "true", "yes", "0", "-1", "1.5", "é",
    "\r\n", "x:", "---\n", "''", "\\u00",
];

/// One random edit: a piece inserted, a span deleted, or a line duplicated or re-indented.
fn mutate(text: &str, random: &mut Random) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let at = random.below(bytes.len() + 1);
    match random.below(4) {
        0 => {
            let piece = PIECES[random.below(PIECES.len())];
            bytes.splice(at..at, piece.bytes());
        }
        1 => {
            let end = (at + 1 + random.below(4)).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        2 => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let i = random.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            if let Some(line) = lines.get(i) {
                out.insert(i, line);
            }
            return out.concat();
        }
        _ => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let i = random.below(lines.len());
            let indent = " ".repeat(random.below(3));
            return lines
                .iter()
                .enumerate()
                .map(|(n, l)| {
                    if n == i {
                        format!("{indent}{l}")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

#[test]
fn mutated_documents_are_left_to_the_full_parser_or_read_alike() {
    let mut sources: Vec<String> = EDGES.iter().map(|s| s.to_string()).collect();
    sources.extend(corpus().into_iter().filter(|t| t.len() < 4000).take(60));
    let mut random = Random(0x5eed_cafe_f00d);
    let (mut tried, mut accepted) = (0, 0);
    for source in &sources {
        for _ in 0..100 {
            let mut text = mutate(source, &mut random);
            if random.below(2) == 0 {
                text = mutate(&text, &mut random);
            }
            tried += 1;
            if agrees(&text) {
                accepted += 1;
            }
        }
    }
    // Many mutations still parse: the property was exercised, not only refused.
    assert!(accepted * 5 > tried, "took {accepted} of {tried}");
}
