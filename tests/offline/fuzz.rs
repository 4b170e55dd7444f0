//! Bounded fuzzing of the loader and the definitions import, in process: the shipped and
//! fixture environments' files and the conformance corpus's definitions, mutated (bytes
//! flipped, dropped and repeated, invalid UTF-8, YAML and JSON tokens, deep nesting, long
//! values). Neither may panic, every error either reports must name its file, and import must
//! write YAML that parses; output whose validation fails otherwise (the mutation made the
//! definitions inconsistent) is refused by the `import` command, and counted here.
//!
//! `WARREN_FUZZ_SECONDS` (default 15) bounds each target; `WARREN_FUZZ_SEED` replays a run.
//! A failing input is kept under `target/fuzz-failures/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use warren::broker::lower::live_state;
use warren::config::load_environment;
use warren::config::validate::{validate, ValidateOptions};
use warren::definitions::import::{environment_files, snapshot_of_file, ImportOptions};
use warren::definitions::json_position::JsonDocument;
use warren::definitions::refusals::refusals;
use warren::format::wire::Definitions;

/// A small, seedable generator: xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "- ",
    "\n",
    "\t",
    "'",
    "\"",
    "&a ",
    "*a",
    "!!binary ",
    "<<: ",
    "? ",
    "${vhost}",
    "$${",
    "null",
    "~",
    "true",
    "1e999",
    "-1",
    "0x10",
    "\u{feff}",
    "é",
    "\u{0}",
    "#",
    "---\n",
    "...\n",
    "|\n",
    ">-\n",
    "%YAML 1.2\n",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(data.len() + 1);
        match rng.below(8) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            2 if !data.is_empty() => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            3 => data.insert(at, [0xff, 0xc3, 0x80, 0xe2][rng.below(4)]),
            4 => {
                let end = (at + rng.below(200)).min(data.len());
                let copy = data[at..end].to_vec();
                data.splice(at..at, copy);
            }
            5 => {
                let depth = 1 + rng.below(120);
                let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
                data.splice(at..at, nested.into_bytes());
            }
            6 => {
                let long = "x".repeat(1 + rng.below(100_000));
                data.splice(at..at, long.into_bytes());
            }
            _ => data.truncate(at),
        }
    }
    data
}

fn files_under(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn budget() -> Duration {
    let seconds = std::env::var("WARREN_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    Duration::from_secs(seconds)
}

fn seed() -> u64 {
    std::env::var("WARREN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64 | 1)
        })
}

/// Keeps a failing input and fails the test with how to replay it.
fn failed(target: &str, seed: u64, round: usize, input: &[u8], what: &str) -> ! {
    let dir = root().join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{target}-{seed}-{round}"));
    let _ = std::fs::write(&path, input);
    panic!(
        "{target}: {what} (input kept in {}; replay with WARREN_FUZZ_SEED={seed})",
        path.display()
    );
}

#[test]
fn the_loader_never_panics_and_places_its_problems() {
    let mut seeds = Vec::new();
    for own in ["environments", "fixtures"] {
        let dir = root().join(own);
        assert!(dir.is_dir(), "seed folder {own} is missing");
        files_under(&dir, "yaml", &mut seeds);
    }
    let seeds: Vec<Vec<u8>> = seeds.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    assert!(seeds.len() > 50, "{} seed files", seeds.len());
    let seed_value = seed();
    let mut rng = Rng(seed_value);
    let started = Instant::now();
    let mut rounds = 0;
    while started.elapsed() < budget() {
        let pick = rng.below(seeds.len());
        let input = mutate(&mut rng, &seeds[pick]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("topology.yaml"), &input).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let (env, mut problems) = load_environment(dir.path());
            problems.extend(validate(&env, &ValidateOptions::default()));
            problems
        }));
        let Ok(problems) = outcome else {
            failed("loader", seed_value, rounds, &input, "panicked");
        };
        let unplaced = problems
            .iter()
            .find(|p| p.is_error() && p.location.is_none());
        if let Some(problem) = unplaced {
            failed(
                "loader",
                seed_value,
                rounds,
                &input,
                &format!("{} has no place: {}", problem.code(), problem.message()),
            );
        }
        rounds += 1;
    }
    eprintln!(
        "loader: {rounds} mutated environments in {:?}, seed {seed_value}",
        budget()
    );
    assert!(rounds > 100, "only {rounds} rounds");
}

