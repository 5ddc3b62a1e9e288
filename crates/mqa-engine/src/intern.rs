//! String interning: every text value the engine compares (ids, event kinds,
//! roles, topics) is stored once and handled as a [`Sym`], a `u32`, so rules
//! compare integers on the hot path.
//!
//! Strings live back to back in one arena; the hash table holds only
//! `(hash, sym)` pairs (8 bytes a slot), so memory is the text plus about
//! 20 bytes per distinct string. Large batches of new strings go through
//! [`Interner::intern_many`], which walks the table in order. A file's ids
//! can instead come as one block ([`Interner::add_block`]: the contacts'),
//! numbered in one go and found by the index the loader's duplicate check
//! built, so they never go through the table one by one. An interner can
//! be frozen ([`Interner::freeze`]) into a shared base under new texts, so
//! that other threads read a cheap [`Interner::snapshot`] while it grows.

use std::sync::Arc;

/// An interned string. [`Sym::MISSING`] stands for a missing text value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Sym(pub u32);

impl Sym {
    /// The missing value (an empty cell, an absent JSON field).
    pub const MISSING: Sym = Sym(u32::MAX);

    pub fn is_missing(self) -> bool {
        self == Sym::MISSING
    }

    /// The symbol as an index (for tables indexed by symbol).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A fast, non-cryptographic hash of a byte string (word folding with a
/// final avalanche). Not DoS-resistant; inputs are the user's own files.
/// The top half of [`hash_bytes64`].
#[inline]
pub fn hash_bytes(b: &[u8]) -> u32 {
    (hash_bytes64(b) >> 32) as u32
}

/// [`hash_bytes`] with all 64 bits (a streamed events file keeps only these
/// of each id, see `data::claims`, so every bit counts). Each word is folded
/// in by a full 64×64→128 multiply whose halves are xored: unlike a plain
/// multiply, which carries a difference only upwards (ids that differ in
/// their last characters then collide far more often than by chance), it
/// spreads a difference in any bit over the whole word.
#[inline]
pub fn hash_bytes64(b: &[u8]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mut h: u64 = (b.len() as u64).wrapping_mul(K);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = fold_mul(h ^ load_u64(c), K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = fold_mul(h ^ tail_word(rest), K);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^= h >> 29;
    h
}

/// The two halves of the 128-bit product `a * b`, xored.
#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Eight bytes as a little-endian word (`c` holds exactly eight).
#[inline]
fn load_u64(c: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(c);
    u64::from_le_bytes(w)
}

/// A word made of every byte of a short tail (1 to 7 bytes) by whole loads
/// that may overlap (no byte-by-byte copy, which stalls the load after it);
/// the tail's length is mixed in separately.
#[inline]
fn tail_word(r: &[u8]) -> u64 {
    let n = r.len();
    let u32_at = |i: usize| {
        r.get(i..i + 4).map_or(0, |s| {
            let mut w = [0u8; 4];
            w.copy_from_slice(s);
            u64::from(u32::from_le_bytes(w))
        })
    };
    if n >= 4 {
        u32_at(0) | u32_at(n - 4) << 32
    } else {
        let b = |i: usize| u64::from(r.get(i).copied().unwrap_or(0));
        b(0) | b(n / 2) << 8 | b(n.saturating_sub(1)) << 16
    }
}

/// Spreads a 32-bit string hash over the 64 bits a `hashbrown` table uses:
/// the low bits (the bucket) are the hash itself, the top bits (the control
/// byte) a multiplicative mix of all of it.
#[inline]
pub(crate) fn table_hash(h: u32) -> u64 {
    (u64::from(h).wrapping_mul(0x9e37_79b9_7f4a_7c15) & 0xffff_ffff_0000_0000) | u64::from(h)
}

/// Slots of the direct-mapped cache in front of the table (a power of two).
const CACHE_SLOTS: usize = 1024;
/// Below this many strings, [`Interner::intern_many`] interns one by one.
const BULK_MIN: usize = 2048;

/// The string table shared by every loaded table and by the compiled rules.
/// Holds up to 2^31 - 2 strings.
#[derive(Default)]
pub struct Interner {
    arena: String,
    /// End offset in `arena` of each symbol; the start is the previous end.
    ends: Vec<usize>,
    table: table::SymTable,
    /// Recently used `(hash, index + 1)` (an index in `ends`) by the hash's
    /// low bits (0 = empty): the few values a column repeats (kinds, roles)
    /// are found without touching the large table.
    cache: Vec<(u32, u32)>,
    /// Texts added as a block ([`Interner::add_block`]), numbered from
    /// `block.base`; the texts of `ends` from there on come after them.
    block: Option<Arc<block::Block>>,
    /// The texts interned before [`Interner::freeze`], shared: symbols
    /// below `below.len()` are theirs, this interner's own come after.
    below: Option<Arc<Interner>>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.len())
            .field("bytes", &self.arena.len())
            .finish()
    }
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `strings` more symbols of about `bytes` bytes in total.
    pub fn reserve(&mut self, strings: usize, bytes: usize) {
        self.arena.reserve(bytes);
        self.ends.reserve(strings);
        self.table.reserve(strings);
    }

