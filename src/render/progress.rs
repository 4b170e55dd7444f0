//! Apply's progress on stderr: one redrawn bar on a terminal, one line per step elsewhere
//! (CI logs and tests read those lines).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use crate::apply::progress::Progress;

const BAR_WIDTH: usize = 24;

pub struct StderrProgress {
    terminal: bool,
    /// Whether a bar is drawn on the current line, to be cleared before the next line.
    drawn: Mutex<bool>,
}

impl StderrProgress {
    /// A bar when stderr is a terminal, lines otherwise.
    pub fn new() -> StderrProgress {
        StderrProgress::drawn_as(std::io::stderr().is_terminal())
    }

    pub fn drawn_as(terminal: bool) -> StderrProgress {
        StderrProgress {
            terminal,
            drawn: Mutex::new(false),
        }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        StderrProgress::new()
    }
}

/// `[####----] 12/40 created queue "q" in vhost "v"`, without a newline.
pub fn bar(done: usize, total: usize, what: &str) -> String {
    let filled = (done * BAR_WIDTH).checked_div(total).unwrap_or(BAR_WIDTH);
    format!(
        "[{}{}] {done}/{total} {what}",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled)
    )
}

/// The line a step leaves in a log.
pub fn step_line(done: usize, total: usize, what: &str) -> String {
    format!("[{done}/{total}] {what}")
}

impl Progress for StderrProgress {
    fn step(&self, done: usize, total: usize, what: &str) {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        let mut err = std::io::stderr().lock();
        if self.terminal {
            // Carriage return and erase-line: the bar redraws itself in place.
            let _ = write!(err, "\r\x1b[2K{}", bar(done, total, what));
            *drawn = true;
        } else {
            let _ = writeln!(err, "{}", step_line(done, total, what));
        }
        let _ = err.flush();
    }

    fn note(&self, line: &str) {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        let mut err = std::io::stderr().lock();
        if std::mem::take(&mut *drawn) {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "{line}");
    }

    fn finish(&self) {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        if std::mem::take(&mut *drawn) {
            let _ = writeln!(std::io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_steps_done() {
        assert_eq!(
            bar(6, 24, "created x"),
            "[######------------------] 6/24 created x"
        );
        assert_eq!(bar(0, 0, "x"), format!("[{}] 0/0 x", "#".repeat(BAR_WIDTH)));
    }

    #[test]
    fn a_log_gets_one_line_per_step() {
        assert_eq!(step_line(3, 10, "created y"), "[3/10] created y");
    }
}
