//! dbsub: parse arguments, load configuration, dispatch, exit with the failure's class
//! ([`dbsub::model::exit`]). Nothing else.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use dbsub::cli::{CatalogCommand, Cli, Command};
use dbsub::commands::{
    catalog_export, completions, create_migrations, demo, doctor, extract, ingest, migrate,
    show_deps, verify,
};
use dbsub::model::exit::{self, Class};
use dbsub::{config, output};

fn main() -> ExitCode {
    let started = Instant::now();
    // .env first, so that options with an environment default see its values.
    let config = config::Config::load().map_err(|e| Class::Configuration.wrap(e));
    let cli = Cli::parse();
    if let Err(usage) = cli.check() {
        usage.exit();
    }
    if cli.verbose
        && let Ok(config) = &config
    {
        output::configuration(config.env_file(), config.shown(), config.profiles_shown());
    }
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
        Command::Completions(args) => completions::run(args),
    });
    let class = match &result {
        Ok(()) => None,
        Err(err) => {
            output::error(err);
            Some(exit::class_of(err))
        }
    };
    if cli.verbose {
        output::finished(cli.command.name(), started.elapsed(), class);
    }
    ExitCode::from(class.map_or(0, Class::code))
}
