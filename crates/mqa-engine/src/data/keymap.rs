//! Compact, cache-friendly key lookups for the load: account id → row and
//! contact range ([`AccountKeys`]) and the contact ids of each account
//! ([`ContactKeys`]). Short keys (the usual ids) are stored inline in their
//! slot, so a lookup touches one or two cache lines instead of walking the
//! shared interner.

use super::text_pool::{MonoU64, TextPool, LONG};
use crate::intern::{hash_bytes, table_hash};
use hashbrown::HashTable;
use std::ops::Range;
use std::sync::Arc;

/// A key stored in `N` bytes: whole when it fits, else its first `N - 4`
/// bytes and the index of the full key in an overflow list.
#[derive(Clone, Copy)]
struct InlineKey<const N: usize> {
    len: u32,
    data: [u8; N],
}

impl<const N: usize> InlineKey<N> {
    const HEAD: usize = N - 4;

    fn new(s: &[u8], overflow: &mut Vec<Box<[u8]>>) -> Self {
        let mut data = [0u8; N];
        if s.len() <= N {
            if let Some(d) = data.get_mut(..s.len()) {
                d.copy_from_slice(s);
            }
        } else {
            if let (Some(d), Some(h)) = (data.get_mut(..Self::HEAD), s.get(..Self::HEAD)) {
                d.copy_from_slice(h);
            }
            let idx = overflow.len() as u32;
            if let Some(d) = data.get_mut(Self::HEAD..) {
                d.copy_from_slice(&idx.to_le_bytes());
            }
            overflow.push(s.into());
        }
        InlineKey {
            len: s.len() as u32,
            data,
        }
    }

    #[inline]
    fn matches(&self, s: &[u8], overflow: &[Box<[u8]>]) -> bool {
        if self.len as usize != s.len() {
            return false;
        }
        if s.len() <= N {
            // Ids of one account often share a long prefix: their last bytes
            // tell them apart in one comparison.
            return self.data.get(..s.len()).is_some_and(|d| same_bytes(d, s));
        }
        if self.data.get(..Self::HEAD) != s.get(..Self::HEAD) {
            return false;
        }
        let mut idx = [0u8; 4];
        if let Some(i) = self.data.get(Self::HEAD..) {
            idx.copy_from_slice(i);
        }
        overflow
            .get(u32::from_le_bytes(idx) as usize)
            .is_some_and(|l| **l == *s)
    }
}

/// `a == b`: keys of 8 to 16 bytes (the usual ids) by two word compares
/// instead of a `memcmp` call, longer ones by their last word first (ids of
/// one account often share a long prefix; their ends tell them apart).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a == b;
    }
    let word = |s: &[u8], i: usize| -> u64 {
        s.get(i..i + 8).map_or(0, |w| {
            let mut x = [0u8; 8];
            x.copy_from_slice(w);
            u64::from_le_bytes(x)
        })
    };
    word(a, n - 8) == word(b, n - 8)
        && (if n <= 16 {
            word(a, 0) == word(b, 0)
        } else {
            a == b
        })
}

/// What a lookup of an account id gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AccountSlot {
    pub row: u32,
    /// The account's contacts (grouped rows), once contacts are loaded.
    pub contacts_start: u32,
    pub contacts_end: u32,
}

/// Account id → [`AccountSlot`]. The first insert of a key wins.
#[derive(Default)]
pub(crate) struct AccountKeys {
    /// Index into `entries`, by hash.
    table: HashTable<u32>,
    /// `(hash, key, slot)` in insertion (account row) order.
    entries: Vec<(u32, InlineKey<20>, AccountSlot)>,
    overflow: Vec<Box<[u8]>>,
}

impl AccountKeys {
    pub(crate) fn with_capacity(n: usize) -> Self {
        AccountKeys {
            table: HashTable::with_capacity(n),
            entries: Vec::with_capacity(n),
            overflow: Vec::new(),
        }
    }

