//! `score` in one pass: the session is loaded and every account scored,
//! its `csv` rows formatted, while the events file is read (see
//! [`crate::data::stream`]): the signals are joined and the rules prepared
//! once the accounts and contacts are loaded, and each chunk of complete
//! accounts is scored as soon as the file moves past it, on a thread of
//! its own while the loading thread reads on. The decisions are
//! the same as [`Session::load`] then [`score_csv`]'s, byte for byte, which
//! is also what runs when the program or the file cannot be streamed.

use super::join::{fetch_and_join, join_kinds, joined_on_fetch_thread, JoinAsk};
use super::{
    data_schema, decide_accounts, select_models, signal_request, Joined, RunError, Session,
    SourceInput,
};
use crate::data::{
    load_dataset_streaming, Accounts, DataRef, LoadOptions, MemoryRejects, RejectSink, Scorer,
    Streamed,
};
use crate::eval::{prepare, reads_event_ids, uses_lower, Evaluator, Prepared};
use crate::intern::Interner;
use crate::output::csv::{CsvRows, CSV_HEADER};
use crate::output::{score_csv, CsvSink, ScoredCsv};
use mqa_compiler::graph::Program;
use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What scoring a chunk reads (shared with the scoring thread).
struct Ready {
    joined: Result<Joined, RunError>,
    join_took: Duration,
    prepared: Prepared,
}

/// A chunk scored: its accounts, its `csv` rows, decisions and qualified
/// decisions (`None` when the signals failed to join: reported at the end).
type Piece = Option<(u64, String, usize, usize)>;

/// What the loading thread keeps from chunk to chunk.
struct Scoring {
    /// `csv` rows, decisions and qualified decisions of each chunk, in
    /// order (the rows empty once written to the run's sink).
    pieces: Vec<(String, usize, usize)>,
    /// Whether the sink has the header, and the first error it gave.
    header_sent: bool,
    sink_error: Option<std::io::Error>,
    /// Accounts scored (and told to `progress`).
    scored: u64,
}

/// How one `score` run to `csv` is asked for.
pub struct CsvRun<'a> {
    /// The model to score (`None`: every model).
    pub model: Option<&'a str>,
    /// Only the qualified accounts' rows.
    pub only_qualified: bool,
    /// Called with the number of accounts just scored.
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Where to write the rows as they are made (the header first), on the
    /// calling thread; `None`: they come back in the [`ScoredCsv`].
    pub sink: Option<&'a RefCell<dyn CsvSink + 'a>>,
}

/// Whether [`Session::load_and_score_csv`] can score while it reads: no
/// rule reads an event's `id` (streamed events carry none) or uses `lower`
/// (which maps the texts known once every file is read).
fn streamable(program: &Program) -> bool {
    !reads_event_ids(program) && !uses_lower(program)
}

