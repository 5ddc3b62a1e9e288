//! A block of texts numbered in one go ([`super::Interner::add_block`]): a
//! file's ids, kept back to back by the loader and indexed by the loader's
//! duplicate check (a hash table per partition of the hashes, built on the
//! pool in the cache), so they are never put one by one into the
//! interner's own table. Interning them one by one missed the cache on
//! almost every id: for the 650 000 contacts of 100 000 accounts that was
//! half the loading thread's time while the contacts were read.

use super::Sym;
use crate::data::TextPool;
use std::sync::Arc;

/// An empty slot of a partition's table.
const EMPTY: u64 = u64::MAX;

/// The texts of symbols `base..base + len`, text `k` being symbol
/// `base + k` (unless it is an alias, see `alias`).
#[derive(Debug)]
pub(super) struct Block {
    pub(super) base: u32,
    /// Shared: the contacts' keys read it too (see [`super::Interner::block_texts`]).
    texts: Arc<TextPool>,
    /// Per partition, an open-addressing table of `hash << 32 | k + 1`
    /// (`EMPTY` = empty; home slot: the hash's low bits), the first `k` of
    /// each text.
    index: Vec<Vec<u64>>,
    /// `(k, symbol)`, by `k`, of the texts that had a symbol before the
    /// block came (that symbol stays theirs).
    alias: Vec<(u32, Sym)>,
    /// Per partition of `index`, two bits per text set by its hash (about
    /// 12 bits a text, so about 2 % of other texts pass): rules most texts
    /// out before a probe.
    filter: Vec<Vec<u64>>,
}

/// The index of a block's texts ([`super::Interner::add_block`]): per
/// partition of the top 8 bits of a text's [`super::hash_bytes`], an
/// open-addressing table of `hash << 32 | k + 1` (`u64::MAX` = empty, home
/// slot the hash's low bits, the first `k` of each text), and its
/// [`partition_filter`] (when `filters` is empty, they are built from the
/// tables).
#[derive(Debug, Default)]
pub struct BlockIndex {
    pub tables: Vec<Vec<u64>>,
    pub filters: Vec<Vec<u64>>,
}

/// The filter of one partition's table of a block's index (see
/// [`super::Interner::add_block`]): two bits per text, about 12 bits a
/// text in a power of two of words. Built where the table was, while it
/// is in the cache.
pub fn partition_filter(table: &[u64]) -> Vec<u64> {
    let n = table.iter().filter(|&&v| v != EMPTY).count();
    let mut filter = empty_filter(n);
    for &v in table.iter().filter(|&&v| v != EMPTY) {
        filter_add(&mut filter, (v >> 32) as u32);
    }
    filter
}

/// A partition's filter for up to `n` texts, none added yet (see
/// [`partition_filter`]; the loader adds the texts as it indexes them,
/// [`filter_add`]).
pub fn empty_filter(n: usize) -> Vec<u64> {
    vec![0u64; (n * 12 / 64).next_power_of_two().max(1)]
}

/// Adds a text of hash `hash` to a partition's filter.
#[inline]
pub fn filter_add(filter: &mut [u64], hash: u32) {
    for (w, bit) in filter_bits(hash, filter.len()) {
        if let Some(x) = filter.get_mut(w) {
            *x |= bit;
        }
    }
}

/// The two bits of a partition's filter (of `len` words, a power of two) for `hash`.
#[inline]
fn filter_bits(hash: u32, len: usize) -> [(usize, u64); 2] {
    let mask = (len * 64).wrapping_sub(1);
    let bit = |m: u32| {
        let i = (hash.wrapping_mul(m).rotate_left(13) as usize) & mask;
        (i / 64, 1u64 << (i % 64))
    };
    [bit(0x9e37_79b1), bit(0x85eb_ca77)]
}

