//! The state the read-only topology commands (route, graph, route assertions) work on:
//! the environment's, or the broker's with `--live`.

use crate::broker::read_live;
use crate::cli::ConnectionArgs;
use crate::config::lower::desired_state;
use crate::config::Environment;
use crate::error::Error;
use crate::format::queue_types::SUPPORTED;
use crate::format::BrokerVersion;
use crate::model::secret_value::Secret;
use crate::model::State;

/// The release whose rules offline routing follows: the newest warren supports.
pub fn offline_version() -> BrokerVersion {
    SUPPORTED[SUPPORTED.len() - 1]
}

/// The environment's desired state; secrets are not read, since routing never needs them.
pub fn desired(env: &Environment) -> State {
    let no_secrets = |_: &_, _| Ok(Secret::new(""));
    // Problems here are secrets', which routing does not use: the state is still whole.
    desired_state(env, &no_secrets).unwrap_or_default()
}

/// The broker's state and release, read as `plan` reads it.
pub fn live(
    env: &Environment,
    connection: &ConnectionArgs,
) -> Result<(State, BrokerVersion), Error> {
    let broker = super::connect::connect(connection, env)?;
    let read = super::runtime()?.block_on(read_live(&broker))?;
    let version = read
        .version
        .parse::<BrokerVersion>()
        .unwrap_or_else(|_| offline_version());
    Ok((read.state, version))
}

/// The broker's topology with `live`, else the environment's, with the release it is for.
pub fn state(
    env: &Environment,
    live_read: bool,
    connection: &ConnectionArgs,
) -> Result<(State, BrokerVersion), Error> {
    if live_read {
        live(env, connection)
    } else {
        Ok((desired(env), offline_version()))
    }
}

/// The vhost to work in: the one named, else the environment's only managed vhost.
pub fn vhost(env: &Environment, named: Option<&str>) -> Result<String, Error> {
    let managed = env.managed_vhosts();
    match named {
        Some(v) => Ok(v.to_string()),
        None if managed.len() == 1 => Ok(managed[0].clone()),
        None => Err(Error::Usage(format!(
            "environment `{}` manages {} vhosts ({}); name one with --vhost",
            env.name,
            managed.len(),
            managed.join(", ")
        ))),
    }
}
