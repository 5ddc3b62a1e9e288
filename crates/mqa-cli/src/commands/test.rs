//! `mqa test`: run `.test.mqa` files. Errors in test and rule files go to
//! stderr as diagnostics; the per-test lines, the failures in detail and the
//! closing `N passed, N failed` line go to stdout. Exit 1 when any test did
//! not pass (or none matched `--filter`).

use crate::cli::TestArgs;
use crate::output;
use anyhow::Result;
use mqa_testing::{Counts, RunOptions};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &TestArgs) -> Result<ExitCode> {
    let files = mqa_testing::discover(&args.paths)?;
    let opts = RunOptions {
        filter: args.filter.clone(),
    };
    let mut counts = Counts::default();
    let mut outcomes = Vec::new();
    for path in &files {
        let outcome = mqa_testing::run_file(path, &opts)?;
        for fd in &outcome.diagnostics {
            output::print_diagnostics(&fd.source, &fd.diagnostics);
        }
        let mut out = std::io::stdout().lock();
        out.write_all(mqa_testing::format_file_lines(&outcome).as_bytes())?;
        out.flush()?;
        counts.add(&outcome);
        outcomes.push(outcome);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(mqa_testing::format_failures(&outcomes).as_bytes())?;
    if counts.failed > 0 {
        writeln!(out)?;
    }
    writeln!(out, "{}", mqa_testing::summary_line(counts))?;
    out.flush()?;
    if counts.total() == 0 {
        if let Some(f) = &args.filter {
            output::error_line(&format!("no test name contains `{f}`"));
        }
        return Ok(ExitCode::from(1));
    }
    Ok(if counts.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
