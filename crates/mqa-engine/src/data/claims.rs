//! Duplicate ids without interning them: every row that passes its checks
//! claims its id in a [`ClaimSet`] (the first claim of an id wins, a later
//! one is a duplicate). Ids are kept back to back in a [`TextPool`] (the
//! event ids stay there after the load), and the table holds only
//! `(hash, claim)` pairs, so memory is the id text plus about 16 bytes a row.
//! Accounts' ids are interned anyway, so their duplicates are found by
//! their symbols as they are committed (`commit`); their claim set only
//! counts claims and keeps lines. Contacts' ids are kept like events', and
//! the tables their check builds index them as a block of the interner
//! ([`ClaimSet::duplicates_and_index`]). An events file streamed to the
//! scorer only needs to know whether any id repeats (a repeat stops the
//! streaming): its set ([`ClaimSet::streamed`]) keeps each id's 64-bit hash
//! and only the ids it is asked to hold ([`ClaimSet::hold`]).

pub(crate) use super::text_pool::MonoU64;
pub use super::text_pool::TextPool;
use crate::intern::{hash_bytes, BlockIndex, Interner, Sym};

/// The ids of the kept events, in event row order. They are not interned
/// (only duplicate checks, `(at, id)` order and the rare rule that reads an
/// event's `id` need them); [`EventIds::intern_all`] gives them symbols
/// when a program reads them.
#[derive(Debug, Clone, Default)]
pub struct EventIds {
    pool: TextPool,
    /// Index in `pool` of each event's id.
    index: Vec<u32>,
    syms: Vec<Sym>,
}

impl EventIds {
    pub(crate) fn new(pool: TextPool, index: Vec<u32>) -> Self {
        EventIds {
            pool,
            index,
            syms: Vec::new(),
        }
    }

    /// The id of event row `row` (`""` out of range).
    #[inline]
    pub fn get(&self, row: usize) -> &str {
        self.index
            .get(row)
            .map_or("", |&i| self.pool.get(i as usize))
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The ids in row order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|r| self.get(r))
    }

    /// Interns every id (once; later calls do nothing), so [`EventIds::sym`] answers.
    pub fn intern_all(&mut self, interner: &mut Interner) {
        if self.syms.len() == self.index.len() {
            return;
        }
        let EventIds { pool, index, .. } = &*self;
        let text = |k: usize| index.get(k).map_or("", |&i| pool.get(i as usize));
        let hash = |k: usize| hash_bytes(text(k).as_bytes());
        self.syms = interner.intern_many(self.index.len(), text, hash);
    }

    /// The symbol of event row `row`'s id, once [`EventIds::intern_all`] ran.
    #[inline]
    pub fn sym(&self, row: usize) -> Option<Sym> {
        self.syms.get(row).copied()
    }
}

/// Partitions of [`ClaimSet`] (by the top bits of the id's hash).
const PARTS: usize = 256;

/// The ids of claims: every claim's, by claim, or those of some claims
/// (`held`, increasing) in that order.
#[derive(Clone, Copy)]
pub(crate) struct ClaimIds<'a> {
    pool: &'a TextPool,
    held: Option<&'a [u32]>,
}

impl<'a> ClaimIds<'a> {
    pub(crate) fn all(pool: &'a TextPool) -> Self {
        ClaimIds { pool, held: None }
    }

    /// The id of `claim` (`""` when not held).
    #[inline]
    pub(crate) fn get(&self, claim: u32) -> &'a str {
        match self.held {
            None => self.pool.get(claim as usize),
            Some(held) => held.binary_search(&claim).map_or("", |i| self.pool.get(i)),
        }
    }
}

/// The ids claimed in one file. Rows claim their ids in file order; which
/// claims repeat an earlier id is found at the end
/// ([`ClaimSet::duplicates`]): the claims are kept in partitions by the top
/// bits of their id's hash, and each partition is checked on its own with
/// a table that fits in the cache. A table of all ids, probed row by row,
/// misses the cache (and the TLB) on almost every row: on a loaded 2-core
/// machine that cost about 100 ns a row, more than checking the row.
#[derive(Debug)]
pub(crate) struct ClaimSet {
    /// Claims so far.
    count: usize,
    /// Whether ids are kept (and checked here): not for tables whose ids
    /// are interned, whose duplicates the interner finds (`SeenSyms`).
    ids: bool,
    pub(crate) pool: TextPool,
    /// Line of each claim, when asked for ([`ClaimSet::new`]).
    lines: Option<MonoU64>,
    /// `hash << 32 | claim`, by the top bits of the hash, in claim order
    /// (the hashes are kept: computing them again at the end would read
    /// every id once more, out of order). Streamed: the 64-bit hash alone.
    parts: Vec<Vec<u64>>,
    /// A streamed events file ([`ClaimSet::streamed`]).
    streamed: bool,
    /// Streamed: the claims whose ids `pool` holds, in order.
    held: Vec<u32>,
}

