//! [`ColumnarBatch`]: a host-owned copy of a plugin's batch in the ABI's own
//! shape (text as one buffer plus offsets), made with a few `memcpy`s instead
//! of one allocation per string. [`PluginSource::fetch_columnar`](crate::PluginSource::fetch_columnar)
//! returns it; the engine's `SignalBatch` (also columnar, with its own text
//! type and `Option` values) is built by `SignalSource::fetch`.

use mqa_engine::signals::{Micros, SignalBatch, SignalColumn, SignalReject, TextValues};

/// Strings stored end to end: string `i` is `data[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostText {
    offsets: Vec<u64>,
    data: String,
}

impl HostText {
    /// From offsets (`len + 1` entries from 0, non-decreasing, on char
    /// boundaries of `data`, the last one `data.len()`) and the bytes.
    pub(crate) fn from_parts(offsets: Vec<u64>, data: String) -> HostText {
        HostText { offsets, data }
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let a = usize::try_from(*self.offsets.get(i)?).ok()?;
        let b = usize::try_from(*self.offsets.get(i + 1)?).ok()?;
        self.data.get(a..b)
    }

    /// All strings in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }
}

/// A column's values; a missing value's slot holds a placeholder (empty
/// text, 0, `false`).
#[derive(Debug, Clone, PartialEq)]
pub enum HostValues {
    Text(HostText),
    Int(Vec<i64>),
    Number(Vec<f64>),
    Bool(Vec<bool>),
    Time(Vec<Micros>),
}

/// One column of a [`ColumnarBatch`].
#[derive(Debug, Clone, PartialEq)]
pub struct HostColumn {
    /// `None` when every value is present; else `false` marks a missing value.
    pub validity: Option<Vec<bool>>,
    pub values: HostValues,
}

impl HostColumn {
    /// Whether row `i` has a value.
    pub fn is_present(&self, i: usize) -> bool {
        match &self.validity {
            None => true,
            Some(v) => v.get(i).copied().unwrap_or(false),
        }
    }
}

/// A checked, host-owned batch in columnar form, aligned with `account`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnarBatch {
    /// The join key of each record.
    pub account: HostText,
    /// The time of each record.
    pub at: Vec<Micros>,
    /// One column per declared field, in schema order.
    pub columns: Vec<HostColumn>,
    /// Rows the source rejected.
    pub rejects: Vec<SignalReject>,
}

impl ColumnarBatch {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// The same records as the engine's `SignalBatch` (each distinct text
    /// of a column stored once, no allocation per value).
    pub fn to_signal_batch(&self) -> SignalBatch {
        fn opt<T: Copy>(c: &HostColumn, v: &[T]) -> Vec<Option<T>> {
            v.iter()
                .enumerate()
                .map(|(i, x)| c.is_present(i).then_some(*x))
                .collect()
        }
        let columns = self
            .columns
            .iter()
            .map(|c| match &c.values {
                HostValues::Text(t) => SignalColumn::Text(
                    t.iter()
                        .enumerate()
                        .map(|(i, s)| c.is_present(i).then_some(s))
                        .collect(),
                ),
                HostValues::Int(v) => SignalColumn::Int(opt(c, v)),
                HostValues::Number(v) => SignalColumn::Number(opt(c, v)),
                HostValues::Bool(v) => SignalColumn::Bool(opt(c, v)),
                HostValues::Time(v) => SignalColumn::Time(opt(c, v)),
            })
            .collect();
        SignalBatch {
            account: self.account.iter().collect::<TextValues>(),
            at: self.at.clone(),
            columns,
            rejects: self.rejects.clone(),
        }
    }
}
