//! dbsub: parse arguments, load configuration, dispatch. Nothing else.

use std::process::ExitCode;

use clap::Parser;

use dbsub::cli::{CatalogCommand, Cli, Command};
use dbsub::{catalog_export, config, demo, output, show_deps};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = config::Config::load().and_then(|config| match &cli.command {
        Command::ShowDeps(args) => show_deps::run(&cli, &config, args),
        Command::Catalog(CatalogCommand::Export(args)) => catalog_export::run(&cli, &config, args),
        Command::Demo(args) => demo::run(&cli, args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output::error(&err);
            ExitCode::FAILURE
        }
    }
}
