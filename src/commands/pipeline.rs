//! load -> validate -> fetch -> normalise -> diff: the steps plan and apply share.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use crate::broker::fetch_objects::fetch_objects;
use crate::broker::lower::live_state;
use crate::broker::{fetch_live, HttpBroker, LiveSnapshot};
use crate::cli::ConnectionArgs;
use crate::config::diagnostic::Diagnostic;
use crate::config::lower::desired_state;
use crate::config::schema::SecretSource;
use crate::config::validate::{BrokerVersion, ValidateOptions};
use crate::config::{secret_references, Environment};
use crate::error::Error;
use crate::model::{ResourceId, State};
use crate::plan::passwords::hash_passwords;
use crate::plan::routing::routing_changes;
use crate::plan::{diff, enrich, migrations, notes, refusals, Action, Scope};
use crate::render::diagnostics;

pub use crate::apply::planned::Planned;

/// Loads and validates the environment; errors are printed to stderr and end the command.
pub fn load_valid(
    reference: &str,
    environments_dir: &Path,
    version: Option<BrokerVersion>,
) -> Result<Environment, Error> {
    let dir = super::env_dir(reference, environments_dir)?;
    let options = ValidateOptions {
        broker_version: version,
    };
    let (mut env, problems) = super::validate::check_environment(&dir, &options, false);
    env.reference = reference.to_string();
    report_errors(&env, &problems, &[])?;
    Ok(env)
}

/// Prints the errors and ends the command with the validate flags that report them again.
fn report_errors(
    env: &Environment,
    problems: &[Diagnostic],
    validate_flags: &[&str],
) -> Result<(), Error> {
    let errors: Vec<&Diagnostic> = problems.iter().filter(|p| p.is_error()).collect();
    for problem in &errors {
        eprintln!("{}", diagnostics::short(problem, &env.sources));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidEnvironment {
            name: env.name.clone(),
            count: errors.len(),
            command: super::validate_hint::validate_command(&env.reference, validate_flags),
        })
    }
}

/// Reads the broker, builds both states and diffs them; messages are counted for destructive steps.
pub async fn plan(
    reference: &str,
    environments_dir: &Path,
    connection: &ConnectionArgs,
) -> Result<Planned, Error> {
    let early = super::connect::settings_from_flags(connection)
        .and_then(|settings| Some((HttpBroker::new(&settings).ok()?, settings)));
    let Some((broker, early)) = early else {
        let env = load_valid(reference, environments_dir, None)?;
        let broker = super::connect::connect(connection, &env)?;
        return plan_against(env, broker).await;
    };
    // Flags or variables name the broker: its answer is on its way while the environment
    // loads on another thread (a large environment takes a noticeable share of a plan).
    tracing::info!(
        url = broker.current_url(),
        "reading live state while loading"
    );
    let (reference, dir) = (reference.to_string(), environments_dir.to_path_buf());
    let loading = tokio::task::spawn_blocking(move || {
        let env = load_valid(&reference, &dir, None)?;
        let resolver =
            |source: &SecretSource, file| secret_references::resolve(source, &env.dir, file);
        let desired = desired_state(&env, &resolver);
        Ok::<_, Error>((env, desired))
    });
    let (loaded, snapshot) = tokio::join!(loading, fetch_live(&broker));
    let (env, desired) = match loaded {
        Ok(loaded) => loaded?,
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    };
    if super::connect::settings(connection, &env)? != early {
        // The environment adds a CA certificate or a timeout: read again with them.
        let broker = super::connect::connect(connection, &env)?;
        return plan_against(env, broker).await;
    }
    plan_from(env, broker, snapshot?, desired).await
}

/// The planning steps for an environment already loaded and a broker already connected.
pub async fn plan_against(env: Environment, broker: HttpBroker) -> Result<Planned, Error> {
    tracing::info!(environment = %env.name, url = broker.current_url(), "reading live state");
    let resolver = |source: &SecretSource, file| secret_references::resolve(source, &env.dir, file);
    // The desired state is built while the broker's answers are on their way.
    let (snapshot, desired) = tokio::join!(fetch_live(&broker), async {
        desired_state(&env, &resolver)
    });
    plan_from(env, broker, snapshot?, desired).await
}