#[test]
fn the_import_never_panics_and_writes_yaml_it_can_read() {
    let mut seeds = Vec::new();
    // The shared corpus may be absent outside CI; the project's own seeds must be there.
    files_under(&root().join("../shared/conformance"), "json", &mut seeds);
    for own in ["tests/recorded", "src/format/testdata"] {
        let dir = root().join(own);
        assert!(dir.is_dir(), "seed folder {own} is missing");
        files_under(&dir, "json", &mut seeds);
    }
    let seeds: Vec<Vec<u8>> = seeds.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    assert!(!seeds.is_empty(), "no definitions to start from");
    let seed_value = seed();
    let mut rng = Rng(seed_value);
    let started = Instant::now();
    let (mut rounds, mut written, mut refused) = (0, 0, 0);
    while started.elapsed() < budget() {
        let pick = rng.below(seeds.len());
        let input = mutate(&mut rng, &seeds[pick]);
        let outcome = catch_unwind(AssertUnwindSafe(|| import(&input)));
        match outcome {
            Err(_) => failed("import", seed_value, rounds, &input, "panicked"),
            Ok(Some(dir)) => {
                written += 1;
                let checked = catch_unwind(AssertUnwindSafe(|| {
                    let (env, mut problems) = load_environment(dir.path());
                    problems.extend(validate(&env, &ValidateOptions::default()));
                    problems
                        .into_iter()
                        .filter(|p| p.is_error())
                        .map(|p| {
                            (
                                p.location.is_some(),
                                format!("{}: {}", p.code(), p.message()),
                            )
                        })
                        .collect::<Vec<_>>()
                }));
                let Ok(errors) = checked else {
                    failed(
                        "import",
                        seed_value,
                        rounds,
                        &input,
                        "validating its output panicked",
                    );
                };
                // Refusing inconsistent input is fine; writing YAML that does not parse is not.
                if let Some((_, unreadable)) =
                    errors.iter().find(|(_, e)| e.starts_with("invalid-yaml"))
                {
                    failed(
                        "import",
                        seed_value,
                        rounds,
                        &input,
                        &format!("it wrote YAML it cannot read: {unreadable}"),
                    );
                }
                if let Some((_, unplaced)) = errors.iter().find(|(placed, _)| !placed) {
                    failed(
                        "import",
                        seed_value,
                        rounds,
                        &input,
                        &format!("its output has an unplaced error: {unplaced}"),
                    );
                }
                refused += usize::from(!errors.is_empty());
            }
            Ok(None) => {}
        }
        rounds += 1;
    }
    eprintln!(
        "import: {rounds} mutated definitions, {written} imported, {refused} of those refused by validation, in {:?}, seed {seed_value}",
        budget()
    );
    assert!(rounds > 100, "only {rounds} rounds");
}

/// What `warren import --from-definitions` does up to writing: None when it refuses.
fn import(input: &[u8]) -> Option<tempfile::TempDir> {
    let text = std::str::from_utf8(input).ok()?;
    let raw: serde_json::Value = serde_json::from_str(text).ok()?;
    let definitions: Definitions = serde_json::from_str(text).ok()?;
    let document = JsonDocument { text, file: 0 };
    if !refusals(&definitions, &document).is_empty() {
        return None;
    }
    let state = live_state(snapshot_of_file(definitions, &raw));
    let options = ImportOptions {
        vhosts: Vec::new(),
        secrets_as_env: true,
        broker_url: None,
        schema: None,
        login_user: None,
    };
    let (files, _) = environment_files(&state, &options);
    let dir = tempfile::tempdir().ok()?;
    for file in &files {
        std::fs::write(dir.path().join(&file.name), &file.text).ok()?;
    }
    Some(dir)
}
