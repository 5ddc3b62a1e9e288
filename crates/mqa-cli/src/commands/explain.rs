//! `mqa explain`: one account's decision in words.

use crate::cli::{ExplainArgs, OnPluginError};
use crate::commands::session::{self, LazyRejects};
use anyhow::{bail, Result};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let as_of = session::as_of(args.as_of.as_deref())?;
    let mut rejects = LazyRejects::new(
        args.rejects
            .clone()
            .unwrap_or_else(|| PathBuf::from("mqa-rejects.csv")),
    );
    let opened = session::open(
        &args.file,
        &args.data,
        &args.plugin_dir,
        as_of,
        args.max_reject_rate,
        args.on_plugin_error == OnPluginError::Skip,
        &mut rejects,
        None,
    );
    rejects.finish()?;
    let Some((s, _)) = opened? else {
        return Ok(ExitCode::from(1));
    };
    let Some(a) = s.data.accounts.row_of(&s.interner, &args.account) else {
        bail!(
            "no account `{}` in {} (after rejects; see the rejects file if it was rejected)",
            args.account,
            args.data.display()
        );
    };
    let models = s.select_models(args.model.as_deref())?;
    let mut out = std::io::stdout().lock();
    let mut shown = 0;
    for m in models {
        let name = s.program.models.get(m).map_or("", |g| g.name.as_str());
        match s.detail(m, a) {
            Some(d) => {
                if args.json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?;
                } else {
                    if shown > 0 {
                        writeln!(out)?;
                    }
                    let threshold = s.program.models.get(m).map_or(0.0, |g| g.threshold);
                    out.write_all(
                        mqa_engine::explain::render_explanation(&d, threshold).as_bytes(),
                    )?;
                }
                shown += 1;
            }
            None => {
                writeln!(
                    out,
                    "{name} / {}: the model does not apply (its `for` condition is not true)",
                    args.account
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