    /// Adds `key → row` unless the key is there already.
    pub(crate) fn insert(&mut self, key: &[u8], row: u32) {
        let hash = hash_bytes(key);
        if self.find(key, hash).is_some() {
            return;
        }
        let k = InlineKey::new(key, &mut self.overflow);
        let slot = AccountSlot {
            row,
            contacts_start: 0,
            contacts_end: 0,
        };
        let i = self.entries.len() as u32;
        self.entries.push((hash, k, slot));
        let entries = &self.entries;
        self.table.insert_unique(table_hash(hash), i, |&j| {
            table_hash(entries.get(j as usize).map_or(0, |e| e.0))
        });
    }

    /// Records each account's contact range (`account_start` as in `Contacts`).
    pub(crate) fn set_contacts(&mut self, account_start: &[u32]) {
        for (_, _, slot) in self.entries.iter_mut() {
            let a = slot.row as usize;
            if let (Some(&s), Some(&e)) = (account_start.get(a), account_start.get(a + 1)) {
                slot.contacts_start = s;
                slot.contacts_end = e;
            }
        }
    }

    fn find(&self, key: &[u8], hash: u32) -> Option<AccountSlot> {
        let entries = &self.entries;
        self.table
            .find(table_hash(hash), |&i| {
                entries
                    .get(i as usize)
                    .is_some_and(|(h, k, _)| *h == hash && k.matches(key, &self.overflow))
            })
            .and_then(|&i| entries.get(i as usize).map(|e| e.2))
    }

    /// The slot of `key`.
    #[inline]
    pub(crate) fn get(&self, key: &[u8]) -> Option<AccountSlot> {
        self.find(key, hash_bytes(key))
    }

    /// The slot of `key` when it is the key inserted right after the one
    /// of `slot` (rows of a file often follow the accounts file's order):
    /// one comparison instead of a hash lookup.
    #[inline]
    pub(crate) fn next_after(&self, slot: AccountSlot, key: &[u8]) -> Option<AccountSlot> {
        let (_, k, next) = self.entries.get(slot.row as usize + 1)?;
        k.matches(key, &self.overflow).then_some(*next)
    }
}

/// Bytes of a contact id kept in its slot (longer ids overflow).
const CONTACT_KEY: usize = 24;

/// Contact ids in grouped order (the contacts of one account side by side).
#[derive(Default)]
pub(crate) struct ContactKeys {
    keys: Vec<InlineKey<CONTACT_KEY>>,
    overflow: Vec<Box<[u8]>>,
    /// Instead of `keys` ([`ContactKeys::in_block`]): the texts the
    /// interner keeps the ids in, contact `r`'s id being text `r`, and
    /// where each contact's id starts in them.
    block: Option<(Arc<TextPool>, MonoU64)>,
}

impl ContactKeys {
    #[cfg(test)]
    pub(crate) fn with_capacity(n: usize) -> Self {
        ContactKeys {
            keys: Vec::with_capacity(n),
            ..ContactKeys::default()
        }
    }

    #[cfg(test)]
    pub(crate) fn push(&mut self, key: &[u8]) {
        let k = InlineKey::new(key, &mut self.overflow);
        self.keys.push(k);
    }

