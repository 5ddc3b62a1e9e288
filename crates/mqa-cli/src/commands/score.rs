//! `mqa score`: decisions for every account.

use crate::cli::{OnPluginError, ScoreArgs, ScoreFormat};
use crate::commands::out_file::OutFile;
use crate::commands::session::{self, LazyRejects};
use anyhow::{Context, Result};
use mqa_engine::output::{self, CsvSink};
use mqa_engine::run::{CsvRun, Session};
use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(args: &ScoreArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let as_of = session::as_of(args.as_of.as_deref())?;
    let rejects_path = args.rejects.clone().unwrap_or_else(|| {
        let dir = args
            .out
            .as_ref()
            .and_then(|o| o.parent())
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        dir.join("mqa-rejects.csv")
    });
    let mut rejects = LazyRejects::new(rejects_path);
    let format = args.format.unwrap_or_else(|| {
        if args.out.is_none() && std::io::stdout().is_terminal() {
            ScoreFormat::Table
        } else {
            ScoreFormat::Csv
        }
    });
    // `--out`: a file beside it takes the decisions, then replaces it (the
    // `csv` rows are written there as the accounts are scored).
    let out_file = match &args.out {
        Some(p) => OutFile::create(p)?.map(RefCell::new),
        None => None,
    };
    // `csv` rows are formatted as the accounts are scored, on the thread
    // that scored them, while the data is read when it can be; `table` and
    // `jsonl` read all the decisions once the data is loaded.
    let counting = crate::progress::Progress::counting("scoring");
    let count = |n| counting.add(n);
    let csv = CsvRun {
        model: args.model.as_deref(),
        only_qualified: args.only_qualified,
        progress: &count,
        sink: out_file.as_ref().map(|f| f as &RefCell<dyn CsvSink>),
    };
    let opened = session::open(
        &args.file,
        &args.data,
        &args.plugin_dir,
        as_of,
        args.max_reject_rate,
        args.on_plugin_error == OnPluginError::Skip,
        &mut rejects,
        (format == ScoreFormat::Csv).then_some(&csv),
    );
    counting.finish();
    let (session, rows) = match opened {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(ExitCode::from(1)),
        Err(e) => {
            let (count, path) = (rejects.count, rejects.path.clone());
            rejects.finish()?;
            if count > 0 {
                return Err(e.context(format!(
                    "{count} rejected rows were written to {}",
                    path.display()
                )));
            }
            return Err(e);
        }
    };
    let mut timings = session.timings.clone();
    let phase = Instant::now();
    let scored = match rows {
        Some(rows) => Scored::Csv(rows),
        None => {
            let models = session.select_models(args.model.as_deref())?;
            let progress =
                crate::progress::Progress::new(session.data.accounts.len() as u64, "scoring");
            let add = |n| progress.add(n);
            let decisions = session.score_all(&models, &add);
            progress.finish();
            Scored::Decisions(decisions)
        }
    };
    timings.push(("score", phase.elapsed()));
    let phase = Instant::now();

    match out_file.map(RefCell::into_inner) {
        Some(mut file) => {
            // `csv` rows are in the file already.
            if let Scored::Decisions(_) = &scored {
                let mut w = std::io::BufWriter::new(file.writer());
                write_scored(&session, &scored, format, args.only_qualified, &mut w)?;
                w.flush().context("cannot write the decisions")?;
            }
            file.commit()?;
        }
        None => {
            let mut sink: Box<dyn Write> = match &args.out {
                Some(p) => Box::new(std::io::BufWriter::new(OutFile::direct(p)?)),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            write_scored(&session, &scored, format, args.only_qualified, &mut sink)?;
            sink.flush().context("cannot write the decisions")?;
        }
    }
    timings.push(("write", phase.elapsed()));

    session::report_load(&session, &rejects);
    rejects.finish()?;
    if args.timings {
        let mut err = std::io::stderr().lock();
        for (name, d) in &timings {
            let _ = writeln!(err, "  time {name}: {:.3}s", d.as_secs_f64());
        }
    }
    let (decisions, qualified) = match &scored {
        Scored::Csv(rows) => (rows.decisions, rows.qualified),
        Scored::Decisions(d) => (d.len(), d.iter().filter(|d| d.qualified).count()),
    };
    let elapsed = started.elapsed().as_secs_f64();
    let events = session
        .data
        .summary
        .files
        .iter()
        .find(|f| {
            f.file
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("events"))
        })
        .map_or(0, |f| f.read);
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "scored {} accounts ({} decisions): {} qualified, {} rejected rows, {:.2}s, {:.0} events/s",
        session.data.accounts.len(),
        decisions,
        qualified,
        session.data.summary.total_rejected(),
        elapsed,
        events as f64 / elapsed.max(1e-9)
    );
    // The session and decisions are left to the operating system, which
    // takes back the whole address space at exit at once, rather than
    // freed here block by block just before it.
    std::mem::forget(session);
    std::mem::forget(scored);
    Ok(ExitCode::SUCCESS)
}

/// Writes what scoring gave in `format` (`csv` rows held, if any).
fn write_scored(
    session: &Session,
    scored: &Scored,
    format: ScoreFormat,
    only_qualified: bool,
    out: &mut dyn Write,
) -> Result<()> {
    match scored {
        Scored::Csv(rows) => rows.write(out)?,
        Scored::Decisions(decisions) if format == ScoreFormat::Jsonl => {
            mqa_engine::explain::write_jsonl(session, decisions, only_qualified, out)?
        }
        Scored::Decisions(decisions) => {
            out.write_all(output::render_table(session, decisions, only_qualified).as_bytes())?
        }
    }
    Ok(())
}

/// What scoring gave, by output format.
enum Scored {
    /// `csv`: the rows, formatted while scoring.
    Csv(output::ScoredCsv),
    /// `table` and `jsonl`: the decisions.
    Decisions(Vec<mqa_engine::eval::Decision>),
}
