//! Committing checked batches, in file order, into a table's columns:
//! claiming ids, keeping rejects, interning the ids of accounts and each
//! batch's other texts once; and at the end of the file, dropping the rows
//! that repeat an earlier id (the first row that reads cleanly wins, see
//! `claims`; accounts' repeats are spotted by their symbols as they are
//! interned, [`SeenSyms`]; contacts' ids become a block of the interner
//! after their file, `front`) and writing the file's rejects in file order. The threads that read and check the batches are
//! in `table`.

use super::claims::ClaimSet;
use super::column::Column;
use super::error::LoadError;
use super::prepare::{claim_span, Prepared, TableKind, TableSpec, LOCAL};
use super::rejects::RejectSink;
use super::rows::RowBatch;
use super::stream::Drain;
use super::summary::FileSummary;
use super::table::{RawTable, Reopen};
use crate::intern::{Interner, Sym};
use std::path::Path;

/// Commits checked batches in file order.
pub(super) struct Builder<'a, 'd> {
    spec: TableSpec<'a>,
    path: &'a Path,
    t: RawTable,
    claims: ClaimSet,
    summary: FileSummary,
    bytes: u64,
    reserved: bool,
    /// The file's rejects, written in file order once duplicates are known.
    rejected: Vec<Rejected>,
    /// Accounts and contacts: the symbols their ids got so far, and the
    /// claims that repeated one.
    seen: SeenSyms,
    /// Events streamed to the scorer: where the committed rows go.
    stream: Option<&'d mut dyn Drain>,
    /// Events not streamed: the claims of the rows dropped for being before
    /// the window, in order (a duplicate among them is taken off that count,
    /// see `drop_duplicates`). A streamed file has no duplicates.
    before_window: Vec<u32>,
}

/// Duplicate ids of a table whose ids are interned: each kept row's id gets
/// a symbol (the same for equal ids), so a row repeats an earlier id
/// exactly when its symbol was already given to one in this file (a bit
/// per symbol). This replaces keeping every id and checking them at the
/// end (which contacts and events, whose ids are not interned as they
/// come, still do).
#[derive(Default)]
struct SeenSyms {
    bits: Vec<u64>,
    /// `(claim, symbol, id)` of each claim that repeated an earlier id.
    repeats: Vec<(u32, Sym, String)>,
}

impl SeenSyms {
    /// Marks `sym` as given; false if it already was. (The missing symbol,
    /// which interning never gives, is never marked.)
    fn first(&mut self, sym: Sym) -> bool {
        if sym.is_missing() {
            return true;
        }
        let (word, bit) = (sym.index() / 64, 1u64 << (sym.index() % 64));
        if word >= self.bits.len() {
            self.bits.resize((word + 1).next_power_of_two(), 0);
        }
        match self.bits.get_mut(word) {
            Some(w) if *w & bit != 0 => false,
            Some(w) => {
                *w |= bit;
                true
            }
            None => true,
        }
    }

    /// `(claim, first claim)` of each repeat, in claim order, given the
    /// table's rows (`t.id_syms` and `t.id_claim`, in claim order).
    fn duplicates(&self, t: &RawTable) -> Vec<(u32, u32)> {
        if self.repeats.is_empty() {
            return Vec::new();
        }
        let mut first: std::collections::HashMap<Sym, u32> =
            self.repeats.iter().map(|r| (r.1, u32::MAX)).collect();
        for (&sym, &claim) in t.id_syms.iter().zip(&t.id_claim) {
            if let Some(f) = first.get_mut(&sym) {
                if *f == u32::MAX {
                    *f = claim;
                }
            }
        }
        self.repeats
            .iter()
            .map(|r| (r.0, first.get(&r.1).copied().unwrap_or(u32::MAX)))
            .collect()
    }

    /// The id of a repeating claim (`repeats` is in claim order).
    fn id_of(&self, claim: u32) -> &str {
        match self.repeats.binary_search_by_key(&claim, |r| r.0) {
            Ok(i) => self.repeats.get(i).map_or("", |r| r.2.as_str()),
            Err(_) => "",
        }
    }
}

