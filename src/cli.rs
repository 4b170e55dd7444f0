//! Command-line types (clap derive only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output_target::OutputTarget;

#[derive(Debug, Parser)]
#[command(name = "warren", version, about = "Declarative GitOps for RabbitMQ")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Folder holding one sub-folder per environment.
    #[arg(
        long,
        global = true,
        default_value = "environments",
        env = "WARREN_ENVIRONMENTS_DIR"
    )]
    pub environments_dir: PathBuf,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// More logging on stderr (-v debug, -vv trace); WARREN_LOG takes tracing's filter syntax.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log lines as text, or as one JSON object per line for CI log collectors.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = LogFormat::Text,
        env = "WARREN_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check environments: references, argument types, patterns, lints. Exit 0 valid, 1 errors.
    Validate(ValidateArgs),
    /// Show what apply would change on the broker. With --detailed-exitcode: 0 none, 2 changes.
    Plan(PlanArgs),
    /// Make the broker match the environment, in dependency order.
    Apply(ApplyArgs),
    /// Report what differs between the broker and the environment. Exit 0 in sync, 2 drift, 1 error.
    Drift(DriftArgs),
    /// Print the JSON Schema (draft-07) of the environment format.
    Schema,
    /// Write rabbitmq.conf and advanced.config from the environment's `server:` setting.
    RenderConfig(RenderConfigArgs),
    /// Cluster and node health against the environment. Exit 0 healthy, 2 degraded, 1 unreachable.
    Status(StatusArgs),
    /// Prometheus metrics of queues, nodes and connections, as a textfile or on /metrics.
    Metrics(MetricsArgs),
    /// Print the environment as a RabbitMQ definitions document (for load_definitions).
    Export(ExportArgs),
    /// Write an environment folder from a broker's or a file's definitions.
    Import(ImportArgs),
    /// Clear the apply lock a crashed apply left, by the id its refusal names.
    Unlock(UnlockArgs),
    /// Print a shell completion script: `warren completions bash > /etc/bash_completion.d/warren`.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or with --out write one page per command into a folder.
    Man(ManArgs),
    /// Print a plan saved with `plan --out`, in any plan format, without reading the broker.
    Show(ShowArgs),
    /// Which queues a message reaches, and by which path, in the environment or on the broker.
    Route(RouteArgs),
    /// Draw a vhost's exchanges, queues, bindings and dead-letter paths (Mermaid or DOT).
    Graph(GraphArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Folder to write warren.1 and warren-COMMAND.1 into, instead of printing warren.1.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The file `warren plan --out` wrote.
    #[arg(value_name = "PLAN_FILE")]
    pub plan: PathBuf,
    /// human; json: versioned document (schemas/plan.schema.json); markdown: a pull-request
    /// comment
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

/// How to reach the broker: flag, then RABBITMQ_MANAGEMENT_* variable, then the environment's `broker:`.
///
/// The variables are read in `commands::connect` (an empty one counts as unset), so help names
/// them in the text and never shows their values.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection options")]
pub struct ConnectionArgs {
    /// Management API URL(s) of one cluster, tried in order (repeatable or comma-separated)
    /// [env: RABBITMQ_MANAGEMENT_API_URL]
    #[arg(long = "url", value_delimiter = ',', value_name = "URL")]
    pub urls: Vec<String>,
    /// User to log in as; default: the environment's `broker: { user }`, else guest
    /// [env: RABBITMQ_MANAGEMENT_USER]
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Password; prefer --password-file or the variable: flags show up in process lists
    /// [env: RABBITMQ_MANAGEMENT_PASSWORD]
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// File holding the password (one line; a trailing newline is ignored)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// PEM file of CA certificates to trust
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// PEM client certificate (chain) for mutual TLS; needs --client-key
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of --client-cert
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate (never the default)
    #[arg(long)]
    pub insecure: bool,
    /// Request timeout in seconds [default: 30]; a definitions import gets it once per
    /// 1,000 objects
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// human; json: versioned document (schemas/plan.schema.json); markdown: a pull-request
    /// comment
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 2 when there are changes, 0 when none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also save the plan, with what it was computed from, for `apply --plan`.
    #[arg(long, value_name = "PLAN_FILE")]
    pub out: Option<PathBuf>,
    /// Also write the same plan in FORMAT to FILE, from the same read (repeatable), e.g.
    /// json=plan.json
    #[arg(long = "write", value_name = "FORMAT=FILE")]
    pub writes: Vec<OutputTarget<PlanFormat>>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
// Values are described on the `--format` arguments: a described value would give only that
// command clap's long help layout.
pub enum PlanFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow deletes and replaces.
    #[arg(long)]
    pub allow_destroy: bool,
    /// Allow steps that drop messages held in queues.
    #[arg(long)]
    pub allow_data_loss: bool,
    /// Apply exactly this saved plan, refusing it if the environment or broker changed since.
    #[arg(long, value_name = "PLAN_FILE")]
    pub plan: Option<PathBuf>,
    /// Seconds to wait for another apply on the same broker to finish.
    #[arg(long, default_value_t = 300)]
    pub lock_timeout: u64,
    /// Allow removing or weakening the user warren is logged in as (it may lock itself out).
    #[arg(long)]
    pub allow_lockout: bool,
    /// Allow a migration (`on_replace: migrate`) to re-create a queue that has consumers,
    /// which disconnects them.
    #[arg(long)]
    pub allow_consumer_disconnect: bool,
    /// Seconds one move of a migration's messages (out, or back) may take; a rerun resumes.
    #[arg(long, default_value_t = 1800, value_name = "SECONDS")]
    pub migration_timeout: u64,
    /// Requests in flight at once within one dependency level.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// What the convergence check after the apply reads again: touched, only the objects
    /// the apply changed; full, everything the environment manages, as a plan does.
    #[arg(long, value_enum, default_value_t = VerifyScope::Touched, value_name = "SCOPE")]
    pub verify: VerifyScope,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// What apply's convergence check reads again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyScope {
    Touched,
    Full,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Environment name (folder under --environments-dir) or path; repeatable.
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Validate every environment under --environments-dir.
    #[arg(long)]
    pub all: bool,
    /// Also check what this broker version accepts, e.g. 3.12, 4.0 or 4.0.5 (the upgrade
    /// preflight).
    #[arg(long, value_name = "X.Y")]
    pub broker_version: Option<String>,
    /// Resolve every secret reference now, as plan and apply will.
    #[arg(long)]
    pub resolve_secrets: bool,
    /// Also print the settings (broker, manage, lints, server) after `extends`, as YAML;
    /// secrets show only as the reference they are read from.
    #[arg(long)]
    pub show_merged: bool,
    /// human: annotated source snippets; short: one line per problem.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,
    /// Draw every warning. Otherwise the human format draws the first few of each kind and
    /// counts the rest (errors are always drawn; the short format lists everything).
    #[arg(long)]
    pub all_warnings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    Human,
    Short,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// human; json: versioned document (format_version 1); markdown: a table and the lists;
    /// prometheus: node_exporter textfile (check_success 0 when the check fails)
    #[arg(long, value_enum, default_value_t = DriftFormat::Human)]
    pub format: DriftFormat,
    /// Also write the same report in FORMAT to FILE, from the same read (repeatable), e.g.
    /// prometheus=drift.prom (written, with check_success 0, when the check fails)
    #[arg(long = "write", value_name = "FORMAT=FILE")]
    pub writes: Vec<OutputTarget<DriftFormat>>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    Human,
    Json,
    Markdown,
    Prometheus,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// Write the document to this file (mode 0600) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// The lock's id, as the refusal of a waiting apply names it.
    #[arg(value_name = "LOCK_ID")]
    pub lock_id: String,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["from_url", "from_definitions"]))]