impl ClaimSet {
    /// A set that keeps the line of each claim when `lines`, and the ids
    /// (to find duplicates) when `ids`.
    pub(crate) fn new(lines: bool, ids: bool) -> Self {
        ClaimSet {
            count: 0,
            ids,
            pool: TextPool::default(),
            lines: lines.then(MonoU64::default),
            parts: vec![Vec::new(); PARTS],
            streamed: false,
            held: Vec::new(),
        }
    }

    /// The claims of an events file streamed to the scorer, which only asks
    /// whether any id repeats ([`ClaimSet::any_repeat`]: a repeat stops the
    /// streaming, and the file is read again with a set of
    /// [`ClaimSet::new`]). It keeps each id's 64-bit hash (8 bytes a row,
    /// against the id's text plus 9.5 bytes), and the ids the caller holds
    /// ([`ClaimSet::hold`]) until it drops them
    /// ([`ClaimSet::drop_ids_before`]).
    pub(crate) fn streamed() -> Self {
        ClaimSet {
            streamed: true,
            ..ClaimSet::new(false, true)
        }
    }

    /// The ids held, by claim (streamed: only those held, see [`ClaimSet::hold`]).
    pub(crate) fn ids(&self) -> ClaimIds<'_> {
        ClaimIds {
            pool: &self.pool,
            held: self.streamed.then_some(self.held.as_slice()),
        }
    }

    /// Streamed: holds the ids of `claims` (`(claim, id)`, sorted by claim
    /// and after every claim held so far).
    pub(crate) fn hold<'i>(&mut self, claims: impl IntoIterator<Item = (u32, &'i str)>) {
        if !self.streamed {
            return;
        }
        for (c, id) in claims {
            self.pool.push(id);
            self.held.push(c);
        }
    }

    /// Streamed: forgets the ids of the claims before `claim` (their rows were sent).
    pub(crate) fn drop_ids_before(&mut self, claim: u32) {
        let k = self.held.partition_point(|&c| c < claim);
        if self.streamed && k > 0 {
            self.pool.drop_front(k);
            self.held.drain(..k);
        }
    }

    /// Streamed: whether two claims' ids have the same 64-bit hash (the
    /// same id, or very rarely two ids, see `any_repeat_in`), checked on the
    /// rayon pool. Each thread reuses one table for all its partitions
    /// (see `any_repeat_in`): filling a fresh table per partition wrote
    /// 64 MB for 2.8 million ids.
    pub(crate) fn any_repeat(&self) -> bool {
        use rayon::prelude::*;
        let longest = self.parts.iter().map(Vec::len).max().unwrap_or(0);
        let cap = (longest * 2).next_power_of_two().max(16);
        self.parts
            .par_iter()
            .enumerate()
            .map_init(
                || vec![u64::MAX; cap],
                |table, (p, part)| any_repeat_in(part, p as u64, table),
            )
            .any(|repeat| repeat)
    }

    /// Room for `n` more claims of about `bytes` bytes of id text.
    pub(crate) fn reserve(&mut self, n: usize, bytes: usize) {
        if let Some(l) = &mut self.lines {
            l.reserve(n);
        }
        if !self.ids {
            return;
        }
        if !self.streamed {
            self.pool.reserve(n, bytes);
        }
        for p in &mut self.parts {
            p.reserve(n / PARTS + n / (PARTS * 8));
        }
    }

    /// Claims so far (duplicates included).
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Claims the ids of a batch as claims `len()..len() + n`: claim `k`'s
    /// id is `ids[end(k - 1)..end(k)]` (`ids` holds them back to back), its
    /// hash by [`crate::intern::hash_bytes64`] (or any function) is `hash(k)`
    /// and its row starts at line `line(k)`.
    pub(crate) fn add_all(
        &mut self,
        n: usize,
        ids: &str,
        end: impl Fn(usize) -> usize,
        hash: impl Fn(usize) -> u64,
        line: impl Fn(usize) -> u64,
    ) {
        self.reserve(n, 0);
        let base = self.count as u64;
        self.count += n;
        if self.ids {
            if !self.streamed {
                self.pool.push_many(ids, (0..n).map(&end));
            }
            for k in 0..n {
                let h = hash(k);
                let Some(p) = self.parts.get_mut((h >> 56) as usize) else {
                    continue;
                };
                p.push(if self.streamed {
                    h
                } else {
                    (h >> 32) << 32 | (base + k as u64)
                });
            }
        }
        if let Some(lines) = &mut self.lines {
            for k in 0..n {
                lines.push(line(k));
            }
        }
    }

    /// Every claim whose id was claimed before, with the first claim of
    /// that id: `(claim, first)`, in claim order (none when the ids are not
    /// kept, or the set is streamed: see [`ClaimSet::any_repeat`]). Runs on
    /// the rayon pool.
    pub(crate) fn duplicates(&self) -> Vec<(u32, u32)> {
        use rayon::prelude::*;
        if self.streamed {
            return Vec::new();
        }
        let pool = &self.pool;
        let mut all: Vec<(u32, u32)> = self
            .parts
            .par_iter()
            .flat_map_iter(|part| repeats_in(part, pool, false).0)
            .collect();
        all.sort_unstable();
        all
    }

    /// [`ClaimSet::duplicates`], and the tables that found them: an index of
    /// the ids by claim, with each table's filter, as
    /// [`crate::intern::Interner::add_block`] takes them.
    pub(crate) fn duplicates_and_index(&self) -> (Vec<(u32, u32)>, BlockIndex) {
        use rayon::prelude::*;
        let pool = &self.pool;
        type Part = (Vec<(u32, u32)>, Vec<u64>, Vec<u64>);
        let parts: Vec<Part> = self
            .parts
            .par_iter()
            .map(|part| repeats_in(part, pool, true))
            .collect();
        let (mut duplicates, mut index) = (Vec::new(), BlockIndex::default());
        for (repeats, table, filter) in parts {
            duplicates.extend(repeats);
            index.tables.push(table);
            index.filters.push(filter);
        }
        duplicates.sort_unstable();
        (duplicates, index)
    }

    /// The ids and (when kept) lines, by claim index.
    pub(crate) fn into_parts(self) -> (TextPool, Option<MonoU64>) {
        let (mut pool, mut lines) = (self.pool, self.lines);
        pool.shrink_to_fit();
        if let Some(l) = &mut lines {
            l.shrink_to_fit();
        }
        (pool, lines)
    }
}

