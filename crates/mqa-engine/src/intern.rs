//! String interning: every text value the engine compares (ids, event kinds,
//! roles, topics) is stored once and handled as a [`Sym`], a `u32`, so rules
//! compare integers on the hot path.
//!
//! Strings live back to back in one arena; the hash table holds only
//! `(hash, sym)` pairs (8 bytes a slot), so memory is the text plus about
//! 20 bytes per distinct string. Large batches of new strings go through
//! [`Interner::intern_many`], which walks the table in order.

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
    /// Recently used `(hash, sym + 1)` by the hash's low bits (0 = empty):
    /// the few values a column repeats (kinds, roles) are found without
    /// touching the large table.
    cache: Vec<(u32, u32)>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.ends.len())
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
        let Interner {
            arena,
            ends,
            table,
            cache,
        } = self;
        let id = match table.find(hash, |id| resolve_in(arena, ends, id) == s) {
            Some(id) => id,
            None => {
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
        Sym(id)
    }

    #[inline]
    fn cached(&self, s: &str, hash: u32) -> Option<Sym> {
        let &(h, id1) = self.cache.get(hash as usize & (CACHE_SLOTS - 1))?;
        if h == hash && id1 != 0 && resolve_in(&self.arena, &self.ends, id1 - 1) == s {
            Some(Sym(id1 - 1))
        } else {
            None
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
        let mut syms: Vec<Sym> = Vec::with_capacity(n);
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
                syms.get((r & !table::PARKED) as usize)
                    .map_or(u32::MAX, |s| s.0)
            } else {
                r
            };
            syms.push(Sym(id));
        }
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
        self.table
            .find(hash, |id| resolve_in(&self.arena, &self.ends, id) == s)
            .map(Sym)
    }

    /// The text of a symbol; `""` for [`Sym::MISSING`] (and for a symbol of another interner).
    #[inline]
    pub fn resolve(&self, s: Sym) -> &str {
        resolve_in(&self.arena, &self.ends, s.0)
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
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

/// An open-addressing table (linear probing) of `(hash, sym)` pairs, whose
/// layout the bulk path relies on: a string's home slot is its hash's low
/// bits, so strings sorted by home slot are probed front to back.
mod table {
    /// Slot value: [`EMPTY`], or `hash << 32 | low` with low = `sym + 1`,
    /// or [`PARKED`] `| index` for a string of a running
    /// [`super::Interner::intern_many`].
    pub(super) const PARKED: u32 = 1 << 31;
    /// An empty slot. Not 0: a table of zeros comes from the kernel's shared
    /// zero page, and the probe's read before each first write would then
    /// cost a second page fault (and a TLB flush on the other cores) per page.
    const EMPTY: u64 = u64::MAX;
    /// `find_or_park`: the string was new and is parked under its index.
    pub(super) const NEW: u32 = u32::MAX;

    /// What a probe met with the right hash.
    pub(super) enum Hit {
        Sym(u32),
        Parked(u32),
    }

    #[derive(Default)]
    pub(super) struct SymTable {
        slots: Vec<u64>,
        len: usize,
    }

    impl SymTable {
        fn mask(&self) -> usize {
            self.slots.len().wrapping_sub(1)
        }

        /// Room for `additional` more entries at a load of at most 5/8.
        pub(super) fn reserve(&mut self, additional: usize) {
            let need = (self.len + additional) * 8 / 5 + 1;
            if need > self.slots.len() {
                self.grow_to(need.next_power_of_two().max(64));
            }
        }

        fn grow_to(&mut self, cap: usize) {
            let old = std::mem::replace(&mut self.slots, vec![EMPTY; cap]);
            // Old slots in order land in two ascending runs of the new table.
            for v in old.into_iter().filter(|&v| v != EMPTY) {
                self.place((v >> 32) as u32, v);
            }
        }

        /// Writes `v` into the first free slot from `hash`'s home.
        fn place(&mut self, hash: u32, v: u64) {
            let mask = self.mask();
            let mut i = hash as usize & mask;
            while let Some(slot) = self.slots.get_mut(i) {
                if *slot == EMPTY {
                    *slot = v;
                    return;
                }
                i = (i + 1) & mask;
            }
        }

        #[inline]
        pub(super) fn find(&self, hash: u32, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
            let mask = self.mask();
            let mut i = hash as usize & mask;
            loop {
                let v = *self.slots.get(i)?;
                if v == EMPTY {
                    return None;
                }
                let low = v as u32;
                if (v >> 32) as u32 == hash && low & PARKED == 0 && eq(low - 1) {
                    return Some(low - 1);
                }
                i = (i + 1) & mask;
            }
        }

        /// Adds a string known to be absent.
        pub(super) fn insert_new(&mut self, hash: u32, sym: u32) {
            self.reserve(1);
            self.place(hash, (u64::from(hash) << 32) | u64::from(sym + 1));
            self.len += 1;
        }

        /// The symbol of an equal string, `PARKED | j` for an equal string
        /// parked earlier, or [`NEW`] after parking this one as `index`.
        /// Capacity must have been reserved.
        pub(super) fn find_or_park(
            &mut self,
            hash: u32,
            index: u32,
            mut eq: impl FnMut(Hit) -> bool,
        ) -> u32 {
            let mask = self.mask();
            let mut i = hash as usize & mask;
            while let Some(slot) = self.slots.get_mut(i) {
                let v = *slot;
                if v == EMPTY {
                    *slot = (u64::from(hash) << 32) | u64::from(PARKED | index);
                    self.len += 1;
                    return NEW;
                }
                let low = v as u32;
                if (v >> 32) as u32 == hash {
                    if low & PARKED != 0 {
                        if eq(Hit::Parked(low & !PARKED)) {
                            return low;
                        }
                    } else if eq(Hit::Sym(low - 1)) {
                        return low - 1;
                    }
                }
                i = (i + 1) & mask;
            }
            NEW
        }

        /// Replaces the parked `index` by `sym`.
        pub(super) fn unpark(&mut self, hash: u32, index: u32, sym: u32) {
            let mask = self.mask();
            let parked = (u64::from(hash) << 32) | u64::from(PARKED | index);
            let mut i = hash as usize & mask;
            while let Some(slot) = self.slots.get_mut(i) {
                if *slot == parked {
                    *slot = (u64::from(hash) << 32) | u64::from(sym + 1);
                    return;
                }
                if *slot == EMPTY {
                    return;
                }
                i = (i + 1) & mask;
            }
        }

        /// `(hash(k), k)` for `k in 0..n`, sorted (stably) by home slot, to
        /// the nearest 64 slots.
        pub(super) fn bucket_order(
            &self,
            n: usize,
            hash: &impl Fn(usize) -> u32,
        ) -> Vec<(u32, u32)> {
            let bits = self.slots.len().trailing_zeros();
            let shift = bits.saturating_sub(16).max(6).min(bits);
            let mask = self.mask();
            let bin = |h: u32| (h as usize & mask) >> shift;
            let hashes: Vec<u32> = (0..n).map(hash).collect();
            let mut start = vec![0u32; (self.slots.len() >> shift) + 1];
            for &h in &hashes {
                if let Some(c) = start.get_mut(bin(h) + 1) {
                    *c += 1;
                }
            }
            for i in 1..start.len() {
                let prev = start.get(i - 1).copied().unwrap_or(0);
                if let Some(c) = start.get_mut(i) {
                    *c += prev;
                }
            }
            let mut order = vec![(0u32, 0u32); n];
            for (k, &h) in hashes.iter().enumerate() {
                if let Some(next) = start.get_mut(bin(h)) {
                    if let Some(o) = order.get_mut(*next as usize) {
                        *o = (h, k as u32);
                    }
                    *next += 1;
                }
            }
            order
        }
    }
}
