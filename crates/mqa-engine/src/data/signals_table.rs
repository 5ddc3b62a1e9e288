//! Turning a plugin's [`SignalBatch`] into a per-account table: records are
//! typed by the source's declared fields, joined to accounts by id or domain
//! (an account whose key is missing gets no signals; a domain shared by
//! several accounts gives each the signal), records after `as_of` dropped,
//! and grouped by account, sorted by `at` (stable: batch order on ties).

use super::assemble::group_by_account;
use super::column::{Column, Staged, BOOL_MISSING, TIME_MISSING};
use super::error::LoadError;
use super::rejects::RejectSink;
use super::signals_compact::{describe, describe_compact, CompactBatch, CompactColumn, NO_TEXT};
use super::values::stage_bytes;
use super::Accounts;
use crate::intern::{Interner, Sym};
use crate::signals::{JoinKey, SignalBatch, SignalColumn};
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
pub struct CompactInput(CompactBatch);

impl SignalInput {
    /// Checks the batch's shape against the declared fields and compacts it.
    pub fn new(batch: SignalBatch, field_types: &[(String, FieldType)]) -> SignalInput {
        match shape_problem(&batch, field_types) {
            Some(problem) => SignalInput::Malformed(batch, problem),
            None => SignalInput::Compact(CompactInput(CompactBatch::new(batch))),
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
    build_signal_input(
        input,
        join,
        field_types,
        accounts,
        domain_column,
        as_of,
        interner,
        rejects,
        origin,
    )
}

/// [`build_signal_table`] from a checked and compacted batch.
#[allow(clippy::too_many_arguments)]
pub fn build_signal_input(
    input: SignalInput,
    join: JoinKey,
    field_types: &[(String, FieldType)],
    accounts: &Accounts,
    domain_column: Option<usize>,
    as_of: Micros,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    origin: &Path,
) -> Result<(SignalTable, SignalSummary), LoadError> {
    let sink = |source| LoadError::RejectSink { source };
    let (n, source_rejects) = match &input {
        SignalInput::Malformed(b, _) => (b.account.len(), &b.rejects),
        SignalInput::Compact(CompactInput(b)) => (b.len(), &b.rejects),
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
    let mut fields: Vec<Column> = field_types
        .iter()
        .map(|(_, ty)| Column::new(*ty, 0))
        .collect();
    let mut at: Vec<Micros> = Vec::new();
    let mut pairs_account: Vec<u32> = Vec::new();
    let mut pairs_record: Vec<u32> = Vec::new();

    let batch = match input {
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
            return Ok((
                finish(fields, at, pairs_account, pairs_record, accounts.len()),
                summary,
            ));
        }
        SignalInput::Compact(CompactInput(b)) => b,
    };

    let index = key_index(join, accounts, domain_column);
    let mut staged: Vec<Staged> = Vec::with_capacity(field_types.len());
    // The symbol of each dictionary text of a text field, once interned
    // (a batch repeats its topics on every record).
    let mut memo: Vec<Option<Sym>> = vec![None; batch.texts.len()];
    // Records of one key usually come together: the last key's accounts.
    let mut last: Option<(u32, &[(Sym, u32)])> = None;
    // The last key's text (records of one key usually come together).
    let mut last_key: Option<(u32, &str)> = None;
    for i in 0..n {
        let key_no = batch.account.get(i).copied().unwrap_or(NO_TEXT);
        let key = match last_key {
            Some((k, text)) if k == key_no => text,
            _ => {
                let text = batch.key(i);
                last_key = Some((key_no, text));
                text
            }
        };
        let t = batch.at.get(i).copied().unwrap_or(TIME_MISSING);
        let checked = check_record(
            &batch,
            i,
            key,
            t,
            field_types,
            interner,
            &mut memo,
            &mut staged,
        );
        if let Err(reason) = checked {
            let reason = format!("record {}: {reason}", i + 1);
            rejects
                .reject(origin, 0, &reason, &describe_compact(&batch, i))
                .map_err(sink)?;
            summary.rejected += 1;
            continue;
        }
        if t > as_of {
            summary.after_as_of += 1;
            continue;
        }
        let rows = match last {
            Some((k, rows)) if k == key_no => rows,
            _ => {
                let rows = match interner.get(key) {
                    Some(s) => matching(&index, s),
                    None => &[],
                };
                last = Some((key_no, rows));
                rows
            }
        };
        if rows.is_empty() {
            summary.unmatched += 1;
            continue;
        }
        summary.used += 1;
        let rec = at.len() as u32;
        at.push(t);
        for (col, v) in fields.iter_mut().zip(staged.drain(..)) {
            col.push(v);
        }
        for &(_, row) in rows {
            pairs_account.push(row);
            pairs_record.push(rec);
        }
    }
    Ok((
        finish(fields, at, pairs_account, pairs_record, accounts.len()),
        summary,
    ))
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

/// Checks record `i` and stages its field values.
#[allow(clippy::too_many_arguments)]
fn check_record(
    batch: &CompactBatch,
    i: usize,
    key: &str,
    t: Micros,
    field_types: &[(String, FieldType)],
    interner: &mut Interner,
    memo: &mut [Option<Sym>],
    staged: &mut Vec<Staged>,
) -> Result<(), String> {
    if key.is_empty() {
        return Err("empty account".to_string());
    }
    if t == TIME_MISSING {
        return Err("empty at".to_string());
    }
    staged.clear();
    for (col, (name, ty)) in batch.columns.iter().zip(field_types) {
        if let (CompactColumn::Text(v), FieldType::Text) = (col, *ty) {
            // A text field's value depends only on its text: interned once.
            if let Some(&n) = v.get(i).filter(|&&n| n != NO_TEXT) {
                if let Some(Some(sym)) = memo.get(n as usize) {
                    staged.push(Staged::Text(*sym));
                    continue;
                }
                let value = stage_value(name, *ty, batch, col, i, interner)?;
                if let (Staged::Text(sym), Some(slot)) = (&value, memo.get_mut(n as usize)) {
                    *slot = Some(*sym);
                }
                staged.push(value);
                continue;
            }
        }
        staged.push(stage_value(name, *ty, batch, col, i, interner)?);
    }
    Ok(())
}

/// Record `i` of a batch column as a value of the declared type. Text values
/// are parsed as a CSV cell would be (so a text column may feed any type).
fn stage_value(
    name: &str,
    ty: FieldType,
    batch: &CompactBatch,
    col: &CompactColumn,
    i: usize,
    interner: &mut Interner,
) -> Result<Staged, String> {
    let missing = Staged::missing(ty, Sym::MISSING);
    let bad = |what: &str| format!("{name}: {what} is not {}", ty.as_str());
    let col = match col {
        CompactColumn::Text(v) => {
            return match batch.text(v, i) {
                None | Some("") => Ok(missing),
                Some(s) => stage_bytes(name, ty, s.as_bytes(), interner, true),
            }
        }
        CompactColumn::Other(c) => c,
    };
    match (col, ty) {
        (SignalColumn::Text(v), _) => match v.get(i) {
            None | Some("") => Ok(missing),
            Some(s) => stage_bytes(name, ty, s.as_bytes(), interner, true),
        },
        (SignalColumn::Int(v), FieldType::Int | FieldType::Number) => Ok(v
            .get(i)
            .copied()
            .flatten()
            .map_or(missing, |x| Staged::Number(x as f64))),
        (SignalColumn::Number(v), FieldType::Int | FieldType::Number) => {
            match v.get(i).copied().flatten() {
                None => Ok(missing),
                Some(x) if !x.is_finite() => Err(bad(&x.to_string())),
                Some(x) if ty == FieldType::Int && x.fract() != 0.0 => Err(bad(&x.to_string())),
                Some(x) => Ok(Staged::Number(x)),
            }
        }
        (SignalColumn::Bool(v), FieldType::Bool) => Ok(Staged::Bool(
            v.get(i).copied().flatten().map_or(BOOL_MISSING, u8::from),
        )),
        (SignalColumn::Time(v), FieldType::Time) => {
            Ok(v.get(i).copied().flatten().map_or(missing, Staged::Time))
        }
        (c, _) => Err(format!(
            "{name}: the source gave {} values for a {} field",
            column_kind(c),
            ty.as_str()
        )),
    }
}

fn column_kind(c: &SignalColumn) -> &'static str {
    match c {
        SignalColumn::Text(_) => "text",
        SignalColumn::Int(_) => "int",
        SignalColumn::Number(_) => "number",
        SignalColumn::Bool(_) => "bool",
        SignalColumn::Time(_) => "time",
    }
}

/// `(key, account row)` of every account with a key, sorted by key.
fn key_index(join: JoinKey, accounts: &Accounts, domain_column: Option<usize>) -> Vec<(Sym, u32)> {
    let keys: &[Sym] = match join {
        JoinKey::Id => &accounts.id,
        JoinKey::Domain => match domain_column.and_then(|c| accounts.fields.get(c)) {
            Some(Column::Text(v)) => v,
            _ => &[],
        },
    };
    let mut index: Vec<(Sym, u32)> = keys
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_missing())
        .map(|(row, &s)| (s, row as u32))
        .collect();
    index.sort_unstable();
    index
}

/// The entries of `index` with key `s`.
fn matching(index: &[(Sym, u32)], s: Sym) -> &[(Sym, u32)] {
    let lo = index.partition_point(|&(k, _)| k < s);
    let hi = index.partition_point(|&(k, _)| k <= s);
    index.get(lo..hi).unwrap_or_default()
}

/// Groups the `(account, record)` pairs by account, sorts each group by `at`
/// (stable), and gathers the records.
fn finish(
    fields: Vec<Column>,
    at: Vec<Micros>,
    pairs_account: Vec<u32>,
    pairs_record: Vec<u32>,
    accounts: usize,
) -> SignalTable {
    let (perm, account_start) = group_by_account(&pairs_account, accounts);
    let mut order: Vec<u32> = perm
        .iter()
        .map(|&p| pairs_record.get(p as usize).copied().unwrap_or(u32::MAX))
        .collect();
    for w in account_start.windows(2) {
        if let Some(slice) = order.get_mut(w[0] as usize..w[1] as usize) {
            slice.sort_by_key(|&r| at.get(r as usize).copied().unwrap_or(TIME_MISSING));
        }
    }
    SignalTable {
        at: order
            .iter()
            .map(|&r| at.get(r as usize).copied().unwrap_or(TIME_MISSING))
            .collect(),
        fields: fields.iter().map(|c| c.gather(&order)).collect(),
        account_start,
    }
}
