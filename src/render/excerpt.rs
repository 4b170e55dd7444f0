//! A few lines of a source file around a problem, for miette to draw: handing it the whole
//! file makes each diagnostic copy and scan the file from its start, which turns thousands
//! of warnings on a ten-thousand-queue environment into seconds of work.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Lines kept on each side of the problem: the one line of context drawn (miette scans
/// every line it is given, so each extra line is paid once per diagnostic).
const MARGIN_LINES: usize = 1;

#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    /// Byte offset of `text` in the file.
    offset: usize,
    /// 0-based line of the file where `text` starts.
    first_line: usize,
}

impl Excerpt {
    /// The lines around `offset..offset + len` of `file`, whose 1-based line is `line`.
    pub fn around(name: String, file: &str, offset: usize, len: usize, line: usize) -> Self {
        let offset = offset.min(file.len());
        let end = (offset + len).min(file.len());
        let start = nth_line_start_before(file, offset, MARGIN_LINES);
        let stop = nth_line_end_after(file, end, MARGIN_LINES);
        let lines_before = file[start..offset].matches('\n').count();
        Self {
            name,
            text: file[start..stop].to_string(),
            offset: start,
            first_line: line.saturating_sub(1).saturating_sub(lines_before),
        }
    }
}

/// The start of the line `n` lines above the one holding `offset`.
fn nth_line_start_before(text: &str, offset: usize, n: usize) -> usize {
    let mut start = offset;
    for _ in 0..=n {
        match text[..start].rfind('\n') {
            Some(newline) if start > 0 => start = newline,
            _ => return 0,
        }
    }
    start + 1
}

/// The end (past its newline) of the line `n` lines below the one holding `offset`.
fn nth_line_end_after(text: &str, offset: usize, n: usize) -> usize {
    let mut end = offset;
    for _ in 0..=n {
        match text[end..].find('\n') {
            Some(newline) => end += newline + 1,
            None => return text.len(),
        }
    }
    end
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let local = SourceSpan::new(span.offset().saturating_sub(self.offset).into(), span.len());
        let contents =
            self.text
                .as_str()
                .read_span(&local, context_lines_before, context_lines_after)?;
        let found = contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new((found.offset() + self.offset).into(), found.len()),
            contents.line() + self.first_line,
            contents.column(),
            contents.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_excerpt_reads_like_the_whole_file() {
        let file: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        let offset = file.find("line 30").unwrap();
        let excerpt = Excerpt::around("f".into(), &file, offset, 7, 30);
        assert!(excerpt.text.starts_with("line 29\n"), "{}", excerpt.text);
        assert!(excerpt.text.ends_with("line 31\n"), "{}", excerpt.text);
        let span = SourceSpan::new(offset.into(), 7);
        let whole = file.as_str().read_span(&span, 1, 1).unwrap();
        let part = excerpt.read_span(&span, 1, 1).unwrap();
        assert_eq!(part.data(), whole.data());
        assert_eq!(part.line(), whole.line());
        assert_eq!(part.column(), whole.column());
        assert_eq!(part.span(), whole.span());
    }

    #[test]
    fn the_first_and_last_lines_are_excerpted_too() {
        let file = "a: 1\nb: 2\n";
        let first = Excerpt::around("f".into(), file, 0, 1, 1);
        assert_eq!((first.offset, first.first_line), (0, 0));
        let last = Excerpt::around("f".into(), file, 5, 1, 2);
        assert_eq!(last.text, file);
        let span = SourceSpan::new(5.into(), 1);
        assert_eq!(last.read_span(&span, 1, 1).unwrap().line(), 0);
    }
}