impl Session {
    /// [`Session::load`] then [`score_csv`], in one pass when the rules and
    /// the events file allow (see the module's doc): the same session (its
    /// `events` empty when they were streamed), rows and rejects.
    pub fn load_and_score_csv(
        program: Program,
        data_dir: &Path,
        opts: &LoadOptions,
        sources: Vec<SourceInput>,
        skip_failed: bool,
        rejects: &mut dyn RejectSink,
        run: &CsvRun<'_>,
    ) -> Result<(Session, ScoredCsv), RunError> {
        let models = select_models(&program, run.model)?;
        if !streamable(&program) {
            let session = Session::load(program, data_dir, opts, sources, skip_failed, rejects)?;
            let mut scored = score_csv(&session, &models, run.only_qualified, run.progress);
            if let Some(sink) = run.sink {
                scored
                    .send_to(&mut *sink.borrow_mut())
                    .map_err(RunError::Output)?;
            }
            return Ok((session, scored));
        }
        let started = Instant::now();
        let mut interner = Interner::new();
        let schema = data_schema(&program);
        let request = signal_request(&program, opts.as_of);
        // The signals' rejects come after every data file's, as in `load`.
        let mut signal_rejects = MemoryRejects::new();
        let rows = CsvRows::new(&program, opts.as_of);
        let joins = join_kinds(&sources);
        let loaded = std::thread::scope(|scope| {
            let program = &program;
            let request = &request;
            let ask = JoinAsk {
                program,
                as_of: opts.as_of,
                skip_failed,
                joins: &joins,
            };
            // The fetch thread joins the batches too, beside the contacts,
            // once it has the accounts' keys.
            let (keys_tx, keys_rx) = std::sync::mpsc::sync_channel(1);
            let fetcher = scope.spawn(move || fetch_and_join(sources, ask, request, keys_rx));
            let after_accounts = move |accounts: &Accounts, interner: &Interner| {
                let keys = ask.keys(accounts, interner);
                // The fetch thread is gone only if it stopped unexpectedly
                // (the join on the loading thread then reports it).
                let _ = keys_tx.send(keys);
            };
            let signal_rejects = &mut signal_rejects;
            let before_events = |data: DataRef<'_>, interner: &mut Interner| {
                let (joined, join_took) =
                    joined_on_fetch_thread(fetcher, ask, data.accounts, interner, signal_rejects);
                let ready = Ready {
                    joined,
                    join_took,
                    prepared: prepare(program, interner),
                };
                let scoring = Scoring {
                    pieces: Vec::new(),
                    header_sent: false,
                    sink_error: None,
                    scored: 0,
                };
                (ready, scoring)
            };
            // On the scoring thread.
            let (models, rows, only_qualified, as_of) =
                (&models, &rows, run.only_qualified, opts.as_of);
            let score = move |r: &Ready, data: DataRef<'_>, interner: &Interner| -> Piece {
                // A failed join is reported once the data is read, as in `load`.
                let Ok((sources, _)) = &r.joined else {
                    return None;
                };
                let ev = Evaluator::new(program, data, interner, &r.prepared, sources, as_of);
                let first = data.events.first_account;
                let end = first + data.events.account_start.len().saturating_sub(1);
                let decisions = decide_accounts(&ev, models, first..end);
                let (text, made, qualified) =
                    rows.piece(&decisions, only_qualified, data, interner);
                Some(((end - first) as u64, text, made, qualified))
            };
            // Back on the loading thread, in account order.
            let take = |s: &mut Scoring, piece: Piece| {
                let Some((accounts, text, made, qualified)) = piece else {
                    return;
                };
                (run.progress)(accounts);
                s.scored += accounts;
                match run.sink {
                    Some(sink) => {
                        s.send(&mut *sink.borrow_mut(), &text);
                        s.pieces.push((String::new(), made, qualified));
                    }
                    None => s.pieces.push((text, made, qualified)),
                }
            };
            load_dataset_streaming(
                data_dir,
                &schema,
                opts,
                &mut interner,
                rejects,
                after_accounts,
                Scorer {
                    before_events,
                    score,
                    take,
                },
            )
        });
        let (data, streamed, ready, scoring) = loaded?;
        let Ready {
            joined,
            join_took,
            prepared,
        } = ready;
        let Scoring {
            pieces,
            header_sent,
            sink_error,
            scored: told,
        } = scoring;
        let (loaded, status) = joined?;
        for r in &signal_rejects.rows {
            rejects
                .reject(&r.file, r.line, &r.reason, &r.raw)
                .map_err(|source| RunError::Load(crate::data::LoadError::RejectSink { source }))?;
        }
        let mut timings = vec![("read data (and score)", started.elapsed())];
        timings.extend(data.timings.iter().copied());
        timings.push(("  join signals (fetch thread)", join_took));
        let session = Session {
            program,
            interner,
            data,
            sources: loaded,
            source_status: status,
            prepared,
            as_of: opts.as_of,
            data_dir: data_dir.to_path_buf(),
            timings,
        };
        let mut scored = match streamed {
            Streamed::Sent => ScoredCsv::from_pieces(pieces),
            Streamed::Whole => {
                // `progress` heard of the void chunks' accounts already.
                let untold = AtomicU64::new(told);
                let progress = |n: u64| {
                    let before = untold
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                            Some(u.saturating_sub(n))
                        })
                        .unwrap_or(0);
                    let new = n.saturating_sub(before);
                    if new > 0 {
                        (run.progress)(new);
                    }
                };
                score_csv(&session, &models, run.only_qualified, &progress)
            }
        };
        if let Some(sink) = run.sink {
            let sink = &mut *sink.borrow_mut();
            let sent = match (streamed, sink_error) {
                (Streamed::Sent, Some(e)) => Err(e),
                (Streamed::Sent, None) if header_sent => Ok(()),
                // No account at all: the header alone.
                (Streamed::Sent, None) => scored.send_to(sink),
                // The rows sent are void: all of them again.
                (Streamed::Whole, _) => sink.restart().and_then(|()| scored.send_to(sink)),
            };
            sent.map_err(RunError::Output)?;
        }
        Ok((session, scored))
    }
}

impl Scoring {
    /// Appends a chunk's rows to `sink` (the header before the first);
    /// after a failure, keeps the error and appends nothing more.
    fn send(&mut self, sink: &mut dyn CsvSink, rows: &str) {
        if self.sink_error.is_some() {
            return;
        }
        let header = if self.header_sent {
            Ok(())
        } else {
            self.header_sent = true;
            sink.append(CSV_HEADER)
        };
        if let Err(e) = header.and_then(|()| sink.append(rows)) {
            self.sink_error = Some(e);
        }
    }
}
