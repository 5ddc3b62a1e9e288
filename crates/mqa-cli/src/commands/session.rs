//! Shared by `score` and `explain`: resolve `--as-of`, load the rule file with
//! its plugins, load the data, and report the run's bookkeeping.

use crate::commands::{load, plugins};
use anyhow::{bail, Context, Result};
use mqa_engine::data::{LoadOptions, RejectSink};
use mqa_engine::output::ScoredCsv;
use mqa_engine::run::{CsvRun, Session, SourceStatus};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `--as-of` as micros (RFC 3339 or a bare date), or the current time.
pub fn as_of(arg: Option<&str>) -> Result<i64> {
    match arg {
        Some(s) => match mqa_syntax::time::parse_timestamp(s) {
            Some(t) => Ok(t),
            None => bail!(
                "--as-of `{s}` is not a time: write `2026-11-01` or `2026-11-01T00:00:00Z` (an offset like `+02:00` works too)"
            ),
        },
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("the system clock is before 1970")?;
            Ok(i64::try_from(now.as_micros()).unwrap_or(i64::MAX))
        }
    }
}

/// A rejects file that is created only when the first reject arrives.
pub struct LazyRejects {
    pub path: PathBuf,
    writer: Option<mqa_engine::data::CsvRejectWriter<std::io::BufWriter<std::fs::File>>>,
    pub count: u64,
}

impl LazyRejects {
    pub fn new(path: PathBuf) -> Self {
        LazyRejects {
            path,
            writer: None,
            count: 0,
        }
    }

    pub fn finish(self) -> Result<()> {
        if let Some(w) = self.writer {
            w.finish()
                .with_context(|| format!("cannot write {}", self.path.display()))?;
        }
        Ok(())
    }
}

impl RejectSink for LazyRejects {
    fn reject(&mut self, file: &Path, line: u64, reason: &str, raw: &str) -> std::io::Result<()> {
        if self.writer.is_none() {
            self.writer = Some(mqa_engine::data::CsvRejectWriter::create(&self.path)?);
        }
        self.count += 1;
        match &mut self.writer {
            Some(w) => w.reject(file, line, reason, raw),
            None => Ok(()),
        }
    }
}

/// Loads rules, plugins and data. `Ok(None)` when the rule file has errors
/// (already printed). With `csv`, every account is also scored into `csv`
/// rows, as the data is read when it can be
/// ([`Session::load_and_score_csv`]).
#[allow(clippy::too_many_arguments)]
pub fn open(
    rule_file: &Path,
    data_dir: &Path,
    plugin_dirs: &[PathBuf],
    as_of: i64,
    max_reject_rate: f64,
    skip_failed_plugins: bool,
    rejects: &mut dyn RejectSink,
    csv: Option<&CsvRun<'_>>,
) -> Result<Option<(Session, Option<ScoredCsv>)>> {
    let host = plugins::host_for(rule_file, plugin_dirs)?;
    let schemas = plugins::HostSchemas::new(&host);
    let Some(loaded) = load::load(rule_file, &schemas, true)? else {
        return Ok(None);
    };
    if !data_dir.is_dir() {
        bail!("--data {}: no such folder", data_dir.display());
    }
    let failures = schemas.failures.borrow().clone();
    let sources = plugins::open_sources(
        &host,
        &loaded.program.sources,
        &failures,
        data_dir,
        rule_file,
    );
    let opts = LoadOptions {
        as_of,
        // Events no model can see are dropped as they are read (counted).
        window_start: mqa_engine::run::window_start(&loaded.program, as_of),
        max_reject_rate,
    };
    if let Some(run) = csv {
        let (session, scored) = Session::load_and_score_csv(
            loaded.program,
            data_dir,
            &opts,
            sources,
            skip_failed_plugins,
            rejects,
            run,
        )?;
        return Ok(Some((session, Some(scored))));
    }
    let session = Session::load(
        loaded.program,
        data_dir,
        &opts,
        sources,
        skip_failed_plugins,
        rejects,
    )?;
    Ok(Some((session, None)))
}

/// Prints the row accounting and source status lines to stderr.
pub fn report_load(session: &Session, rejects: &LazyRejects) {
    let mut err = std::io::stderr().lock();
    let s = &session.data.summary;
    for f in &s.files {
        // Only a file with events before the window says so.
        let before = match f.before_window {
            0 => String::new(),
            n => format!(" + before the window {n}"),
        };
        let _ = writeln!(
            err,
            "  {}: read {} = used {} + rejected {} + after as_of {}{before}",
            f.file.display(),
            f.read,
            f.used,
            f.rejected,
            f.after_as_of
        );
    }
    if s.events_unknown_contact > 0 || s.events_anonymous > 0 {
        let _ = writeln!(
            err,
            "  events kept without a known contact: {} unknown contact_id, {} anonymous",
            s.events_unknown_contact, s.events_anonymous
        );
    }
    for (name, st) in &session.source_status {
        match st {
            SourceStatus::Loaded(x) => {
                let _ = writeln!(
                    err,
                    "  source {name}: read {} = used {} + rejected {} + after as_of {} + no matching account {}",
                    x.read, x.used, x.rejected, x.after_as_of, x.unmatched
                );
            }
            SourceStatus::Skipped(why) => {
                let _ = writeln!(
                    err,
                    "  source {name}: SKIPPED (empty in every decision): {why}"
                );
            }
        }
    }
    if rejects.count > 0 {
        let _ = writeln!(
            err,
            "  {} rejected rows written to {}",
            rejects.count,
            rejects.path.display()
        );
    }
}
