//! `warren man`: man pages from the same definitions as `--help`, so they never disagree.

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Outcome};

pub fn run(args: &ManArgs) -> Result<Outcome, Error> {
    let command = Cli::command();
    let Some(folder) = &args.out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|source| Error::Io {
                what: "rendering the man page".to_string(),
                source,
            })?;
        return super::print_bytes(&page, "printing the man page");
    };
    std::fs::create_dir_all(folder)
        .and_then(|()| clap_mangen::generate_to(command, folder))
        .map_err(|source| Error::Io {
            what: format!("writing man pages into {}", folder.display()),
            source,
        })?;
    Ok(Outcome::Success)
}
