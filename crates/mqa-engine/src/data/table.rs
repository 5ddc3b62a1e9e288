//! Reading one table file into columns. A reader cuts the file into
//! batches; worker threads check the rows of each batch (`prepare`); the
//! loading thread commits the batches in file order: it writes rejects,
//! claims ids (the first row that reads cleanly wins, see `claims`), drops
//! events after `as_of`, interns the batch's texts and appends the rest to
//! the columns.

use super::claims::{ClaimSet, Claimed, MonoU64, TextPool};
use super::column::Column;
use super::error::LoadError;
use super::prepare::{prepare_batch, Prepared, TableKind, TableSpec, LOCAL};
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
    /// Every claimed id (kept rows and events after `as_of`), by claim.
    pub ids: TextPool,
    /// Line of each claim.
    pub claim_lines: MonoU64,
    /// Claim of each kept row.
    pub id_claim: Vec<u32>,
    pub account: Vec<u32>,
    pub contact_id: Vec<Sym>,
    /// Contact row of each event (`u32::MAX`: anonymous or unknown).
    pub contact: Vec<u32>,
    pub at: Vec<Micros>,
    pub fields: Vec<Column>,
}

impl RawTable {
    pub(crate) fn len(&self) -> usize {
        self.id_claim.len()
    }

    /// Id of kept row `r`.
    pub(crate) fn id(&self, r: usize) -> &str {
        self.id_claim
            .get(r)
            .map_or("", |&c| self.ids.get(c as usize))
    }

    /// Line of kept row `r`.
    pub(crate) fn line(&self, r: usize) -> u64 {
        self.id_claim
            .get(r)
            .and_then(|&c| self.claim_lines.get(c as usize))
            .unwrap_or(0)
    }
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
    claims: ClaimSet,
    summary: FileSummary,
    bytes: u64,
    reserved: bool,
    /// Per kept row of the batch being committed: not a duplicate.
    keep: Vec<bool>,
    /// Committed batches whose buffers the next ones reuse.
    spare: Vec<(RowBatch, Prepared)>,
}

/// Committed batches kept for their buffers.
const SPARE_BATCHES: usize = 8;

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
            claims: ClaimSet::default(),
            summary: FileSummary::new(path),
            bytes: 0,
            reserved: false,
            keep: Vec::new(),
            spare: Vec::new(),
        }
    }

    fn path(&self) -> &'a Path {
        self.path
    }

    fn finish(mut self) -> (RawTable, FileSummary) {
        let (ids, lines) = self.claims.into_parts();
        self.t.ids = ids;
        self.t.claim_lines = lines;
        (self.t, self.summary)
    }

    /// Buffers of a committed batch, to read and check the next one into.
    fn take_spare(&mut self) -> (Option<RowBatch>, Prepared) {
        match self.spare.pop() {
            Some((batch, p)) => (Some(batch), p),
            None => (None, Prepared::default()),
        }
    }

    /// Commits a checked batch (the next in file order).
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
                let rows = p.rows() as usize;
                let est = estimate_rows(size, self.bytes, rows);
                let id_bytes = p.ids.len() * est / rows.max(1);
                self.reserve(est, id_bytes);
            }
        }
        self.commit(&batch, &p, interner, rejects)?;
        if self.spare.len() < SPARE_BATCHES {
            self.spare.push((batch, p));
        }
        Ok(())
    }

    /// Writes the batch's rejects and claims its ids, in row order, then
    /// appends its kept rows.
    fn commit(
        &mut self,
        batch: &RowBatch,
        p: &Prepared,
        interner: &mut Interner,
        rejects: &mut dyn RejectSink,
    ) -> Result<(), LoadError> {
        let Builder {
            path,
            t,
            claims,
            summary,
            keep,
            ..
        } = self;
        let path: &Path = path;
        summary.read += p.rows();
        let Ok(ids) = std::str::from_utf8(&p.ids) else {
            return Err(LoadError::Internal {
                file: path.into(),
                message: "an id that is not valid UTF-8 passed the row checks".into(),
            });
        };
        let start = |k: usize| match k.checked_sub(1) {
            Some(j) => p.claims.get(j).map_or(0, |c| c.id_end as usize),
            None => 0,
        };
        let id = |k: usize| {
            let end = p.claims.get(k).map_or(0, |c| c.id_end as usize);
            ids.get(start(k)..end).unwrap_or("")
        };
        let mut pending = p.rejects.iter().peekable();
        let mut failed: Option<std::io::Error> = None;
        let mut write =
            |line: u64, reason: &str, raw: (u32, u32), failed: &mut Option<std::io::Error>| {
                if failed.is_some() {
                    return;
                }
                let raw = String::from_utf8_lossy(batch.raw(raw));
                if let Err(e) = rejects.reject(path, line, reason, &raw) {
                    *failed = Some(e);
                }
            };
        keep.clear();
        let mut dups = false;
        claims.claim_all(
            p.claims.len(),
            id,
            |k| p.claims.get(k).map_or(0, |c| c.hash),
            |k| p.claims.get(k).map_or(0, |c| c.line),
            |k, got| {
                while let Some(r) = pending.next_if(|r| r.before as usize <= k) {
                    write(r.line, &r.reason, r.raw, &mut failed);
                    summary.rejected += 1;
                }
                let Some(c) = p.claims.get(k) else { return };
                match got {
                    Claimed::New(claim) => {
                        if c.kept {
                            keep.push(true);
                            t.id_claim.push(claim);
                            summary.used += 1;
                        } else {
                            summary.after_as_of += 1;
                        }
                    }
                    Claimed::Duplicate(first) => {
                        let reason = format!("duplicate id `{}` (first at line {first})", id(k));
                        write(c.line, &reason, c.raw, &mut failed);
                        summary.rejected += 1;
                        if c.kept {
                            keep.push(false);
                            dups = true;
                        }
                    }
                }
            },
        );
        for r in pending {
            write(r.line, &r.reason, r.raw, &mut failed);
            summary.rejected += 1;
        }
        if let Some(source) = failed {
            return Err(LoadError::RejectSink { source });
        }
        let mask = dups.then_some(&keep[..]);
        append(&mut t.account, &p.account, mask);
        append(&mut t.contact, &p.contact, mask);
        append(&mut t.at, &p.at, mask);
        let mut globals = p.dict.globals();
        let mut text = |s: Sym| globals.sym(s, interner);
        for (i, &s) in p.contact_id.iter().enumerate() {
            if mask.is_some_and(|m| !m.get(i).copied().unwrap_or(false)) {
                continue;
            }
            t.contact_id.push(if s.is_missing() || s.0 & LOCAL == 0 {
                s
            } else {
                text(Sym(s.0 & !LOCAL))
            });
        }
        for (col, src) in t.fields.iter_mut().zip(&p.fields) {
            col.append(src, mask, &mut text);
        }
        Ok(())
    }

    /// Room for `rows` rows in the columns and for their ids.
    fn reserve(&mut self, rows: usize, id_bytes: usize) {
        let t = &mut self.t;
        t.id_claim.reserve(rows);
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
        self.claims.reserve(rows, id_bytes);
    }
}

/// Appends `src` to `dst`, only the rows whose `keep` is true when given.
fn append<T: Copy>(dst: &mut Vec<T>, src: &[T], keep: Option<&[bool]>) {
    match keep {
        None => dst.extend_from_slice(src),
        Some(k) => dst.extend(src.iter().zip(k).filter(|(_, &k)| k).map(|(&v, _)| v)),
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
