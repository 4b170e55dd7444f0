//! `warren route`: which queues a message reaches, from the environment or the live broker.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::topology_source;
use crate::cli::{RouteArgs, RouteFormat};
use crate::error::{Error, Outcome};
use crate::render::route as render;
use crate::route::{route, Message, Topology};

pub fn run(args: &RouteArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let headers = parse_headers(&args.headers)?;
    let env = super::pipeline::load_valid(&args.env, environments_dir, None)?;
    let vhost = topology_source::vhost(&env, args.vhost.as_deref())?;
    let (state, version) = topology_source::state(&env, args.live, &args.connection)?;
    let topology = Topology::of(&state, &vhost, version);
    let message = Message {
        exchange: args.exchange.clone(),
        routing_key: args.routing_key.clone(),
        headers,
    };
    let routed = route(&topology, &message)?;
    match args.format {
        RouteFormat::Human => print!("{}", render::human(&vhost, &message, &routed)),
        RouteFormat::Json => print!("{}", render::json(&vhost, &message, &routed)),
    }
    Ok(Outcome::Success)
}

/// `NAME=VALUE` pairs; the value is a string, as most publishers send headers.
fn parse_headers(pairs: &[String]) -> Result<BTreeMap<String, Value>, Error> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.is_empty() => {
                Ok((name.to_string(), Value::String(value.to_string())))
            }
            _ => Err(Error::Usage(format!(
                "--header {pair:?}: expected NAME=VALUE"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_at_the_first_equals_sign() {
        let parsed = parse_headers(&["a=b=c".to_string(), "empty=".to_string()]).unwrap();
        assert_eq!(parsed["a"], "b=c");
        assert_eq!(parsed["empty"], "");
        assert!(parse_headers(&["novalue".to_string()]).is_err());
        assert!(parse_headers(&["=v".to_string()]).is_err());
    }
}
