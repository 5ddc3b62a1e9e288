//! `mqa generate`: a synthetic data set.

use crate::cli::GenerateArgs;
use anyhow::{bail, Result};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(args: &GenerateArgs) -> Result<ExitCode> {
    let Some(as_of) = mqa_syntax::time::parse_timestamp(&args.as_of) else {
        bail!(
            "--as-of `{}` is not a time: write `2026-11-01` or `2026-11-01T00:00:00Z`",
            args.as_of
        );
    };
    let started = Instant::now();
    let opts = mqa_datagen::GenOptions {
        accounts: args.accounts,
        seed: args.seed,
        as_of,
    };
    let progress = crate::progress::Progress::new(args.accounts, "generating");
    let mut last = 0;
    let summary = mqa_datagen::generate(&opts, &args.out, &mut |done| {
        progress.add(done.saturating_sub(last));
        last = done;
    })?;
    progress.finish();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "wrote {}: {} accounts, {} contacts, {} events, {} intent rows, {} outcomes ({:.1} MB) in {:.2}s",
        args.out.display(),
        summary.accounts,
        summary.contacts,
        summary.events,
        summary.intent_rows,
        summary.outcomes,
        summary.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}