    /// The keys `key(0)..key(n)` in that order, built on the pool (the
    /// contacts' keys: their pages are faulted in by both cores).
    pub(crate) fn build<'k>(n: usize, key: impl Fn(usize) -> &'k [u8] + Sync) -> Self {
        use rayon::prelude::*;
        let mut keys = Vec::with_capacity(n);
        (0..n)
            .into_par_iter()
            .with_min_len(1 << 13)
            .map(|i| InlineKey::<CONTACT_KEY>::new(key(i), &mut Vec::new()))
            .collect_into_vec(&mut keys);
        let mut overflow = Vec::new();
        // Rare: keys longer than a slot, numbered in order.
        if keys.par_iter().any(|k| k.len as usize > CONTACT_KEY) {
            for (i, k) in keys.iter_mut().enumerate() {
                if k.len as usize > CONTACT_KEY {
                    *k = InlineKey::new(key(i), &mut overflow);
                }
            }
        }
        ContactKeys {
            keys,
            overflow,
            block: None,
        }
    }

    /// The keys when contact `r`'s id is text `r` of `texts` (the contacts
    /// file in account order with no row dropped, its ids the interner's
    /// block): no copy of the ids, only where each starts (4 bytes a
    /// contact, against 28 for [`ContactKeys::build`]'s slots, whose 18 MB
    /// for 650 000 contacts were faulted in while nothing else could run).
    pub(crate) fn in_block(texts: Arc<TextPool>) -> Self {
        let mut starts = MonoU64::default();
        starts.reserve(texts.len());
        let mut at = 0u64;
        for r in 0..texts.len() {
            starts.push(at);
            at += texts.len_of(r) as u64;
        }
        ContactKeys {
            block: Some((texts, starts)),
            ..ContactKeys::default()
        }
    }

    /// The row of the contact in `rows` whose id is `key`.
    #[inline]
    pub(crate) fn find(&self, rows: Range<usize>, key: &[u8]) -> Option<u32> {
        if let Some((texts, starts)) = &self.block {
            // The ids of `rows` are back to back from the first one's start.
            let lens = texts.short_lens(rows.clone())?;
            let bytes = texts.bytes();
            let mut at = starts.get(rows.start)? as usize;
            for (i, &len) in lens.iter().enumerate() {
                let n = match len {
                    LONG => texts.len_of(rows.start + i),
                    n => usize::from(n),
                };
                if n == key.len() && bytes.get(at..at + n).is_some_and(|id| same_bytes(id, key)) {
                    return Some((rows.start + i) as u32);
                }
                at += n;
            }
            return None;
        }
        let start = rows.start;
        let slice = self.keys.get(rows)?;
        slice
            .iter()
            .position(|k| k.matches(key, &self.overflow))
            .map(|i| (start + i) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_insert_wins() {
        let mut m = AccountKeys::with_capacity(4);
        m.insert(b"a1", 0);
        m.insert(b"a2", 1);
        m.insert(b"a1", 5);
        assert_eq!(m.get(b"a1").map(|s| s.row), Some(0));
        assert_eq!(m.get(b"a2").map(|s| s.row), Some(1));
        assert_eq!(m.get(b"a3"), None);
        assert_eq!(m.get(b""), None);
        let a1 = m.get(b"a1").unwrap();
        assert_eq!(m.next_after(a1, b"a2").map(|s| s.row), Some(1));
        assert_eq!(m.next_after(a1, b"a1"), None);
        for k in 0..10_000u32 {
            m.insert(format!("k{k}").as_bytes(), k + 2);
        }
        assert!(
            (0..10_000u32).all(|k| m.get(format!("k{k}").as_bytes()).map(|s| s.row) == Some(k + 2))
        );
        m.set_contacts(&[0, 3, 7]);
        assert_eq!(
            m.get(b"a2"),
            Some(AccountSlot {
                row: 1,
                contacts_start: 3,
                contacts_end: 7
            })
        );
    }

    #[test]
    fn same_bytes_is_equality() {
        let keys: [&[u8]; 9] = [
            b"",
            b"a",
            b"acc-7-0",
            b"acc-7-00",
            b"acc-7-01",
            b"bcc-7-00",
            b"acc-7-00000-c12",
            b"acc-7-00000-c1234",
            b"bcc-7-00000-c1234",
        ];
        for a in keys {
            for b in keys {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
        // Every length 8..=24, differing at each position.
        for n in 8..=24 {
            let a: Vec<u8> = (0..n as u8).collect();
            for i in 0..n {
                let mut b = a.clone();
                b[i] ^= 0x40;
                assert!(!same_bytes(&a, &b) && same_bytes(&a, &a), "{n} {i}");
            }
        }
    }

    #[test]
    fn contact_find_is_the_first_equal_key_of_the_range() {
        // Ids of one account share a prefix and differ at the start, the
        // end or the middle; lengths 0 to 30 around the 8..=16 words.
        let mut ids: Vec<Vec<u8>> = Vec::new();
        for len in [0usize, 1, 7, 8, 9, 12, 15, 16, 17, 23, 24, 25, 30] {
            for at in [0, len / 2, len.saturating_sub(1)] {
                let mut id: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                ids.push(id.clone());
                if let Some(b) = id.get_mut(at) {
                    *b = b'#';
                    ids.push(id);
                }
            }
        }
        // Built on the pool (as the load does) and one by one: the same keys.
        let built = ContactKeys::build(ids.len(), |i| ids.get(i).map_or(&[][..], |id| id));
        let mut pushed = ContactKeys::with_capacity(ids.len());
        for id in &ids {
            pushed.push(id);
        }
        let mut probes = ids.clone();
        probes.extend(ids.iter().map(|id| [id.as_slice(), b"z"].concat()));
        probes.extend(ids.iter().filter_map(|id| id.get(1..).map(<[u8]>::to_vec)));
        for start in [0, 3, 10] {
            for end in [start, start + 1, start + 7, ids.len()] {
                for p in &probes {
                    let expected = ids[start..end]
                        .iter()
                        .position(|id| id == p)
                        .map(|i| (start + i) as u32);
                    for c in [&built, &pushed] {
                        assert_eq!(c.find(start..end, p), expected, "{start}..{end} {p:?}");
                    }
                }
            }
        }
        assert_eq!(built.find(5..ids.len() + 1, b"abcdefgh"), None);
        assert_eq!(built.overflow.len(), pushed.overflow.len());
    }

    #[test]
    fn long_keys_compare_whole() {
        let long_a = "x".repeat(20) + "-tail-a";
        let long_b = "x".repeat(20) + "-tail-b";
        let twenty_four = "exactly-twenty-four-byte";
        let mut c = ContactKeys::with_capacity(4);
        for key in ["", twenty_four, &long_a, &long_b] {
            c.push(key.as_bytes());
        }
        assert_eq!(c.find(0..4, b""), Some(0));
        assert_eq!(c.find(0..4, twenty_four.as_bytes()), Some(1));
        assert_eq!(c.find(0..4, b"exactly-twenty-four-bytE"), None);
        assert_eq!(c.find(0..4, long_a.as_bytes()), Some(2));
        assert_eq!(c.find(0..4, long_b.as_bytes()), Some(3));
        assert_eq!(c.find(0..3, long_b.as_bytes()), None);
        assert_eq!(c.find(2..9, long_b.as_bytes()), None);

        let mut m = AccountKeys::with_capacity(2);
        m.insert(long_a.as_bytes(), 0);
        m.insert(long_b.as_bytes(), 1);
        assert_eq!(m.get(long_b.as_bytes()).map(|s| s.row), Some(1));
        assert_eq!(m.get((long_b.clone() + "x").as_bytes()), None);
    }
}

#[cfg(test)]
mod contact_key_tests {
    use super::*;

    /// Keys in the interner's block find the same rows as keys in slots,
    /// for ids short and long (past a slot, past 255 bytes), in any range
    /// (empty, one account's, past the end), and nothing for an id of the
    /// same length that differs, or one outside the range.
    #[test]
    fn keys_in_the_block_find_what_keys_in_slots_find() {
        let ids: Vec<String> = (0..2_000)
            .map(|k| match k % 97 {
                5 => format!("long-{}-{k}", "x".repeat(300)),
                9 => format!("mid-{}-{k}", "y".repeat(30)),
                13 => String::new(),
                _ => format!("acc-{}-c{}", k / 7, k % 7),
            })
            .collect();
        let mut pool = TextPool::default();
        for id in &ids {
            pool.push(id);
        }
        let block = ContactKeys::in_block(Arc::new(pool));
        let slots = ContactKeys::build(ids.len(), |i| ids[i].as_bytes());
        let mut probes: Vec<String> = ids.clone();
        probes.extend(["acc-1-c9".to_string(), "acc-0-cX".into(), "nope".into()]);
        for start in (0..ids.len() + 3).step_by(7) {
            for len in [0, 1, 7, 40] {
                let rows = start..(start + len).min(ids.len() + 2);
                for probe in probes.iter().skip(start.saturating_sub(3)).take(60) {
                    let want = slots.find(rows.clone(), probe.as_bytes());
                    assert_eq!(
                        block.find(rows.clone(), probe.as_bytes()),
                        want,
                        "{rows:?} {probe}"
                    );
                    if let Some(r) = want {
                        assert!(rows.contains(&(r as usize)));
                        assert_eq!(ids[r as usize], *probe);
                    }
                }
            }
        }
        assert_eq!(block.find(0..7, b"acc-0-c3"), Some(3));
        assert_eq!(block.find(0..3, b"acc-0-c3"), None);
        assert_eq!(block.find(5..6, ids[5].as_bytes()), Some(5));
    }
}
