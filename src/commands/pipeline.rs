//! load -> validate -> fetch -> normalise -> diff: the steps plan and apply share.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::broker::fetch::{binding_keys, queue_info};
use crate::broker::lower::{binding_id, live_state};
use crate::broker::{fetch_live, queue_totals, HttpBroker, LiveSnapshot};
use crate::cli::ConnectionArgs;
use crate::config::diagnostic::Diagnostic;
use crate::config::lower::desired_state;
use crate::config::schema::SecretSource;
use crate::config::validate::{BrokerVersion, ValidateOptions};
use crate::config::{secrets, Environment};
use crate::error::Error;
use crate::model::{ResourceId, State};
use crate::plan::passwords::hash_passwords;
use crate::plan::routing::routing_changes;
use crate::plan::{diff, migrations, notes, refusals, Action, MessageCount, Plan, Scope};
use crate::render::diagnostics;

pub struct Planned {
    pub env: Environment,
    pub plan: Plan,
    pub broker: HttpBroker,
    pub version: String,
    /// The live state the plan was computed from, and what the environment manages.
    pub live: State,
    pub scope: Scope,
}

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
        let resolver = |source: &SecretSource, file| secrets::resolve(source, &env.dir, file);
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
    let resolver = |source: &SecretSource, file| secrets::resolve(source, &env.dir, file);
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
    count_messages(&broker, &mut plan).await?;
    attach_binding_keys(&broker, &mut plan).await?;
    let assertions: Vec<_> = crate::config::validate::routes::assertions(&env)
        .into_iter()
        .map(|(_, _, assertion)| assertion)
        .collect();
    let version = live_version
        .parse::<BrokerVersion>()
        .unwrap_or_else(|_| super::topology_source::offline_version());
    plan.routing = routing_changes(&plan, &desired, &live, &assertions, version);
    let context = refusal_context(&broker, &plan, &live_version).await?;
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

/// Who warren is logged in as (read only when a step could weaken a user or creates a
/// vhost), and what the broker's version cannot do.
async fn refusal_context(
    broker: &HttpBroker,
    plan: &Plan,
    version: &str,
) -> Result<refusals::Context, Error> {
    let creates_vhost = plan
        .changes
        .iter()
        .any(|c| c.action == Action::Create && matches!(c.id, ResourceId::Vhost { .. }));
    let login = if refusals::needs_login(plan) || creates_vhost {
        Some(
            crate::apply::guard::login_user(broker)
                .await
                .map_err(Error::Refused)?,
        )
    } else {
        None
    };
    let ignores = version
        .parse::<BrokerVersion>()
        .is_ok_and(|v| !v.at_least(3, 11, 17));
    Ok(refusals::Context {
        login,
        ignores_vhost_queue_type_change: ignores.then(|| version.to_string()),
    })
}

/// Deleting a binding needs its `properties_key`: one read per vhost that has such a delete.
pub async fn attach_binding_keys(broker: &HttpBroker, plan: &mut Plan) -> Result<(), Error> {
    let vhosts: BTreeSet<String> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete && matches!(c.id, ResourceId::Binding { .. }))
        .filter_map(|c| c.id.vhost().map(str::to_string))
        .collect();
    let mut keys: HashMap<ResourceId, String> = HashMap::new();
    for vhost in vhosts {
        for b in binding_keys(broker, &vhost).await? {
            if let Some(id) = binding_id(
                &b.vhost,
                &b.source,
                &b.destination_type,
                &b.destination,
                &b.routing_key,
                &b.arguments,
            ) {
                keys.insert(id, b.properties_key);
            }
        }
    }
    for change in plan
        .changes
        .iter_mut()
        .filter(|c| c.action == Action::Delete)
    {
        if let (Some(key), Some(before)) = (keys.get(&change.id), change.before.as_mut()) {
            before.properties_key = Some(key.clone());
        }
    }
    Ok(())
}

/// One request for all queue totals, made only when a destructive step touches a queue.
pub async fn count_messages(broker: &HttpBroker, plan: &mut Plan) -> Result<(), Error> {
    let touches_queue = |action: Action, id: &ResourceId| {
        action.is_destructive() && matches!(id, ResourceId::Queue { .. })
    };
    if !plan.changes.iter().any(|c| touches_queue(c.action, &c.id)) {
        return Ok(());
    }
    let totals = queue_totals(broker, None).await?;
    let counts: HashMap<(String, String), Option<u64>> = totals
        .into_iter()
        .map(|q| ((q.vhost, q.name), q.messages))
        .collect();
    for change in plan
        .changes
        .iter_mut()
        .filter(|c| touches_queue(c.action, &c.id))
    {
        if let ResourceId::Queue { vhost, name } = &change.id {
            // A queue that is down, or listed without stats, may hold messages; one that is
            // not there (a migration's temporary queue before it starts) holds none.
            let count_of = |queue: &str| match counts.get(&(vhost.clone(), queue.to_string())) {
                Some(Some(n)) => MessageCount::Known(*n),
                Some(None) => MessageCount::Unknown,
                None if change.before.is_none() || queue != name => MessageCount::Known(0),
                None => MessageCount::Unknown,
            };
            change.messages = Some(count_of(name));
            if let Some(migration) = change.migration.as_mut() {
                migration.waiting = Some(count_of(&migration.temporary));
                // The stats-free listing carries no consumers: ask the queue itself.
                let queue = queue_info(broker, vhost, name).await?;
                migration.consumers = queue.map_or(0, |q| q.consumers);
            }
        }
    }
    Ok(())
}
