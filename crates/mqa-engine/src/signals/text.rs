//! [`TextValues`]: a column of texts stored end to end in one buffer (plus
//! where each ends and which are missing), so a batch of a million texts is
//! three allocations, not a million.

use std::fmt;

/// Texts stored end to end: text `i` is `bytes[ends[i - 1]..ends[i]]` (from 0
/// for the first); a missing text ([`TextValues::get`] gives `None`) is told
/// apart from an empty one by a presence flag.
///
/// Equality compares values, not layout: two columns are equal when they
/// have the same length and the same text (or the same missing value) at
/// every index, whatever bytes a missing value's slot holds.
///
/// ```
/// use mqa_engine::signals::TextValues;
///
/// let mut t = TextValues::new();
/// t.push(Some("crm"));
/// t.push(None);
/// t.push(Some(""));
/// assert_eq!(t.len(), 3);
/// assert_eq!(t.get(0), Some("crm"));
/// assert_eq!(t.get(1), None);
/// assert_eq!(t.get(2), Some(""));
/// assert_eq!(t, TextValues::from(vec![Some("crm"), None, Some("")]));
/// ```
#[derive(Clone, Default)]
pub struct TextValues {
    bytes: String,
    /// `ends[i]`: where text `i` ends in `bytes`; non-decreasing, on char boundaries.
    ends: Vec<usize>,
    /// `None` while every text is present; then one flag per text, `false` = missing.
    present: Option<Vec<bool>>,
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

    /// An empty column with room for `texts` texts of `bytes` bytes in all.
    pub fn with_capacity(texts: usize, bytes: usize) -> TextValues {
        TextValues {
            bytes: String::with_capacity(bytes),
            ends: Vec::with_capacity(texts),
            present: None,
        }
    }

    /// A column from its parts: `bytes` holds the texts end to end, `ends[i]`
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
        Ok(TextValues {
            bytes,
            ends,
            present,
        })
    }

    /// Number of texts (missing ones included).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Whether text `i` exists and is not missing.
    pub fn is_present(&self, i: usize) -> bool {
        match &self.present {
            None => i < self.ends.len(),
            Some(flags) => flags.get(i).copied().unwrap_or(false),
        }
    }

    /// Text `i`; `None` when it is missing (or `i` is out of range).
    pub fn get(&self, i: usize) -> Option<&str> {
        if let Some(flags) = &self.present {
            if !*flags.get(i)? {
                return None;
            }
        }
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(p) => *self.ends.get(p)?,
            None => 0,
        };
        self.bytes.get(start..end)
    }

    /// Every text in order (`None` = missing).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Appends a text (`None` = missing).
    pub fn push(&mut self, text: Option<&str>) {
        let row = self.ends.len();
        if let Some(s) = text {
            self.bytes.push_str(s);
        }
        self.ends.push(self.bytes.len());
        match (&mut self.present, text.is_some()) {
            (Some(flags), present) => flags.push(present),
            (None, true) => {}
            (None, false) => {
                let mut flags = vec![true; row];
                flags.push(false);
                self.present = Some(flags);
            }
        }
    }

    /// Whether any text is missing.
    pub fn has_missing(&self) -> bool {
        self.present
            .as_ref()
            .is_some_and(|flags| flags.iter().any(|p| !p))
    }
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
