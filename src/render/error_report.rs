//! How a command's final error is drawn: wrapped at spaces only, so URLs and paths stay whole.

use miette::MietteHandlerOpts;

/// Installs miette's report hook; called once, before anything can fail.
pub fn install_hook() {
    // A second install (only possible in tests) keeps the first hook, which is the same.
    let _ = miette::set_hook(Box::new(|_| Box::new(options().build())));
}

/// Lines break at spaces only: never inside a word, and not at a hyphen (host names have them).
fn options() -> MietteHandlerOpts {
    MietteHandlerOpts::new()
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(false)
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use miette::{MietteHandler, ReportHandler};

    use super::*;
    use crate::error::Error;

    struct Drawn<'a>(&'a MietteHandler, &'a Error);

    impl fmt::Debug for Drawn<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.debug(self.1, f)
        }
    }

    #[test]
    fn a_url_with_hyphens_stays_whole_in_a_narrow_box() {
        let url = "https://rabbitmq-staging.creativeflow.internal:15671/api/overview?columns=rabbitmq_version";
        let error = Error::Usage(format!("the broker at {url} did not answer in time"));
        let handler = options().width(60).force_graphical(true).build();
        let text = format!("{:?}", Drawn(&handler, &error));
        assert!(text.lines().any(|l| l.contains(url)), "{text}");
    }
}
