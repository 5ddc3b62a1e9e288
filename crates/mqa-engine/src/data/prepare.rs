//! Checking the rows of a batch (any thread): shape, built-in fields,
//! declared fields, account, contact. The output is columnar: the kept
//! rows' values, their texts numbered in a batch [`LocalDict`], their ids
//! back to back; the duplicate-id check and interning happen when the batch
//! is committed, in file order (see `table`).

use super::column::{Column, Staged, TIME_MISSING};
use super::dict::LocalDict;
use super::keymap::{AccountKeys, AccountSlot, ContactKeys};
use super::rows::{RowBatch, RowView};
use super::values::{cell_text, stage};
use crate::intern::{hash_bytes, Sym};
use mqa_syntax::time::Micros;
use mqa_syntax::FieldType;

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
    /// Bytes in the file when known (plain files), to size the columns.
    pub size_hint: Option<u64>,
}

/// Marks a `contact_id` that is a [`LocalDict`] number, not a symbol.
pub(crate) const LOCAL: u32 = 1 << 31;

/// A row that passed every check but the duplicate-id one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claim {
    pub line: u64,
    /// End of the row's id in [`Prepared::ids`] (it starts where the previous one ends).
    pub id_end: u32,
    pub hash: u32,
    /// The raw row in the batch ([`RowBatch::raw`]), for a duplicate's reject.
    pub raw: (u32, u32),
    /// False for an event after `as_of`: it claims its id but is not kept.
    pub kept: bool,
}

/// A row that failed a check.
#[derive(Debug, Clone)]
pub(crate) struct RowReject {
    /// Claims before this row in the batch (orders rejects among claims).
    pub before: u32,
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
    /// Events: the contact's symbol, `LOCAL | n` for a text of `dict`, or missing.
    pub contact_id: Vec<Sym>,
    /// Events: `at`.
    pub at: Vec<Micros>,
    /// Declared fields, texts as `dict` numbers.
    pub fields: Vec<Column>,
    pub dict: LocalDict,
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
        self.dict.clear();
        if self.fields.len() == spec.fields.len() {
            self.fields.iter_mut().for_each(|c| c.truncate(0));
        } else {
            self.fields = spec
                .fields
                .iter()
                .map(|(_, ty)| Column::new(*ty, 0))
                .collect();
        }
    }

    /// Rows read (kept, after `as_of`, or rejected).
    pub(crate) fn rows(&self) -> u64 {
        (self.claims.len() + self.rejects.len()) as u64
    }
}

/// Per-batch state of the checks: the last account looked up (events of
/// one account usually come together).
struct Cursor {
    utf8_ok: bool,
    kept: usize,
    last_key: Vec<u8>,
    last_slot: Option<Option<AccountSlot>>,
}

/// Checks every row of `batch`, into `out` (cleared first; its buffers are reused).
pub(crate) fn prepare_batch(batch: &RowBatch, spec: &TableSpec<'_>, mut out: Prepared) -> Prepared {
    out.clear(spec);
    let mut cur = Cursor {
        utf8_ok: false,
        kept: 0,
        last_key: Vec::new(),
        last_slot: None,
    };
    match batch {
        RowBatch::Csv(b) => {
            // Cells of a valid UTF-8 batch (split at ASCII bytes) are valid too.
            cur.utf8_ok = std::str::from_utf8(b.bytes()).is_ok();
            b.for_each_row(|row| prepare_row(row, spec, &mut out, &mut cur));
        }
        RowBatch::Jsonl(b) => {
            for i in 0..b.len() {
                prepare_row(&b.row(i), spec, &mut out, &mut cur);
            }
        }
    }
    out
}

fn prepare_row<V: RowView>(row: &V, spec: &TableSpec<'_>, out: &mut Prepared, cur: &mut Cursor) {
    if let Err(reason) = check_row(row, spec, out, cur) {
        for c in &mut out.fields {
            c.truncate(cur.kept);
        }
        out.rejects.push(RowReject {
            before: out.claims.len() as u32,
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
        at = match stage("at", FieldType::Time, row.cell(3), &mut out.dict, utf8_ok)? {
            Staged::Time(t) if t != TIME_MISSING => t,
            _ => return Err("empty at".to_string()),
        };
    }
    let first = spec.kind.builtins().len();
    for (k, ((name, ty), col)) in spec.fields.iter().zip(out.fields.iter_mut()).enumerate() {
        let v = stage(name, *ty, row.cell(first + k), &mut out.dict, utf8_ok)?;
        col.push(v);
    }
    let slot = match &account_text {
        None => None,
        Some(a) => Some(
            account(spec, cur, a)
                .ok_or_else(|| format!("unknown account_id `{}`", String::from_utf8_lossy(a)))?,
        ),
    };
    let kept = spec.kind != TableKind::Events || at <= spec.as_of;
    if kept {
        cur.kept += 1;
        if let Some(s) = slot {
            out.account.push(s.row);
        }
        if spec.kind == TableKind::Events {
            let (row, sym) = match contact_text {
                None => (u32::MAX, Sym::MISSING),
                Some(c) => {
                    let found = slot.zip(spec.contacts).and_then(|(s, keys)| {
                        keys.find(s.contacts_start as usize..s.contacts_end as usize, &c)
                    });
                    match found {
                        Some(hit) => hit,
                        None => (u32::MAX, Sym(LOCAL | out.dict.put_bytes(&c))),
                    }
                }
            };
            out.contact.push(row);
            out.contact_id.push(sym);
            out.at.push(at);
        }
    } else {
        for c in &mut out.fields {
            c.truncate(cur.kept);
        }
    }
    out.ids.extend_from_slice(&id);
    out.claims.push(Claim {
        line: row.line(),
        id_end: out.ids.len() as u32,
        hash: hash_bytes(&id),
        raw: row.raw_range(),
        kept,
    });
    Ok(())
}

/// The account of `key`, remembering the last one looked up.
#[inline]
fn account(spec: &TableSpec<'_>, cur: &mut Cursor, key: &[u8]) -> Option<AccountSlot> {
    if let Some(slot) = cur.last_slot {
        if cur.last_key == key {
            return slot;
        }
    }
    let slot = spec.accounts.and_then(|m| m.get(key));
    cur.last_key.clear();
    cur.last_key.extend_from_slice(key);
    cur.last_slot = Some(slot);
    slot
}
