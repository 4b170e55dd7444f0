//! Reads an environment folder (and the one it extends) into parsed documents with sources.

use crate::config::diagnostic::{DiagnosticKind, KindOf};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

use super::diagnostic::{Diagnostic, FileId, Sources};
use super::located::{byte_count, Located, Position};
use super::schema::Document;
use super::type_errors;
use super::variables::{position_of, substitute};

/// Parsed files of one environment: its ancestors' files first, then its own.
pub struct LoadedFiles {
    pub name: String,
    pub dir: PathBuf,
    pub sources: Sources,
    pub documents: Vec<ParsedFile>,
    pub variables: IndexMap<String, String>,
    pub problems: Vec<Diagnostic>,
}

pub struct ParsedFile {
    pub file: FileId,
    /// False for files that come from an extended environment.
    pub own: bool,
    pub document: Document,
}

/// What is read before substitution: only the keys that decide how to read the rest.
#[derive(Default, Deserialize)]
struct Preamble {
    #[serde(default)]
    extends: Option<Located<String>>,
    #[serde(default)]
    variables: IndexMap<String, String>,
}

/// One folder of the `extends` chain, with its raw file texts.
struct Layer {
    dir: PathBuf,
    files: Vec<LayerFile>,
    variables: IndexMap<String, String>,
}

struct LayerFile {
    path: PathBuf,
    /// Taken when the file is read, so a document parsed then stamps its positions with it.
    file: FileId,
    text: String,
    /// Parsed while reading the preamble, when no substitution can change the text.
    document: Option<Document>,
}

impl Preamble {
    /// Taken from the parsed document when there is one; else read on its own, leniently.
    fn of(text: &str, document: Option<&Document>) -> Option<Self> {
        let Some(document) = document else {
            return serde_saphyr::from_str::<Preamble>(text).ok();
        };
        let variables = document.variables.iter().flat_map(|v| v.value.iter());
        Some(Preamble {
            extends: document.extends.clone(),
            variables: variables
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect(),
        })
    }
}

impl LayerFile {
    /// A file without `${` reads the same before and after substitution: parse it once,
    /// here, instead of once for its preamble and again for the whole.
    fn read((path, text): (PathBuf, String), sources: &mut Sources) -> Self {
        let file = sources.add(&path, text.clone());
        let document = if text.contains("${") {
            None
        } else {
            super::located::parsing_file(file, || parse_yaml(&text)).ok()
        };
        Self {
            path,
            file,
            text,
            document,
        }
    }
}

/// Finds the folder for `--env`: a path to a folder, or a name under `environments_dir`.
pub fn resolve_env_dir(reference: &str, environments_dir: &Path) -> Option<PathBuf> {
    let as_path = PathBuf::from(reference);
    if as_path.is_dir() && (reference.contains('/') || !environments_dir.join(reference).is_dir()) {
        return Some(as_path);
    }
    let named = environments_dir.join(reference);
    named.is_dir().then_some(named)
}

pub fn load_files(dir: &Path) -> LoadedFiles {
    let mut problems = Vec::new();
    let mut sources = Sources::default();
    let layers = read_layers(dir, &mut sources, &mut problems);

    let mut variables = IndexMap::new();
    for layer in layers.iter().rev() {
        variables.extend(layer.variables.clone());
    }

    let mut documents = Vec::new();
    for (depth, layer) in layers.into_iter().enumerate().rev() {
        for LayerFile { file, document, .. } in layer.files {
            if let Some(document) = document {
                documents.push(ParsedFile {
                    file,
                    own: depth == 0,
                    document,
                });
                continue;
            }
            let expanded = substitute(&sources.get(file).text, file, &variables, &mut problems);
            let parsed = parse_document(&expanded, file);
            sources.set_text(file, expanded);
            match parsed {
                Ok(document) => documents.push(ParsedFile {
                    file,
                    own: depth == 0,
                    document,
                }),
                Err(file_problems) => problems.extend(file_problems),
            }
        }
    }

    LoadedFiles {
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string()),
        dir: clean_path(dir),
        sources,
        documents,
        variables,
        problems,
    }
}

/// The `extends:` that named a folder: its file's path and text, and where the key's value is.
type ExtendsRef = (PathBuf, String, Position);

