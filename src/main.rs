//! dbsub: parse arguments, load configuration, dispatch. Nothing else.

use std::process::ExitCode;

use clap::Parser;

use dbsub::cli::{CatalogCommand, Cli, Command};
use dbsub::commands::{
    catalog_export, create_migrations, demo, doctor, extract, ingest, migrate, show_deps, verify,
};
use dbsub::{config, output};

fn main() -> ExitCode {
    // .env first, so that options with an environment default see its values.
    let config = config::Config::load();
    let cli = Cli::parse();
    let result = config.and_then(|config| match &cli.command {
        Command::ShowDeps(args) => show_deps::run(&cli, &config, args),
        Command::CreateMigrations(args) => create_migrations::run(&cli, &config, args),
        Command::Migrate(args) => migrate::run(&cli, &config, args),
        Command::Extract(args) => extract::run(&cli, &config, args),
        Command::Ingest(args) => ingest::run(&cli, &config, args),
        Command::Verify(args) => verify::run(&cli, &config, args),
        Command::Catalog(CatalogCommand::Export(args)) => catalog_export::run(&cli, &config, args),
        Command::Demo(args) => demo::run(&cli, args),
        Command::Doctor(args) => doctor::run(&config, args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output::error(&err);
            ExitCode::FAILURE
        }
    }
}
