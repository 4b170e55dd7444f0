//! The one colour object: every human renderer styles text through it, and NO_COLOR is read
//! in one place.

use owo_colors::{OwoColorize, Style};

/// Styles text when colour is on; leaves it plain otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Painter {
    color: bool,
}

impl Painter {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    pub fn style(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

/// Whether the user asked for no colour (<https://no-color.org>: set and not empty).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_without_colour_and_escaped_with_it() {
        let bold = Style::new().bold();
        assert_eq!(Painter::new(false).style("x", bold), "x");
        assert_eq!(Painter::new(true).style("x", bold), "\u{1b}[1mx\u{1b}[0m");
    }
}
