use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use warren::cli::{Cli, Command, LogFormat};
use warren::commands;
use warren::error::Outcome;

fn main() -> ExitCode {
    warren::malloc_arenas::use_one();
    let cli = Cli::parse();
    warren::render::error_report::install_hook();
    init_logging(cli.global.verbose, cli.global.log_format);
    let color = commands::validate::use_color(cli.global.color);
    let result = match &cli.command {
        Command::Validate(args) => {
            commands::validate::run(args, &cli.global.environments_dir, color)
        }
        Command::Plan(args) => commands::plan::run(args, &cli.global.environments_dir, color),
        Command::Apply(args) => commands::apply::run(args, &cli.global.environments_dir, color),
        Command::Drift(args) => commands::drift::run(args, &cli.global.environments_dir, color),
        Command::Schema => Ok(commands::schema::run()),
        Command::RenderConfig(args) => {
            commands::render_config::run(args, &cli.global.environments_dir)
        }
        Command::Status(args) => commands::status::run(args, &cli.global.environments_dir),
        Command::Metrics(args) => commands::metrics::run(args, &cli.global.environments_dir),
        Command::Export(args) => commands::export::run(args, &cli.global.environments_dir),
        Command::Import(args) => commands::import::run(args),
        Command::Unlock(args) => commands::unlock::run(args, &cli.global.environments_dir),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
        Command::Show(args) => commands::show::run(args, color),
        Command::Route(args) => commands::route::run(args, &cli.global.environments_dir),
        Command::Graph(args) => commands::graph::run(args, &cli.global.environments_dir),
    };
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            ExitCode::from(Outcome::Failed.exit_code())
        }
    }
}

fn init_logging(verbose: u8, format: LogFormat) {
    let filter = match verbose {
        // The certificate verifier logs each failure that the error report already shows.
        0 => EnvFilter::try_from_env("WARREN_LOG")
            .unwrap_or_else(|_| EnvFilter::new("warn,rustls_platform_verifier=off")),
        1 => EnvFilter::new("warren=debug"),
        _ => EnvFilter::new("warren=trace"),
    };
    let ansi = std::io::stderr().is_terminal() && !warren::render::paint::no_color_requested();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(ansi).init(),
        LogFormat::Json => logs.json().init(),
    }
}
