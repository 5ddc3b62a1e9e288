//! [`TextValues`]: a column of texts with each distinct text stored once
//! (in first-seen order, end to end in one buffer) and every value a
//! number into those texts. A batch of a million texts is a few
//! allocations, not a million, and a column that repeats its texts (an
//! intent export repeats each account's domain on consecutive rows and a
//! few dozen topics everywhere) costs 4 bytes a value plus its distinct
//! texts; the loader joins on those numbers without comparing texts again.

use std::fmt;

use hashbrown::HashTable;

use crate::intern::{hash_bytes, table_hash};

/// The number of a missing value.
const MISSING: u32 = u32::MAX;

/// Texts stored once each, and per value the number of its text (or a
/// missing value: [`TextValues::get`] gives `None`, which is not the same
/// as an empty text). Holds up to 2^32 − 1 distinct texts.
///
/// Equality compares values, not layout: two columns are equal when they
/// have the same length and the same text (or the same missing value) at
/// every index, whatever order their distinct texts were stored in.
///
/// ```
/// use mqa_engine::signals::TextValues;
///
/// let mut t = TextValues::new();
/// t.push(Some("crm"));
/// t.push(None);
/// t.push(Some(""));
/// t.push(Some("crm"));
/// assert_eq!(t.len(), 4);
/// assert_eq!(t.get(0), Some("crm"));
/// assert_eq!(t.get(1), None);
/// assert_eq!(t.get(2), Some(""));
/// assert_eq!(t.distinct(), 2, "crm is stored once");
/// assert_eq!(t, TextValues::from(vec![Some("crm"), None, Some(""), Some("crm")]));
/// ```
#[derive(Clone, Default)]
pub struct TextValues {
    /// The distinct texts end to end, in first-seen order.
    dict: String,
    /// `ends[k]`: where distinct text `k` ends in `dict` (it starts where
    /// text `k - 1` ends, or at 0).
    ends: Vec<usize>,
    /// Per value, the number of its text; [`MISSING`] for a missing value.
    codes: Vec<u32>,
    /// The number of each distinct text, by hash, while values are pushed
    /// ([`TextValues::seal`] drops it; the next push rebuilds it).
    index: HashTable<u32>,
}

/// Why [`TextValues::from_parts`] refused its parts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextValuesError {
    #[error("text {index} ends at byte {end}, before the previous text's end {previous}")]
    Decreasing {
        index: usize,
        end: usize,
        previous: usize,
    },
    #[error("text {index} ends at byte {end}, past the {len} bytes of text")]
    OutOfRange {
        index: usize,
        end: usize,
        len: usize,
    },
    #[error("text {index} ends at byte {end}, inside a UTF-8 character")]
    NotCharBoundary { index: usize, end: usize },
    #[error("the last text ends at byte {end} but there are {len} bytes of text")]
    TrailingBytes { end: usize, len: usize },
    #[error("{flags} presence flags for {texts} texts")]
    PresenceLength { flags: usize, texts: usize },
}

impl TextValues {
    /// An empty column.
    pub fn new() -> TextValues {
        TextValues::default()
    }

    /// An empty column with room for `texts` values whose distinct texts
    /// take about `bytes` bytes in all.
    pub fn with_capacity(texts: usize, bytes: usize) -> TextValues {
        TextValues {
            dict: String::with_capacity(bytes),
            ends: Vec::new(),
            codes: Vec::with_capacity(texts),
            index: HashTable::new(),
        }
    }

