//! Reading one table file into columns. A reader cuts the file into
//! batches; worker threads each read the next batch (under a lock) and
//! check its rows (`prepare`); the loading thread commits the batches in
//! file order (`commit`: ids
//! claimed, rejects kept, events after `as_of` dropped, texts interned,
//! rows appended, and at the end of the file the rows that repeat an
//! earlier id dropped and the rejects written in file order).

use super::claims::{MonoU64, TextPool};
use super::column::Column;
use super::commit::Builder;
use super::error::LoadError;
use super::prepare::{prepare_batch, Prepared, TableSpec};
use super::rejects::RejectSink;
use super::rows::{BatchReader, RowBatch};
use super::stream::Drain;
use super::summary::FileSummary;
use crate::intern::{BlockIndex, Interner, Sym};
use mqa_syntax::time::Micros;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

/// What each row-checking thread runs first, with its index (0, 1, ...):
/// see [`on_checker_start`].
static CHECKER_START: OnceLock<fn(usize)> = OnceLock::new();

/// Sets what each row-checking thread of every later load runs first,
/// with its index among the file's checking threads (the `mqa` binary
/// keeps each to a CPU of its own). Once per process: false, and nothing
/// changed, when it was set before.
pub fn on_checker_start(f: fn(usize)) -> bool {
    CHECKER_START.set(f).is_ok()
}

/// The kept rows of one file, in file order. Built-in columns a table does
/// not have stay empty.
#[derive(Debug, Default)]
pub(crate) struct RawTable {
    /// Every claimed id (kept rows and events after `as_of`), by claim
    /// (contacts and events; a streamed events file's are held apart,
    /// see `claims`).
    pub ids: TextPool,
    /// Line of each claim (when the spec asks for lines).
    pub claim_lines: Option<MonoU64>,
    /// Claim of each kept row.
    pub id_claim: Vec<u32>,
    /// Interned id of each kept row (accounts; contacts' ids become a
    /// block of the interner once their file is read, see `front`; events'
    /// ids are not interned).
    pub id_syms: Vec<Sym>,
    /// Contacts: the index of `ids` that their duplicate check built (see
    /// [`crate::intern::Interner::add_block`]).
    pub id_index: BlockIndex,
    pub account: Vec<u32>,
    /// Contact row of each event (`u32::MAX`: anonymous or unknown).
    pub contact: Vec<u32>,
    /// `(row, contact_id)` of the events whose `contact_id` names no
    /// contact of their account, by row (the others' `contact_id` is their
    /// contact's id, or missing: see `assemble::events`).
    pub unknown_contacts: Vec<(u32, Sym)>,
    /// Events: the accounts whose rows came in more than one batch, in
    /// order, when the file is grouped by account (see `commit`).
    pub straddlers: Vec<u32>,
    pub at: Vec<Micros>,
    pub fields: Vec<Column>,
}

impl RawTable {
    pub(crate) fn len(&self) -> usize {
        self.id_claim.len()
    }

    /// Id of kept row `r`.
    #[cfg(test)]
    pub(crate) fn id(&self, r: usize) -> &str {
        self.id_claim
            .get(r)
            .map_or("", |&c| self.ids.get(c as usize))
    }

    /// Line of kept row `r`.
    pub(crate) fn line(&self, r: usize) -> u64 {
        self.id_claim
            .get(r)
            .and_then(|&c| self.claim_lines.as_ref()?.get(c as usize))
            .unwrap_or(0)
    }
}

/// Opens a file again from its start (to fetch the raw rows of duplicates).
pub(crate) type Reopen<'r> = dyn Fn() -> Result<Box<dyn BatchReader + 'r>, LoadError> + 'r;

/// Batches and their checked columns left from loading one file, for the
/// next: their buffers have grown already, where new ones would cost a
/// page fault for every 4 KB they fill (the accounts' and contacts'
/// batches made up a fifth of a run's page faults).
#[derive(Default)]
pub(crate) struct Spares(Vec<(RowBatch, Prepared)>);

impl Spares {
    /// A spare batch to fill again (if any), and a spare [`Prepared`].
    fn take(&mut self) -> (Option<RowBatch>, Prepared) {
        match self.0.pop() {
            Some((b, p)) => (Some(b), p),
            None => (None, Prepared::default()),
        }
    }
}

