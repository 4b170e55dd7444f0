//! How a command's final error is drawn: wrapped at spaces only, so URLs and paths stay whole.

use miette::MietteHandlerOpts;

/// Installs miette's report hook; called once, before anything can fail.
pub fn install_hook() {
    // A second install (only possible in tests) keeps the first hook, which is the same.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(
            MietteHandlerOpts::new()
                .word_separator(textwrap::WordSeparator::AsciiSpace)
                .break_words(false)
                .build(),
        )
    }));
}
