//! Checking the rows of a batch (any thread): shape, built-in fields,
//! declared fields, account, contact. The output is columnar: the kept
//! rows' values, their texts numbered in a batch [`LocalDict`], their ids
//! back to back; the duplicate-id check and interning happen when the batch
//! is committed, in file order (see `table`).

use super::column::{Column, Staged, TIME_MISSING};
use super::dict::LocalDict;
use super::keymap::{same_bytes, AccountKeys, AccountSlot, ContactKeys};
use super::rows::{RowBatch, RowView};
use super::values::{cell_text, parse_int, parse_number, parse_utc_seconds, stage, Cell, DayCache};
use crate::intern::{hash_bytes64, Sym};
use mqa_syntax::time::Micros;
use mqa_syntax::FieldType;
use sort::sort_runs;

/// Which table a file holds (decides the built-in columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableKind {
    Accounts,
    Contacts,
    Events,
}

impl TableKind {
    /// The file's base name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TableKind::Accounts => "accounts",
            TableKind::Contacts => "contacts",
            TableKind::Events => "events",
        }
    }

    /// Built-in columns, in the order cells are addressed (declared fields follow).
    pub(crate) fn builtins(self) -> &'static [&'static str] {
        match self {
            TableKind::Accounts => &["id"],
            TableKind::Contacts => &["id", "account_id"],
            TableKind::Events => &["id", "account_id", "contact_id", "at"],
        }
    }
}

/// What checking a table's rows needs to know (shared by all threads).
#[derive(Clone, Copy)]
pub(crate) struct TableSpec<'a> {
    pub kind: TableKind,
    pub fields: &'a [(String, FieldType)],
    /// Account id → row and contact range (contacts and events).
    pub accounts: Option<&'a AccountKeys>,
    /// Contact ids in grouped order (events).
    pub contacts: Option<&'a ContactKeys>,
    pub as_of: Micros,
    /// Events at or before this are not kept ([`super::LoadOptions::window_start`];
    /// `Micros::MIN` keeps them all).
    pub window_start: Micros,
    /// Bytes in the file when known (plain files), to size the columns.
    pub size_hint: Option<u64>,
    /// Keep the line of each row ([`super::table::RawTable::line`]).
    pub lines: bool,
}

/// Marks a `contact_id` that is a [`LocalDict`] number, not a symbol.
pub(crate) const LOCAL: u32 = 1 << 31;

/// A row that passed every check but the duplicate-id one (an event after
/// `as_of` too: it claims its id, but is not kept).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claim {
    pub line: u64,
    /// End of the row's id in [`Prepared::ids`] (it starts where the previous one ends).
    pub id_end: u32,
    /// [`hash_bytes64`] of the id.
    pub hash: u64,
}

/// Where claim `c`'s id is in the batch's ids ([`Prepared::ids`]): from the
/// end of the previous claim's to its own `id_end`.
pub(crate) fn claim_span(claims: &[Claim], c: usize) -> std::ops::Range<usize> {
    let end = claims.get(c).map_or(0, |c| c.id_end as usize);
    let start = match c.checked_sub(1) {
        Some(p) => claims.get(p).map_or(0, |c| c.id_end as usize),
        None => 0,
    };
    start..end
}

/// A row that failed a check.
#[derive(Debug, Clone)]
pub(crate) struct RowReject {
    pub line: u64,
    /// The raw row in the batch ([`RowBatch::raw`]).
    pub raw: (u32, u32),
    pub reason: String,
}