/// Reads `dir` and every environment it extends, nearest first; reports cycles and gaps.
fn read_layers(dir: &Path, sources: &mut Sources, problems: &mut Vec<Diagnostic>) -> Vec<Layer> {
    let mut layers: Vec<Layer> = Vec::new();
    let mut next: Option<(PathBuf, Option<ExtendsRef>)> = Some((clean_path(dir), None));
    while let Some((current, named_by)) = next.take() {
        let canonical = current.canonicalize().unwrap_or_else(|_| current.clone());
        if layers
            .iter()
            .any(|l| l.dir.canonicalize().ok().as_ref() == Some(&canonical))
        {
            let mut problem = Diagnostic::error(
                DiagnosticKind::ExtendsCycle,
                format!(
                    "`extends` leads back to {}, which is already being loaded",
                    current.display()
                ),
            );
            if let Some((path, text, at)) = named_by {
                problem = problem.at(sources.add(&path, text), at);
            }
            problems.push(problem);
            break;
        }
        let files = match read_yaml_files(&current, sources, problems) {
            Ok(files) => files,
            Err(error) => {
                let mut problem =
                    Diagnostic::error(DiagnosticKind::EnvironmentNotFound, error.to_string());
                // An extended folder: point back at the `extends:` that named it.
                if let Some((path, text, at)) = named_by {
                    problem = problem.at(sources.add(&path, text), at);
                }
                problems.push(problem);
                break;
            }
        };
        let mut variables = IndexMap::new();
        let files: Vec<LayerFile> = files
            .into_iter()
            .map(|f| LayerFile::read(f, sources))
            .collect();
        for LayerFile {
            path,
            text,
            document,
            ..
        } in &files
        {
            let Some(preamble) = Preamble::of(text, document.as_ref()) else {
                continue;
            };
            variables.extend(preamble.variables);
            if let Some(parent) = preamble.extends {
                let target = extends_target(&current, &parent.value);
                if target.is_dir() {
                    next = Some((target, Some((path.clone(), text.clone(), parent.at))));
                } else {
                    let file = sources.add(path, text.clone());
                    problems.push(
                        Diagnostic::error(
                            DiagnosticKind::ExtendsNotFound,
                            format!(
                                "`extends: {}` names no environment folder ({} does not exist)",
                                parent.value,
                                target.display()
                            ),
                        )
                        .at(file, parent.at),
                    );
                }
            }
        }
        layers.push(Layer {
            dir: current,
            files,
            variables,
        });
    }
    layers
}

/// Removes `.` and resolvable `..` components, so paths print the way people write them.
fn clean_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `extends: NAME` is a sibling folder; anything with a slash is a path from this folder.
fn extends_target(dir: &Path, reference: &str) -> PathBuf {
    if reference.contains('/') {
        clean_path(&dir.join(reference))
    } else {
        clean_path(&dir.parent().unwrap_or(Path::new(".")).join(reference))
    }
}

/// Why an environment folder gives no files to load.
#[derive(Debug, thiserror::Error)]
enum FolderError {
    #[error("cannot read environment folder {}: {source}", dir.display())]
    Unreadable {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("no *.yaml files in {}", dir.display())]
    NoYamlFiles { dir: PathBuf },
}

/// The `*.yaml` files of a folder, in name order. Nothing in it is passed over silently: a
/// `*.yml` file, a `*.yaml` name that is no readable file (a dangling link, a FIFO, a
/// device, a folder) and a file that is not UTF-8 are errors; other names that look like
/// YAML (`x.YAML`, `x.yaml.bak`) are the `unread-file` warning. Other files (a README) are
/// left alone, as documented.
fn read_yaml_files(
    dir: &Path,
    sources: &mut Sources,
    problems: &mut Vec<Diagnostic>,
) -> Result<Vec<(PathBuf, String)>, FolderError> {
    let entries = std::fs::read_dir(dir).map_err(|source| FolderError::Unreadable {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lower = name.to_lowercase();
        let shown = path.display();
        if name.ends_with(".yaml") {
            if !path.is_file() {
                let what = if path.symlink_metadata().is_ok() && path.metadata().is_err() {
                    "a link to nothing"
                } else {
                    "not a regular file"
                };
                problems.push(
                    Diagnostic::error(
                        DiagnosticKind::UnreadFile,
                        format!("{shown} is {what}; it cannot be read"),
                    )
                    .help("an environment's *.yaml entries must be readable files"),
                );
                continue;
            }
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => files.push((path.clone(), text)),
                    Err(e) => problems.push(not_utf8(&path, e, sources)),
                },
                Err(e) => problems.push(Diagnostic::error(
                    DiagnosticKind::UnreadFile,
                    format!("cannot read {shown}: {e}"),
                )),
            }
        } else if lower.ends_with(".yml") {
            problems.push(
                Diagnostic::error(
                    DiagnosticKind::UnreadFile,
                    format!("{shown} is not read: environment files end in .yaml"),
                )
                .help("rename it to .yaml; otherwise what it declares would show as unmanaged, or be pruned"),
            );
        } else if lower.contains(".yaml") || lower.contains(".yml") {
            problems.push(
                Diagnostic::warning(
                    DiagnosticKind::UnreadFile,
                    format!("{shown} is not read: only names ending in .yaml are"),
                )
                .help("rename it if it belongs to the environment, or move it out of the folder"),
            );
        }
    }
    if files.is_empty() && problems.iter().all(|p| !p.is_error()) {
        return Err(FolderError::NoYamlFiles {
            dir: dir.to_path_buf(),
        });
    }
    Ok(files)
}

