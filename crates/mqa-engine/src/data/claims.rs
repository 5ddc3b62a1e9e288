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

/// Claims whose table slots [`ClaimSet::claim_all`] loads together before
/// probing them: the loads are independent, so their cache misses overlap.
const TOUCH: usize = 64;

/// The ids claimed so far in one file, with the line of each claim.
#[derive(Debug, Default)]
pub(crate) struct ClaimSet {
    pub(crate) pool: TextPool,
    lines: MonoU64,
    /// Open addressing, linear probing: `hash << 32 | claim + 1`, 0 = empty.
    slots: Vec<u64>,
    len: usize,
}

/// What claiming an id gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claimed {
    /// A new id: its claim index.
    New(u32),
    /// The id was claimed before, by the row at this line.
    Duplicate(u64),
}

impl ClaimSet {
    /// Room for `n` more claims of about `bytes` bytes of id text.
    pub(crate) fn reserve(&mut self, n: usize, bytes: usize) {
        self.pool.reserve(n, bytes);
        self.lines.reserve(n);
        let need = (self.len + n) * 4 / 3 + 1;
        if need > self.slots.len() {
            self.grow_to(need.next_power_of_two().max(64));
        }
    }

    fn grow_to(&mut self, cap: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; cap]);
        let mask = cap - 1;
        for v in old.into_iter().filter(|&v| v != 0) {
            let mut i = (v >> 32) as usize & mask;
            while let Some(slot) = self.slots.get_mut(i) {
                if *slot == 0 {
                    *slot = v;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
    }

    /// Claims `id` (hashed by [`crate::intern::hash_bytes`]) for the row at `line`.
    #[inline]
    pub(crate) fn claim(&mut self, id: &str, hash: u32, line: u64) -> Claimed {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow_to((self.slots.len() * 2).max(64));
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let Some(slot) = self.slots.get_mut(i) else {
                // Unreachable: the table always has a free slot.
                return Claimed::Duplicate(0);
            };
            let v = *slot;
            if v == 0 {
                let c = self.pool.push(id);
                self.lines.push(line);
                *slot = u64::from(hash) << 32 | (u64::from(c) + 1);
                self.len += 1;
                return Claimed::New(c);
            }
            if (v >> 32) as u32 == hash {
                let c = (v as u32).wrapping_sub(1) as usize;
                if self.pool.get(c) == id {
                    return Claimed::Duplicate(self.lines.get(c).unwrap_or(0));
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Claims the ids of a batch in order (`id(k)`, `hash(k)`, `line(k)`
    /// for `k in 0..n`), calling `out(k, result)` for each. Same results as
    /// calling [`ClaimSet::claim`] in turn, but the table slots of a group
    /// of claims are loaded together first (the table is much larger than
    /// the caches; one miss after another would dominate the load).
    pub(crate) fn claim_all<'t>(
        &mut self,
        n: usize,
        id: impl Fn(usize) -> &'t str,
        hash: impl Fn(usize) -> u32,
        line: impl Fn(usize) -> u64,
        mut out: impl FnMut(usize, Claimed),
    ) {
        self.reserve(n, 0);
        let mask = self.slots.len() - 1;
        for start in (0..n).step_by(TOUCH) {
            let end = (start + TOUCH).min(n);
            let mut touched = 0u64;
            for k in start..end {
                touched ^= self
                    .slots
                    .get(hash(k) as usize & mask)
                    .copied()
                    .unwrap_or(0);
            }
            std::hint::black_box(touched);
            for k in start..end {
                out(k, self.claim(id(k), hash(k), line(k)));
            }
        }
    }

    /// Claims so far.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The ids and lines, by claim index (the table is dropped).
    pub(crate) fn into_parts(self) -> (TextPool, MonoU64) {
        let (mut pool, mut lines) = (self.pool, self.lines);
        pool.shrink_to_fit();
        lines.shrink_to_fit();
        (pool, lines)
    }
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

    #[test]
    fn first_claim_wins_and_duplicates_name_its_line() {
        let mut c = ClaimSet::default();
        assert_eq!(c.claim("e1", hash_bytes(b"e1"), 2), Claimed::New(0));
        assert_eq!(c.claim("e2", hash_bytes(b"e2"), 3), Claimed::New(1));
        assert_eq!(c.claim("e1", hash_bytes(b"e1"), 9), Claimed::Duplicate(2));
        // Equal hashes, different text: both are new.
        assert_eq!(c.claim("x", 77, 10), Claimed::New(2));
        assert_eq!(c.claim("y", 77, 11), Claimed::New(3));
        assert_eq!(c.claim("y", 77, 12), Claimed::Duplicate(11));
        assert_eq!(c.pool.get(3), "y");
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn batch_claims_match_one_by_one_across_growth() {
        let ids: Vec<String> = (0..50_000).map(|k| format!("id-{}", k % 40_000)).collect();
        let mut one = ClaimSet::default();
        let expect: Vec<Claimed> = ids
            .iter()
            .enumerate()
            .map(|(k, s)| one.claim(s, hash_bytes(s.as_bytes()), k as u64 + 2))
            .collect();
        let mut many = ClaimSet::default();
        let mut got = Vec::new();
        for chunk in 0..5 {
            let part = &ids[chunk * 10_000..(chunk + 1) * 10_000];
            many.claim_all(
                part.len(),
                |k| &part[k],
                |k| hash_bytes(part[k].as_bytes()),
                |k| (chunk * 10_000 + k) as u64 + 2,
                |_, r| got.push(r),
            );
        }
        assert_eq!(got, expect);
        assert_eq!(got[45_000], Claimed::Duplicate(5_002));
        let (pool, lines) = many.into_parts();
        assert_eq!(lines.get(39_999), Some(40_001));
        assert_eq!(pool.len(), 40_000);
        assert_eq!(pool.get(39_999), "id-39999");
        assert_eq!(pool.get(40_000), "");
    }
}
