//! Grouping kept rows by account: contacts in file order, events by
//! `(at, id)`, each table with a CSR index (`account_start`), and the
//! event → contact join (same account only).

use super::keymap::{AccountKeys, ContactKeys};
use super::summary::LoadSummary;
use super::table::RawTable;
use super::{Contacts, Events};
use crate::intern::{Interner, Sym};

/// A stable counting sort of rows by account: the permutation (new position →
/// old row) and the CSR starts (`len = accounts + 1`).
pub(crate) fn group_by_account(account: &[u32], accounts: usize) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; accounts + 1];
    for &a in account {
        if let Some(c) = start.get_mut(a as usize + 1) {
            *c += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
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

/// Contacts grouped by account, file order within an account.
pub(crate) fn contacts(raw: RawTable, accounts: usize) -> Contacts {
    let (perm, account_start) = group_by_account(&raw.account, accounts);
    Contacts {
        id: perm.iter().map(|&r| raw.id[r as usize]).collect(),
        account: perm.iter().map(|&r| raw.account[r as usize]).collect(),
        fields: raw.fields.iter().map(|c| c.gather(&perm)).collect(),
        account_start,
    }
}

/// Events grouped by account and sorted by `(at, id)` within each; counts
/// anonymous events and events of unknown contacts (the join to the
/// account's contacts was made at load).
pub(crate) fn events(
    raw: RawTable,
    accounts: usize,
    interner: &Interner,
    summary: &mut LoadSummary,
) -> Events {
    let (mut perm, account_start) = group_by_account(&raw.account, accounts);
    for w in account_start.windows(2) {
        let slice = &mut perm[w[0] as usize..w[1] as usize];
        let sorted = slice.windows(2).all(|p| {
            let (x, y) = (p[0] as usize, p[1] as usize);
            raw.at[x] < raw.at[y]
                || (raw.at[x] == raw.at[y]
                    && interner.resolve(raw.id[x]) <= interner.resolve(raw.id[y]))
        });
        if !sorted {
            slice.sort_unstable_by(|&x, &y| {
                let (x, y) = (x as usize, y as usize);
                raw.at[x]
                    .cmp(&raw.at[y])
                    .then_with(|| interner.resolve(raw.id[x]).cmp(interner.resolve(raw.id[y])))
            });
        }
    }
    let mut id = Vec::with_capacity(perm.len());
    let mut account = Vec::with_capacity(perm.len());
    let mut contact_id = Vec::with_capacity(perm.len());
    let mut contact = Vec::with_capacity(perm.len());
    let mut at = Vec::with_capacity(perm.len());
    for &r in &perm {
        let r = r as usize;
        let c = raw.contact_id[r];
        let row = raw.contact[r];
        if c.is_missing() {
            summary.events_anonymous += 1;
        } else if row == u32::MAX {
            summary.events_unknown_contact += 1;
        }
        id.push(raw.id[r]);
        account.push(raw.account[r]);
        contact_id.push(c);
        contact.push(row);
        at.push(raw.at[r]);
    }
    Events {
        id,
        account,
        contact_id,
        contact,
        at,
        fields: raw.fields.iter().map(|c| c.gather(&perm)).collect(),
        account_start,
    }
}

/// The contact ids of every account, for joining events to contacts.
pub(crate) fn contact_keys(contacts: &Contacts, interner: &Interner) -> ContactKeys {
    let mut keys = ContactKeys::with_capacity(contacts.id.len());
    for &s in &contacts.id {
        keys.push(interner.resolve(s).as_bytes(), s);
    }
    keys
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