impl Block {
    /// `index` as described on [`Block`], for `texts`; `base` is the first
    /// symbol of the block.
    /// (`filter`: [`partition_filter`] of each table of `index`; built
    /// here, on the pool, when not given.)
    pub(super) fn new(base: u32, texts: TextPool, index: BlockIndex) -> Block {
        use rayon::prelude::*;
        let BlockIndex { tables, filters } = index;
        let filter = if filters.len() == tables.len() {
            filters
        } else {
            tables.par_iter().map(|t| partition_filter(t)).collect()
        };
        Block {
            base,
            texts: Arc::new(texts),
            index: tables,
            alias: Vec::new(),
            filter,
        }
    }

    /// Whether a text of hash `hash` may be in the block (false: it is not).
    #[inline]
    pub(super) fn may_hold(&self, hash: u32) -> bool {
        let Some(filter) = self.filter.get((hash >> 24) as usize) else {
            return false;
        };
        filter_bits(hash, filter.len())
            .iter()
            .all(|&(w, bit)| filter.get(w).is_some_and(|x| x & bit != 0))
    }

    pub(super) fn len(&self) -> u32 {
        self.texts.len() as u32
    }

    pub(super) fn texts(&self) -> &Arc<TextPool> {
        &self.texts
    }

    /// Text `k`.
    #[inline]
    pub(super) fn text(&self, k: u32) -> &str {
        self.texts.get(k as usize)
    }

    /// The first `k` whose text is `s` (`hash` = [`super::hash_bytes`] of `s`).
    #[inline]
    pub(super) fn find(&self, s: &str, hash: u32) -> Option<u32> {
        if !self.may_hold(hash) {
            return None;
        }
        let table = self.index.get((hash >> 24) as usize)?;
        let mask = table.len().checked_sub(1)?;
        let mut i = hash as usize & mask;
        loop {
            let v = *table.get(i)?;
            if v == EMPTY {
                return None;
            }
            let k = (v as u32).wrapping_sub(1);
            if (v >> 32) as u32 == hash && self.text(k) == s {
                return Some(k);
            }
            i = (i + 1) & mask;
        }
    }

    /// `(k, symbol)` of each of `text(0..n)` that is in the block (`hash`
    /// as for [`Block::find`]), in order: most texts are ruled out by the
    /// filter, without a probe.
    pub(super) fn find_many<'t>(
        &self,
        n: usize,
        text: &impl Fn(usize) -> &'t str,
        hash: &impl Fn(usize) -> u32,
    ) -> Vec<(u32, Sym)> {
        (0..n)
            .filter_map(|k| {
                let h = hash(k);
                if !self.may_hold(h) {
                    return None;
                }
                self.find(text(k), h).map(|i| (k as u32, self.sym(i)))
            })
            .collect()
    }

    /// Notes the texts given before the block that are in the block too:
    /// they keep their symbol. `slots` are the interner's table's (`hash <<
    /// 32 | index + 1`, `u64::MAX` empty, see `table`), `text(index)` their
    /// texts: their hashes need not be computed again, and the filter rules
    /// out most of them without a probe. Runs on the pool.
    pub(super) fn find_aliases<'a>(&mut self, slots: &[u64], text: impl Fn(u32) -> &'a str + Sync) {
        use rayon::prelude::*;
        let this = &*self;
        let mut alias: Vec<(u32, Sym)> = slots
            .par_chunks(1 << 14)
            .flat_map_iter(|chunk| {
                chunk.iter().filter_map(|&v| {
                    let (h, low) = ((v >> 32) as u32, v as u32);
                    let parked = low & super::table::PARKED != 0;
                    if v == EMPTY || low == 0 || parked || !this.may_hold(h) {
                        return None;
                    }
                    let i = low - 1;
                    this.find(text(i), h).map(|k| (k, Sym(i)))
                })
            })
            .collect();
        alias.sort_unstable();
        self.alias = alias;
    }

    /// The symbol of text `k`.
    #[inline]
    pub(super) fn sym(&self, k: u32) -> Sym {
        if !self.alias.is_empty() {
            if let Ok(i) = self.alias.binary_search_by_key(&k, |a| a.0) {
                if let Some(&(_, s)) = self.alias.get(i) {
                    return s;
                }
            }
        }
        Sym(self.base + k)
    }
}
