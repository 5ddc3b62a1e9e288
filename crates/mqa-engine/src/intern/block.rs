//! A block of texts numbered in one go ([`super::Interner::add_block`]): a
//! file's ids, kept back to back by the loader and indexed by the loader's
//! duplicate check (a hash table per partition of the hashes, built on the
//! pool in the cache), so they are never put one by one into the
//! interner's own table. Interning them one by one missed the cache on
//! almost every id: for the 650 000 contacts of 100 000 accounts that was
//! half the loading thread's time while the contacts were read.

use super::{hash_bytes, Sym};
use crate::data::TextPool;

/// An empty slot of a partition's table.
const EMPTY: u64 = u64::MAX;

/// The texts of symbols `base..base + len`, text `k` being symbol
/// `base + k` (unless it is an alias, see `alias`).
#[derive(Debug)]
pub(super) struct Block {
    pub(super) base: u32,
    texts: TextPool,
    /// Per partition, an open-addressing table of `hash << 32 | k + 1`
    /// (`EMPTY` = empty; home slot: the hash's low bits), the first `k` of
    /// each text.
    index: Vec<Vec<u64>>,
    /// `(k, symbol)`, by `k`, of the texts that had a symbol before the
    /// block came (that symbol stays theirs).
    alias: Vec<(u32, Sym)>,
}

impl Block {
    /// `index` as described on [`Block`], for `texts`; `base` is the first
    /// symbol of the block.
    pub(super) fn new(base: u32, texts: TextPool, index: Vec<Vec<u64>>) -> Block {
        Block {
            base,
            texts,
            index,
            alias: Vec::new(),
        }
    }

    pub(super) fn len(&self) -> u32 {
        self.texts.len() as u32
    }

    /// Text `k`.
    #[inline]
    pub(super) fn text(&self, k: u32) -> &str {
        self.texts.get(k as usize)
    }

    /// The first `k` whose text is `s` (`hash` = [`hash_bytes`] of `s`).
    #[inline]
    pub(super) fn find(&self, s: &str, hash: u32) -> Option<u32> {
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

    /// Notes the texts `text(0..n)` (the texts of symbols `0..n`, given
    /// before the block) that are in the block too: they keep their symbol.
    /// Runs on the pool, partition by partition (each table is probed
    /// while it is in the cache).
    pub(super) fn find_aliases<'a>(&mut self, n: u32, text: impl Fn(u32) -> &'a str + Sync) {
        use rayon::prelude::*;
        let hashes: Vec<u32> = (0..n)
            .into_par_iter()
            .with_min_len(1 << 12)
            .map(|i| hash_bytes(text(i).as_bytes()))
            .collect();
        let parts = self.index.len().max(1);
        // Texts by partition (counting sort on the top 8 bits).
        let part_of = |h: u32| ((h >> 24) as usize).min(parts - 1);
        let mut start = vec![0usize; parts + 1];
        for &h in &hashes {
            if let Some(c) = start.get_mut(part_of(h) + 1) {
                *c += 1;
            }
        }
        for p in 1..start.len() {
            start[p] += start[p - 1];
        }
        let mut next = start.clone();
        let mut by_part = vec![0u32; hashes.len()];
        for (i, &h) in hashes.iter().enumerate() {
            if let Some(at) = next.get_mut(part_of(h)) {
                if let Some(slot) = by_part.get_mut(*at) {
                    *slot = i as u32;
                }
                *at += 1;
            }
        }
        let this = &*self;
        let mut alias: Vec<(u32, Sym)> = (0..parts)
            .into_par_iter()
            .flat_map_iter(|p| {
                let texts = by_part.get(start[p]..start[p + 1]).unwrap_or_default();
                texts.iter().filter_map(|&i| {
                    let h = hashes.get(i as usize).copied()?;
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