pub struct ImportArgs {
    /// Read the definitions of this broker's management API (with the connection flags).
    #[arg(long, value_name = "URL")]
    pub from_url: Option<String>,
    /// Read a definitions JSON file (as `rabbitmqctl export_definitions` writes it).
    #[arg(long, value_name = "FILE")]
    pub from_definitions: Option<PathBuf>,
    /// The environment folder to write (created; files in it are overwritten).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Import only these vhosts (repeatable); the environment then manages only them.
    #[arg(long = "vhost", value_name = "V")]
    pub vhosts: Vec<String>,
    /// Write the users' password hashes (salted SHA-256: crackable offline) instead of
    /// `password: { env: WARREN_<USER>_PASSWORD }` references; users.yaml is then mode 0600.
    #[arg(long)]
    pub with_password_hashes: bool,
    /// With --from-url: also write the user import logs in as (left out and ignored by
    /// default, so an apply of the result cannot change the user warren connects as).
    #[arg(long)]
    pub include_login_user: bool,
    /// References instead of hashes: the default now; kept so that scripts using it still run.
    #[arg(long, hide = true)]
    pub secrets_as_env: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct RenderConfigArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// Folder to write rabbitmq.conf and advanced.config into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// human; json: a document (format_version 1) with the nodes and one string per problem
    #[arg(long, value_enum, default_value_t = StatusFormat::Human)]
    pub format: StatusFormat,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["listen", "textfile"])))]
pub struct MetricsArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// Serve GET /metrics on this address (e.g. 127.0.0.1:9419) until interrupted.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Write the metrics to this file (atomically, for node_exporter's textfile collector) and exit.
    #[arg(long, value_name = "FILE")]
    pub textfile: Option<PathBuf>,
    /// Also check drift and append the warren_drift_* series.
    #[arg(long)]
    pub with_drift: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct RouteArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// The vhost (needed when the environment manages more than one).
    #[arg(long, value_name = "V")]
    pub vhost: Option<String>,
    /// The exchange the message is published to ("" for the default exchange).
    #[arg(long, value_name = "X")]
    pub exchange: String,
    #[arg(long, value_name = "K", default_value = "")]
    pub routing_key: String,
    /// A message header as NAME=VALUE (a string value); repeatable.
    #[arg(long = "header", value_name = "k=v")]
    pub headers: Vec<String>,
    #[arg(long, value_enum, default_value_t = RouteFormat::Human)]
    pub format: RouteFormat,
    /// Route over the broker's live topology instead of the environment's.
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RouteFormat {
    Human,
    /// A JSON document, schema in schemas/route.schema.json.
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Environment name (folder under --environments-dir) or path.
    #[arg(long = "env", value_name = "ENV")]
    pub env: String,
    /// The vhost (needed when the environment manages more than one).
    #[arg(long, value_name = "V")]
    pub vhost: Option<String>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Draw the broker's live topology instead of the environment's.
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (rendered by GitHub and GitLab in Markdown).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}