/// A checked batch.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub claims: Vec<Claim>,
    pub ids: Vec<u8>,
    pub rejects: Vec<RowReject>,
    /// Per kept row (claims with `kept`), in order: account row (contacts, events).
    pub account: Vec<u32>,
    /// Events: contact row (`u32::MAX`: anonymous, or no contact of the account).
    pub contact: Vec<u32>,
    /// Events: `LOCAL | n` (a text of `dict`) for a `contact_id` that names
    /// no contact of the account; missing otherwise (anonymous, or a known
    /// contact, whose id comes from its row).
    pub contact_id: Vec<Sym>,
    /// Events: `at`.
    pub at: Vec<Micros>,
    /// Declared fields, texts as `dict` numbers.
    pub fields: Vec<Column>,
    /// Position in `claims` of each kept row.
    pub kept_claim: Vec<u32>,
    /// Position in `claims` of each event not kept for being before the
    /// window (the others not kept are after `as_of`).
    pub before_window: Vec<u32>,
    pub dict: LocalDict,
    /// Scratch for [`sort_runs`] (kept, so a batch allocates nothing once
    /// the buffers have grown: freeing and growing per batch made the
    /// allocator change page protections thousands of times a run).
    order: Vec<u32>,
    keys: Vec<(i64, u32)>,
    packed: Vec<u64>,
    /// Scratch for the plain rows' checks (`plain::check_plain`).
    roles: Vec<plain::Role>,
    /// Scratch for the delimiter index of a plain batch (`csv_delims`).
    delims: Vec<u32>,
    tmp_u32: Vec<u32>,
    tmp_sym: Vec<Sym>,
    tmp_i64: Vec<i64>,
    tmp_fields: Vec<Column>,
    day: DayCache,
}

impl Prepared {
    fn clear(&mut self, spec: &TableSpec<'_>) {
        self.claims.clear();
        self.ids.clear();
        self.rejects.clear();
        self.account.clear();
        self.contact.clear();
        self.contact_id.clear();
        self.at.clear();
        self.kept_claim.clear();
        self.before_window.clear();
        self.dict.clear();
        // The columns of a batch of another file (see `table::Spares`) may
        // have other types.
        let same = self.fields.len() == spec.fields.len()
            && self
                .fields
                .iter()
                .zip(spec.fields)
                .all(|(c, (_, ty))| c.holds(*ty));
        if same {
            self.fields.iter_mut().for_each(|c| c.truncate(0));
        } else {
            self.fields = spec
                .fields
                .iter()
                .map(|(_, ty)| Column::new(*ty, 0))
                .collect();
        }
    }

    /// Drops the field values staged for a row that is not kept (the
    /// columns go back to the `kept` rows before it).
    fn drop_staged(&mut self, kept: usize) {
        for c in &mut self.fields {
            c.truncate(kept);
        }
    }

    /// Rows read (kept, after `as_of`, or rejected).
    pub(crate) fn rows(&self) -> u64 {
        (self.claims.len() + self.rejects.len()) as u64
    }
}

/// Per-batch state of the checks: the last account looked up (rows of one
/// account usually come together) and the last date read.
struct Cursor {
    utf8_ok: bool,
    kept: usize,
    last_key: Vec<u8>,
    last_slot: Option<Option<AccountSlot>>,
    day: DayCache,
}

/// Checks every row of `batch`, into `out` (cleared first; its buffers are reused).
pub(crate) fn prepare_batch(batch: &RowBatch, spec: &TableSpec<'_>, out: Prepared) -> Prepared {
    prepare_batch_with(batch, spec, out, true)
}

