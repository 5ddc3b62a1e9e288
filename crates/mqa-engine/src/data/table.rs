//! Reading one table file into columns. A reader cuts the file into
//! batches; worker threads check the rows of each batch (`prepare`); the
//! loading thread commits the batches in file order: it writes rejects,
//! interns texts, drops duplicate ids (the first row that reads cleanly
//! wins) and events after `as_of`, and appends the rest to the columns.

use super::column::{Column, TextRef};
use super::error::LoadError;
use super::prepare::{prepare_batch, ContactRef, Prepared, RowOutcome, TableKind, TableSpec};
use super::rejects::RejectSink;
use super::rows::{BatchReader, RowBatch};
use super::summary::FileSummary;
use crate::intern::{Interner, Sym};
use mqa_syntax::time::Micros;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// The kept rows of one file, in file order. Built-in columns a table does
/// not have stay empty.
#[derive(Debug, Default)]
pub(crate) struct RawTable {
    pub id: Vec<Sym>,
    pub account: Vec<u32>,
    pub contact_id: Vec<Sym>,
    /// Contact row of each event (`u32::MAX`: anonymous or unknown).
    pub contact: Vec<u32>,
    pub at: Vec<Micros>,
    pub line: Vec<u64>,
    pub fields: Vec<Column>,
}

/// Reads every row of a file, rejecting the bad ones into `rejects`.
pub(crate) fn load_file(
    reader: &mut dyn BatchReader,
    path: &Path,
    spec: &TableSpec<'_>,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
) -> Result<(RawTable, FileSummary), LoadError> {
    let mut b = Builder::new(spec, path);
    let workers = rayon::current_num_threads().clamp(1, 16);
    let Some(first) = reader.next_batch(None)? else {
        return Ok(b.finish());
    };
    let second = match workers {
        1 => None,
        _ => reader.next_batch(None)?,
    };
    match second {
        None => {
            // One batch (a small file) or one thread: no threads to start.
            let mut next = Some(first);
            while let Some(batch) = next {
                let (spare_batch, spare_prepared) = b.take_spare();
                let p = prepare_batch(&batch, spec, spare_prepared);
                b.push(batch, p, interner, rejects)?;
                next = reader.next_batch(spare_batch)?;
            }
        }
        Some(second) => parallel(
            reader,
            [first, second],
            workers,
            spec,
            &mut b,
            interner,
            rejects,
        )?,
    }
    b.flush(interner, rejects)?;
    Ok(b.finish())
}

type Job = (u64, RowBatch, Prepared);
type Done = (u64, RowBatch, Result<Prepared, String>);

/// Checks batches on `workers` threads while this thread reads the file and
/// commits the checked batches in order.
fn parallel(
    reader: &mut dyn BatchReader,
    first: [RowBatch; 2],
    workers: usize,
    spec: &TableSpec<'_>,
    b: &mut Builder,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
) -> Result<(), LoadError> {
    let in_flight = (workers * 2) as u64;
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers * 2);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        for _ in 0..workers {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || loop {
                let job = match job_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((n, batch, spare)) = job else {
                    return;
                };
                let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    prepare_batch(&batch, spec, spare)
                }))
                .map_err(|_| "a worker thread failed while checking rows".to_string());
                if done_tx.send((n, batch, p)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        // The jobs channel is moved in here, so every exit closes it and the workers stop.
        let run = move || -> Result<(), LoadError> {
            let mut sent = 0u64;
            for batch in first {
                send(&job_tx, sent, batch, Prepared::default(), b.path())?;
                sent += 1;
            }
            let mut eof = false;
            let mut committed = 0u64;
            let mut ready: BTreeMap<u64, (RowBatch, Prepared)> = BTreeMap::new();
            loop {
                while !eof && sent - committed < in_flight {
                    let (spare_batch, spare_prepared) = b.take_spare();
                    match reader.next_batch(spare_batch)? {
                        Some(batch) => {
                            send(&job_tx, sent, batch, spare_prepared, b.path())?;
                            sent += 1;
                        }
                        None => eof = true,
                    }
                }
                if eof && committed == sent {
                    return Ok(());
                }
                let (n, batch, p) = done_rx.recv().map_err(|_| worker_gone(b.path()))?;
                let p = p.map_err(|message| LoadError::Internal {
                    file: b.path().into(),
                    message,
                })?;
                ready.insert(n, (batch, p));
                while let Some((batch, p)) = ready.remove(&committed) {
                    b.push(batch, p, interner, rejects)?;
                    committed += 1;
                }
            }
        };
        run()
    })
}

