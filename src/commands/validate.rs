//! `warren validate`: every problem of every named environment in one run.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::config::diagnostic::Diagnostic;
use crate::config::validate::{validate, BrokerVersion, ValidateOptions};
use crate::config::{load_environment, secret_references, Environment};
use crate::error::{Error, Outcome};
use crate::render::diagnostics;

pub fn run(args: &ValidateArgs, environments_dir: &Path, color: bool) -> Result<Outcome, Error> {
    let broker_version = args
        .broker_version
        .as_deref()
        .map(str::parse::<BrokerVersion>)
        .transpose()
        .map_err(|e| Error::Usage(e.to_string()))?;
    let options = ValidateOptions {
        broker_version,
        errors_only: false,
    };
    let dirs = selected_dirs(args, environments_dir)?;
    // Thousands of diagnostics: one write per buffer, not one per line.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut any_errors = false;
    for dir in dirs {
        let (env, problems) = check_environment(&dir, &options, args.resolve_secrets);
        let errors = problems.iter().filter(|p| p.is_error()).count();
        let warnings = problems.len() - errors;
        any_errors |= errors > 0;
        let mut repeats = Repeats::default();
        for problem in &problems {
            let written = match args.format {
                DiagnosticFormat::Short => {
                    writeln!(out, "{}", diagnostics::short(problem, &env.sources))
                }
                DiagnosticFormat::Human if args.all_warnings || repeats.draw(problem) => {
                    write!(out, "{}", diagnostics::human(problem, &env.sources, color))
                }
                DiagnosticFormat::Human => Ok(()),
            };
            written.map_err(stdout_error)?;
        }
        for (code, count) in repeats.hidden() {
            writeln!(
                out,
                "warning[{code}]: {count} more like the above, not drawn (--all-warnings draws each, --format short lists each)"
            )
            .map_err(stdout_error)?;
        }
        if args.show_merged {
            print!("{}", crate::render::merged_settings::render(&env));
        }
        let verdict = if errors == 0 { "valid" } else { "invalid" };
        writeln!(
            out,
            "{}: {verdict} ({errors} error{}, {warnings} warning{})",
            env.name,
            plural(errors),
            plural(warnings)
        )
        .map_err(stdout_error)?;
        // Freeing a large environment node by node costs a few percent of the run, and
        // the process ends soon after: the memory goes back to the system at once.
        std::mem::forget((env, problems));
    }
    out.flush().map_err(stdout_error)?;
    Ok(if any_errors {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

/// How many warnings of one kind the human format draws before it only counts them: a
/// lint that fires on every queue of a large environment would otherwise bury the rest.
const WARNINGS_DRAWN_PER_KIND: usize = 3;

/// Warnings drawn and held back, per kind, in the order the kinds first appeared.
#[derive(Default)]
struct Repeats {
    seen: Vec<(&'static str, usize)>,
}

impl Repeats {
    /// Whether to draw `problem`: every error, and the first few warnings of each kind.
    fn draw(&mut self, problem: &Diagnostic) -> bool {
        if problem.is_error() {
            return true;
        }
        let code = problem.kind.code();
        let count = match self.seen.iter_mut().find(|(c, _)| *c == code) {
            Some((_, count)) => count,
            None => {
                self.seen.push((code, 0));
                &mut self.seen.last_mut().expect("just pushed").1
            }
        };
        *count += 1;
        *count <= WARNINGS_DRAWN_PER_KIND
    }

    /// The kinds with warnings held back, and how many.
    fn hidden(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        self.seen
            .iter()
            .filter(|(_, n)| *n > WARNINGS_DRAWN_PER_KIND)
            .map(|(code, n)| (*code, n - WARNINGS_DRAWN_PER_KIND))
    }
}

/// Loads and validates one environment; load problems come first.
pub fn check_environment(
    dir: &Path,
    options: &ValidateOptions,
    resolve_secrets: bool,
) -> (Environment, Vec<Diagnostic>) {
    let (env, mut problems) = load_environment(dir);
    let incomplete = problems.iter().any(Diagnostic::is_error);
    let checks = validate(&env, options);
    // With a file unreadable, references into it would be reported as dangling.
    problems.extend(
        checks
            .into_iter()
            .filter(|p| !(incomplete && p.kind.is_unknown_reference())),
    );
    if resolve_secrets {
        problems.extend(secret_references::check_all(&env));
    }
    (env, problems)
}

fn selected_dirs(args: &ValidateArgs, environments_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut dirs = Vec::new();
    for reference in &args.envs {
        dirs.push(super::env_dir(reference, environments_dir)?);
    }
    if args.all {
        let entries = std::fs::read_dir(environments_dir).map_err(|source| Error::Io {
            what: format!("reading {}", environments_dir.display()),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        found.sort();
        dirs.extend(found);
    }
    if dirs.is_empty() {
        return Err(Error::Usage(
            "name an environment with --env, or pass --all".to_string(),
        ));
    }
    Ok(dirs)
}

fn stdout_error(source: std::io::Error) -> Error {
    Error::Io {
        what: "writing to standard output".to_string(),
        source,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Whether stdout should be coloured, honouring --color and NO_COLOR.
pub fn use_color(choice: crate::cli::ColorChoice) -> bool {
    match choice {
        crate::cli::ColorChoice::Always => true,
        crate::cli::ColorChoice::Never => false,
        crate::cli::ColorChoice::Auto => {
            !crate::render::paint::no_color_requested() && std::io::stdout().is_terminal()
        }
    }
}
