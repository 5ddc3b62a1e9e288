//! Duplicate ids without interning them: every row that passes its checks
//! claims its id in a [`ClaimSet`] (the first claim of an id wins, a later
//! one is a duplicate). Ids are kept back to back in a [`TextPool`] (the
//! event ids stay there after the load), and the table holds only
//! `(hash, claim)` pairs, so memory is the id text plus about 16 bytes a row.
//! Accounts' and contacts' ids are interned anyway, so their duplicates are
//! found by their symbols as they are committed (`commit`); their claim
//! set only counts claims and keeps lines.

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

    pub(crate) fn reserve(&mut self, n: usize) {
        self.low.reserve(n);
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.low.shrink_to_fit();
    }
}

/// Texts back to back, addressed by their index. Ids are short, so a text
/// is located by its length (one byte) plus the offset of every 16th text:
/// 1.5 bytes a text instead of an 8-byte (or 4-byte) offset.
#[derive(Debug, Clone, Default)]
pub struct TextPool {
    text: String,
    /// Length of each text; [`LONG`] for 255 bytes or more (see `long`).
    lens: Vec<u8>,
    /// `(index, length)` of the long texts, by index.
    long: Vec<(u32, u64)>,
    /// Offset of texts `0, 16, 32, ...`.
    starts: Vec<u64>,
}

/// [`TextPool::lens`] value of a text whose length is in `long`.
const LONG: u8 = u8::MAX;
/// Texts per [`TextPool::starts`] entry.
const STRIDE: usize = 16;

impl TextPool {
    /// Appends one text and returns its index (the loader appends a batch's
    /// texts at once with [`TextPool::push_many`]).
    #[cfg(test)]
    pub(crate) fn push(&mut self, s: &str) -> u32 {
        let i = self.lens.len();
        if i & (STRIDE - 1) == 0 {
            self.starts.push(self.text.len() as u64);
        }
        match u8::try_from(s.len()) {
            Ok(n) if n != LONG => self.lens.push(n),
            _ => {
                self.lens.push(LONG);
                self.long.push((i as u32, s.len() as u64));
            }
        }
        self.text.push_str(s);
        i as u32
    }

    /// Appends the texts of `text` that end at `ends` (increasing offsets
    /// into `text`, the last one its length): one copy for all of them.
    pub(crate) fn push_many(&mut self, text: &str, ends: impl Iterator<Item = usize>) {
        let base = self.text.len();
        self.text.push_str(text);
        let mut prev = 0;
        for end in ends {
            let i = self.lens.len();
            if i & (STRIDE - 1) == 0 {
                self.starts.push((base + prev) as u64);
            }
            let n = end.saturating_sub(prev);
            match u8::try_from(n) {
                Ok(x) if x != LONG => self.lens.push(x),
                _ => {
                    self.lens.push(LONG);
                    self.long.push((i as u32, n as u64));
                }
            }
            prev = end;
        }
    }

    fn len_of(&self, i: usize) -> usize {
        match self.lens.get(i) {
            Some(&LONG) => match self.long.binary_search_by_key(&(i as u32), |&(k, _)| k) {
                Ok(k) => self.long.get(k).map_or(0, |&(_, n)| n as usize),
                Err(_) => 0,
            },
            Some(&n) => usize::from(n),
            None => 0,
        }
    }

