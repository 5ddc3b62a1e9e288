//! Grouping kept rows by account: contacts in file order, events by
//! `(at, id)`, each table with a CSR index (`account_start`), and the
//! event → contact join (same account only).

use super::claims::{ClaimIds, EventIds};
use super::column::{par_gather, Column, TIME_MISSING};
use super::keymap::{AccountKeys, ContactKeys};
use super::summary::LoadSummary;
use super::table::RawTable;
use super::{Contacts, Events};
use crate::intern::{Interner, Sym};
use mqa_syntax::time::Micros;
use rayon::prelude::*;

/// A stable counting sort of rows by account: the permutation (new position →
/// old row) and the CSR starts (`len = accounts + 1`).
pub(crate) fn group_by_account(account: &[u32], accounts: usize) -> (Vec<u32>, Vec<u32>) {
    let start = account_starts(account, accounts);
    let mut next = start.clone();
    let mut perm = vec![0u32; account.len()];
    for (row, &a) in account.iter().enumerate() {
        if let Some(n) = next.get_mut(a as usize) {
            if let Some(p) = perm.get_mut(*n as usize) {
                *p = row as u32;
            }
            *n += 1;
        }
    }
    (perm, start)
}

/// Where each account's rows start once `account` (an account row per
/// row) is grouped by account (`len = accounts + 1`; rows of no account
/// counted nowhere).
fn account_starts(account: &[u32], accounts: usize) -> Vec<u32> {
    let mut start = vec![0u32; accounts + 1];
    for &a in account {
        if let Some(c) = start.get_mut(a as usize + 1) {
            *c += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    start
}

/// Contacts grouped by account, file order within an account (their ids
/// were interned as the file was committed), and their ids for the events
/// load, in the same order.
pub(crate) fn contacts(
    raw: RawTable,
    accounts: usize,
    interner: &Interner,
) -> (Contacts, ContactKeys) {
    let id = |r: usize| {
        raw.id_syms
            .get(r)
            .map_or("", |&s| interner.resolve(s))
            .as_bytes()
    };
    let sorted = raw.account.windows(2).all(|w| w[0] <= w[1])
        && raw.account.last().is_none_or(|&a| (a as usize) < accounts);
    if sorted {
        // Already grouped (the usual file): the rows stay as they are. When
        // every claim became a row (none was dropped as a repeat), contact
        // `r` is text `r` of the interner's block of contact ids: the keys
        // are those texts, not a copy. They are made beside the accounts'
        // starts (between two files, where nothing else runs).
        let block = interner.block_texts().filter(|texts| {
            texts.len() == raw.account.len()
                && raw
                    .id_claim
                    .iter()
                    .enumerate()
                    .all(|(r, &c)| c as usize == r)
        });
        let (account_start, keys) = rayon::join(
            || account_starts(&raw.account, accounts),
            || match block {
                Some(texts) => ContactKeys::in_block(texts),
                None => ContactKeys::build(raw.account.len(), id),
            },
        );
        let contacts = Contacts {
            id: raw.id_syms,
            account: raw.account,
            fields: raw.fields,
            account_start,
        };
        return (contacts, keys);
    }
    let (perm, account_start) = group_by_account(&raw.account, accounts);
    // In grouped order: grouped row `i` is file row `perm[i]`.
    let keys = ContactKeys::build(perm.len(), |i| {
        perm.get(i).map_or(&[][..], |&r| id(r as usize))
    });
    let contacts = Contacts {
        id: par_gather(&raw.id_syms, &perm, Sym::MISSING),
        account: par_gather(&raw.account, &perm, u32::MAX),
        fields: raw.fields.iter().map(|c| c.par_gather(&perm)).collect(),
        account_start,
    };
    (contacts, keys)
}

/// Rows per piece when account groups are sorted in parallel.
const SORT_PIECE: usize = 1 << 15;

/// Events grouped by account and sorted by `(at, id)` within each; counts
/// anonymous events and events of unknown contacts (the join to the
/// account's contacts was made at load).
pub(crate) fn events(
    mut raw: RawTable,
    accounts: usize,
    contact_ids: &[Sym],
    summary: &mut LoadSummary,
) -> Events {
    if raw.account.windows(2).all(|w| w[0] <= w[1]) {
        // Grouped in account order, each batch's runs already sorted: only
        // an account whose events straddle two batches needs a sort, in
        // place; the same as a streamed chunk of every account.
        let ids = std::mem::take(&mut raw.ids);
        let (mut events, id_claim) = event_chunk(
            raw,
            ClaimIds::all(&ids),
            0..accounts,
            contact_ids,
            summary,
            Vec::new(),
        );
        events.id = EventIds::new(ids, id_claim);
        return events;
    }
    let RawTable {
        ids,
        claim_lines,
        id_claim,
        account,
        contact,
        unknown_contacts,
        at,
        fields,
        ..
    } = raw;
    drop(claim_lines);
    let contact_id = contact_id_column(
        &contact,
        &unknown_contacts,
        contact_ids,
        summary,
        Vec::new(),
    );
    drop(unknown_contacts);
    let (mut perm, account_start) = group_by_account(&account, accounts);
    // Split into pieces of whole accounts, each sorted on its own thread.
    let mut pieces: Vec<&mut [u32]> = Vec::new();
    let mut rest: &mut [u32] = &mut perm;
    let mut taken = 0usize;
    let mut bounds: Vec<&[u32]> = Vec::new();
    let mut first_account = 0usize;
    for a in 0..accounts {
        let end = account_start.get(a + 1).copied().unwrap_or(0) as usize;
        if end - taken >= SORT_PIECE || a + 1 == accounts {
            let (piece, tail) = std::mem::take(&mut rest).split_at_mut(end - taken);
            pieces.push(piece);
            bounds.push(account_start.get(first_account..a + 2).unwrap_or_default());
            rest = tail;
            taken = end;
            first_account = a + 1;
        }
    }
    let key = at_then_id(&at, &id_claim, ClaimIds::all(&ids));
    pieces
        .into_par_iter()
        .zip(bounds)
        .for_each(|(piece, starts)| {
            let base = starts.first().copied().unwrap_or(0) as usize;
            for w in starts.windows(2) {
                let (s, e) = (w[0] as usize - base, w[1] as usize - base);
                if let Some(group) = piece.get_mut(s..e) {
                    if !group.windows(2).all(|p| key(p[0], p[1]).is_lt()) {
                        group.sort_unstable_by(|&x, &y| key(x, y));
                    }
                }
            }
        });
    drop(key);
    if is_identity(&perm) {
        return Events {
            id: EventIds::new(ids, id_claim),
            account,
            contact_id,
            contact,
            at,
            fields,
            account_start,
            first_account: 0,
        };
    }
    Events {
        id: EventIds::new(ids, par_gather(&id_claim, &perm, u32::MAX)),
        account: par_gather(&account, &perm, u32::MAX),
        contact_id: par_gather(&contact_id, &perm, Sym::MISSING),
        contact: par_gather(&contact, &perm, u32::MAX),
        at: par_gather(&at, &perm, TIME_MISSING),
        fields: fields.iter().map(|c| c.par_gather(&perm)).collect(),
        account_start,
        first_account: 0,
    }
}

/// Each event's `contact_id`: its contact's id, the text of an unknown
/// one, or missing (anonymous); counts the anonymous events and those of
/// unknown contacts into `summary`.
fn contact_id_column(
    contact: &[u32],
    unknown_contacts: &[(u32, Sym)],
    contact_ids: &[Sym],
    summary: &mut LoadSummary,
    mut contact_id: Vec<Sym>,
) -> Vec<Sym> {
    let mut unknown = unknown_contacts.iter().peekable();
    contact_id.clear();
    contact_id.extend(contact.iter().enumerate().map(|(r, &c)| {
        if c != u32::MAX {
            return contact_ids.get(c as usize).copied().unwrap_or(Sym::MISSING);
        }
        match unknown.next_if(|&&(u, _)| u as usize == r) {
            Some(&(_, s)) => s,
            None => Sym::MISSING,
        }
    }));
    for (&c, &row) in contact_id.iter().zip(contact) {
        if c.is_missing() {
            summary.events_anonymous += 1;
        } else if row == u32::MAX {
            summary.events_unknown_contact += 1;
        }
    }
    contact_id
}

/// The events of accounts `accounts` (every row of them, in account order:
/// the rows of one account may come as several runs, each sorted by
/// `(at, id)`, from different batches; `raw.straddlers` are those of
/// several batches), grouped and sorted like
/// [`events`] (which makes one chunk of every account of a grouped file
/// this way), as a chunk of a streamed load: its `first_account` is
/// `accounts.start`, and it holds no ids (`ids` has them, by claim; the
/// rows' claims are given back, for their buffer). Its `contact_id` is
/// written into `contact_id`'s buffer.
pub(crate) fn event_chunk(
    raw: RawTable,
    ids: ClaimIds<'_>,
    accounts: std::ops::Range<usize>,
    contact_ids: &[Sym],
    summary: &mut LoadSummary,
    contact_id: Vec<Sym>,
) -> (Events, Vec<u32>) {
    let RawTable {
        mut id_claim,
        account,
        mut contact,
        unknown_contacts,
        straddlers,
        mut at,
        mut fields,
        ..
    } = raw;
    let mut contact_id = contact_id_column(
        &contact,
        &unknown_contacts,
        contact_ids,
        summary,
        contact_id,
    );
    let first = accounts.start;
    let account_start = starts_of_sorted(&account, first, accounts.len());
    let orders = {
        // Only an account whose rows came in several batches may be out
        // of order (each batch's rows of one account come sorted).
        let key = at_then_id(&at, &id_claim, ids);
        let unsorted = straddlers
            .iter()
            .filter_map(|&a| (a as usize).checked_sub(first))
            .filter(|&k| !is_sorted_by(csr(&account_start, k), &key));
        sort_orders(unsorted, &account_start, &key)
    };
    permute_events(
        &orders,
        &mut id_claim,
        &mut contact_id,
        &mut contact,
        &mut at,
        &mut fields,
    );
    let events = Events {
        id: EventIds::default(),
        account,
        contact_id,
        contact,
        at,
        fields,
        account_start,
        first_account: first,
    };
    (events, id_claim)
}

/// CSR starts (`len = accounts + 1`) of rows already in account order,
/// for the accounts from `first` on.
fn starts_of_sorted(account: &[u32], first: usize, accounts: usize) -> Vec<u32> {
    let mut start = vec![0u32; accounts + 1];
    for &a in account {
        if let Some(c) = (a as usize)
            .checked_sub(first)
            .and_then(|k| start.get_mut(k + 1))
        {
            *c += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    start
}

/// The `(at, id)` order of two event rows (`ids` holds the ids by claim).
fn at_then_id<'a>(
    at: &'a [Micros],
    id_claim: &'a [u32],
    ids: ClaimIds<'a>,
) -> impl Fn(u32, u32) -> std::cmp::Ordering + Sync + 'a {
    move |x: u32, y: u32| {
        let (x, y) = (x as usize, y as usize);
        at.get(x).cmp(&at.get(y)).then_with(|| {
            let id = |r: usize| id_claim.get(r).map_or("", |&c| ids.get(c));
            id(x).cmp(id(y))
        })
    }
}

/// Whether rows `r` are in strictly increasing `key` order.
fn is_sorted_by(r: std::ops::Range<usize>, key: &impl Fn(u32, u32) -> std::cmp::Ordering) -> bool {
    (r.start..r.end.saturating_sub(1)).all(|i| key(i as u32, i as u32 + 1).is_lt())
}

/// The rows of each of the `unsorted` accounts (by `account_start`) in
/// `key` order: `(first row, order)` of each.
fn sort_orders(
    unsorted: impl IntoIterator<Item = usize>,
    account_start: &[u32],
    key: &impl Fn(u32, u32) -> std::cmp::Ordering,
) -> Vec<(usize, Vec<u32>)> {
    unsorted
        .into_iter()
        .map(|a| {
            let r = csr(account_start, a);
            let mut order: Vec<u32> = (r.start as u32..r.end as u32).collect();
            order.sort_unstable_by(|&x, &y| key(x, y));
            (r.start, order)
        })
        .collect()
}

/// Puts the rows of each `(first row, order)` of `orders` in that order, in every event column.
fn permute_events(
    orders: &[(usize, Vec<u32>)],
    id_claim: &mut [u32],
    contact_id: &mut [Sym],
    contact: &mut [u32],
    at: &mut [Micros],
    fields: &mut [Column],
) {
    for (start, order) in orders {
        permute_range(id_claim, *start, order);
        permute_range(contact_id, *start, order);
        permute_range(contact, *start, order);
        permute_range(at, *start, order);
        for c in fields.iter_mut() {
            c.permute_range(*start, order);
        }
    }
}

fn csr(start: &[u32], a: usize) -> std::ops::Range<usize> {
    match (start.get(a), start.get(a + 1)) {
        (Some(&s), Some(&e)) => s as usize..e as usize,
        _ => 0..0,
    }
}

/// `v[start..start + order.len()] = [v[order[0]], v[order[1]], ...]` (`order` holds rows of that range).
pub(crate) fn permute_range<T: Clone>(v: &mut [T], start: usize, order: &[u32]) {
    let moved: Vec<T> = order
        .iter()
        .filter_map(|&r| v.get(r as usize).cloned())
        .collect();
    if let Some(dst) = v.get_mut(start..start + moved.len()) {
        dst.clone_from_slice(&moved);
    }
}

fn is_identity(perm: &[u32]) -> bool {
    perm.iter().enumerate().all(|(i, &r)| r as usize == i)
}

/// Account id → row, for the contacts and events loads.
pub(crate) fn account_keys(ids: &[Sym], interner: &Interner) -> AccountKeys {
    let mut m = AccountKeys::with_capacity(ids.len());
    for (row, &s) in ids.iter().enumerate() {
        m.insert(interner.resolve(s).as_bytes(), row as u32);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_sort_is_stable() {
        let (perm, start) = group_by_account(&[2, 0, 2, 1, 0], 4);
        assert_eq!(perm, [1, 4, 3, 0, 2]);
        assert_eq!(start, [0, 2, 3, 5, 5]);
    }
}
