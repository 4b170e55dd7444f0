//! Where apply's progress goes: steps done, notes and warnings, through one reporter that
//! the caller chooses (a redrawn line on a terminal, plain lines elsewhere).

/// Receives apply's progress as it happens; shared by the concurrent steps.
pub trait Progress: Sync {
    /// Step `done` of `total` finished: `what` is e.g. `created queue "q" in vhost "v"`.
    fn step(&self, done: usize, total: usize, what: &str);
    /// A line of its own: what apply is doing or waiting for.
    fn note(&self, line: &str);
    /// Something went wrong that apply carries on through.
    fn warn(&self, line: &str) {
        self.note(&format!("warning: {line}"));
    }
    /// Nothing more comes: a drawn bar gives its line back.
    fn finish(&self) {}
}

/// Says nothing; for callers with nobody to tell.
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _: usize, _: usize, _: &str) {}
    fn note(&self, _: &str) {}
}
