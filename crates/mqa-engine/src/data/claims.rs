//! Duplicate ids without interning them: every row that passes its checks
//! claims its id in a [`ClaimSet`] (the first claim of an id wins, a later
//! one is a duplicate). Ids are kept back to back in a [`TextPool`] (the
//! event ids stay there after the load), and the table holds only
//! `(hash, claim)` pairs, so memory is the id text plus about 16 bytes a row.

use crate::intern::{hash_bytes, Interner, Sym};

/// Values that never decrease, stored as their low 32 bits plus the few
/// places where the high part changes (offsets into a large text, line
/// numbers): 4 bytes a value instead of 8.
#[derive(Debug, Clone, Default)]
pub(crate) struct MonoU64 {
    low: Vec<u32>,
    /// `(index, high)`: from `index` on, values have this high part.
    high: Vec<(u32, u32)>,
}

impl MonoU64 {
    /// Appends `v`, which must be `>=` the last value.
    pub(crate) fn push(&mut self, v: u64) {
        let h = (v >> 32) as u32;
        if self.high.last().map_or(0, |&(_, h)| h) != h {
            self.high.push((self.low.len() as u32, h));
        }
        self.low.push(v as u32);
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<u64> {
        let low = *self.low.get(i)?;
        let high = match self.high.as_slice() {
            [] => 0,
            h => {
                let k = h.partition_point(|&(start, _)| start as usize <= i);
                k.checked_sub(1)
                    .and_then(|k| h.get(k))
                    .map_or(0, |&(_, h)| h)
            }
        };
        Some(u64::from(high) << 32 | u64::from(low))
    }

    pub(crate) fn len(&self) -> usize {
        self.low.len()
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.low.reserve(n);
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.low.shrink_to_fit();
    }
}

/// Texts back to back, addressed by their index.
#[derive(Debug, Clone, Default)]
pub struct TextPool {
    text: String,
    ends: MonoU64,
}

impl TextPool {
    pub(crate) fn push(&mut self, s: &str) -> u32 {
        let i = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len() as u64);
        i
    }

