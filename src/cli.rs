//! Command-line types (clap derive only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "warren", version, about = "Declarative GitOps for RabbitMQ")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Folder holding one sub-folder per environment.
    #[arg(long, global = true, default_value = "environments", env = "WARREN_ENVIRONMENTS_DIR")]
    pub environments_dir: PathBuf,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// More logging on stderr (-v debug, -vv trace); WARREN_LOG takes tracing's filter syntax.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
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
    /// Print the JSON Schema (draft-07) of the environment format.
    Schema,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Environment name (folder under --environments-dir) or path; repeatable.
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Validate every environment under --environments-dir.
    #[arg(long)]
    pub all: bool,
    /// Also check what this broker version accepts, e.g. 3.12 or 4.0.
    #[arg(long, value_name = "X.Y")]
    pub broker_version: Option<String>,
    /// Resolve every secret reference now, as plan and apply will.
    #[arg(long)]
    pub resolve_secrets: bool,
    /// human: annotated source snippets; short: one line per problem.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    Human,
    Short,
}
