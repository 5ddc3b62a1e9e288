//! String interning: every text value the engine compares (ids, event kinds,
//! roles, topics) is stored once and handled as a [`Sym`], a `u32`, so rules
//! compare integers on the hot path.
//!
//! Strings live back to back in one arena; the hash table holds only
//! `(hash, sym)` pairs (8 bytes a slot), so memory is the text plus about
//! 16 bytes per distinct string.

use hashbrown::HashTable;

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

/// A fast, non-cryptographic hash of a byte string (FxHash-style word folding
/// with a final avalanche). Not DoS-resistant; inputs are the user's own files.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u32 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mut h: u64 = (b.len() as u64).wrapping_mul(K);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(23);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^= h >> 29;
    (h >> 32) as u32
}

/// Spreads a 32-bit string hash over the 64 bits the table uses: the low
/// bits (the bucket) are the hash itself, the top bits (the control byte) a
/// multiplicative mix of all of it.
#[inline]
pub(crate) fn table_hash(h: u32) -> u64 {
    (u64::from(h).wrapping_mul(0x9e37_79b9_7f4a_7c15) & 0xffff_ffff_0000_0000) | u64::from(h)
}

/// Slots of the direct-mapped cache in front of the table (a power of two).
const CACHE_SLOTS: usize = 1024;

/// The string table shared by every loaded table and by the compiled rules.
#[derive(Default)]
pub struct Interner {
    arena: String,
    /// End offset in `arena` of each symbol; the start is the previous end.
    ends: Vec<usize>,
    /// `(hash, sym)` of every symbol.
    table: HashTable<(u32, u32)>,
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
        self.table.reserve(strings, |&(h, _)| table_hash(h));
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
        let found = table.find(table_hash(hash), |&(h, id)| {
            h == hash && resolve_in(arena, ends, id) == s
        });
        let id = match found {
            Some(&(_, id)) => id,
            None => {
                let id = ends.len() as u32;
                arena.push_str(s);
                ends.push(arena.len());
                table.insert_unique(table_hash(hash), (hash, id), |&(h, _)| table_hash(h));
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
            .find(table_hash(hash), |&(h, id)| {
                h == hash && resolve_in(&self.arena, &self.ends, id) == s
            })
            .map(|&(_, id)| Sym(id))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_string_same_symbol() {
        let mut i = Interner::new();
        let a = i.intern("demo_request");
        let b = i.intern("pricing_view");
        assert_ne!(a, b);
        assert_eq!(i.intern("demo_request"), a);
        assert_eq!(i.len(), 2);
        assert_eq!(i.resolve(a), "demo_request");
        assert_eq!(i.resolve(b), "pricing_view");
        assert_eq!(i.get("pricing_view"), Some(b));
        assert_eq!(i.get("download"), None);
        assert_eq!(i.len(), 2);
    }

    #[test]
    fn empty_and_missing() {
        let mut i = Interner::new();
        assert_eq!(i.resolve(Sym::MISSING), "");
        assert!(Sym::MISSING.is_missing());
        let e = i.intern("");
        assert!(!e.is_missing());
        assert_eq!(i.resolve(e), "");
        assert_eq!(i.get(""), Some(e));
    }

    #[test]
    fn many_strings_survive_growth() {
        let mut i = Interner::new();
        let syms: Vec<Sym> = (0..100_000).map(|n| i.intern(&format!("e-{n}"))).collect();
        assert_eq!(i.len(), 100_000);
        for (n, s) in syms.iter().enumerate() {
            assert_eq!(i.resolve(*s), format!("e-{n}"));
            assert_eq!(i.get(&format!("e-{n}")), Some(*s));
        }
        // Unicode and long strings.
        let long = "ü".repeat(100);
        let s = i.intern(&long);
        assert_eq!(i.resolve(s), long);
    }

    #[test]
    fn hash_depends_on_every_byte() {
        let base = b"abcdefghijklmnopq".to_vec();
        let h = hash_bytes(&base);
        for k in 0..base.len() {
            let mut v = base.clone();
            v[k] ^= 1;
            assert_ne!(hash_bytes(&v), h, "byte {k}");
        }
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"a\0"));
    }

    #[test]
    fn bucket_bits_are_spread() {
        // The table picks buckets from the low bits: ids that differ only in
        // a few digits must still land in (nearly) as many buckets as random
        // keys would (n keys in 2n buckets fill about 39 % of them).
        use std::collections::HashSet;
        let n = 200_000u64;
        let mask = (1u64 << 19) - 1; // 524 288 buckets
        let expected = (mask + 1) as f64 * (1.0 - (-(n as f64) / (mask + 1) as f64).exp());
        for fmt in [
            |k: u64| format!("e-{k}"),
            |k: u64| format!("acc-{:06}-c{}", k / 7, k % 7),
        ] {
            let buckets: HashSet<u64> = (0..n)
                .map(|k| table_hash(hash_bytes(fmt(k).as_bytes())) & mask)
                .collect();
            assert!(
                buckets.len() as f64 > 0.97 * expected,
                "{} of {expected}",
                buckets.len()
            );
        }
    }
}
