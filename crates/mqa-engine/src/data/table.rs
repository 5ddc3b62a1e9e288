//! Reading one table file into columns. A reader cuts the file into
//! batches; worker threads check the rows of each batch (`prepare`); the
//! loading thread commits the batches in file order: it claims ids, keeps
//! the rejects, drops events after `as_of`, interns the batch's texts and
//! appends the rest to the columns. At the end of the file, rows that
//! repeat an earlier id are found (the first row that reads cleanly wins,
//! see `claims`) and dropped, and the rejects are written in file order.

use super::claims::{ClaimSet, MonoU64, TextPool};
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
    /// Line of each claim (when the spec asks for lines).
    pub claim_lines: Option<MonoU64>,
    /// Claim of each kept row.
    pub id_claim: Vec<u32>,
    /// Hash of each claim's id (not kept for events, whose ids are not interned).
    pub claim_hashes: Vec<u32>,
    pub account: Vec<u32>,
    /// Contact row of each event (`u32::MAX`: anonymous or unknown).
    pub contact: Vec<u32>,
    /// `(row, contact_id)` of the events whose `contact_id` names no
    /// contact of their account, by row (the others' `contact_id` is their
    /// contact's id, or missing: see `assemble::events`).
    pub unknown_contacts: Vec<(u32, Sym)>,
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
            .and_then(|&c| self.claim_lines.as_ref()?.get(c as usize))
            .unwrap_or(0)
    }
}

/// Opens a file again from its start (to fetch the raw rows of duplicates).
pub(crate) type Reopen<'r> = dyn Fn() -> Result<Box<dyn BatchReader + 'r>, LoadError> + 'r;

/// Work for the loading thread while the first batches are checked.
pub(crate) type Meanwhile<'m> = dyn FnMut(&mut Interner) + 'm;

/// Reads every row of a file, rejecting the bad ones into `rejects`.
/// `meanwhile` runs once on this thread before the first batch is
/// committed (with more than one thread, while the first batches are
/// being read and checked).
pub(crate) fn load_file<'r>(
    reader: &mut dyn BatchReader,
    reopen: &Reopen<'r>,
    path: &Path,
    spec: &TableSpec<'_>,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    meanwhile: &mut Meanwhile<'_>,
) -> Result<(RawTable, FileSummary), LoadError> {
    let mut b = Builder::new(spec, path);
    let workers = rayon::current_num_threads().clamp(1, 16);
    let Some(first) = reader.next_batch(None)? else {
        meanwhile(interner);
        return b.finish(reopen, rejects);
    };
    let second = match workers {
        1 => None,
        _ => reader.next_batch(None)?,
    };
    match second {
        None => {
            // One batch (a small file) or one thread: no threads to start.
            meanwhile(interner);
            let mut next = Some(first);
            let mut spare = None;
            while let Some(batch) = next {
                let (spare_batch, spare_prepared) = match spare.take() {
                    Some((batch, p)) => (Some(batch), p),
                    None => (None, Prepared::default()),
                };
                let p = prepare_batch(&batch, spec, spare_prepared);
                spare = b.push(batch, p, interner)?;
                next = reader.next_batch(spare_batch)?;
            }
        }
        Some(second) => {
            let first = [first, second];
            parallel(reader, first, workers, spec, &mut b, interner, meanwhile)?
        }
    }
    b.finish(reopen, rejects)
}

type Job = (u64, RowBatch, Prepared);

/// What the loading thread hears from the reading and checking threads.
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
/// every later batch; with few spare batches the reader then runs out of
/// buffers and the other workers sit idle. 24 (a batch is a 1 MB block and
/// its checked columns) took the events of 100 000 accounts from 0.34 to
/// 0.32 s and the whole run from 0.75 to 0.69 s, for 12 MB more peak
/// memory (medians of 10 alternating runs, 2 cores), against 3.
const SPARE_BATCHES: usize = 24;