/// Reads every row of a file, rejecting the bad ones into `rejects` (and
/// with `stream`, handing the rows over as they are committed, see
/// [`super::stream`]). Batches come from `spares` first, and go back
/// there at the end.
#[allow(clippy::too_many_arguments)]
pub(crate) fn load_file<'r>(
    reader: &mut dyn BatchReader,
    reopen: &Reopen<'r>,
    path: &Path,
    spec: &TableSpec<'_>,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    stream: Option<&mut dyn Drain>,
    spares: &mut Spares,
) -> Result<(RawTable, FileSummary), LoadError> {
    let mut b = Builder::new(spec, path, stream);
    let workers = rayon::current_num_threads().clamp(1, 16);
    let (reuse, p0) = spares.take();
    let Some(first) = reader.next_batch(reuse)? else {
        return b.finish(reopen, rejects, interner);
    };
    let (reuse, p1) = match workers {
        1 => (None, Prepared::default()),
        _ => spares.take(),
    };
    let second = match workers {
        1 => None,
        _ => reader.next_batch(reuse)?,
    };
    match second {
        None => {
            // One batch (a small file) or one thread: no threads to start.
            let mut next = Some(first);
            let mut spare = Some((None, p0));
            while let Some(batch) = next {
                let (spare_batch, spare_prepared) = match spare.take() {
                    Some((batch, p)) => (batch, p),
                    None => spares.take(),
                };
                let p = prepare_batch(&batch, spec, spare_prepared);
                spare = b.push(batch, p, interner)?.map(|(b, p)| (Some(b), p));
                next = reader.next_batch(spare_batch)?;
            }
            if let Some((Some(batch), p)) = spare {
                spares.0.push((batch, p));
            }
        }
        Some(second) => {
            let first = [(first, p0), (second, p1)];
            parallel(reader, first, workers, spec, &mut b, interner, spares)?;
        }
    }
    b.finish(reopen, rejects, interner)
}

/// What the loading thread hears from the checking threads.
enum Msg {
    /// Batch `n`, checked (or why checking failed).
    Checked(u64, Box<(RowBatch, Result<Prepared, String>)>),
    /// The file is read: this many batches in all.
    End(u64),
    /// Reading failed.
    Failed(LoadError),
}

/// Batches that may exist at once beyond one per worker. Commits are in
/// file order, so a worker descheduled in the middle of batch `n` holds up
/// every later batch; with few spare batches the workers then run out of
/// buffers and sit idle. 24 (a batch is a 1 MB block and its checked
/// columns) took the events of 100 000 accounts from 0.34 to 0.32 s and the
/// whole run from 0.75 to 0.69 s, for 12 MB more peak memory (medians of 10
/// alternating runs, 2 cores), against 3.
const SPARE_BATCHES: usize = 24;

/// The file's side of [`parallel`], shared by the workers: each takes the
/// lock, reads the next batch and numbers it, then checks it unlocked.
struct Source<'r> {
    reader: &'r mut dyn BatchReader,
    /// Batches read before the workers started, in order.
    first: std::vec::IntoIter<(RowBatch, Prepared)>,
    /// Batches the loading thread gives back once committed.
    spare_rx: mpsc::Receiver<(RowBatch, Prepared)>,
    /// Spares of the file before (see [`Spares`]).
    pool: Spares,
    made: usize,
    max_batches: usize,
    /// Batches numbered so far.
    sent: u64,
    /// The file has ended, failed, or the loading thread stopped.
    done: bool,
}

/// What a worker gets from [`Source::next`].
enum Next {
    Batch(u64, Box<(RowBatch, Prepared)>),
    /// Nothing more; `Some` message for the loading thread (the end of the
    /// file, or why reading failed) when this worker is the one to tell it.
    Done(Option<Msg>),
}

impl Source<'_> {
    /// The next batch, read into a spare one (waiting for the loading
    /// thread to give one back when `max_batches` exist).
    fn next(&mut self) -> Next {
        if self.done {
            return Next::Done(None);
        }
        if let Some((batch, p)) = self.first.next() {
            self.sent += 1;
            return Next::Batch(self.sent - 1, Box::new((batch, p)));
        }
        let (spare, p) = if self.made < self.max_batches {
            match self.spare_rx.try_recv() {
                Ok((batch, p)) => (Some(batch), p),
                Err(_) => {
                    self.made += 1;
                    self.pool.take()
                }
            }
        } else {
            match self.spare_rx.recv() {
                Ok((batch, p)) => (Some(batch), p),
                // The loading thread stopped.
                Err(_) => {
                    self.done = true;
                    return Next::Done(None);
                }
            }
        };
        match self.reader.next_batch(spare) {
            Ok(Some(batch)) => {
                self.sent += 1;
                Next::Batch(self.sent - 1, Box::new((batch, p)))
            }
            Ok(None) => {
                self.done = true;
                Next::Done(Some(Msg::End(self.sent)))
            }
            Err(e) => {
                self.done = true;
                Next::Done(Some(Msg::Failed(e)))
            }
        }
    }
}