impl<'a, 'd> Builder<'a, 'd> {
    pub(super) fn new(
        spec: &TableSpec<'a>,
        path: &'a Path,
        stream: Option<&'d mut dyn Drain>,
    ) -> Self {
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
            claims: if stream.is_some() && spec.kind == TableKind::Events {
                ClaimSet::streamed()
            } else {
                // Accounts' ids are interned as they come (`SeenSyms`).
                ClaimSet::new(spec.lines, spec.kind != TableKind::Accounts)
            },
            summary: FileSummary::new(path),
            bytes: 0,
            reserved: false,
            rejected: Vec::new(),
            seen: SeenSyms::default(),
            stream,
            before_window: Vec::new(),
        }
    }

    pub(super) fn path(&self) -> &'a Path {
        self.path
    }

    /// Finds the duplicate ids (dropping their rows), then writes the
    /// file's rejects in file order. Streaming, sends the last rows (while
    /// another thread looks for a repeated id, which voids them).
    pub(super) fn finish(
        mut self,
        reopen: &Reopen<'_>,
        rejects: &mut dyn RejectSink,
        interner: &mut Interner,
    ) -> Result<(RawTable, FileSummary), LoadError> {
        if let Some(stream) = self.stream.as_deref_mut() {
            let (claims, t) = (&self.claims, &mut self.t);
            let repeat = std::thread::scope(|s| {
                let check = s.spawn(|| claims.any_repeat());
                stream.drain(t, claims.ids(), interner, true);
                check.join()
            });
            if repeat.unwrap_or(true) {
                stream.abandon();
                return Err(not_streamable(self.path));
            }
        }
        let dups = match self.spec.kind {
            TableKind::Events => self.claims.duplicates(),
            TableKind::Contacts => {
                let (dups, index) = self.claims.duplicates_and_index();
                self.t.id_index = index;
                dups
            }
            TableKind::Accounts => self.seen.duplicates(&self.t),
        };
        if !dups.is_empty() {
            if let Some(stream) = self.stream.as_deref_mut() {
                stream.abandon();
                return Err(not_streamable(self.path));
            }
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
                    if self.spec.kind == TableKind::Accounts {
                        self.seen.id_of(c)
                    } else {
                        self.claims.pool.get(c as usize)
                    },
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
        // The others were not kept: before the window, or after `as_of`.
        let before = dups
            .iter()
            .filter(|(c, _)| self.before_window.binary_search(c).is_ok())
            .count() as u64;
        self.summary.used -= dropped;
        self.summary.before_window -= before;
        self.summary.after_as_of -= n - dropped - before;
        self.summary.rejected += n;
        let t = &mut self.t;
        retain(&mut t.id_claim, &keep);
        retain(&mut t.id_syms, &keep);
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
    pub(super) fn push(
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
                if self.spec.kind == TableKind::Accounts {
                    // 7/8 of the estimate: the interner's table is a power
                    // of two, so reserving for a few more ids than come can
                    // double it (300 000 accounts: 30 MB of the peak); if
                    // more come it grows once.
                    interner.reserve(est / 8 * 7, id_bytes);
                }
            }
        }
        self.commit(&batch, &p, interner)?;
        Ok(Some((batch, p)))
    }

    /// Claims the batch's ids, keeps its rejects, interns the ids of
    /// accounts and appends its kept rows.
    fn commit(
        &mut self,
        batch: &RowBatch,
        p: &Prepared,
        interner: &mut Interner,
    ) -> Result<(), LoadError> {
        let Builder {
            spec,
            path,
            t,
            claims,
            summary,
            rejected,
            seen,
            stream,
            before_window,
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
        let before = p.before_window.len() as u64;
        summary.used += kept;
        summary.before_window += before;
        summary.after_as_of += p.claims.len() as u64 - kept - before;
        if stream.is_none() {
            before_window.extend(p.before_window.iter().map(|&k| base + k));
        }
        if spec.kind == TableKind::Accounts {
            // Accounts' ids are interned here, in row order (a repeated id
            // gets the symbol of its first row, whose row wins); contacts'
            // become a block of the interner after their file (`front`);
            // events' ids are not interned.
            let claim = |j: usize| p.kept_claim.get(j).map_or(usize::MAX, |&k| k as usize);
            let id = |j: usize| ids.get(claim_span(&p.claims, claim(j))).unwrap_or("");
            let syms = interner.intern_many(p.kept_claim.len(), id, |j| {
                p.claims.get(claim(j)).map_or(0, |c| (c.hash >> 32) as u32)
            });
            for (j, &sym) in syms.iter().enumerate() {
                if !seen.first(sym) {
                    seen.repeats
                        .push((base + claim(j) as u32, sym, id(j).to_string()));
                }
            }
            t.id_syms.extend(syms);
        }
        if let Some(stream) = stream.as_deref_mut() {
            if !stream.accepts(t.account.last().copied(), &p.account) {
                stream.abandon();
                return Err(not_streamable(path));
            }
            hold_boundary_ids(claims, p, ids, base);
        }
        if spec.kind == TableKind::Events {
            note_straddler(t, p);
        }
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
        if let Some(stream) = stream.as_deref_mut() {
            stream.drain(t, claims.ids(), interner, false);
            // The rows sent no longer need their ids (the rows left are in
            // `(at, id)` order, not in claim order).
            let first = t.id_claim.iter().min().copied();
            claims.drop_ids_before(first.unwrap_or(claims.len() as u32));
        }
        Ok(())
    }

    /// Room for `rows` rows in the columns and for their ids (streaming,
    /// for their ids only: the columns hold a chunk at a time).
    fn reserve(&mut self, rows: usize, id_bytes: usize) {
        self.claims.reserve(rows, id_bytes);
        if self.stream.is_some() {
            return;
        }
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
    }
}

/// Events: notes an account whose rows go on from the rows held into this
/// batch (`t.straddlers`: when the file is grouped by account, only those
/// need sorting, the rows of an account within one batch came sorted).
fn note_straddler(t: &mut RawTable, p: &Prepared) {
    let Some(&first) = p.account.first() else {
        return;
    };
    if t.account.last() == Some(&first) && t.straddlers.last() != Some(&first) {
        t.straddlers.push(first);
    }
}

/// Streamed events: holds the ids of the batch's first and last account's
/// rows (the only rows that can be those of an account of several
/// batches, see `note_straddler`). `base` is the batch's first claim.
fn hold_boundary_ids(claims: &mut ClaimSet, p: &Prepared, ids: &str, base: u32) {
    let (Some(&first), Some(&last)) = (p.account.first(), p.account.last()) else {
        return;
    };
    let n = p.account.len();
    let first_end = p.account.partition_point(|&a| a == first);
    let last_start = if first == last {
        n
    } else {
        p.account.partition_point(|&a| a < last)
    };
    let mut held: Vec<(u32, &str)> = (0..first_end)
        .chain(last_start..n)
        .filter_map(|j| {
            let k = *p.kept_claim.get(j)? as usize;
            Some((base + k as u32, ids.get(claim_span(&p.claims, k))?))
        })
        .collect();
    held.sort_unstable_by_key(|h| h.0);
    claims.hold(held);
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

/// Stops a streamed load (the caller reads the file again, see `stream`).
fn not_streamable(path: &Path) -> LoadError {
    LoadError::Internal {
        file: path.into(),
        message: "the events file cannot be streamed".into(),
    }
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