    /// Text `i` (`""` when out of range).
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let end = self.ends.get(i).unwrap_or(0) as usize;
        let start = match i.checked_sub(1) {
            Some(p) => self.ends.get(p).unwrap_or(0) as usize,
            None => 0,
        };
        self.text.get(start..end).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.len() == 0
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    pub(crate) fn reserve(&mut self, texts: usize, bytes: usize) {
        self.text.reserve(bytes);
        self.ends.reserve(texts);
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

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

/// The ids claimed in one file, with the line of each claim. Rows claim
/// their ids in file order; which claims repeat an earlier id is found at
/// the end ([`ClaimSet::duplicates`]): the `(hash, claim)` pairs are kept
/// in partitions by hash, and each partition is checked on its own with a
/// table that fits in the cache. A table of all ids, probed row by row,
/// misses the cache (and the TLB) on almost every row: on a loaded 2-core
/// machine that cost about 100 ns a row, more than checking the row.
#[derive(Debug, Default)]
pub(crate) struct ClaimSet {
    pub(crate) pool: TextPool,
    lines: MonoU64,
    /// `hash << 32 | claim`, by the hash's top bits, in claim order.
    parts: Vec<Vec<u64>>,
}

impl ClaimSet {
    /// Room for `n` more claims of about `bytes` bytes of id text.
    pub(crate) fn reserve(&mut self, n: usize, bytes: usize) {
        self.pool.reserve(n, bytes);
        self.lines.reserve(n);
        if self.parts.is_empty() {
            self.parts = vec![Vec::new(); PARTS];
        }
        for p in &mut self.parts {
            p.reserve(n / PARTS + n / (PARTS * 8));
        }
    }

    /// Claims so far (duplicates included).
    pub(crate) fn len(&self) -> usize {
        self.pool.len()
    }

    /// Line of claim `c`.
    pub(crate) fn line(&self, c: u32) -> u64 {
        self.lines.get(c as usize).unwrap_or(0)
    }

    /// Claims the ids of a batch (`id(k)`, hashed by
    /// [`crate::intern::hash_bytes`] as `hash(k)`, at line `line(k)`, for
    /// `k in 0..n`) as claims `len()..len() + n`.
    pub(crate) fn add_all<'t>(
        &mut self,
        n: usize,
        id: impl Fn(usize) -> &'t str,
        hash: impl Fn(usize) -> u32,
        line: impl Fn(usize) -> u64,
    ) {
        self.reserve(n, 0);
        let base = self.pool.len() as u64;
        for k in 0..n {
            let h = hash(k);
            self.pool.push(id(k));
            self.lines.push(line(k));
            if let Some(p) = self.parts.get_mut((h >> 24) as usize) {
                p.push(u64::from(h) << 32 | (base + k as u64));
            }
        }
    }

    /// Every claim whose id was claimed before, with the first claim of
    /// that id: `(claim, first)`, in claim order. Runs on the rayon pool.
    pub(crate) fn duplicates(&self) -> Vec<(u32, u32)> {
        use rayon::prelude::*;
        let pool = &self.pool;
        let mut all: Vec<(u32, u32)> = self
            .parts
            .par_iter()
            .flat_map_iter(|part| repeats_in(part, pool))
            .collect();
        all.sort_unstable();
        all
    }

    /// The ids and lines, by claim index (the partitions are dropped).
    pub(crate) fn into_parts(self) -> (TextPool, MonoU64) {
        let (mut pool, mut lines) = (self.pool, self.lines);
        pool.shrink_to_fit();
        lines.shrink_to_fit();
        (pool, lines)
    }
}

/// The repeats within one partition (`hash << 32 | claim`, in claim order).
fn repeats_in(part: &[u64], pool: &TextPool) -> Vec<(u32, u32)> {
    let cap = (part.len() * 2).next_power_of_two().max(16);
    let mask = cap - 1;
    // `hash << 32 | claim + 1`; 0 = empty. The top bits of the hashes are
    // the partition's, so the home slot comes from the low ones.
    let mut table = vec![0u64; cap];
    let mut out = Vec::new();
    for &e in part {
        let (h, c) = ((e >> 32) as u32, e as u32);
        let mut i = h as usize & mask;
        while let Some(slot) = table.get_mut(i) {
            if *slot == 0 {
                *slot = u64::from(h) << 32 | (u64::from(c) + 1);
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_keeps_high_parts() {
        let mut m = MonoU64::default();
        let vals = [
            0,
            7,
            u32::MAX as u64,
            1 << 32,
            (1 << 32) + 5,
            3 << 33,
            3 << 33,
        ];
        for &v in &vals {
            m.push(v);
        }
        for (i, &v) in vals.iter().enumerate() {
            assert_eq!(m.get(i), Some(v));
        }
        assert_eq!(m.get(vals.len()), None);
    }

    /// Claims `ids` (hashed by `hash`) in batches of `batch`; the repeats.
    fn claim(ids: &[String], batch: usize, hash: fn(&str) -> u32) -> (Vec<(u32, u32)>, ClaimSet) {
        let mut set = ClaimSet::default();
        for (b, part) in ids.chunks(batch).enumerate() {
            set.add_all(
                part.len(),
                |k| &part[k],
                |k| hash(&part[k]),
                |k| (b * batch + k) as u64 + 2,
            );
        }
        (set.duplicates(), set)
    }

    /// The repeats as a map from id to first claim finds them.
    fn expected(ids: &[String]) -> Vec<(u32, u32)> {
        let mut first: std::collections::HashMap<&str, u32> = Default::default();
        let mut out = Vec::new();
        for (c, s) in ids.iter().enumerate() {
            match first.get(s.as_str()) {
                Some(&f) => out.push((c as u32, f)),
                None => {
                    first.insert(s, c as u32);
                }
            }
        }
        out
    }

    #[test]
    fn first_claim_wins() {
        let ids: Vec<String> = (0..50_000).map(|k| format!("id-{}", k % 40_000)).collect();
        for batch in [50_000, 7_000, 100] {
            let (dups, set) = claim(&ids, batch, |s| hash_bytes(s.as_bytes()));
            assert_eq!(dups, expected(&ids));
            assert_eq!(dups[5_000], (45_000, 5_000));
            assert_eq!(set.line(5_000), 5_002);
            assert_eq!(set.len(), 50_000);
            let (pool, lines) = set.into_parts();
            assert_eq!(lines.get(39_999), Some(40_001));
            assert_eq!(pool.get(45_000), "id-5000");
            assert_eq!(pool.get(50_000), "");
        }
    }

    #[test]
    fn equal_hashes_are_told_apart_by_their_text() {
        let ids: Vec<String> = (0..1200).map(|k| format!("r{}", (k * 7) % 400)).collect();
        for weak in [
            |_: &str| 5u32,
            |s: &str| s.len() as u32,
            |s: &str| hash_bytes(s.as_bytes()) & 0xff00_00ff,
        ] {
            let (dups, _) = claim(&ids, 500, weak);
            assert_eq!(dups, expected(&ids));
        }
    }
}