/// Everything after the live read: version checks, normalisation, diff, message counts.
async fn plan_from(
    env: Environment,
    broker: HttpBroker,
    snapshot: LiveSnapshot,
    desired: Result<State, Vec<Diagnostic>>,
) -> Result<Planned, Error> {
    if let Ok(version) = snapshot.version.parse::<BrokerVersion>() {
        let problems = crate::config::validate::validate_for_version(&env, version);
        let version_flag = format!("--broker-version {}", snapshot.version);
        report_errors(&env, &problems, &[&version_flag])?;
        // What this release deprecates, or the quorum delivery limit of 4.x: said, not refused.
        for warning in problems.iter().filter(|p| !p.is_error()) {
            eprintln!("{}", diagnostics::short(warning, &env.sources));
        }
    }
    let mut desired = match desired {
        Ok(state) => state,
        Err(problems) => {
            // Building the desired state resolves secrets; plain validate does not.
            report_errors(&env, &problems, &["--resolve-secrets"])?;
            State::default()
        }
    };
    // The answer as read is no longer needed once lowered; lowering consumes it.
    let live_version = snapshot.version.clone();
    let mut live = live_state(snapshot);
    hash_passwords(&mut desired, &live);
    let scope = Scope::of(&env);
    let declared_queues: BTreeSet<(String, String)> = desired
        .iter()
        .filter_map(|(id, _)| match id {
            ResourceId::Queue { vhost, name } => Some((vhost.clone(), name.clone())),
            _ => None,
        })
        .collect();
    let interrupted = migrations::take_interrupted(&mut live, &declared_queues);
    let mut plan = diff(&env.name, &desired, &live, &scope);
    let migrating: BTreeSet<(String, String)> = env.migrating_queues().into_iter().collect();
    migrations::plan_migrations(&mut plan, &migrating, &interrupted, &desired, &live);
    enrich::enrich(&broker, &mut plan).await?;
    let assertions: Vec<_> = crate::config::validate::routes::assertions(&env)
        .into_iter()
        .map(|(_, _, assertion)| assertion)
        .collect();
    let version = live_version
        .parse::<BrokerVersion>()
        .unwrap_or_else(|_| super::topology_source::offline_version());
    plan.routing = routing_changes(&plan, &desired, &live, &assertions, version);
    let context = enrich::refusal_context(&broker, &plan, &live_version).await?;
    refusals::annotate(&mut plan, &context);
    if let Some(login) = &context.login {
        plan.notes = notes::vhost_grants(&plan, &desired, &scope, login);
    }
    tracing::info!(
        requests = broker.request_count(),
        changes = plan.changes.len(),
        "planned"
    );
    Ok(Planned {
        env,
        plan,
        broker,
        version: live_version,
        live,
        scope,
    })
}

/// Above this many touched objects, one read of everything costs less than a read of each.
const TOUCHED_READ_MAX: usize = 500;

/// The plan again, for only the objects an apply `touched`, read one by one: what the
/// convergence check needs after a small apply. Reads everything, as a plan does, when the
/// touched set is large, holds a migration, or a kind without a read of its own.
pub async fn plan_touched(planned: Planned, touched: &[ResourceId]) -> Result<Planned, Error> {
    let migrates = planned
        .plan
        .changes
        .iter()
        .any(|c| c.action == Action::Migrate);
    let snapshot = if migrates || touched.len() > TOUCHED_READ_MAX {
        None
    } else {
        fetch_objects(&planned.broker, touched).await?
    };
    let Some(snapshot) = snapshot else {
        return plan_against(planned.env, planned.broker).await;
    };
    tracing::info!(objects = touched.len(), "reading back the touched objects");
    let env = &planned.env;
    let resolver = |source: &SecretSource, file| secret_references::resolve(source, &env.dir, file);
    let Ok(everything) = desired_state(env, &resolver) else {
        return plan_against(planned.env, planned.broker).await;
    };
    let touched: HashSet<&ResourceId> = touched.iter().collect();
    let mut desired = State::default();
    for (id, resource) in everything.iter().filter(|(id, _)| touched.contains(id)) {
        desired.insert(id.clone(), resource.clone());
    }
    let live = live_state(snapshot);
    let mut plan = diff(&env.name, &desired, &live, &planned.scope);
    plan.changes.retain(|c| touched.contains(&c.id));
    plan.unmanaged.clear();
    Ok(Planned {
        plan,
        live,
        ..planned
    })
}
