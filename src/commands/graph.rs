//! `warren graph`: a picture of one vhost's topology, from the environment or the broker.

use std::path::Path;

use super::topology_source;
use crate::cli::{GraphArgs, GraphFormat};
use crate::error::{Error, Outcome};
use crate::render::{graph_dot, graph_mermaid};
use crate::route::graph::graph;
use crate::route::Topology;

pub fn run(args: &GraphArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let env = super::pipeline::load_valid(&args.env, environments_dir, None)?;
    let vhost = topology_source::vhost(&env, args.vhost.as_deref())?;
    let (state, version) = topology_source::state(&env, args.live, &args.connection)?;
    let picture = graph(&Topology::of(&state, &vhost, version));
    match args.format {
        GraphFormat::Mermaid => print!("{}", graph_mermaid::render(&picture)),
        GraphFormat::Dot => print!("{}", graph_dot::render(&picture)),
    }
    Ok(Outcome::Success)
}
