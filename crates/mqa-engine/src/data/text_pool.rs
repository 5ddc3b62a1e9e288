//! Ids kept back to back ([`TextPool`]) and numbers that never decrease
//! ([`MonoU64`]): the compact stores behind a file's claims (`claims`).

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
pub(crate) const LONG: u8 = u8::MAX;
/// Texts per [`TextPool::starts`] entry.
const STRIDE: usize = 16;

impl TextPool {
    /// Appends one text and returns its index (the loader appends a batch's
    /// texts at once with [`TextPool::push_many`]).
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

    /// The length of text `i` (0 when out of range).
    #[inline]
    pub(crate) fn len_of(&self, i: usize) -> usize {
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

    /// Drops texts `..k` (the later ones become `0..`).
    pub(crate) fn drop_front(&mut self, k: usize) {
        let k = k.min(self.len());
        if k == 0 {
            return;
        }
        let offset: usize = match self.starts.get(k / STRIDE) {
            Some(&s) => {
                s as usize
                    + (k / STRIDE * STRIDE..k)
                        .map(|i| self.len_of(i))
                        .sum::<usize>()
            }
            None => self.text.len(),
        };
        self.text.drain(..offset.min(self.text.len()));
        self.lens.drain(..k);
        self.long.retain(|&(i, _)| i as usize >= k);
        for l in &mut self.long {
            l.0 -= k as u32;
        }
        self.starts.clear();
        let mut at = 0u64;
        for i in 0..self.lens.len() {
            if i & (STRIDE - 1) == 0 {
                self.starts.push(at);
            }
            at += self.len_of(i) as u64;
        }
    }

    /// Every text, back to back (text `i` starts where text `i - 1` ends).
    pub(crate) fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The lengths of texts `range` as stored: the length, or [`LONG`] for
    /// one of 255 bytes or more (see [`TextPool::len_of`]).
    #[inline]
    pub(crate) fn short_lens(&self, range: std::ops::Range<usize>) -> Option<&[u8]> {
        self.lens.get(range)
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
