//! `mqa`: the command-line tool. It parses arguments, wires the library
//! crates together, and talks to the terminal (diagnostics and summaries on
//! stderr, data on stdout). It holds no scoring logic of its own.

mod cli;
mod commands;
mod output;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        cli::Command::Check(a) => commands::check::run(&a),
        cli::Command::Fmt(a) => commands::fmt::run(&a),
        cli::Command::Graph(a) => commands::graph::run(&a),
        cli::Command::Score(a) => commands::score::run(&a),
        cli::Command::Explain(a) => commands::explain::run(&a),
        cli::Command::Plugins(c) => commands::plugin_cmds::run(&c),
        cli::Command::Generate(a) => commands::generate::run(&a),
        cli::Command::Test(a) => commands::test::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            output::error_line(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}
