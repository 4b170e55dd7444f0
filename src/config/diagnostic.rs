//! Problems found in an environment, each pointing at a file, line and column.

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use super::diagnostic_kind::DiagnosticKind;
use super::located::Position;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Index of a file in the environment's [`Sources`].
pub type FileId = usize;

/// A point in a source file that a diagnostic refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceRef {
    pub file: FileId,
    pub at: Position,
}

impl SourceRef {
    pub fn new(file: FileId, at: Position) -> Self {
        Self { file, at }
    }
}

/// A kind's constructor, e.g. `DiagnosticKind::UnknownReference`, which takes the message.
pub type KindOf = fn(String) -> DiagnosticKind;

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The code and the message.
    pub kind: DiagnosticKind,
    pub location: Option<SourceRef>,
    pub help: Option<String>,
    /// Other places involved, e.g. the first declaration of a duplicate.
    pub related: Vec<(SourceRef, String)>,
}

impl Diagnostic {
    pub fn new(severity: Severity, kind: DiagnosticKind) -> Self {
        Self {
            severity,
            kind: kind.map_message(readable),
            location: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// An error of `kind` saying `message`.
    pub fn error(kind: KindOf, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, kind(message.into()))
    }

    /// A warning of `kind` saying `message`.
    pub fn warning(kind: KindOf, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, kind(message.into()))
    }

    /// Stable code, e.g. `unknown-reference` or the lint `ha-mirroring`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn message(&self) -> std::borrow::Cow<'_, str> {
        self.kind.message()
    }

    /// Places the diagnostic in a file without a position in it (the file as a whole).
    pub fn in_file(self, file: FileId) -> Self {
        self.at(file, Position::default())
    }

    /// Places the diagnostic at `at` in `file`, or in the file `at` was read from, if known.
    pub fn at(mut self, file: FileId, at: Position) -> Self {
        self.location = Some(SourceRef::new(at.file_id().unwrap_or(file), at));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, file: FileId, at: Position, label: impl Into<String>) -> Self {
        self.related.push((
            SourceRef::new(at.file_id().unwrap_or(file), at),
            label.into(),
        ));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// One loaded file: its path as shown to the user and the text that was parsed.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// All files read for an environment, indexed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: &Path, text: String) -> FileId {
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
        });
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn set_text(&mut self, id: FileId, text: String) {
        self.files[id].text = text;
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate()
    }

    /// `path:line:column` for a reference, as printed in one-line diagnostics.
    pub fn describe(&self, place: SourceRef) -> String {
        let file = self.get(place.file);
        if place.at.line == 0 {
            return file.path.display().to_string();
        }
        format!(
            "{}:{}:{}",
            file.path.display(),
            place.at.line,
            place.at.column
        )
    }
}

/// Longest message kept whole: a value quoted in it (an 8 MB string, say) is cut.
const MAX_MESSAGE_CHARS: usize = 400;

/// The message, cut to a readable length with a note of how much was left out.
pub(super) fn readable(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message,
        Some((cut, _)) => {
            let left = message[cut..].chars().count();
            format!("{}… ({left} more characters)", &message[..cut])
        }
    }
}

#[cfg(test)]
mod readable_tests {
    use super::*;

    #[test]
    fn a_huge_value_in_a_message_is_cut() {
        let huge = "x".repeat(8_000_000);
        let diagnostic = Diagnostic::error(DiagnosticKind::InvalidArgument, format!("got {huge}"));
        let message = diagnostic.message().into_owned();
        assert!(message.chars().count() < 450, "{}", message.len());
        assert!(
            message.ends_with("(7999604 more characters)"),
            "{}",
            &message[380..]
        );
        let short = Diagnostic::error(DiagnosticKind::InvalidArgument, "short");
        assert_eq!(short.message(), "short");
    }
}
