//! `warren completions SHELL`: the completion script clap derives from the command line.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Error, Outcome};

pub fn run(args: &CompletionsArgs) -> Result<Outcome, Error> {
    let mut command = Cli::command();
    // Into a buffer: clap_complete panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "warren", &mut script);
    super::print_bytes(&script, "printing the completion script")
}
