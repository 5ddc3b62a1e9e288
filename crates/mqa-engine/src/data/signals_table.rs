//! Turning a plugin's [`SignalBatch`] into a per-account table: records are
//! typed by the source's declared fields, joined to accounts by id or domain
//! (an account whose key is missing gets no signals; a domain shared by
//! several accounts gives each the signal), records after `as_of` dropped,
//! and grouped by account, sorted by `at` (stable: batch order on ties).

use super::assemble::group_by_account;
use super::column::{Column, TIME_MISSING};
use super::error::LoadError;
use super::rejects::RejectSink;
use super::signals_compact::{compact, describe, FieldReader};
use super::signals_keys::KeyTexts;
use super::Accounts;
use crate::intern::Interner;
use crate::signals::{JoinKey, SignalBatch, TextValues};
use mqa_syntax::time::Micros;
use mqa_syntax::FieldType;
use std::ops::Range;
use std::path::Path;

/// Signal records grouped by account row, sorted by `at` within each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignalTable {
    /// `len = accounts + 1`; records of account `a` are rows `account_start[a]..account_start[a + 1]`.
    pub account_start: Vec<u32>,
    pub at: Vec<Micros>,
    /// One column per declared field, in the source's field order.
    pub fields: Vec<Column>,
}

impl SignalTable {
    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Rows of account `a`'s signals.
    pub fn of_account(&self, a: usize) -> Range<usize> {
        match (self.account_start.get(a), self.account_start.get(a + 1)) {
            (Some(&s), Some(&e)) => s as usize..e as usize,
            _ => 0..0,
        }
    }
}

/// Record accounting of one batch: `read = used + rejected + after_as_of + unmatched`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalSummary {
    /// Records in the batch plus the rows the source itself rejected.
    pub read: u64,
    /// Records given to at least one account.
    pub used: u64,
    /// Valid records with `at > as_of`.
    pub after_as_of: u64,
    /// The source's own rejects plus records whose values do not fit the declared types.
    pub rejected: u64,
    /// Valid records whose key is no account's id or domain.
    pub unmatched: u64,
}

/// A source's batch ready to be joined: compacted when its shape is right
/// ([`SignalInput::new`] may run on any thread).
#[derive(Debug)]
pub enum SignalInput {
    /// Columns that do not line up with the records or the declared fields.
    Malformed(SignalBatch, String),
    Compact(CompactInput),
}

/// A well-shaped batch, compacted (opaque outside the loader).
#[derive(Debug)]
pub struct CompactInput(SignalBatch);

impl SignalInput {
    /// Checks the batch's shape against the declared fields and compacts it.
    pub fn new(mut batch: SignalBatch, field_types: &[(String, FieldType)]) -> SignalInput {
        match shape_problem(&batch, field_types) {
            Some(problem) => SignalInput::Malformed(batch, problem),
            None => {
                compact(&mut batch);
                SignalInput::Compact(CompactInput(batch))
            }
        }
    }
}

/// The account rows each distinct key of a batch matches: rows of key
/// number `k` are `rows[start[k]..start[k + 1]]`, ascending.
struct KeyRows {
    start: Vec<u32>,
    rows: Vec<u32>,
    /// The number of the empty key, if a record has one.
    empty: Option<u32>,
}

impl KeyRows {
    /// Matches every account's key (its id or domain, per `join`) against
    /// the batch's distinct keys: one lookup per account in the batch's own
    /// table of keys, unless the key is the distinct key after the last one
    /// found (a feed in the accounts' order, as exports write them, lists
    /// its keys in that order): then one comparison.
    fn new(join: JoinKey, keys: &KeyTexts, batch_keys: &mut TextValues) -> KeyRows {
        let distinct = batch_keys.distinct();
        let mut next = 0u32;
        let key_of_row: Vec<u32> = (0..keys.len())
            .map(|row| match keys.key(join, row) {
                None => u32::MAX,
                Some(k) if batch_keys.text(next) == Some(k) => {
                    next += 1;
                    next - 1
                }
                Some(k) => match batch_keys.find(k) {
                    Some(found) => {
                        next = found + 1;
                        found
                    }
                    None => u32::MAX,
                },
            })
            .collect();
        // Rows of no batch key (`u32::MAX`) are left out.
        let (mut rows, start) = group_by_account(&key_of_row, distinct);
        rows.truncate(start.last().copied().unwrap_or(0) as usize);
        KeyRows {
            start,
            rows,
            empty: batch_keys.find(""),
        }
    }

