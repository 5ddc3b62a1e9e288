//! The command line: every subcommand, flag and help text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// mqa decides which B2B accounts are Marketing Qualified Accounts, from
/// rule files you can read, version, test and explain.
#[derive(Debug, Parser)]
#[command(
    name = "mqa",
    version,
    propagate_version = true,
    // Not in the doc comment: clap joins a paragraph's lines into one.
    after_help = "Typical use:\n  \
        mqa check rules/enterprise.mqa\n  \
        mqa score rules/enterprise.mqa --data examples/acme --as-of 2026-11-01\n  \
        mqa explain rules/enterprise.mqa --data examples/acme --account acc-7-00003\n  \
        mqa test rules/"
)]
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
    /// Score every account of a data directory and print the decisions.
    ///
    /// The data directory holds accounts, contacts and events as .csv or
    /// .jsonl (optionally .gz). Rows that cannot be read go to the rejects
    /// file with their line and reason; past --max-reject-rate the run writes
    /// no decisions and exits 1. A summary goes to stderr.
    ///
    /// Example: mqa score rules/enterprise.mqa --data examples/acme --as-of 2026-11-01T00:00:00Z
    Score(ScoreArgs),
    /// Explain one account's decision: every rule with the values that decided
    /// it, the gates, grade, route and the context packet for sales.
    ///
    /// Example: mqa explain rules/enterprise.mqa --data examples/acme --account acc-7-00003 --as-of 2026-11-01
    Explain(ExplainArgs),
    /// List signal plugins or pin them in a lock file.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Write a realistic synthetic data set (accounts, contacts, events, intent
    /// feed, outcomes) for demos, tests and benchmarks. Same seed, same bytes.
    Generate(GenerateArgs),
    /// Run the tests in `.test.mqa` files: one line per test (ok / FAILED),
    /// then each failure with expected and actual values and the decision
    /// explained, then `N passed, N failed`. Exits 1 when any test fails.
    ///
    /// Example: mqa test rules/ --filter "demo"
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files, or folders searched for `*.test.mqa` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose name (or `file: name`) contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
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

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The rule file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The data directory (accounts, contacts, events).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The moment to score at (RFC 3339, or a date meaning midnight UTC); default: now.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Score only this model (default: every model, in file order).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// Output format (default: table on a terminal, csv otherwise).
    #[arg(long, value_enum)]
    pub format: Option<ScoreFormat>,
    /// Write decisions to this file instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Where plugins are looked for (default: `plugins/` next to the rule file and the build output).
    #[arg(long, value_name = "DIR")]
    pub plugin_dir: Vec<PathBuf>,
    /// Print only qualified accounts.
    #[arg(long)]
    pub only_qualified: bool,
    /// Where rejected rows go (default: mqa-rejects.csv next to the output).
    #[arg(long, value_name = "PATH")]
    pub rejects: Option<PathBuf>,
    /// Fail the run when more than this share of rows is rejected.
    #[arg(long, value_name = "RATE", default_value_t = 0.01)]
    pub max_reject_rate: f64,
    /// What to do when a plugin fails: stop the run, or go on with that source empty.
    #[arg(long, value_enum, default_value_t = OnPluginError::Fail)]
    pub on_plugin_error: OnPluginError,
    /// Print the time of each phase (read, signals, score, write) to stderr.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScoreFormat {
    Table,
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnPluginError {
    /// Stop with a message naming the plugin.
    Fail,
    /// Go on with the source empty; the summary and every decision say so.
    Skip,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The data directory.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The account's id.
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// The moment to score at (RFC 3339 or a date); default: now.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Explain only this model.
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// Print the decision as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Where plugins are looked for.
    #[arg(long, value_name = "DIR")]
    pub plugin_dir: Vec<PathBuf>,
    /// Where rejected rows go (default: mqa-rejects.csv in the current folder).
    #[arg(long, value_name = "PATH")]
    pub rejects: Option<PathBuf>,
    /// Fail when more than this share of rows is rejected.
    #[arg(long, value_name = "RATE", default_value_t = 0.01)]
    pub max_reject_rate: f64,
    /// What to do when a plugin fails.
    #[arg(long, value_enum, default_value_t = OnPluginError::Fail)]
    pub on_plugin_error: OnPluginError,
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Name, version, ABI version, signal schema, file and sha256 of every plugin found.
    List {
        /// Folders to search (default: `plugins/` here and the build output).
        #[arg(long, value_name = "DIR")]
        plugin_dir: Vec<PathBuf>,
    },
    /// Write `mqa.lock` next to FILE, pinning the sha256 of each plugin FILE uses.
    /// `score` then refuses a plugin whose bytes differ.
    Lock {
        /// The rule file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Folders to search.
        #[arg(long, value_name = "DIR")]
        plugin_dir: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The folder to write (created if missing; files are overwritten).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of accounts.
    #[arg(long, default_value_t = 1000)]
    pub accounts: u64,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The "now" of the data set (events spread over the ~120 days before it).
    #[arg(long, value_name = "TIME", default_value = "2026-11-01T00:00:00Z")]
    pub as_of: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn help_shows_each_typical_use_on_a_line_of_its_own() {
        Cli::command().debug_assert();
        for help in [
            Cli::command().render_help().to_string(),
            Cli::command().render_long_help().to_string(),
        ] {
            assert!(help.starts_with("mqa decides which B2B accounts"), "{help}");
            for use_ in ["check rules/enterprise.mqa", "test rules/"] {
                let line = format!("  mqa {use_}");
                assert!(help.lines().any(|l| l == line), "{line:?} in\n{help}");
            }
        }
    }
}