    /// The symbol of `s`, adding it when new.
    #[inline]
    pub fn intern(&mut self, s: &str) -> Sym {
        self.intern_hashed(s, hash_bytes(s.as_bytes()))
    }

    /// [`Interner::intern`] with a hash already computed by [`hash_bytes`]
    /// (lets a parallel parser hash off the interning thread).
    #[inline]
    pub fn intern_hashed(&mut self, s: &str, hash: u32) -> Sym {
        if let Some(sym) = self.cached(s, hash) {
            return sym;
        }
        if let Some(sym) = self.below.as_ref().and_then(|b| b.get_hashed(s, hash)) {
            return sym;
        }
        let offset = self.offset();
        let Interner {
            arena,
            ends,
            table,
            cache,
            block,
            ..
        } = self;
        // The table and the cache hold indexes in `ends`.
        let id = match table.find(hash, |id| resolve_in(arena, ends, id) == s) {
            Some(id) => id,
            None => {
                if let Some(k) = block.as_ref().and_then(|b| b.find(s, hash)) {
                    return block.as_ref().map_or(Sym::MISSING, |b| b.sym(k));
                }
                // (A frozen interner's own texts have no block.)
                let id = ends.len() as u32;
                arena.push_str(s);
                ends.push(arena.len());
                table.insert_new(hash, id);
                id
            }
        };
        if cache.is_empty() {
            cache.resize(CACHE_SLOTS, (0, 0));
        }
        if let Some(slot) = cache.get_mut(hash as usize & (CACHE_SLOTS - 1)) {
            *slot = (hash, id + 1);
        }
        shifted(sym_of(block, id), offset)
    }

    #[inline]
    fn cached(&self, s: &str, hash: u32) -> Option<Sym> {
        let &(h, id1) = self.cache.get(hash as usize & (CACHE_SLOTS - 1))?;
        if h == hash && id1 != 0 && resolve_in(&self.arena, &self.ends, id1 - 1) == s {
            Some(shifted(sym_of(&self.block, id1 - 1), self.offset()))
        } else {
            None
        }
    }

    /// The first symbol of this interner's own texts: the number of texts
    /// frozen below it (0 when it was never frozen).
    #[inline]
    fn offset(&self) -> u32 {
        self.below.as_ref().map_or(0, |b| b.len() as u32)
    }

    /// Shares every text interned so far (its symbols unchanged) as a frozen
    /// base under the texts interned from now on: [`Interner::snapshot`]
    /// then copies only the latter. Costs no copy. A block can no longer
    /// be added.
    pub fn freeze(&mut self) {
        let all = std::mem::take(self);
        self.below = Some(Arc::new(all));
    }

    /// An interner with the same symbols and texts as this one (interning
    /// into it does not change this one). It shares what was frozen
    /// ([`Interner::freeze`]) and copies the rest: after a freeze, a few
    /// texts; without one, everything.
    pub fn snapshot(&self) -> Interner {
        Interner {
            arena: self.arena.clone(),
            ends: self.ends.clone(),
            table: self.table.clone(),
            cache: Vec::new(),
            block: self.block.clone(),
            below: self.below.clone(),
        }
    }