fn send(
    tx: &mpsc::SyncSender<Job>,
    n: u64,
    batch: RowBatch,
    spare: Prepared,
    path: &Path,
) -> Result<(), LoadError> {
    tx.send((n, batch, spare)).map_err(|_| worker_gone(path))
}

fn worker_gone(path: &Path) -> LoadError {
    LoadError::Internal {
        file: path.into(),
        message: "the row-checking threads stopped early".to_string(),
    }
}

/// Commits checked batches in file order.
struct Builder<'a> {
    spec: TableSpec<'a>,
    path: &'a Path,
    t: RawTable,
    /// Line of the kept row of each id (indexed by `Sym`); 0 = not seen.
    seen: Vec<u64>,
    summary: FileSummary,
    bytes: u64,
    reserved: bool,
    /// Checked batches waiting to be committed together.
    group: Vec<(RowBatch, Prepared)>,
    group_rows: usize,
    /// Committed batches whose buffers the next ones reuse.
    spare: Vec<(RowBatch, Prepared)>,
}

/// Rows committed together: their ids are interned in one
/// [`Interner::intern_many`] call.
const GROUP_ROWS: usize = 1 << 18;
/// Committed batches kept for their buffers.
const SPARE_BATCHES: usize = 32;

impl<'a> Builder<'a> {
    fn new(spec: &TableSpec<'a>, path: &'a Path) -> Self {
        Builder {
            spec: *spec,
            path,
            t: RawTable {
                fields: spec
                    .fields
                    .iter()
                    .map(|(_, ty)| Column::new(*ty, 0))
                    .collect(),
                ..RawTable::default()
            },
            seen: Vec::new(),
            summary: FileSummary::new(path),
            bytes: 0,
            reserved: false,
            group: Vec::new(),
            group_rows: 0,
            spare: Vec::new(),
        }
    }