    /// The rows key number `k` matches; `None` for the empty key.
    #[inline]
    fn of(&self, k: u32) -> Option<&[u32]> {
        if self.empty == Some(k) {
            return None;
        }
        let k = k as usize;
        match (self.start.get(k), self.start.get(k + 1)) {
            (Some(&a), Some(&b)) => self.rows.get(a as usize..b as usize),
            _ => Some(&[]),
        }
    }
}

/// Builds the per-account table of one source's batch. `domain_column` is
/// the index in `accounts.fields` of the `domain` field (for
/// [`JoinKey::Domain`]); without it (or when it is not a text column) no
/// record matches. Rejected records go to `rejects`: the source's own with
/// their origin and line, the others with `origin` and line 0.
#[allow(clippy::too_many_arguments)]
pub fn build_signal_table(
    batch: SignalBatch,
    join: JoinKey,
    field_types: &[(String, FieldType)],
    accounts: &Accounts,
    domain_column: Option<usize>,
    as_of: Micros,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    origin: &Path,
) -> Result<(SignalTable, SignalSummary), LoadError> {
    let input = SignalInput::new(batch, field_types);
    let keys = KeyTexts::new(accounts, domain_column, &[join], interner);
    build_signal_input(
        input,
        join,
        field_types,
        &keys,
        as_of,
        interner,
        rejects,
        origin,
    )
}

/// [`build_signal_table`] from a checked and compacted batch, joined on
/// the accounts' `keys`. The texts of its text fields are interned into
/// `interner` in the order records first use them.
#[allow(clippy::too_many_arguments)]
pub fn build_signal_input(
    input: SignalInput,
    join: JoinKey,
    field_types: &[(String, FieldType)],
    keys: &KeyTexts,
    as_of: Micros,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    origin: &Path,
) -> Result<(SignalTable, SignalSummary), LoadError> {
    let accounts = keys;
    let sink = |source| LoadError::RejectSink { source };
    let (n, source_rejects) = match &input {
        SignalInput::Malformed(b, _) => (b.account.len(), &b.rejects),
        SignalInput::Compact(CompactInput(b)) => (b.account.len(), &b.rejects),
    };
    let mut summary = SignalSummary {
        read: (n + source_rejects.len()) as u64,
        ..SignalSummary::default()
    };
    for r in source_rejects {
        let file = if r.origin.is_empty() {
            origin
        } else {
            Path::new(&r.origin)
        };
        rejects
            .reject(file, r.line, &r.reason, &r.raw)
            .map_err(sink)?;
        summary.rejected += 1;
    }

    let mut batch = match input {
        SignalInput::Malformed(batch, problem) => {
            for i in 0..n {
                let reason = format!(
                    "record {}: malformed batch from the source: {problem}",
                    i + 1
                );
                rejects
                    .reject(origin, 0, &reason, &describe(&batch, i))
                    .map_err(sink)?;
                summary.rejected += 1;
            }
            let fields = field_types
                .iter()
                .map(|(_, ty)| Column::new(*ty, 0))
                .collect();
            let table = SignalTable {
                account_start: vec![0; accounts.len() + 1],
                at: Vec::new(),
                fields,
            };
            return Ok((table, summary));
        }
        SignalInput::Compact(CompactInput(b)) => b,
    };

    let key_rows = KeyRows::new(join, keys, &mut batch.account);
    let mut readers: Vec<FieldReader<'_>> = batch
        .columns
        .iter()
        .zip(field_types)
        .map(|(c, f)| FieldReader::new(c, f))
        .collect();
    // `(account row, record)` for every account a used record goes to; most
    // records are used, by one account each.
    let mut pairs_account: Vec<u32> = Vec::with_capacity(n);
    let mut pairs_record: Vec<u32> = Vec::with_capacity(n);
    for i in 0..n {
        let t = batch.at.get(i).copied().unwrap_or(TIME_MISSING);
        // A missing or empty key: `None`.
        let rows = batch.account.code(i).and_then(|k| key_rows.of(k));
        let checked = match rows {
            None => Err("empty account".to_string()),
            Some(_) if t == TIME_MISSING => Err("empty at".to_string()),
            Some(_) => readers.iter_mut().try_for_each(|r| r.check(i, interner)),
        };
        if let Err(reason) = checked {
            let reason = format!("record {}: {reason}", i + 1);
            rejects
                .reject(origin, 0, &reason, &describe(&batch, i))
                .map_err(sink)?;
            summary.rejected += 1;
            continue;
        }
        if t > as_of {
            summary.after_as_of += 1;
            continue;
        }
        let Some(matched) = rows.filter(|m| !m.is_empty()) else {
            summary.unmatched += 1;
            continue;
        };
        summary.used += 1;
        for &row in matched {
            pairs_account.push(row);
            pairs_record.push(i as u32);
        }
    }
    let (order, account_start) =
        group_and_sort(&pairs_account, pairs_record, &batch.at, accounts.len());
    let table = SignalTable {
        at: order
            .iter()
            .map(|&i| batch.at.get(i as usize).copied().unwrap_or(TIME_MISSING))
            .collect(),
        fields: readers.iter().map(|r| r.column(&order)).collect(),
        account_start,
    };
    Ok((table, summary))
}

