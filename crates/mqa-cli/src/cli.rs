//! The command line: every subcommand, flag and help text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// mqa decides which B2B accounts are Marketing Qualified Accounts, from
/// rule files you can read, version, test and explain.
///
/// Typical use:
///   mqa check rules/enterprise.mqa
///   mqa score rules/enterprise.mqa --data examples/acme --as-of 2026-11-01
///   mqa explain rules/enterprise.mqa --data examples/acme --account acc-7-00003
///   mqa test rules/
#[derive(Debug, Parser)]
#[command(name = "mqa", version, about, long_about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and type-check rule files; print diagnostics with file:line:col.
    ///
    /// Exits 0 when every file is valid, 1 when any has an error. Warnings
    /// (rules that can never fire, a threshold no account can reach) do not
    /// change the exit code.
    Check(CheckArgs),
    /// Rewrite rule files in the canonical layout (comments are kept).
    ///
    /// With --check, nothing is written: the files that would change are
    /// listed and the exit code is 1 if there are any.
    Fmt(FmtArgs),
    /// Print the compiled evaluation graph of a model (DOT for Graphviz, or JSON).
    ///
    /// Example: mqa graph rules/enterprise.mqa --format dot | dot -Tsvg > enterprise.svg
    Graph(GraphArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files (`*.mqa`) or test files (`*.test.mqa`); folders are searched for them.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where plugins are looked for (default: `plugins/` next to the rule file and the build output).
    #[arg(long, value_name = "DIR")]
    pub plugin_dir: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or folders to format.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Do not write; list files that are not formatted and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The rule file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The model to show (default: every model; DOT shows the first unless named).
    #[arg(long)]
    pub model: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Where plugins are looked for (default: `plugins/` next to the rule file and the build output).
    #[arg(long, value_name = "DIR")]
    pub plugin_dir: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Json,
}
