//! `dbsub completions SHELL`: the shell's completion script for dbsub, on stdout.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::output;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "dbsub", &mut script);
    output::result(&String::from_utf8_lossy(&script))
}
