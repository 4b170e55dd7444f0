//! `warren status`: cluster and node health against the environment (replaces
//! check_cluster_status.sh). Exit 0 healthy, 2 degraded, 1 unreachable or error.

use std::path::Path;

use crate::cli::{StatusArgs, StatusFormat};
use crate::error::{Error, Outcome};
use crate::ops::{nodes, status};

pub fn run(args: &StatusArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let env = super::pipeline::load_valid(&args.env, environments_dir, None)?;
    let broker = super::connect::connect(&args.connection, &env)?;
    let (overview, nodes) = super::runtime()?
        .block_on(async { futures::try_join!(nodes::overview(&broker), nodes::nodes(&broker)) })?;
    let server = env.settings.server.as_ref().map(|s| &s.spec);
    let report = status::assess(&env.name, server, &overview, nodes);
    let text = match args.format {
        StatusFormat::Human => status::render_human(&report),
        StatusFormat::Json => status::render_json(&report),
    };
    print!("{text}");
    Ok(if report.healthy() {
        Outcome::Success
    } else {
        Outcome::Changes
    })
}