/// [`prepare_batch`]; `plain`: whether valid UTF-8 plain CSV batches take
/// [`plain::check_plain`] first (false only to test that path against the general one).
fn prepare_batch_with(
    batch: &RowBatch,
    spec: &TableSpec<'_>,
    mut out: Prepared,
    plain: bool,
) -> Prepared {
    out.clear(spec);
    let mut cur = Cursor {
        utf8_ok: false,
        kept: 0,
        last_key: Vec::new(),
        last_slot: None,
        day: std::mem::take(&mut out.day),
    };
    match batch {
        RowBatch::Csv(b) => {
            // Cells of a valid UTF-8 batch (split at ASCII bytes) are valid too.
            let bytes = b.records_bytes();
            cur.utf8_ok = bytes.is_ascii() || std::str::from_utf8(bytes).is_ok();
            let (map, width) = b.columns();
            let mut roles = std::mem::take(&mut out.roles);
            let mut delims = std::mem::take(&mut out.delims);
            plain::roles(spec, map, width, &mut roles);
            let plain = plain
                && cur.utf8_ok
                && b.for_each_plain(
                    &mut (&mut out, &mut cur),
                    &mut delims,
                    |(out, cur), row| plain::check_plain(row, &roles, spec, out, cur),
                    |(out, cur), row| prepare_row(row, spec, out, cur),
                );
            out.roles = roles;
            out.delims = delims;
            if !plain {
                b.for_each_row(|row| prepare_row(row, spec, &mut out, &mut cur));
            }
        }
        RowBatch::Jsonl(b) => {
            for i in 0..b.len() {
                prepare_row(&b.row(i), spec, &mut out, &mut cur);
            }
        }
    }
    if spec.kind == TableKind::Events {
        sort_runs(&mut out);
    }
    out.day = cur.day;
    out
}

fn prepare_row<V: RowView>(row: &V, spec: &TableSpec<'_>, out: &mut Prepared, cur: &mut Cursor) {
    if let Err(reason) = check_row(row, spec, out, cur) {
        out.drop_staged(cur.kept);
        out.rejects.push(RowReject {
            line: row.line(),
            raw: row.raw_range(),
            reason,
        });
    }
}

/// All checks of one row, in order: shape, `id`, `account_id`, `contact_id`
/// and `at`, declared fields in schema order, known account. A row that
/// passes is appended to `out` (its values only when it is kept).
fn check_row<V: RowView>(
    row: &V,
    spec: &TableSpec<'_>,
    out: &mut Prepared,
    cur: &mut Cursor,
) -> Result<(), String> {
    if let Some(m) = row.malformed() {
        return Err(m.to_string());
    }
    let utf8_ok = cur.utf8_ok;
    let id = cell_text("id", row.cell(0), utf8_ok)?.ok_or_else(|| "empty id".to_string())?;
    let account_text = match spec.kind {
        TableKind::Accounts => None,
        _ => Some(
            cell_text("account_id", row.cell(1), utf8_ok)?
                .ok_or_else(|| "empty account_id".to_string())?,
        ),
    };
    let mut contact_text = None;
    let mut at = TIME_MISSING;
    if spec.kind == TableKind::Events {
        contact_text = cell_text("contact_id", row.cell(2), utf8_ok)?;
        let cell = row.cell(3);
        let fast = match cell {
            Cell::Bytes(b) => parse_utc_seconds(b, &mut cur.day),
            _ => None,
        };
        at = match fast {
            Some(t) => t,
            None => match stage("at", FieldType::Time, cell, &mut out.dict, utf8_ok)? {
                Staged::Time(t) if t != TIME_MISSING => t,
                _ => return Err("empty at".to_string()),
            },
        };
    }
    let first = spec.kind.builtins().len();
    for (k, ((name, ty), col)) in spec.fields.iter().zip(out.fields.iter_mut()).enumerate() {
        push_field(col, name, *ty, row.cell(first + k), &mut out.dict, utf8_ok)?;
    }
    let slot = match &account_text {
        None => None,
        Some(a) => Some(
            account(spec, cur, a)
                .ok_or_else(|| format!("unknown account_id `{}`", String::from_utf8_lossy(a)))?,
        ),
    };
    keep_row(
        row.line(),
        &id,
        None,
        slot,
        contact_text.as_deref(),
        at,
        spec,
        out,
        cur,
    );
    Ok(())
}

