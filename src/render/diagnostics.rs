//! Diagnostics for people (annotated source snippets) and for scripts (one line each).

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic};

use super::excerpt::Excerpt;

use crate::config::diagnostic::{Diagnostic, Severity, Sources};

/// `error[code] path:line:col: message`, one line per diagnostic.
pub fn short(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let place = diagnostic
        .location
        .map(|l| format!(" {}:", sources.describe(l)))
        .unwrap_or_default();
    format!(
        "{}[{}]{place} {}",
        severity_word(diagnostic.severity),
        diagnostic.code(),
        diagnostic.message()
    )
}

/// The diagnostic with its source snippet, as miette draws it.
pub fn human(diagnostic: &Diagnostic, sources: &Sources, color: bool) -> String {
    let mut report = MietteDiagnostic::new(diagnostic.message().to_string())
        .with_code(format!(
            "{}[{}]",
            severity_word(diagnostic.severity),
            diagnostic.code()
        ))
        .with_severity(match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        });
    let mut help: Vec<String> = diagnostic.help.iter().cloned().collect();
    for (place, label) in &diagnostic.related {
        help.push(format!("{label}: {}", sources.describe(*place)));
    }
    if !help.is_empty() {
        report = report.with_help(help.join("\n"));
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Wrapped at spaces only, as the final error is: a URL or a path stays whole.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false);
    let mut out = String::new();
    match diagnostic.location {
        Some(place) if place.at.line > 0 => {
            let file = sources.get(place.file);
            let span = LabeledSpan::at(
                place.at.start()..place.at.start() + place.at.len.max(1) as usize,
                "here",
            );
            report = report.with_label(span);
            let source = Excerpt::around(
                file.path.display().to_string(),
                &file.text,
                place.at.start(),
                place.at.len.max(1) as usize,
                place.at.line as usize,
            );
            let with_source = WithExcerpt { report, source };
            let _ = handler.render_report(&mut out, &with_source);
        }
        Some(place) => {
            let mut report = report;
            report.message = format!("{}: {}", sources.describe(place), report.message);
            let _ = handler.render_report(&mut out, &report);
        }
        None => {
            let _ = handler.render_report(&mut out, &report);
        }
    }
    out
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A report and the excerpt it points into. Drawn as it is, without wrapping it in a
/// `miette::Report`, whose construction looks up the terminal and the environment for
/// every one of thousands of diagnostics.
#[derive(Debug)]
struct WithExcerpt {
    report: MietteDiagnostic,
    source: Excerpt,
}

impl fmt::Display for WithExcerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.report, f)
    }
}

impl std::error::Error for WithExcerpt {}

impl miette::Diagnostic for WithExcerpt {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.report.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.report.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.report.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.report.url()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.report.labels()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::diagnostic::DiagnosticKind;

    #[test]
    fn a_long_url_in_a_message_stays_on_one_line() {
        // Longer than the 200 columns the report is drawn in.
        let url = format!(
            "https://rabbitmq-staging.creativeflow.internal:15671/{}",
            "segment/".repeat(25)
        );
        let diagnostic = Diagnostic::error(
            DiagnosticKind::InvalidSetting,
            format!("cannot use {url} as given"),
        );
        let text = human(&diagnostic, &Sources::default(), false);
        assert!(text.lines().any(|l| l.contains(&url)), "{text}");
    }
}
