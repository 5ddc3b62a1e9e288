//! `mqa check`: parse and type-check rule and test files; report the highest
//! score each model can reach.

use crate::cli::CheckArgs;
use crate::commands::{files, load, plugins};
use anyhow::Result;
use mqa_compiler::analysis;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let mut failed = false;
    for path in files::expand(&args.files)? {
        // A test file is checked with its rule file and fixtures (its tests
        // run too, but only diagnostics matter here: `mqa test` reports results).
        if mqa_testing::is_test_file(&path) {
            let outcome = mqa_testing::run_file(&path, &mqa_testing::RunOptions::default())?;
            for fd in &outcome.diagnostics {
                crate::output::print_diagnostics(&fd.source, &fd.diagnostics);
                failed |= fd.diagnostics.iter().any(|d| d.is_error());
            }
            continue;
        }
        // Plugin schemas type-check uses of source fields (a plugin that is
        // not found only weakens the check, with a warning).
        let host = plugins::host_for(&path, &args.plugin_dir)?;
        let schemas = plugins::HostSchemas::new(&host);
        let loaded = load::load(&path, &schemas, false)?;
        let mut err = std::io::stderr().lock();
        match loaded {
            Some(loaded) => {
                for m in &loaded.program.models {
                    let blocks: Vec<String> = analysis::block_maxima(m)
                        .into_iter()
                        .map(|(name, max)| format!("{name} {}", analysis::fmt_num(max)))
                        .collect();
                    let _ = writeln!(
                        err,
                        "{}: model `{}`: threshold {}, highest reachable score {}{}",
                        path.display(),
                        m.name,
                        analysis::fmt_num(m.threshold),
                        analysis::fmt_num(analysis::reachable_max(m)),
                        if blocks.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", blocks.join(", "))
                        }
                    );
                }
            }
            None => failed = true,
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