/// Appends a row that passed every check (its values only when it is
/// kept). `id16`, when known: sixteen bytes of the batch that start with the id.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn keep_row(
    line: u64,
    id: &[u8],
    id16: Option<&[u8; 16]>,
    slot: Option<AccountSlot>,
    contact_text: Option<&[u8]>,
    at: Micros,
    spec: &TableSpec<'_>,
    out: &mut Prepared,
    cur: &mut Cursor,
) {
    let kept = spec.kind != TableKind::Events || (at <= spec.as_of && at > spec.window_start);
    if kept {
        cur.kept += 1;
        out.kept_claim.push(out.claims.len() as u32);
        if let Some(s) = slot {
            out.account.push(s.row);
        }
        if spec.kind == TableKind::Events {
            let (row, sym) = match contact_text {
                None => (u32::MAX, Sym::MISSING),
                Some(c) => {
                    let found = slot.zip(spec.contacts).and_then(|(s, keys)| {
                        keys.find(s.contacts_start as usize..s.contacts_end as usize, c)
                    });
                    match found {
                        // Its id is read from its row after the load.
                        Some(row) => (row, Sym::MISSING),
                        None => (u32::MAX, Sym(LOCAL | out.dict.put_bytes(c))),
                    }
                }
            };
            out.contact.push(row);
            out.contact_id.push(sym);
            out.at.push(at);
        }
    } else {
        out.drop_staged(cur.kept);
        if at <= spec.window_start {
            out.before_window.push(out.claims.len() as u32);
        }
    }
    match id16 {
        // Sixteen bytes that start with the id: a fixed copy, not a call.
        Some(w) if id.len() <= w.len() => {
            let at = out.ids.len();
            out.ids.extend_from_slice(w);
            out.ids.truncate(at + id.len());
        }
        _ => out.ids.extend_from_slice(id),
    }
    out.claims.push(Claim {
        line,
        id_end: out.ids.len() as u32,
        hash: hash_bytes64(id),
    });
}

/// Appends a declared field's cell to its column; the usual cases (a text
/// of a checked batch, a number) go straight in, the rest through [`stage`].
#[inline]
fn push_field(
    col: &mut Column,
    name: &str,
    ty: FieldType,
    cell: Cell<'_>,
    dict: &mut LocalDict,
    utf8_ok: bool,
) -> Result<(), String> {
    if let Cell::Bytes(b) = cell {
        match (&mut *col, ty) {
            (Column::Text(v), _) if b.is_empty() => {
                v.push(Sym::MISSING);
                return Ok(());
            }
            (Column::Text(v), FieldType::Text) if utf8_ok => {
                v.push(Sym(dict.put_bytes(b)));
                return Ok(());
            }
            (Column::Number(v), FieldType::Int) => {
                if let Some(x) = parse_int(b) {
                    v.push(x);
                    return Ok(());
                }
            }
            (Column::Number(v), FieldType::Number) => {
                if let Some(x) = parse_number(b) {
                    v.push(x);
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    let v = stage(name, ty, cell, dict, utf8_ok)?;
    col.push(v);
    Ok(())
}

/// The account of `key`, remembering the last one looked up.
#[inline]
fn account(spec: &TableSpec<'_>, cur: &mut Cursor, key: &[u8]) -> Option<AccountSlot> {
    if let Some(slot) = cur.last_slot {
        if same_bytes(&cur.last_key, key) {
            return slot;
        }
        // Rows often follow the accounts file's order: try the next account.
        if let Some(next) = slot
            .zip(spec.accounts)
            .and_then(|(s, m)| m.next_after(s, key))
        {
            cur.last_key.clear();
            cur.last_key.extend_from_slice(key);
            cur.last_slot = Some(Some(next));
            return Some(next);
        }
    }
    let slot = spec.accounts.and_then(|m| m.get(key));
    cur.last_key.clear();
    cur.last_key.extend_from_slice(key);
    cur.last_slot = Some(slot);
    slot
}

#[path = "prepare_plain.rs"]
mod plain;
#[path = "prepare_sort.rs"]
mod sort;

#[cfg(test)]
#[path = "prepare_tests.rs"]
mod plain_tests;