    /// A column from texts stored end to end: `bytes` holds them, `ends[i]`
    /// is where text `i` ends (non-decreasing, on char boundaries, the last
    /// one `bytes.len()`), and `present` (one flag per text, `false` =
    /// missing) is `None` when every text is present. A missing text's slot
    /// may hold any bytes; they are never read.
    pub fn from_parts(
        bytes: String,
        ends: Vec<usize>,
        present: Option<Vec<bool>>,
    ) -> Result<TextValues, TextValuesError> {
        let mut previous = 0usize;
        for (index, &end) in ends.iter().enumerate() {
            if end < previous {
                return Err(TextValuesError::Decreasing {
                    index,
                    end,
                    previous,
                });
            }
            if end > bytes.len() {
                return Err(TextValuesError::OutOfRange {
                    index,
                    end,
                    len: bytes.len(),
                });
            }
            if !bytes.is_char_boundary(end) {
                return Err(TextValuesError::NotCharBoundary { index, end });
            }
            previous = end;
        }
        if previous != bytes.len() {
            return Err(TextValuesError::TrailingBytes {
                end: previous,
                len: bytes.len(),
            });
        }
        if let Some(flags) = &present {
            if flags.len() != ends.len() {
                return Err(TextValuesError::PresenceLength {
                    flags: flags.len(),
                    texts: ends.len(),
                });
            }
        }
        let mut t = TextValues::with_capacity(ends.len(), 0);
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            let present = match &present {
                None => true,
                Some(flags) => flags.get(i) == Some(&true),
            };
            // Checked above: `start..end` lies on char boundaries of `bytes`.
            t.push(bytes.get(start..end).filter(|_| present));
            start = end;
        }
        t.seal();
        Ok(t)
    }

    /// Number of values (missing ones included).
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Number of distinct texts.
    pub fn distinct(&self) -> usize {
        self.ends.len()
    }

    /// Whether value `i` exists and is not missing.
    pub fn is_present(&self, i: usize) -> bool {
        self.codes.get(i).is_some_and(|&c| c != MISSING)
    }

    /// Value `i`; `None` when it is missing (or `i` is out of range).
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        self.text(self.code(i)?)
    }

    /// The number of value `i`'s text (below [`TextValues::distinct`]);
    /// `None` when the value is missing (or `i` is out of range). Equal
    /// texts have equal numbers.
    #[inline]
    pub fn code(&self, i: usize) -> Option<u32> {
        self.codes.get(i).copied().filter(|&c| c != MISSING)
    }

    /// Distinct text number `k` (see [`TextValues::code`]).
    #[inline]
    pub fn text(&self, k: u32) -> Option<&str> {
        text_of(&self.dict, &self.ends, k)
    }

    /// Every value in order (`None` = missing).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Appends a value (`None` = missing).
    #[inline]
    pub fn push(&mut self, text: Option<&str>) {
        let code = match (text, self.codes.last()) {
            (None, _) => MISSING,
            // Values often repeat the one before (a key on consecutive records).
            (Some(s), Some(&last))
                if bytes_of(&self.dict, &self.ends, last) == Some(s.as_bytes()) =>
            {
                last
            }
            (Some(s), _) => self.number(s),
        };
        self.codes.push(code);
    }

    /// The number of `s`, storing it if it is new.
    #[inline(never)]
    fn number(&mut self, s: &str) -> u32 {
        let (hash, found) = self.lookup(s);
        if let Some(k) = found {
            return k;
        }
        // Numbers stay below MISSING: 2^32 - 1 distinct texts do not fit
        // in memory anyway (each costs its bytes plus 12 or more).
        let k = self.ends.len() as u32;
        self.dict.push_str(s);
        self.ends.push(self.dict.len());
        let (dict, ends) = (&self.dict, &self.ends);
        self.index
            .insert_unique(hash, k, |&j| rehash(bytes_of(dict, ends, j)));
        k
    }

    /// The number of text `s` (see [`TextValues::code`]), if a value has it.
    pub fn find(&mut self, s: &str) -> Option<u32> {
        self.lookup(s).1
    }

    /// The index's hash of `s` and its number, if stored (the index is
    /// rebuilt first when [`TextValues::seal`] dropped it).
    #[inline]
    fn lookup(&mut self, s: &str) -> (u64, Option<u32>) {
        if self.index.len() != self.ends.len() {
            self.reindex();
        }
        let hash = table_hash(hash_bytes(s.as_bytes()));
        let (dict, ends) = (&self.dict, &self.ends);
        let found = self
            .index
            .find(hash, |&k| bytes_of(dict, ends, k) == Some(s.as_bytes()))
            .copied();
        (hash, found)
    }

    /// Rebuilds the index of distinct texts (after [`TextValues::seal`]).
    fn reindex(&mut self) {
        let (dict, ends) = (&self.dict, &self.ends);
        let mut index = HashTable::with_capacity(ends.len());
        for k in 0..ends.len() as u32 {
            let hash = rehash(bytes_of(dict, ends, k));
            index.insert_unique(hash, k, |&j| rehash(bytes_of(dict, ends, j)));
        }
        self.index = index;
    }

    /// Done pushing for now: frees the index of distinct texts and any
    /// spare capacity (a later push rebuilds the index).
    pub fn seal(&mut self) {
        self.index = HashTable::new();
        self.dict.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Whether any value is missing.
    pub fn has_missing(&self) -> bool {
        self.codes.contains(&MISSING)
    }
}