/// Why the batch's columns do not line up with its records or the declared fields.
fn shape_problem(batch: &SignalBatch, field_types: &[(String, FieldType)]) -> Option<String> {
    let n = batch.account.len();
    if batch.at.len() != n {
        return Some(format!("{} keys but {} times", n, batch.at.len()));
    }
    if batch.columns.len() != field_types.len() {
        return Some(format!(
            "{} columns for {} declared fields",
            batch.columns.len(),
            field_types.len()
        ));
    }
    for (col, (name, _)) in batch.columns.iter().zip(field_types) {
        if col.len() != n {
            return Some(format!(
                "column `{name}` has {} values for {n} records",
                col.len()
            ));
        }
    }
    None
}

/// Groups the `(account, record)` pairs by account and sorts each group by
/// `at` (records of the same time in batch order): the records in that
/// order, and where each account's start (`len = accounts + 1`).
fn group_and_sort(
    pairs_account: &[u32],
    pairs_record: Vec<u32>,
    at: &[Micros],
    accounts: usize,
) -> (Vec<u32>, Vec<u32>) {
    let (mut order, account_start) = group_by_account(pairs_account, accounts);
    for p in &mut order {
        *p = pairs_record.get(*p as usize).copied().unwrap_or(u32::MAX);
    }
    drop(pairs_record);
    for w in account_start.windows(2) {
        if let Some(slice) = order.get_mut(w[0] as usize..w[1] as usize) {
            sort_by_time(slice, at);
        }
    }
    (order, account_start)
}

/// Sorts one account's records (batch indexes, in batch order) by time,
/// records of the same time in batch order.
fn sort_by_time(records: &mut [u32], at: &[Micros]) {
    let time = |r: u32| at.get(r as usize).copied().unwrap_or(TIME_MISSING);
    let falls = records
        .windows(2)
        .filter(|w| time(w[0]) > time(w[1]))
        .count();
    if falls == 0 {
        return;
    }
    // Exports often list an account's records newest first: reversed, they
    // are nearly in order (ties are put back in batch order by the record
    // number, which grows in batch order).
    if falls * 2 > records.len() {
        records.reverse();
    }
    let key = |r: u32| (time(r), r);
    if records.len() > 32 {
        records.sort_unstable_by_key(|&r| key(r));
        return;
    }
    // Insertion: a few moves for records nearly in order.
    for j in 1..records.len() {
        let Some(&r) = records.get(j) else { break };
        let mut p = j;
        while let Some(&q) = p.checked_sub(1).and_then(|p| records.get(p)) {
            if key(q) <= key(r) {
                break;
            }
            if let Some(slot) = records.get_mut(p) {
                *slot = q;
            }
            p -= 1;
        }
        if let Some(slot) = records.get_mut(p) {
            *slot = r;
        }
    }
}

#[cfg(test)]
#[path = "signals_table_tests.rs"]
mod tests;
