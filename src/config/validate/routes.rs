//! Route assertions (`routes:` in a vhost) checked against the environment's own topology:
//! a message that would not reach exactly the expected queues is an error at the assertion.

use super::Checker;
use crate::config::diagnostic::DiagnosticKind;
use crate::config::diagnostic::{Diagnostic, FileId};
use crate::config::environment::Environment;
use crate::config::lower::desired_state;
use crate::config::schema::RouteSpec;
use crate::format::queue_types::SUPPORTED;
use crate::model::secret_value::Secret;
use crate::route::assertion::{queue_list, Assertion};
use crate::route::Topology;

/// Every assertion of the environment's managed vhosts, with where it was written.
pub fn assertions(env: &Environment) -> Vec<(FileId, &RouteSpec, Assertion)> {
    let managed = env.managed_vhosts();
    env.vhosts
        .iter()
        .filter(|(name, _)| managed.contains(name))
        .flat_map(|(name, vhost)| {
            vhost
                .routes
                .iter()
                .map(move |(file, spec)| (*file, spec, assertion(name, spec)))
        })
        .collect()
}

fn assertion(vhost: &str, spec: &RouteSpec) -> Assertion {
    let mut expect: Vec<String> = spec.expect.value.iter().map(|q| q.value.clone()).collect();
    expect.sort();
    expect.dedup();
    Assertion {
        vhost: vhost.to_string(),
        exchange: spec.exchange.value.clone(),
        routing_key: spec
            .routing_key
            .as_ref()
            .map(|k| k.value.clone())
            .unwrap_or_default(),
        headers: spec
            .headers
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        expect,
    }
}

/// The message as the assertion describes it, and what it expects.
pub fn failure_message(assertion: &Assertion, actual: &str, source: &str) -> String {
    format!(
        "route assertion failed: {} in `{}` should reach {}, but {source} it gives {actual}",
        assertion.describe(),
        assertion.vhost,
        queue_list(&assertion.expect),
    )
}

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    let found = assertions(env);
    if found.is_empty() {
        return;
    }
    for (name, vhost) in &env.vhosts {
        if !env.managed_vhosts().contains(name) && !vhost.routes.is_empty() {
            for (file, spec) in &vhost.routes {
                c.push(
                    Diagnostic::error(
                        DiagnosticKind::RouteUnchecked,
                        format!("route assertion in vhost `{name}`, which the environment does not manage"),
                    )
                    .at(*file, spec.exchange.at)
                    .help("add the vhost to manage.vhosts, or move the assertion"),
                );
            }
        }
    }
    // Routing needs no secrets; a state built without them is whole for routing.
    let no_secrets = |_: &_, _| Ok(Secret::new(""));
    let state = desired_state(env, &no_secrets).unwrap_or_default();
    let version = SUPPORTED[SUPPORTED.len() - 1];
    let mut topologies = std::collections::BTreeMap::new();
    for (file, spec, assertion) in found {
        let topology = topologies
            .entry(assertion.vhost.clone())
            .or_insert_with(|| Topology::of(&state, &assertion.vhost, version));
        if let Some(failure) = assertion.check(topology) {
            let message = failure_message(&assertion, &failure.describe(), "in this environment");
            c.push(
                Diagnostic::error(DiagnosticKind::RouteMismatch, message)
                    .at(file, spec.expect.at)
                    .help(format!(
                        "expected {}: change the bindings, or the assertion if the new routing is intended",
                        queue_list(&assertion.expect),
                    )),
            );
        }
    }
}