/// Reads the file on one thread and checks batches on `workers` threads
/// while this thread commits the checked batches in order (and hands their
/// buffers back to the reader). At most `workers + SPARE_BATCHES` batches
/// exist at once. `meanwhile` runs on this thread once the others started.
fn parallel(
    reader: &mut dyn BatchReader,
    first: [RowBatch; 2],
    workers: usize,
    spec: &TableSpec<'_>,
    b: &mut Builder,
    interner: &mut Interner,
    meanwhile: &mut Meanwhile<'_>,
) -> Result<(), LoadError> {
    let max_batches = workers + SPARE_BATCHES;
    let path = b.path();
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers * 2);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
        let (spare_tx, spare_rx) = mpsc::channel::<(RowBatch, Prepared)>();
        for _ in 0..workers {
            let job_rx = Arc::clone(&job_rx);
            let msg_tx = msg_tx.clone();
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
                if msg_tx.send(Msg::Checked(n, Box::new((batch, p)))).is_err() {
                    return;
                }
            });
        }
        // The reader owns the jobs channel: when it stops, the workers stop.
        scope.spawn(move || {
            let mut made = first.len();
            let mut sent = 0u64;
            let read = || -> Result<(), LoadError> {
                for batch in first {
                    send(&job_tx, sent, batch, Prepared::default(), path)?;
                    sent += 1;
                }
                loop {
                    let (spare_batch, spare_prepared) = if made < max_batches {
                        match spare_rx.try_recv() {
                            Ok((batch, p)) => (Some(batch), p),
                            Err(_) => {
                                made += 1;
                                (None, Prepared::default())
                            }
                        }
                    } else {
                        match spare_rx.recv() {
                            Ok((batch, p)) => (Some(batch), p),
                            // The loading thread stopped.
                            Err(_) => return Ok(()),
                        }
                    };
                    match reader.next_batch(spare_batch)? {
                        Some(batch) => {
                            send(&job_tx, sent, batch, spare_prepared, path)?;
                            sent += 1;
                        }
                        None => return Ok(()),
                    }
                }
            };
            let msg = match read() {
                Ok(()) => Msg::End(sent),
                Err(e) => Msg::Failed(e),
            };
            let _ = msg_tx.send(msg);
        });
        meanwhile(interner);
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
        Ok(())
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
    /// The file's rejects, written in file order once duplicates are known.
    rejected: Vec<Rejected>,
}

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
            claims: ClaimSet::new(spec.lines),
            summary: FileSummary::new(path),
            bytes: 0,
            reserved: false,
            rejected: Vec::new(),
        }
    }

    fn path(&self) -> &'a Path {
        self.path
    }

    /// Finds the duplicate ids (dropping their rows), then writes the
    /// file's rejects in file order.
    fn finish(
        mut self,
        reopen: &Reopen<'_>,
        rejects: &mut dyn RejectSink,
    ) -> Result<(RawTable, FileSummary), LoadError> {
        let dups = self.claims.duplicates();
        if !dups.is_empty() {
            // The lines and raw rows of the duplicates and of their first
            // claims, read again (rare: only files with duplicates).
            let mut wanted: Vec<u32> = dups.iter().flat_map(|&(c, f)| [c, f]).collect();
            wanted.sort_unstable();
            wanted.dedup();
            let mut rejected: Vec<u64> = self.rejected.iter().map(|r| r.line).collect();
            rejected.sort_unstable();
            let rows = claim_rows(reopen, &wanted, &rejected)?;
            self.drop_duplicates(&dups, &rows);
        }
        self.rejected.sort_by_key(|r| r.line);
        for r in &self.rejected {
            rejects
                .reject(self.path, r.line, &r.reason, &r.raw)
                .map_err(|source| LoadError::RejectSink { source })?;
        }
        if self.spec.kind != TableKind::Events {
            self.t.claim_hashes = self.claims.hashes();
        }
        let (ids, lines) = self.claims.into_parts();
        self.t.ids = ids;
        self.t.claim_lines = lines;
        Ok((self.t, self.summary))
    }

    /// Rejects every claim that repeats an earlier id, and drops its row
    /// (an event after `as_of` has none). `rows`: `(claim, line, raw row)`
    /// of each duplicate and first claim, sorted by claim.
    fn drop_duplicates(&mut self, dups: &[(u32, u32)], rows: &[(u32, u64, String)]) {
        let row = |c: u32| match rows.binary_search_by_key(&c, |r| r.0) {
            Ok(i) => rows.get(i).map_or((0, ""), |r| (r.1, r.2.as_str())),
            Err(_) => (0, ""),
        };
        for &(c, first) in dups {
            let (line, raw) = row(c);
            self.rejected.push(Rejected {
                line,
                reason: format!(
                    "duplicate id `{}` (first at line {})",
                    self.claims.pool.get(c as usize),
                    row(first).0
                ),
                raw: raw.to_string(),
            });
        }
        let keep: Vec<bool> = self
            .t
            .id_claim
            .iter()
            .map(|c| dups.binary_search_by_key(c, |&(d, _)| d).is_err())
            .collect();
        let dropped = keep.iter().filter(|&&k| !k).count() as u64;
        let n = dups.len() as u64;
        self.summary.used -= dropped;
        self.summary.after_as_of -= n - dropped;
        self.summary.rejected += n;
        let t = &mut self.t;
        retain(&mut t.id_claim, &keep);
        retain(&mut t.account, &keep);
        retain(&mut t.contact, &keep);
        // Rows after a dropped one move up.
        let mut new_row = Vec::with_capacity(keep.len());
        let mut next = 0u32;
        for &k in &keep {
            new_row.push(if k { next } else { u32::MAX });
            next += u32::from(k);
        }
        t.unknown_contacts = t
            .unknown_contacts
            .iter()
            .filter_map(|&(r, s)| match new_row.get(r as usize) {
                Some(&n) if n != u32::MAX => Some((n, s)),
                _ => None,
            })
            .collect();
        retain(&mut t.at, &keep);
        for c in &mut t.fields {
            let mut kept = Column::new(column_type(c), 0);
            kept.append(c, Some(&keep), |s| s);
            *c = kept;
        }
    }

    /// Commits a checked batch (the next in file order); gives its buffers back.
    fn push(
        &mut self,
        batch: RowBatch,
        p: Prepared,
        interner: &mut Interner,
    ) -> Result<Option<(RowBatch, Prepared)>, LoadError> {
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
        self.commit(&batch, &p, interner)?;
        Ok(Some((batch, p)))
    }

    /// Claims the batch's ids, keeps its rejects (and the raw rows of
    /// claims that may be duplicates) and appends its kept rows.
    fn commit(
        &mut self,
        batch: &RowBatch,
        p: &Prepared,
        interner: &mut Interner,
    ) -> Result<(), LoadError> {
        let Builder {
            path,
            t,
            claims,
            summary,
            rejected,
            ..
        } = self;
        let path: &Path = path;
        summary.read += p.rows();
        let raw = |r: (u32, u32)| String::from_utf8_lossy(batch.raw(r)).into_owned();
        for r in &p.rejects {
            rejected.push(Rejected {
                line: r.line,
                reason: r.reason.clone(),
                raw: raw(r.raw),
            });
        }
        summary.rejected += p.rejects.len() as u64;
        let Ok(ids) = std::str::from_utf8(&p.ids) else {
            return Err(LoadError::Internal {
                file: path.into(),
                message: "an id that is not valid UTF-8 passed the row checks".into(),
            });
        };
        let base = claims.len() as u32;
        claims.add_all(
            p.claims.len(),
            ids,
            |k| p.claims.get(k).map_or(0, |c| c.id_end as usize),
            |k| p.claims.get(k).map_or(0, |c| c.hash),
            |k| p.claims.get(k).map_or(0, |c| c.line),
        );
        let kept = p.kept_claim.len() as u64;
        summary.used += kept;
        summary.after_as_of += p.claims.len() as u64 - kept;
        let first_row = t.id_claim.len() as u32;
        t.id_claim.extend(p.kept_claim.iter().map(|&k| base + k));
        t.account.extend_from_slice(&p.account);
        t.contact.extend_from_slice(&p.contact);
        t.at.extend_from_slice(&p.at);
        let mut globals = p.dict.globals();
        let mut text = |s: Sym| globals.sym(s, interner);
        for (j, &s) in p.contact_id.iter().enumerate() {
            if !s.is_missing() && s.0 & LOCAL != 0 {
                let sym = text(Sym(s.0 & !LOCAL));
                t.unknown_contacts.push((first_row + j as u32, sym));
            }
        }
        for (col, src) in t.fields.iter_mut().zip(&p.fields) {
            col.append(src, None, &mut text);
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
            t.contact.reserve(rows);
            t.at.reserve(rows);
        }
        for c in &mut t.fields {
            c.reserve(rows);
        }
        self.claims.reserve(rows, id_bytes);
    }
}