/// Where distinct text `k` is in a dictionary (`None` out of range).
#[inline]
fn span(ends: &[usize], k: u32) -> Option<std::ops::Range<usize>> {
    let k = k as usize;
    let end = *ends.get(k)?;
    let start = match k.checked_sub(1) {
        Some(p) => *ends.get(p)?,
        None => 0,
    };
    Some(start..end)
}

/// Distinct text `k` of a dictionary (`None` out of range).
#[inline]
fn text_of<'d>(dict: &'d str, ends: &[usize], k: u32) -> Option<&'d str> {
    dict.get(span(ends, k)?)
}

/// [`text_of`] as bytes (no char boundary checks: for comparing and hashing).
#[inline]
fn bytes_of<'d>(dict: &'d str, ends: &[usize], k: u32) -> Option<&'d [u8]> {
    dict.as_bytes().get(span(ends, k)?)
}

fn rehash(text: Option<&[u8]>) -> u64 {
    table_hash(hash_bytes(text.unwrap_or_default()))
}

impl PartialEq for TextValues {
    fn eq(&self, other: &TextValues) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for TextValues {}

impl fmt::Debug for TextValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Compares with texts that are all present (e.g. `batch.account == ["a", "b"]`).
impl<S: AsRef<str>> PartialEq<[S]> for TextValues {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == Some(b.as_ref()))
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for TextValues {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for TextValues {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl<'a> Extend<Option<&'a str>> for TextValues {
    fn extend<I: IntoIterator<Item = Option<&'a str>>>(&mut self, iter: I) {
        for t in iter {
            self.push(t);
        }
    }
}

impl<'a> Extend<&'a str> for TextValues {
    fn extend<I: IntoIterator<Item = &'a str>>(&mut self, iter: I) {
        for t in iter {
            self.push(Some(t));
        }
    }
}

impl<'a> FromIterator<Option<&'a str>> for TextValues {
    fn from_iter<I: IntoIterator<Item = Option<&'a str>>>(iter: I) -> TextValues {
        let mut t = TextValues::new();
        t.extend(iter);
        t
    }
}

impl<'a> FromIterator<&'a str> for TextValues {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> TextValues {
        let mut t = TextValues::new();
        t.extend(iter);
        t
    }
}

impl FromIterator<Option<String>> for TextValues {
    fn from_iter<I: IntoIterator<Item = Option<String>>>(iter: I) -> TextValues {
        let mut t = TextValues::new();
        for s in iter {
            t.push(s.as_deref());
        }
        t
    }
}

impl FromIterator<String> for TextValues {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> TextValues {
        let mut t = TextValues::new();
        for s in iter {
            t.push(Some(&s));
        }
        t
    }
}

impl From<Vec<Option<String>>> for TextValues {
    fn from(v: Vec<Option<String>>) -> TextValues {
        v.into_iter().collect()
    }
}

impl From<Vec<String>> for TextValues {
    fn from(v: Vec<String>) -> TextValues {
        v.into_iter().collect()
    }
}

impl<'a> From<Vec<Option<&'a str>>> for TextValues {
    fn from(v: Vec<Option<&'a str>>) -> TextValues {
        v.into_iter().collect()
    }
}

impl<'a> From<Vec<&'a str>> for TextValues {
    fn from(v: Vec<&'a str>) -> TextValues {
        v.into_iter().collect()
    }
}

impl<'a, const N: usize> From<[Option<&'a str>; N]> for TextValues {
    fn from(v: [Option<&'a str>; N]) -> TextValues {
        v.into_iter().collect()
    }
}

impl<'a, const N: usize> From<[&'a str; N]> for TextValues {
    fn from(v: [&'a str; N]) -> TextValues {
        v.into_iter().collect()
    }
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