    fn path(&self) -> &'a Path {
        self.path
    }

    fn finish(self) -> (RawTable, FileSummary) {
        (self.t, self.summary)
    }

    fn reject(
        &mut self,
        batch: &RowBatch,
        index: u32,
        reason: &str,
        rejects: &mut dyn RejectSink,
    ) -> Result<(), LoadError> {
        let (line, raw) = batch.line_and_raw(index as usize);
        let raw = String::from_utf8_lossy(raw);
        rejects
            .reject(self.path, line, reason, &raw)
            .map_err(|source| LoadError::RejectSink { source })?;
        self.summary.rejected += 1;
        Ok(())
    }

    /// Queues a checked batch; commits the queue once it is large enough.
    fn push(
        &mut self,
        batch: RowBatch,
        p: Prepared,
        interner: &mut Interner,
        rejects: &mut dyn RejectSink,
    ) -> Result<(), LoadError> {
        self.bytes += batch.byte_len() as u64;
        if !self.reserved {
            self.reserved = true;
            if let Some(size) = self.spec.size_hint {
                let rows = estimate_rows(size, self.bytes, batch.len());
                self.reserve(rows, interner);
            }
        }
        self.group_rows += p.rows.len();
        self.group.push((batch, p));
        if self.group_rows >= GROUP_ROWS {
            self.flush(interner, rejects)?;
        }
        Ok(())
    }

    /// Commits the queued batches, in order.
    fn flush(
        &mut self,
        interner: &mut Interner,
        rejects: &mut dyn RejectSink,
    ) -> Result<(), LoadError> {
        let group = std::mem::take(&mut self.group);
        self.group_rows = 0;
        let kept: Vec<(usize, TextRef)> = group
            .iter()
            .enumerate()
            .flat_map(|(g, (_, p))| {
                p.rows.iter().filter_map(move |r| match r {
                    RowOutcome::Keep(k) => Some((g, k.id)),
                    RowOutcome::Reject(..) => None,
                })
            })
            .collect();
        let text = |i: usize| match kept.get(i) {
            Some(&(g, r)) => group.get(g).map_or("", |(_, p)| p.texts.get(r)),
            None => "",
        };
        let hash = |i: usize| kept.get(i).map_or(0, |&(_, r)| r.hash);
        let ids = interner.intern_many(kept.len(), text, hash);
        let mut ids = ids.into_iter();
        for (batch, p) in &group {
            self.commit(batch, p, &mut ids, interner, rejects)?;
        }
        let room = SPARE_BATCHES.saturating_sub(self.spare.len());
        self.spare.extend(group.into_iter().take(room));
        Ok(())
    }

    /// Buffers of a committed batch, to read and check the next one into.
    fn take_spare(&mut self) -> (Option<RowBatch>, Prepared) {
        match self.spare.pop() {
            Some((batch, p)) => (Some(batch), p),
            None => (None, Prepared::default()),
        }
    }

    /// Commits one batch; `ids` yields the interned id of each kept row.
    fn commit(
        &mut self,
        batch: &RowBatch,
        p: &Prepared,
        ids: &mut impl Iterator<Item = Sym>,
        interner: &mut Interner,
        rejects: &mut dyn RejectSink,
    ) -> Result<(), LoadError> {
        let nf = self.spec.fields.len();
        let mut values = p.values.iter();
        for outcome in &p.rows {
            self.summary.read += 1;
            let k = match outcome {
                RowOutcome::Reject(index, reason) => {
                    self.reject(batch, *index, reason, rejects)?;
                    continue;
                }
                RowOutcome::Keep(k) => k,
            };
            let id = ids.next().unwrap_or(Sym::MISSING);
            let first = self.seen.get(id.index()).copied().unwrap_or(0);
            if first != 0 {
                skip(&mut values, nf);
                let reason = format!(
                    "duplicate id `{}` (first at line {first})",
                    interner.resolve(id)
                );
                self.reject(batch, k.index, &reason, rejects)?;
                continue;
            }
            if id.index() >= self.seen.len() {
                self.seen.resize(interner.len().max(id.index() + 1), 0);
            }
            if let Some(s) = self.seen.get_mut(id.index()) {
                *s = k.line;
            }
            if self.spec.kind == TableKind::Events && k.at > self.spec.as_of {
                skip(&mut values, nf);
                self.summary.after_as_of += 1;
                continue;
            }
            self.summary.used += 1;
            let t = &mut self.t;
            t.id.push(id);
            t.line.push(k.line);
            if self.spec.kind != TableKind::Accounts {
                t.account.push(k.account);
            }
            if self.spec.kind == TableKind::Events {
                let (row, sym) = match k.contact {
                    ContactRef::Anonymous => (u32::MAX, Sym::MISSING),
                    ContactRef::Known(row, sym) => (row, sym),
                    ContactRef::Unknown(text) => (u32::MAX, p.texts.intern(text, interner)),
                };
                t.contact.push(row);
                t.contact_id.push(sym);
                t.at.push(k.at);
            }
            for col in t.fields.iter_mut() {
                match values.next() {
                    Some(v) => col.push(p.texts.resolve(v, interner)),
                    None => col.push_missing(),
                }
            }
        }
        Ok(())
    }

    /// Room for `rows` rows in the columns and for their ids in the interner.
    fn reserve(&mut self, rows: usize, interner: &mut Interner) {
        let t = &mut self.t;
        t.id.reserve(rows);
        t.line.reserve(rows);
        if self.spec.kind != TableKind::Accounts {
            t.account.reserve(rows);
        }
        if self.spec.kind == TableKind::Events {
            t.contact_id.reserve(rows);
            t.contact.reserve(rows);
            t.at.reserve(rows);
        }
        for c in &mut t.fields {
            c.reserve(rows);
        }
        interner.reserve(rows, rows * 12);
    }
}

fn skip<I: Iterator>(values: &mut I, n: usize) {
    for _ in 0..n {
        values.next();
    }
}

/// Rows in a file of `size` bytes whose first `sample_rows` rows took `sample_bytes`.
fn estimate_rows(size: u64, sample_bytes: u64, sample_rows: usize) -> usize {
    if sample_bytes == 0 {
        return 0;
    }
    let est = size as f64 / sample_bytes as f64 * sample_rows as f64 * 1.02;
    est.min(1e9) as usize
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
