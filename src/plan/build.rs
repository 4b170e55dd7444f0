//! A plan from both states: the diff, migrations, what enrichment reads from the broker,
//! routing changes, refusals and notes, in the order each needs the others.

use std::collections::BTreeSet;

use super::enrich::{self, Reads};
use super::migrations;
use super::notes;
use super::passwords::hash_passwords;
use super::refusals;
use super::routing::routing_changes;
use super::{diff, Plan, Scope};
use crate::format::BrokerVersion;
use crate::model::State;
use crate::route::assertion::Assertion;

/// What a plan is made from; the command layer gathers it from the environment and the broker.
pub struct Inputs<'a> {
    /// The environment's name, as the plan records it.
    pub environment: &'a str,
    /// Plain passwords in it are turned into hashes comparable with the live ones.
    pub desired: State,
    /// As lowered from the broker; what an interrupted migration left is taken out of it.
    pub live: &'a mut State,
    pub scope: &'a Scope,
    /// Queues `(vhost, name)` whose replace keeps their messages.
    pub migrating: &'a BTreeSet<(String, String)>,
    /// The environment's route assertions, tried first for routing changes.
    pub assertions: &'a [Assertion],
    /// The broker's version as it reports it.
    pub version: &'a str,
    /// The release whose routing rules apply: the broker's, or a chosen one when unreadable.
    pub routing_version: BrokerVersion,
}

/// The plan of `inputs`, asking `reads` only for what its steps need.
pub async fn build<R: Reads>(inputs: Inputs<'_>, reads: &R) -> Result<Plan, R::Error> {
    let Inputs {
        environment,
        mut desired,
        live,
        scope,
        migrating,
        assertions,
        version,
        routing_version,
    } = inputs;
    hash_passwords(&mut desired, live);
    let interrupted = migrations::take_interrupted(live, &desired);
    let mut plan = diff(environment, &desired, live, scope);
    migrations::plan_migrations(&mut plan, migrating, &interrupted, &desired, live);
    enrich::enrich(reads, &mut plan).await?;
    plan.routing = routing_changes(&plan, &desired, live, assertions, routing_version);
    let context = enrich::refusal_context(reads, &plan, version).await?;
    refusals::annotate(&mut plan, &context);
    if let Some(login) = &context.login {
        plan.notes = notes::vhost_grants(&plan, &desired, scope, login);
    }
    Ok(plan)
}
