//! An open-addressing table (linear probing) of `(hash, sym)` pairs, whose
//! layout the bulk path relies on: a string's home slot is its hash's low
//! bits, so strings sorted by home slot are probed front to back.

/// Slot value: [`EMPTY`], or `hash << 32 | low` with low = `index + 1` (an
/// index in the interner's arena: the symbol, unless a block came before),
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

#[derive(Default, Clone)]
pub(super) struct SymTable {
    slots: Vec<u64>,
    len: usize,
}

impl SymTable {
    /// The slots, for a walk of every entry (no string is parked between
    /// calls of [`super::Interner::intern_many`]).
    pub(super) fn slots(&self) -> &[u64] {
        &self.slots
    }

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
    pub(super) fn bucket_order(&self, n: usize, hash: &impl Fn(usize) -> u32) -> Vec<(u32, u32)> {
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
