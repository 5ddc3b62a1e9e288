//! Reading one table file into columns: every row is checked whole (shape,
//! built-in fields, declared fields, account, duplicate id) before any of it
//! is kept; a row that fails goes to the rejects sink with its reason.

use super::column::{Column, Staged, TIME_MISSING};
use super::error::LoadError;
use super::rejects::RejectSink;
use super::rows::RowSource;
use super::summary::FileSummary;
use super::values::{cell_text, stage};
use crate::intern::{Interner, Sym};
use mqa_syntax::time::Micros;
use mqa_syntax::FieldType;
use std::path::Path;

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

/// What a table load needs to know.
pub(crate) struct TableSpec<'a> {
    pub kind: TableKind,
    pub fields: &'a [(String, FieldType)],
    /// Account row of each interned string (indexed by `Sym`), `u32::MAX` for
    /// strings that are no account's id. Unused for accounts.
    pub account_of: &'a [u32],
    pub as_of: Micros,
}

/// The kept rows of one file, in file order. Built-in columns a table does
/// not have stay empty.
#[derive(Debug, Default)]
pub(crate) struct RawTable {
    pub id: Vec<Sym>,
    pub account: Vec<u32>,
    pub contact_id: Vec<Sym>,
    pub at: Vec<Micros>,
    pub line: Vec<u64>,
    pub fields: Vec<Column>,
}

/// Built-in values of a row that passed every check.
struct Checked {
    id: Sym,
    account: u32,
    contact: Sym,
    at: Micros,
}

/// Reads every row of `rows`, rejecting the bad ones into `rejects`.
pub(crate) fn load_rows<R: RowSource>(
    rows: &mut R,
    path: &Path,
    spec: &TableSpec<'_>,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
) -> Result<(RawTable, FileSummary), LoadError> {
    let mut t = RawTable {
        fields: spec
            .fields
            .iter()
            .map(|(_, ty)| Column::new(*ty, 0))
            .collect(),
        ..RawTable::default()
    };
    let mut staged: Vec<Staged> = Vec::with_capacity(spec.fields.len());
    // Line of the kept row of each id (indexed by Sym); 0 = not seen.
    let mut seen: Vec<u64> = Vec::new();
    let mut summary = FileSummary::new(path);
    while rows.advance()? {
        summary.read += 1;
        let line = rows.line();
        let c = match check_row(rows, spec, interner, &mut staged, &seen) {
            Ok(c) => c,
            Err(reason) => {
                let raw = String::from_utf8_lossy(rows.raw());
                rejects
                    .reject(path, line, &reason, &raw)
                    .map_err(|source| LoadError::RejectSink { source })?;
                summary.rejected += 1;
                continue;
            }
        };
        let idx = c.id.index();
        if idx >= seen.len() {
            seen.resize(interner.len().max(idx + 1), 0);
        }
        if let Some(s) = seen.get_mut(idx) {
            *s = line;
        }
        if spec.kind == TableKind::Events && c.at > spec.as_of {
            summary.after_as_of += 1;
            continue;
        }
        summary.used += 1;
        t.id.push(c.id);
        t.line.push(line);
        if spec.kind != TableKind::Accounts {
            t.account.push(c.account);
        }
        if spec.kind == TableKind::Events {
            t.contact_id.push(c.contact);
            t.at.push(c.at);
        }
        for (col, v) in t.fields.iter_mut().zip(staged.drain(..)) {
            col.push(v);
        }
    }
    Ok((t, summary))
}

/// All checks of one row, in order: shape, `id`, `account_id`, `contact_id`
/// and `at`, declared fields in schema order, known account, unique id.
fn check_row<R: RowSource>(
    rows: &R,
    spec: &TableSpec<'_>,
    interner: &mut Interner,
    staged: &mut Vec<Staged>,
    seen: &[u64],
) -> Result<Checked, String> {
    if let Some(m) = rows.malformed() {
        return Err(m.to_string());
    }
    let id = cell_text("id", rows.cell(0))?.ok_or_else(|| "empty id".to_string())?;
    let account_text = match spec.kind {
        TableKind::Accounts => None,
        _ => Some(
            cell_text("account_id", rows.cell(1))?.ok_or_else(|| "empty account_id".to_string())?,
        ),
    };
    let mut contact_text = None;
    let mut at = TIME_MISSING;
    if spec.kind == TableKind::Events {
        contact_text = cell_text("contact_id", rows.cell(2))?;
        at = match stage("at", FieldType::Time, rows.cell(3), interner)? {
            Staged::Time(t) if t != TIME_MISSING => t,
            _ => return Err("empty at".to_string()),
        };
    }
    let first = spec.kind.builtins().len();
    staged.clear();
    for (k, (name, ty)) in spec.fields.iter().enumerate() {
        staged.push(stage(name, *ty, rows.cell(first + k), interner)?);
    }
    let account = match account_text {
        None => u32::MAX,
        Some(a) => interner
            .get(&a)
            .and_then(|s| spec.account_of.get(s.index()).copied())
            .filter(|&row| row != u32::MAX)
            .ok_or_else(|| format!("unknown account_id `{a}`"))?,
    };
    let id_sym = interner.intern(&id);
    if let Some(&first_line) = seen.get(id_sym.index()).filter(|&&l| l != 0) {
        return Err(format!("duplicate id `{id}` (first at line {first_line})"));
    }
    let contact = match contact_text {
        Some(c) => interner.intern(&c),
        None => Sym::MISSING,
    };
    Ok(Checked {
        id: id_sym,
        account,
        contact,
        at,
    })
}