/// `(claim, line, raw row)` of the `wanted` claims (sorted), read again
/// from the start of the file: the rows that claim an id are, in order,
/// the rows not rejected by a check (`rejected`: their lines, sorted).
/// Only runs for files with duplicate ids.
fn claim_rows(
    reopen: &Reopen<'_>,
    wanted: &[u32],
    rejected: &[u64],
) -> Result<Vec<(u32, u64, String)>, LoadError> {
    let mut out = Vec::with_capacity(wanted.len());
    let mut reader = reopen()?;
    let mut spare = None;
    let mut claim = 0u32;
    while out.len() < wanted.len() {
        let Some(batch) = reader.next_batch(spare.take())? else {
            break;
        };
        batch.for_each_raw(|line, raw| {
            if rejected.binary_search(&line).is_ok() {
                return;
            }
            if wanted.binary_search(&claim).is_ok() {
                out.push((claim, line, String::from_utf8_lossy(raw).into_owned()));
            }
            claim += 1;
        });
        spare = Some(batch);
    }
    Ok(out)
}

/// A rejected row, kept until the file's duplicates are known.
struct Rejected {
    line: u64,
    reason: String,
    raw: String,
}

/// Keeps the values whose `keep` is true (`keep` has one flag per value).
fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
    if v.len() != keep.len() {
        return;
    }
    let mut k = keep.iter();
    v.retain(|_| k.next().copied().unwrap_or(true));
}

/// The declared type a column stores (for an empty copy).
fn column_type(c: &Column) -> mqa_syntax::FieldType {
    use mqa_syntax::FieldType;
    match c {
        Column::Text(_) => FieldType::Text,
        Column::Number(_) => FieldType::Number,
        Column::Bool(_) => FieldType::Bool,
        Column::Time(_) => FieldType::Time,
        Column::ListText(_) => FieldType::ListText,
        Column::ListNumber(_) => FieldType::ListNumber,
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