/// Whether a value repeats in partition `p` of 64-bit hashes (whose top
/// byte is `p`), with `table` (a power of two long, at least twice the
/// partition) as scratch. Two different ids among `n` have the same hash
/// with a chance of about `n² / 2^65` (2 in 10^7 for 2.8 million ids): the
/// file is then read again, with the same results.
///
/// The table need not be cleared between partitions: a slot whose top byte
/// is not `p` holds a hash of another partition (or is `u64::MAX`, never
/// stored) and counts as empty.
fn any_repeat_in(part: &[u64], p: u64, table: &mut [u64]) -> bool {
    let mask = table.len().wrapping_sub(1);
    // `u64::MAX` marks a never-used slot; that hash is noted apart.
    let mut max_seen = false;
    for &h in part {
        if h == u64::MAX {
            if max_seen {
                return true;
            }
            max_seen = true;
            continue;
        }
        let mut i = (h as usize) & mask;
        while let Some(slot) = table.get_mut(i) {
            if *slot == u64::MAX || *slot >> 56 != p {
                *slot = h;
                break;
            }
            if *slot == h {
                return true;
            }
            i = (i + 1) & mask;
        }
    }
    false
}

/// The repeats within one partition (`hash << 32 | claim`, in claim order),
/// and the table that found them: `hash << 32 | first claim + 1` of each id
/// (`u64::MAX` = empty), the home slot of a hash its low bits; with
/// `filter`, the table's [`crate::intern::partition_filter`] too (made as
/// the ids go in, not by reading the table again), else an empty one.
///
/// The table is at most two thirds full (a third at least): the contacts'
/// tables stay in memory as the interner's index of their ids, where a
/// half-empty one cost 8 MB more of pages to fault in, for 650 000 contacts.
fn repeats_in(
    part: &[u64],
    pool: &TextPool,
    filter: bool,
) -> (Vec<(u32, u32)>, Vec<u64>, Vec<u64>) {
    let cap = (part.len() * 3 / 2).next_power_of_two().max(16);
    let mask = cap - 1;
    let mut bits = if filter {
        crate::intern::empty_filter(part.len())
    } else {
        Vec::new()
    };
    // `hash << 32 | claim + 1`; `u64::MAX` = empty (not 0: a table of zeros
    // maps the kernel's zero page, and each read before a first write then
    // costs a second fault). The top bits of the hashes are the partition's,
    // so the home slot comes from the low ones.
    let mut table = vec![u64::MAX; cap];
    let mut out = Vec::new();
    for &e in part {
        let (h, c) = ((e >> 32) as u32, e as u32);
        let mut i = h as usize & mask;
        while let Some(slot) = table.get_mut(i) {
            if *slot == u64::MAX {
                *slot = u64::from(h) << 32 | (u64::from(c) + 1);
                if filter {
                    crate::intern::filter_add(&mut bits, h);
                }
                break;
            }
            let first = (*slot as u32).wrapping_sub(1);
            if (*slot >> 32) as u32 == h && pool.get(first as usize) == pool.get(c as usize) {
                out.push((c, first));
                break;
            }
            i = (i + 1) & mask;
        }
    }
    (out, table, bits)
}

#[cfg(test)]
#[path = "claims_tests.rs"]
mod tests;
