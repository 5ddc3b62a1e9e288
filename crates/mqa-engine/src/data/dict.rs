//! The texts of one batch, numbered locally on the thread that checks the
//! batch: a column repeats a few values (kinds, roles), so the loading
//! thread interns each distinct text once per batch instead of once per cell.

use super::column::TextStore;
use crate::intern::{hash_bytes, table_hash, Interner, Sym};
use hashbrown::HashTable;

/// Distinct texts of a batch, numbered from 0 in first-seen order. Texts
/// must be valid UTF-8 (the row checks make sure of it).
#[derive(Debug, Default)]
pub(crate) struct LocalDict {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    hashes: Vec<u32>,
    table: HashTable<u32>,
    /// Recently put texts: `(len, first 8 bytes, last 8 bytes, number)` by
    /// a mix of the words. A text of up to 16 bytes is decided by its length
    /// and these words alone, so a hit needs no hashing and no table probe.
    recent: Vec<(u32, u64, u64, u32)>,
}

/// Slots of [`LocalDict::recent`] (a power of two).
const RECENT: usize = 256;

/// First and last 8 bytes (zero-padded when shorter), read with whole
/// loads: a byte-by-byte copy into a word stalls the load that follows.
#[inline]
fn words(s: &[u8]) -> (u64, u64) {
    let n = s.len();
    let word = |i: usize| {
        s.get(i..i + 8).map_or(0, |b| {
            let mut w = [0u8; 8];
            w.copy_from_slice(b);
            u64::from_le_bytes(w)
        })
    };
    if n >= 8 {
        return (word(0), word(n - 8));
    }
    let part = |i: usize, len: usize| -> u64 {
        match len {
            4 => s.get(i..i + 4).map_or(0, |b| {
                let mut w = [0u8; 4];
                w.copy_from_slice(b);
                u64::from(u32::from_le_bytes(w))
            }),
            _ => s.get(i).map_or(0, |&b| u64::from(b)),
        }
    };
    // 0..7 bytes, zero-padded: pieces of 4, 2 and 1 bytes at fixed places.
    let mut w = 0u64;
    let mut at = 0usize;
    if n - at >= 4 {
        w |= part(at, 4);
        at += 4;
    }
    while at < n {
        w |= part(at, 1) << (8 * at);
        at += 1;
    }
    (w, w)
}

impl LocalDict {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.hashes.clear();
        self.table.clear();
        self.recent.clear();
        self.recent.resize(RECENT, (u32::MAX, 0, 0, 0));
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    fn text(&self, i: usize) -> &[u8] {
        let end = self.ends.get(i).copied().unwrap_or(0) as usize;
        let start = match i.checked_sub(1) {
            Some(p) => self.ends.get(p).copied().unwrap_or(0) as usize,
            None => 0,
        };
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// The local number of `s`, adding it when new.
    #[inline]
    pub(crate) fn put_bytes(&mut self, s: &[u8]) -> u32 {
        let (w0, w1) = words(s);
        let len = s.len() as u32;
        let r = ((w0 ^ w1.rotate_left(29) ^ u64::from(len)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            >> 56) as usize
            & (RECENT - 1);
        if let Some(&(l, a, b, i)) = self.recent.get(r) {
            if l == len && a == w0 && b == w1 && (len <= 16 || self.text(i as usize) == s) {
                return i;
            }
        }
        let i = self.put_slow(s);
        if let Some(slot) = self.recent.get_mut(r) {
            *slot = (len, w0, w1, i);
        }
        i
    }

    fn put_slow(&mut self, s: &[u8]) -> u32 {
        let hash = hash_bytes(s);
        let LocalDict {
            bytes,
            ends,
            hashes,
            table,
            ..
        } = self;
        let text = |i: u32| {
            let i = i as usize;
            let end = ends.get(i).copied().unwrap_or(0) as usize;
            let start = match i.checked_sub(1) {
                Some(p) => ends.get(p).copied().unwrap_or(0) as usize,
                None => 0,
            };
            bytes.get(start..end).unwrap_or_default()
        };
        if let Some(&i) = table.find(table_hash(hash), |&i| {
            hashes.get(i as usize) == Some(&hash) && text(i) == s
        }) {
            return i;
        }
        let i = ends.len() as u32;
        bytes.extend_from_slice(s);
        ends.push(bytes.len() as u32);
        hashes.push(hash);
        let hashes = &*hashes;
        table.insert_unique(table_hash(hash), i, |&j| {
            table_hash(hashes.get(j as usize).copied().unwrap_or(0))
        });
        i
    }

    /// Maps local numbers to interned symbols, interning each text the
    /// first time it is asked for (texts of rejected rows never are).
    pub(crate) fn globals(&self) -> Globals<'_> {
        Globals {
            dict: self,
            map: vec![u32::MAX; self.len()],
        }
    }
}

impl TextStore for LocalDict {
    type Ref = Sym;
    const MISSING: Sym = Sym::MISSING;
    #[inline]
    fn put(&mut self, s: &[u8]) -> Sym {
        Sym(self.put_bytes(s))
    }
}

/// Local number → global symbol for one batch.
pub(crate) struct Globals<'d> {
    dict: &'d LocalDict,
    map: Vec<u32>,
}

