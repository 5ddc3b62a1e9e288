//! The row checks' fast path for plain, valid UTF-8 CSV batches
//! ([`check_plain`]): each record is split and checked in one walk, field
//! after field in header order, on the usual values only; anything else
//! sends the record to the general checks from its start.

use super::{account, keep_row, push_field, Cursor, Prepared, TableSpec};
use crate::data::column::{Column, TIME_MISSING};
use crate::data::csv_batch::PlainRow;
use crate::data::keymap::{same_bytes, AccountSlot};
use crate::data::values::{parse_utc_seconds, Cell, DayCache};
use crate::intern::Sym;
use mqa_syntax::time::Micros;
use mqa_syntax::FieldType;

/// What [`check_plain`] does with a header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Not a wanted column.
    Skip,
    Id,
    Account,
    Contact,
    At,
    /// Declared field `i` of type `text`.
    Text(usize),
    /// Declared field `i` of another type.
    Field(usize),
}

/// The role of each of a header's `width` fields (`map`: wanted column →
/// header index, the built-in columns first), into `roles`.
pub(super) fn roles(spec: &TableSpec<'_>, map: &[usize], width: usize, roles: &mut Vec<Role>) {
    roles.clear();
    roles.resize(width, Role::Skip);
    let builtins = spec.kind.builtins();
    for (k, &h) in map.iter().enumerate() {
        let role = match builtins.get(k) {
            Some(&"id") => Role::Id,
            Some(&"account_id") => Role::Account,
            Some(&"contact_id") => Role::Contact,
            Some(_) => Role::At,
            None => {
                let i = k - builtins.len();
                match spec.fields.get(i) {
                    Some((_, FieldType::Text)) => Role::Text(i),
                    _ => Role::Field(i),
                }
            }
        };
        if let Some(r) = roles.get_mut(h) {
            *r = role;
        }
    }
}

/// [`super::check_row`] for a record of a plain, valid UTF-8 CSV batch
/// (`roles` from [`roles`]), on the usual values only: false when any
/// check would fail or needs the general path, which then checks the
/// record from the start (so rejects and their reasons are its). On false,
/// `out` holds nothing of the record but texts in `dict`.
#[inline]
pub(super) fn check_plain(
    row: &mut PlainRow<'_>,
    roles: &[Role],
    spec: &TableSpec<'_>,
    out: &mut Prepared,
    cur: &mut Cursor,
) -> bool {
    let mut id: &[u8] = &[];
    let mut id16 = None;
    let mut slot = None;
    let mut contact = None;
    let mut at = TIME_MISSING;
    for &role in roles {
        let ok = match role {
            Role::Skip => row.next().is_some(),
            Role::Id => {
                id16 = row.ahead::<16>();
                id = row.next().unwrap_or_default();
                !id.is_empty()
            }
            Role::Account => {
                slot = account_field(row, spec, cur);
                slot.is_some()
            }
            Role::Contact => match row.next() {
                Some(c) => {
                    contact = Some(c).filter(|c| !c.is_empty());
                    true
                }
                None => false,
            },
            Role::At => match at_field(row, &mut cur.day) {
                Some(t) => {
                    at = t;
                    true
                }
                None => false,
            },
            Role::Text(i) => match (row.next(), out.fields.get_mut(i)) {
                (Some(c), Some(Column::Text(v))) => {
                    v.push(match c {
                        [] => Sym::MISSING,
                        c => Sym(out.dict.put_bytes(c)),
                    });
                    true
                }
                _ => false,
            },
            Role::Field(i) => match (row.next(), out.fields.get_mut(i), spec.fields.get(i)) {
                (Some(c), Some(col), Some((name, ty))) => {
                    push_field(col, name, *ty, Cell::Bytes(c), &mut out.dict, true).is_ok()
                }
                _ => false,
            },
        };
        if !ok {
            out.drop_staged(cur.kept);
            return false;
        }
    }
    keep_row(row.line(), id, id16, slot, contact, at, spec, out, cur);
    true
}

/// The account of the next field: first the account of the row before
/// (rows of one account usually come together), compared in place.
#[inline]
fn account_field(
    row: &mut PlainRow<'_>,
    spec: &TableSpec<'_>,
    cur: &mut Cursor,
) -> Option<AccountSlot> {
    if let Some(Some(last)) = cur.last_slot {
        let key = &cur.last_key;
        if !key.is_empty() && row.next_if(key.len(), |c| same_bytes(c, key)).is_some() {
            return Some(last);
        }
    }
    let a = row.next().filter(|a| !a.is_empty())?;
    account(spec, cur, a)
}

/// The `at` of the next field, spelled `YYYY-MM-DDTHH:MM:SSZ`: first read
/// as the 20 bytes where the field starts.
#[inline]
fn at_field(row: &mut PlainRow<'_>, day: &mut DayCache) -> Option<Micros> {
    let mut t = None;
    if row
        .next_if(20, |c| {
            t = parse_utc_seconds(c, day);
            t.is_some()
        })
        .is_some()
    {
        return t;
    }
    parse_utc_seconds(row.next()?, day)
}
