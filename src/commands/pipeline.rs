//! load -> validate -> fetch -> lower -> the plan layer: the steps plan and apply share.

mod inputs;

use std::path::Path;

use crate::broker::fetch_objects::fetch_objects;
use crate::broker::lower::live_state;
use crate::broker::{read_live, HttpBroker, LiveRead};
use crate::cli::ConnectionArgs;
use crate::config::diagnostic::Diagnostic;
use crate::config::lower::desired_state;
use crate::config::schema::SecretSource;
use crate::config::validate::{BrokerVersion, ValidateOptions};
use crate::config::{secret_references, Environment};
use crate::error::Error;
use crate::model::{ResourceId, State};
use crate::plan::build::{build, Inputs};
use crate::plan::touched::diff_touched;
use crate::plan::Action;
use crate::render::diagnostics;
use inputs::FromEnvironment;

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
        errors_only: true,
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
    let (loaded, snapshot) = tokio::join!(loading, read_live(&broker));
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
    let (snapshot, desired) =
        tokio::join!(read_live(&broker), async { desired_state(&env, &resolver) });
    plan_from(env, broker, snapshot?, desired).await
}

/// Everything after the live read: version checks, lowering, and the plan layer's steps
/// with the broker answering what they ask.
async fn plan_from(
    env: Environment,
    broker: HttpBroker,
    read: LiveRead,
    desired: Result<State, Vec<Diagnostic>>,
) -> Result<Planned, Error> {
    report_for_version(&env, &read.version)?;
    let desired = match desired {
        Ok(state) => state,
        Err(problems) => {
            // Building the desired state resolves secrets; plain validate does not.
            report_errors(&env, &problems, &["--resolve-secrets"])?;
            State::default()
        }
    };
    let LiveRead {
        version,
        state: mut live,
        ..
    } = read;
    let gathered = FromEnvironment::of(&env);
    let inputs = Inputs {
        environment: &env.name,
        desired,
        live: &mut live,
        scope: &gathered.scope,
        migrating: &gathered.migrating,
        assertions: &gathered.assertions,
        version: &version,
        routing_version: version
            .parse::<BrokerVersion>()
            .unwrap_or_else(|_| super::topology_source::offline_version()),
    };
    let plan = build(inputs, &broker).await?;
    tracing::info!(
        requests = broker.request_count(),
        changes = plan.changes.len(),
        "planned"
    );
    Ok(Planned {
        env,
        plan,
        broker,
        version,
        live,
        scope: gathered.scope,
    })
}

/// The environment checked against the broker's release: errors end the command, warnings
/// are printed.
fn report_for_version(env: &Environment, version: &str) -> Result<(), Error> {
    let Ok(parsed) = version.parse::<BrokerVersion>() else {
        return Ok(());
    };
    let problems = crate::config::validate::validate_for_version(env, parsed);
    let version_flag = format!("--broker-version {version}");
    report_errors(env, &problems, &[&version_flag])?;
    // What this release deprecates, or the quorum delivery limit of 4.x: said, not refused.
    for warning in problems.iter().filter(|p| !p.is_error()) {
        eprintln!("{}", diagnostics::short(warning, &env.sources));
    }
    Ok(())
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
        let (env, broker) = planned.into_env_and_broker();
        return plan_against(env, broker).await;
    };
    tracing::info!(objects = touched.len(), "reading back the touched objects");
    let env = &planned.env;
    let resolver = |source: &SecretSource, file| secret_references::resolve(source, &env.dir, file);
    let Ok(everything) = desired_state(env, &resolver) else {
        let (env, broker) = planned.into_env_and_broker();
        return plan_against(env, broker).await;
    };
    let live = live_state(snapshot);
    let plan = diff_touched(&env.name, &everything, &live, &planned.scope, touched);
    Ok(Planned {
        plan,
        live,
        ..planned
    })
}
