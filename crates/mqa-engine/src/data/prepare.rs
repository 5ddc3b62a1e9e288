//! Checking the rows of a batch (any thread): shape, built-in fields,
//! declared fields, account, contact. Texts are copied into the batch's
//! arena with their hashes; interning and the duplicate-id check happen
//! when the batch is committed, in file order (see `table`).

use super::column::{Staged, TextArena, TextRef, TextStore, TIME_MISSING};
use super::keymap::{AccountKeys, ContactKeys};
use super::rows::{RowBatch, RowView};
use super::values::{cell_text, stage};
use crate::intern::Sym;
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

/// An event's contact as found at check time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ContactRef {
    /// Empty `contact_id`.
    Anonymous,
    /// A contact of the event's account: its row and id.
    Known(u32, Sym),
    /// No contact of the account has this id (interned as a value).
    Unknown(TextRef),
}

/// A row that passed every check but the duplicate-id one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptRow {
    pub index: u32,
    pub line: u64,
    pub id: TextRef,
    pub account: u32,
    pub contact: ContactRef,
    pub at: Micros,
}

/// The outcome of each row of a batch, in file order.
#[derive(Debug)]
pub(crate) enum RowOutcome {
    Keep(KeptRow),
    /// Row index in the batch and the reason.
    Reject(u32, String),
}

/// A checked batch: outcomes, the kept rows' declared values (row-major),
/// and their texts.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub rows: Vec<RowOutcome>,
    pub values: Vec<Staged<TextRef>>,
    pub texts: TextArena,
}

/// Checks every row of `batch`, into `out` (cleared first; its buffers are reused).
pub(crate) fn prepare_batch(batch: &RowBatch, spec: &TableSpec<'_>, mut out: Prepared) -> Prepared {
    out.rows.clear();
    out.values.clear();
    out.texts.clear();
    out.rows.reserve(batch.len());
    out.values.reserve(batch.len() * spec.fields.len());
    for i in 0..batch.len() {
        match batch {
            RowBatch::Csv(b) => {
                if let Some(row) = b.row(i) {
                    prepare_row(&row, i as u32, spec, &mut out);
                }
            }
            RowBatch::Jsonl(b) => prepare_row(&b.row(i), i as u32, spec, &mut out),
        }
    }
    out
}

fn prepare_row<V: RowView>(row: &V, index: u32, spec: &TableSpec<'_>, out: &mut Prepared) {
    let values = out.values.len();
    let texts = out.texts.len();
    match check_row(row, index, spec, out) {
        Ok(kept) => out.rows.push(RowOutcome::Keep(kept)),
        Err(reason) => {
            out.values.truncate(values);
            out.texts.truncate(texts);
            out.rows.push(RowOutcome::Reject(index, reason));
        }
    }
}

/// All checks of one row, in order: shape, `id`, `account_id`, `contact_id`
/// and `at`, declared fields in schema order, known account.
fn check_row<V: RowView>(
    row: &V,
    index: u32,
    spec: &TableSpec<'_>,
    out: &mut Prepared,
) -> Result<KeptRow, String> {
    if let Some(m) = row.malformed() {
        return Err(m.to_string());
    }
    let id = cell_text("id", row.cell(0))?.ok_or_else(|| "empty id".to_string())?;
    let account_text = match spec.kind {
        TableKind::Accounts => None,
        _ => Some(
            cell_text("account_id", row.cell(1))?.ok_or_else(|| "empty account_id".to_string())?,
        ),
    };
    let mut contact_text = None;
    let mut at = TIME_MISSING;
    if spec.kind == TableKind::Events {
        contact_text = cell_text("contact_id", row.cell(2))?;
        at = match stage("at", FieldType::Time, row.cell(3), &mut out.texts)? {
            Staged::Time(t) if t != TIME_MISSING => t,
            _ => return Err("empty at".to_string()),
        };
    }
    let first = spec.kind.builtins().len();
    for (k, (name, ty)) in spec.fields.iter().enumerate() {
        let v = stage(name, *ty, row.cell(first + k), &mut out.texts)?;
        out.values.push(v);
    }
    let slot = match account_text {
        None => None,
        Some(a) => Some(
            spec.accounts
                .and_then(|m| m.get(a.as_bytes()))
                .ok_or_else(|| format!("unknown account_id `{a}`"))?,
        ),
    };
    let contact = match contact_text {
        None => ContactRef::Anonymous,
        Some(c) => {
            let found = slot.zip(spec.contacts).and_then(|(s, keys)| {
                keys.find(
                    s.contacts_start as usize..s.contacts_end as usize,
                    c.as_bytes(),
                )
            });
            match found {
                Some((row, sym)) => ContactRef::Known(row, sym),
                None => ContactRef::Unknown(out.texts.put(&c)),
            }
        }
    };
    Ok(KeptRow {
        index,
        line: row.line(),
        id: out.texts.put(&id),
        account: slot.map_or(u32::MAX, |s| s.row),
        contact,
        at,
    })
}