/// A file that is not UTF-8: where the first bad byte is.
fn not_utf8(path: &Path, error: std::string::FromUtf8Error, sources: &mut Sources) -> Diagnostic {
    let offset = error.utf8_error().valid_up_to();
    let bytes = error.into_bytes();
    let before = String::from_utf8_lossy(&bytes[..offset]);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let file = sources.add(path, String::from_utf8_lossy(&bytes).into_owned());
    Diagnostic::error(
        DiagnosticKind::InvalidYaml,
        format!("the file is not UTF-8: byte {offset} is not part of a UTF-8 character"),
    )
    .at(
        file,
        Position {
            line: line as u32,
            column: column as u32,
            offset: byte_count(before.len()),
            len: 1,
            file: None,
        },
    )
    .help("save the file as UTF-8")
}

/// The document, or every type error in it (each value blanked in turn) and the first other
/// error after them.
fn parse_document(text: &str, file: FileId) -> Result<Document, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return Ok(Document::default());
    }
    if let Some(document) = super::located::parsing_file(file, || super::quick_yaml::read(text)) {
        return Ok(document);
    }
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut current = text.to_string();
    loop {
        let parsed =
            super::located::parsing_file(file, || serde_saphyr::from_str::<Document>(&current));
        let err = match parsed {
            Ok(document) if problems.is_empty() => return Ok(document),
            Ok(_) => return Err(problems),
            Err(err) => err,
        };
        let mut problem = yaml_problem(&err, &current, file);
        let scalar = problem.location.and_then(|place| {
            if !type_errors::is_type_error(&problem.message()) {
                return None;
            }
            // Errors from a value's own check point at its key: point at the value.
            let start = type_errors::value_start(&current, place.at.start());
            type_errors::scalar_at(&current, start)
        });
        if let (Some(range), Some(place)) = (scalar.clone(), problem.location.as_mut()) {
            place.at = position_of(&current, range.start, range.len());
        }
        let offset = |p: &Diagnostic| p.location.map(|l| l.at.offset);
        if problems.iter().any(|p| offset(p) == offset(&problem)) {
            // A blanked value whose field cannot be null either: said once already.
            return Err(problems);
        }
        problems.push(problem);
        match scalar {
            Some(range) if problems.len() < type_errors::MAX_TYPE_ERRORS => {
                current = type_errors::blank(&current, range);
            }
            _ => return Err(problems),
        }
    }
}

fn parse_yaml(text: &str) -> Result<Document, serde_saphyr::Error> {
    if text.trim().is_empty() {
        return Ok(Document::default());
    }
    if let Some(document) = super::quick_yaml::read(text) {
        return Ok(document);
    }
    serde_saphyr::from_str::<Document>(text)
}

/// Turns a parser error into a diagnostic with a stable code and the parser's location.
fn yaml_problem(err: &serde_saphyr::Error, text: &str, file: FileId) -> Diagnostic {
    let message = first_line(&err.to_string());
    let kind: KindOf = if message.contains("unknown field") || message.contains("unknown variant") {
        DiagnosticKind::UnknownField
    } else if message.to_lowercase().contains("duplicate") {
        DiagnosticKind::DuplicateKey
    } else {
        DiagnosticKind::InvalidYaml
    };
    let at = err
        .location()
        .map(|loc| {
            let offset = loc
                .span()
                .byte_offset()
                .map(|o| o as usize)
                .unwrap_or_else(|| line_offset(text, loc.line() as usize, loc.column() as usize));
            Position {
                line: loc.line() as u32,
                column: loc.column() as u32,
                offset: byte_count(offset),
                len: byte_count(loc.span().byte_len().unwrap_or(1).max(1) as usize),
                file: None,
            }
        })
        .unwrap_or_else(|| position_of(text, 0, 0));
    Diagnostic::error(kind, message).at(file, at)
}

/// The parser's message without its own location prefix and tuning hints.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let line = match line.split_once(": ") {
        Some((prefix, rest)) if prefix.starts_with("line ") => rest,
        _ => line,
    };
    if line.starts_with("budget breached: Depth") {
        return "nested deeper than the 64 levels warren reads".to_string();
    }
    line.trim_end_matches(", set DuplicateKeyPolicy in Options if acceptable")
        .replace(
            "data did not match any variant of untagged enum SecretSource",
            "a secret must be `{ env: NAME }` or `{ file: PATH }`",
        )
}

fn line_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}