impl Globals<'_> {
    /// The symbol of local text `local` ([`Sym::MISSING`] stays missing).
    /// A text already asked for is one load (this runs for every text cell
    /// the loading thread commits); the first ask interns it, out of line.
    #[inline]
    pub(crate) fn sym(&mut self, local: Sym, interner: &mut Interner) -> Sym {
        match self.map.get(local.index()) {
            Some(&g) if g != u32::MAX => Sym(g),
            Some(_) => self.intern(local.index(), interner),
            // Out of range: `Sym::MISSING` (or a number of no dictionary).
            None => Sym::MISSING,
        }
    }

    /// Interns local text `i` and remembers its symbol.
    #[cold]
    #[inline(never)]
    fn intern(&mut self, i: usize, interner: &mut Interner) -> Sym {
        // Texts are checked UTF-8 before they reach the dictionary.
        let sym = match std::str::from_utf8(self.dict.text(i)) {
            Ok(s) => interner.intern_hashed(s, self.dict.hashes.get(i).copied().unwrap_or(0)),
            Err(_) => Sym::MISSING,
        };
        if let Some(m) = self.map.get_mut(i) {
            *m = sym.0;
        }
        sym
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_texts_and_interns_only_what_is_asked() {
        let mut d = LocalDict::default();
        d.clear();
        let a = d.put_bytes(b"page_view");
        let b = d.put_bytes(b"demo_request");
        assert_eq!(d.put_bytes(b"page_view"), a);
        let c = d.put_bytes(b"");
        assert_eq!((a, b, c, d.len()), (0, 1, 2, 3));
        let mut i = Interner::new();
        let mut g = d.globals();
        let sb = g.sym(Sym(b), &mut i);
        assert_eq!(i.resolve(sb), "demo_request");
        assert_eq!(i.len(), 1, "only the text asked for is interned");
        assert_eq!(g.sym(Sym(b), &mut i), sb);
        assert_eq!(g.sym(Sym::MISSING, &mut i), Sym::MISSING);
        let sa = g.sym(Sym(a), &mut i);
        assert_eq!(i.resolve(sa), "page_view");
        d.clear();
        assert_eq!(d.put_bytes(b"x"), 0);
        // Texts that share their first and last 8 bytes differ past 16 bytes.
        let long_a = b"abcdefgh-middle-A-stuvwxyz";
        let long_b = b"abcdefgh-middle-B-stuvwxyz";
        let (x, y) = (d.put_bytes(long_a), d.put_bytes(long_b));
        assert_ne!(x, y);
        assert_eq!((d.put_bytes(long_a), d.put_bytes(long_b)), (x, y));
        assert_eq!(d.put_bytes(b"x"), 0);
        assert_eq!(d.put_bytes(b"x\0"), 3, "a zero byte is not padding");
        assert_eq!(d.put_bytes(b""), 4);
        assert_eq!(d.put_bytes(b"x"), 0);
    }
}