    /// Interns `n` strings (`text(k)`, hashed by [`hash_bytes`] as
    /// `hash(k)`): the same symbols, in the same numbering, as calling
    /// [`Interner::intern_hashed`] for `k = 0..n` in turn, but the table is
    /// walked in bucket order rather than at random, which is several times
    /// faster for large batches of mostly new strings (event ids).
    pub fn intern_many<'t>(
        &mut self,
        n: usize,
        text: impl Fn(usize) -> &'t str,
        hash: impl Fn(usize) -> u32,
    ) -> Vec<Sym> {
        // Texts come few at a time once frozen (the events' new ones).
        if n < BULK_MIN || self.below.is_some() {
            return (0..n)
                .map(|k| self.intern_hashed(text(k), hash(k)))
                .collect();
        }
        let Some(b) = self.block.as_deref() else {
            return self.intern_bulk(n, text, hash);
        };
        // After a block, the texts that are the block's have its symbols
        // (usually none); the others are interned in bulk, in order. (The
        // hashes are computed once: `hash` may compute them.)
        let hashes: Vec<u32> = (0..n).map(&hash).collect();
        let hash = |k: usize| hashes.get(k).copied().unwrap_or(0);
        let in_block = b.find_many(n, &text, &hash);
        if in_block.is_empty() {
            return self.intern_bulk(n, text, hash);
        }
        let mut hits = in_block.iter().peekable();
        let rest: Vec<u32> = (0..n as u32)
            .filter(|&k| hits.next_if(|h| h.0 == k).is_none())
            .collect();
        let at = |j: usize| rest.get(j).map_or(usize::MAX, |&k| k as usize);
        let mut new = self
            .intern_bulk(rest.len(), |j| text(at(j)), |j| hash(at(j)))
            .into_iter();
        let mut hits = in_block.iter().peekable();
        (0..n as u32)
            .map(|k| match hits.next_if(|h| h.0 == k) {
                Some(&(_, s)) => s,
                None => new.next().unwrap_or(Sym::MISSING),
            })
            .collect()
    }

    /// [`Interner::intern_many`] by the interner's own table (the texts
    /// are not the block's).
    fn intern_bulk<'t>(
        &mut self,
        n: usize,
        text: impl Fn(usize) -> &'t str,
        hash: impl Fn(usize) -> u32,
    ) -> Vec<Sym> {
        if n < BULK_MIN {
            return (0..n)
                .map(|k| self.intern_hashed(text(k), hash(k)))
                .collect();
        }
        self.table.reserve(n);
        let order = self.table.bucket_order(n, &hash);
        // Pass 1, bucket order: find each string, or park it in the table
        // under its index; a later equal string in the batch finds it there.
        // What a pass reads is laid out in the order it reads it (writes out
        // of order are cheap, reads are not: the arrays outgrow the caches).
        let mut found: Vec<u32> = vec![0; n];
        let mut new_at: Vec<bool> = vec![false; n];
        {
            let Interner {
                arena, ends, table, ..
            } = self;
            for (j, &(h, k)) in order.iter().enumerate() {
                let r = table.find_or_park(h, k, |hit| {
                    let s = text(k as usize);
                    match hit {
                        table::Hit::Sym(id) => resolve_in(arena, ends, id) == s,
                        table::Hit::Parked(j) => text(j as usize) == s,
                    }
                });
                if let Some(f) = found.get_mut(k as usize) {
                    *f = r;
                }
                if let Some(x) = new_at.get_mut(j) {
                    *x = r == table::NEW;
                }
            }
        }
        // Where each string is in bucket order.
        let mut pos: Vec<u32> = vec![0; n];
        for (j, &(_, k)) in order.iter().enumerate() {
            if let Some(p) = pos.get_mut(k as usize) {
                *p = j as u32;
            }
        }
        // Pass 2, input order: number the new strings as sequential interning would.
        // (`ids`: indexes in `ends`, which the table holds; a block before
        // them shifts their symbols.)
        let mut ids: Vec<u32> = Vec::with_capacity(n);
        let mut sym_at: Vec<u32> = vec![0; n];
        for (k, &r) in found.iter().enumerate() {
            let id = if r == table::NEW {
                let id = self.ends.len() as u32;
                self.arena.push_str(text(k));
                self.ends.push(self.arena.len());
                if let Some(slot) = pos.get(k).and_then(|&p| sym_at.get_mut(p as usize)) {
                    *slot = id;
                }
                id
            } else if r & table::PARKED != 0 {
                // An equal string earlier in the batch (already numbered).
                ids.get((r & !table::PARKED) as usize)
                    .copied()
                    .unwrap_or(u32::MAX)
            } else {
                r
            };
            ids.push(id);
        }
        let syms: Vec<Sym> = ids.iter().map(|&id| sym_of(&self.block, id)).collect();
        // Pass 3, bucket order: replace the parked indexes by the symbols.
        for (j, &(h, k)) in order.iter().enumerate() {
            if new_at.get(j) == Some(&true) {
                if let Some(&sym) = sym_at.get(j) {
                    self.table.unpark(h, k, sym);
                }
            }
        }
        syms
    }

    /// The symbol of `s` if it was interned, without adding it.
    #[inline]
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.get_hashed(s, hash_bytes(s.as_bytes()))
    }

    /// [`Interner::get`] with a hash already computed by [`hash_bytes`].
    #[inline]
    pub fn get_hashed(&self, s: &str, hash: u32) -> Option<Sym> {
        if let Some(sym) = self.cached(s, hash) {
            return Some(sym);
        }
        if let Some(sym) = self.below.as_ref().and_then(|b| b.get_hashed(s, hash)) {
            return Some(sym);
        }
        match self
            .table
            .find(hash, |id| resolve_in(&self.arena, &self.ends, id) == s)
        {
            Some(id) => Some(shifted(sym_of(&self.block, id), self.offset())),
            None => {
                let b = self.block.as_ref()?;
                b.find(s, hash).map(|k| b.sym(k))
            }
        }
    }

    /// The text of a symbol; `""` for [`Sym::MISSING`] (and for a symbol of another interner).
    #[inline]
    pub fn resolve(&self, s: Sym) -> &str {
        let s = match &self.below {
            Some(b) if (s.0 as usize) < b.len() => return b.resolve(s),
            Some(b) => Sym(s.0 - b.len() as u32),
            None => s,
        };
        match &self.block {
            Some(b) if s.0 >= b.base => match s.0 - b.base {
                k if k < b.len() => b.text(k),
                _ => resolve_in(&self.arena, &self.ends, s.0 - b.len()),
            },
            _ => resolve_in(&self.arena, &self.ends, s.0),
        }
    }

    /// Adds `texts` as a block of new symbols, `len()..len() + texts.len()`
    /// (text `k` gets symbol `len() + k`), without putting them one by one
    /// into the table: `index` finds them (see [`BlockIndex`]; the loader's
    /// duplicate check builds it, `data::claims`). A text interned before
    /// keeps its symbol ([`Interner::block_sym`] gives it). Only one block
    /// can be added: `false` (and nothing added) for a second one.
    pub fn add_block(&mut self, texts: crate::data::TextPool, index: BlockIndex) -> bool {
        if self.block.is_some() || self.below.is_some() {
            return false;
        }
        let mut b = block::Block::new(self.ends.len() as u32, texts, index);
        let (arena, ends) = (&self.arena, &self.ends);
        b.find_aliases(self.table.slots(), |i| resolve_in(arena, ends, i));
        self.block = Some(Arc::new(b));
        true
    }

    /// The texts of the block ([`Interner::add_block`]), text `k` being
    /// the one given `k`-th, shared (they never change).
    pub fn block_texts(&self) -> Option<Arc<crate::data::TextPool>> {
        match (&self.block, &self.below) {
            (Some(b), _) => Some(Arc::clone(b.texts())),
            (None, Some(below)) => below.block_texts(),
            (None, None) => None,
        }
    }

    /// The symbol of text `k` of the block ([`Interner::add_block`]).
    pub fn block_sym(&self, k: u32) -> Sym {
        match (&self.block, &self.below) {
            (Some(b), _) => b.sym(k),
            (None, Some(below)) => below.block_sym(k),
            (None, None) => Sym::MISSING,
        }
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.offset() as usize
            + self.ends.len()
            + self.block.as_ref().map_or(0, |b| b.len() as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The symbol of text `id` of the arena (`ends`): after a block, the
/// block's symbols come first.
#[inline]
fn sym_of(block: &Option<Arc<block::Block>>, id: u32) -> Sym {
    match block {
        Some(b) if id >= b.base => id.checked_add(b.len()).map_or(Sym::MISSING, Sym),
        _ => Sym(id),
    }
}

/// `s` moved up by `offset` (the texts frozen below an interner's own).
#[inline]
fn shifted(s: Sym, offset: u32) -> Sym {
    match offset {
        0 => s,
        _ if s.is_missing() => s,
        _ => s.0.checked_add(offset).map_or(Sym::MISSING, Sym),
    }
}

#[inline]
fn resolve_in<'a>(arena: &'a str, ends: &[usize], id: u32) -> &'a str {
    let i = id as usize;
    let Some(&end) = ends.get(i) else {
        return "";
    };
    let start = match i.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(0),
        None => 0,
    };
    arena.get(start..end).unwrap_or("")
}

mod block;
mod table;
pub use block::{empty_filter, filter_add, partition_filter, BlockIndex};