    /// Text `i` (`""` when out of range).
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let Some(&n) = self.lens.get(i) else {
            return "";
        };
        let block = i / STRIDE;
        let mut start = self.starts.get(block).copied().unwrap_or(0) as usize;
        let before = self.lens.get(block * STRIDE..i).unwrap_or_default();
        if self.long.is_empty() {
            start += before.iter().map(|&b| usize::from(b)).sum::<usize>();
        } else {
            start += (block * STRIDE..i).map(|k| self.len_of(k)).sum::<usize>();
        }
        let len = if n == LONG {
            self.len_of(i)
        } else {
            usize::from(n)
        };
        self.text.get(start..start + len).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.lens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// The texts in order (walked, not looked up one by one).
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut at = 0usize;
        (0..self.lens.len()).map(move |i| {
            let n = self.len_of(i);
            let s = self.text.get(at..at + n).unwrap_or("");
            at += n;
            s
        })
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    pub(crate) fn reserve(&mut self, texts: usize, bytes: usize) {
        self.text.reserve(bytes);
        self.lens.reserve(texts);
        self.starts.reserve(texts / STRIDE + 1);
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.lens.shrink_to_fit();
        self.starts.shrink_to_fit();
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
    /// every id once more, out of order).
    parts: Vec<Vec<u64>>,
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
        }
    }

    /// Room for `n` more claims of about `bytes` bytes of id text.
    pub(crate) fn reserve(&mut self, n: usize, bytes: usize) {
        if let Some(l) = &mut self.lines {
            l.reserve(n);
        }
        if !self.ids {
            return;
        }
        self.pool.reserve(n, bytes);
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
    /// hash by [`crate::intern::hash_bytes`] (or any function) is `hash(k)`
    /// and its row starts at line `line(k)`.
    pub(crate) fn add_all(
        &mut self,
        n: usize,
        ids: &str,
        end: impl Fn(usize) -> usize,
        hash: impl Fn(usize) -> u32,
        line: impl Fn(usize) -> u64,
    ) {
        self.reserve(n, 0);
        let base = self.count as u64;
        self.count += n;
        if self.ids {
            self.pool.push_many(ids, (0..n).map(&end));
            for k in 0..n {
                let h = hash(k);
                if let Some(p) = self.parts.get_mut((h >> 24) as usize) {
                    p.push(u64::from(h) << 32 | (base + k as u64));
                }
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
    /// kept). Runs on the rayon pool.
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

/// The repeats within one partition (`hash << 32 | claim`, in claim order).
fn repeats_in(part: &[u64], pool: &TextPool) -> Vec<(u32, u32)> {
    let cap = (part.len() * 2).next_power_of_two().max(16);
    let mask = cap - 1;
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
    fn pool_finds_short_and_long_texts() {
        let texts: Vec<String> = (0..100)
            .map(|k| match k % 9 {
                3 => "x".repeat(255 + k),
                5 => String::new(),
                _ => format!("t{k}"),
            })
            .collect();
        let mut p = TextPool::default();
        for (k, t) in texts.iter().enumerate().take(50) {
            assert_eq!(p.push(t), k as u32);
        }
        let rest = &texts[50..];
        let ends: Vec<usize> = rest
            .iter()
            .scan(0, |at, s| {
                *at += s.len();
                Some(*at)
            })
            .collect();
        p.push_many(&rest.concat(), ends.into_iter());
        for (k, t) in texts.iter().enumerate() {
            assert_eq!(p.get(k), t, "text {k}");
        }
        assert!(p.iter().eq(texts.iter().map(String::as_str)));
        assert_eq!(p.get(100), "");
        let mut short = TextPool::default();
        for k in 0..40 {
            short.push(&format!("id-{k}"));
        }
        assert!((0..40).all(|k| short.get(k) == format!("id-{k}")));
    }

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
    fn claim(ids: &[String], batch: usize, hash: fn(&[u8]) -> u32) -> (Vec<(u32, u32)>, ClaimSet) {
        let mut set = ClaimSet::new(true, true);
        for (b, part) in ids.chunks(batch).enumerate() {
            let text: String = part.concat();
            let ends: Vec<usize> = part
                .iter()
                .scan(0, |at, s| {
                    *at += s.len();
                    Some(*at)
                })
                .collect();
            set.add_all(
                part.len(),
                &text,
                |k| ends[k],
                |k| hash(part[k].as_bytes()),
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
            let (dups, set) = claim(&ids, batch, hash_bytes);
            assert_eq!(dups, expected(&ids));
            assert_eq!(dups[5_000], (45_000, 5_000));
            assert_eq!(set.len(), 50_000);
            let (pool, lines) = set.into_parts();
            assert_eq!(lines.and_then(|l| l.get(39_999)), Some(40_001));
            assert_eq!(pool.get(45_000), "id-5000");
            assert_eq!(pool.get(50_000), "");
        }
    }

    #[test]
    fn equal_hashes_are_told_apart_by_their_text() {
        let ids: Vec<String> = (0..1200).map(|k| format!("r{}", (k * 7) % 400)).collect();
        for weak in [
            |_: &[u8]| 5u32,
            |s: &[u8]| s.len() as u32,
            |s: &[u8]| hash_bytes(s) & 0xff00_00ff,
        ] {
            let (dups, _) = claim(&ids, 500, weak);
            assert_eq!(dups, expected(&ids));
        }
    }
}