/// A checking thread's work: read the next batch (under the lock), check
/// it, send it to the loading thread; until the file ends, the loading
/// thread stops listening, or the lock is poisoned.
fn check_batches(source: &Mutex<Source<'_>>, spec: &TableSpec<'_>, msg_tx: &mpsc::Sender<Msg>) {
    loop {
        let next = match source.lock() {
            Ok(mut s) => s.next(),
            Err(_) => return,
        };
        let (n, (batch, spare)) = match next {
            Next::Batch(n, read) => (n, *read),
            Next::Done(msg) => {
                if let Some(msg) = msg {
                    let _ = msg_tx.send(msg);
                }
                return;
            }
        };
        let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            prepare_batch(&batch, spec, spare)
        }))
        .map_err(|_| "a worker thread failed while checking rows".to_string());
        if msg_tx.send(Msg::Checked(n, Box::new((batch, p)))).is_err() {
            return;
        }
    }
}

/// Reads and checks batches on `workers` threads (each reads the next
/// batch under a lock, then checks it) while this thread commits the
/// checked batches in order and hands their buffers back. A worker that
/// has checked its batch reads the next one itself, rather than wait for a
/// reading thread that the scheduler may have queued behind this one (that
/// left a core idle for up to 4 ms at a time). At most `workers +
/// SPARE_BATCHES` batches exist at once; they come from `spares` first and
/// all go back there.
fn parallel(
    reader: &mut dyn BatchReader,
    first: [(RowBatch, Prepared); 2],
    workers: usize,
    spec: &TableSpec<'_>,
    b: &mut Builder,
    interner: &mut Interner,
    spares: &mut Spares,
) -> Result<(), LoadError> {
    let path = b.path();
    let (spare_tx, spare_rx) = mpsc::channel::<(RowBatch, Prepared)>();
    let source = Mutex::new(Source {
        reader,
        first: Vec::from(first).into_iter(),
        spare_rx,
        pool: std::mem::take(spares),
        made: 2,
        max_batches: workers + SPARE_BATCHES,
        sent: 0,
        done: false,
    });
    let committed = std::thread::scope(|scope| {
        // Dropped when this closure returns, before the workers are joined:
        // a worker waiting for a spare then stops.
        let spare_tx = spare_tx;
        let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
        let mut checkers = Vec::with_capacity(workers);
        for index in 0..workers {
            let msg_tx = msg_tx.clone();
            let source = &source;
            checkers.push(scope.spawn(move || {
                if let Some(start) = CHECKER_START.get() {
                    start(index);
                }
                check_batches(source, spec, &msg_tx);
            }));
        }
        // Only the workers hold senders: if they all stop, `recv` fails.
        drop(msg_tx);
        let mut committed = 0u64;
        let mut total = None;
        let mut ready: BTreeMap<u64, (RowBatch, Prepared)> = BTreeMap::new();
        while total != Some(committed) {
            match msg_rx.recv().map_err(|_| worker_gone(path))? {
                Msg::Checked(n, checked) => {
                    let (batch, p) = *checked;
                    let p = p.map_err(|message| LoadError::Internal {
                        file: path.into(),
                        message,
                    })?;
                    ready.insert(n, (batch, p));
                }
                Msg::End(n) => total = Some(n),
                Msg::Failed(e) => return Err(e),
            }
            while let Some((batch, p)) = ready.remove(&committed) {
                let spare = b.push(batch, p, interner)?;
                committed += 1;
                if let Some(spare) = spare {
                    let _ = spare_tx.send(spare);
                }
            }
        }
        // Every batch is committed: the workers stop at their next turn.
        for c in checkers {
            let _ = c.join();
        }
        Ok(())
    });
    if let Ok(s) = source.into_inner() {
        *spares = s.pool;
        spares.0.extend(s.spare_rx.try_iter());
    }
    committed
}

fn worker_gone(path: &Path) -> LoadError {
    LoadError::Internal {
        file: path.into(),
        message: "the row-checking threads stopped early".to_string(),
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
