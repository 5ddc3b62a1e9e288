//! Checks a plugin's [`MqaBatch`] against every rule of the ABI (lengths,
//! offsets, UTF-8, type codes, booleans, non-empty keys) into a borrowed
//! [`BatchView`], which is then copied into host memory: as the engine's
//! [`SignalBatch`] (each text column read straight into a [`TextValues`],
//! which stores each distinct text once: the repeats of a key or a topic are
//! never copied) or as a [`ColumnarBatch`] (a few `memcpy`s: each text
//! column's bytes copied once, its offsets rebased). A batch that breaks a
//! rule is refused whole; the message says which column and row.

use mqa_engine::signals::{SignalBatch, SignalColumn, SignalReject, TextValues};
use mqa_plugin_sdk::abi::{MqaBatch, MqaColumn, MqaReject, MqaStr, MqaText};
use mqa_syntax::FieldType;

use crate::columnar::{ColumnarBatch, HostColumn, HostText, HostValues};

/// A checked text array: every range is in bounds and UTF-8.
pub(crate) struct TextView<'a> {
    offsets: &'a [u64],
    data: &'a [u8],
}

impl TextView<'_> {
    /// The first offset and a copy of the bytes from it to the last offset
    /// (`None` for an empty array).
    fn copy_bytes(&self) -> Option<(u64, String)> {
        let (first, last) = match (self.offsets.first(), self.offsets.last()) {
            (Some(f), Some(l)) => (*f, *l),
            _ => return None,
        };
        let bytes = self
            .data
            .get(first as usize..last as usize)
            .unwrap_or_default();
        // SAFETY: `text_view` checked that every range is valid UTF-8, hence
        // their concatenation is.
        let data = unsafe { std::str::from_utf8_unchecked(bytes) }.to_owned();
        Some((first, data))
    }

    /// A host-owned copy: the referenced bytes and offsets rebased to 0.
    fn to_host(&self) -> HostText {
        let Some((first, data)) = self.copy_bytes() else {
            return HostText::default();
        };
        let offsets = if first == 0 {
            self.offsets.to_vec()
        } else {
            self.offsets.iter().map(|o| o - first).collect()
        };
        HostText::from_parts(offsets, data)
    }

    /// String `row`.
    #[inline]
    fn get(&self, row: usize) -> Option<&str> {
        let a = usize::try_from(*self.offsets.get(row)?).ok()?;
        let b = usize::try_from(*self.offsets.get(row + 1)?).ok()?;
        let bytes = self.data.get(a..b)?;
        // SAFETY: `text_view` checked that every range of the array is
        // UTF-8 (the whole buffer at once with every offset on a char
        // boundary, or range by range), and this is one of them.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    }

    /// The engine's text column, `validity` (0 = missing) applied: each
    /// distinct text copied once.
    fn to_values(&self, validity: Option<&[u8]>, what: &str) -> Result<TextValues, String> {
        let rows = self.offsets.len().saturating_sub(1);
        let mut values = TextValues::with_capacity(rows, 0);
        for row in 0..rows {
            if validity.is_some_and(|v| v.get(row) == Some(&0)) {
                values.push(None);
                continue;
            }
            // `text_view` checked every range, so this does not fail.
            let text = self
                .get(row)
                .ok_or_else(|| format!("{what}: row {} is out of bounds", row + 1))?;
            values.push(Some(text));
        }
        Ok(values)
    }
}

/// A checked column's values.
enum ValuesView<'a> {
    Text(TextView<'a>),
    Int(&'a [i64]),
    Number(&'a [f64]),
    Bool(&'a [u8]),
    Time(&'a [i64]),
}

struct ColumnView<'a> {
    /// One byte per row, 0 = missing; `None` = all present.
    validity: Option<&'a [u8]>,
    values: ValuesView<'a>,
}

impl ColumnView<'_> {
    fn present(&self, i: usize) -> bool {
        match self.validity {
            None => true,
            Some(v) => v.get(i).is_some_and(|b| *b != 0),
        }
    }
}

/// A batch that passed every check, still pointing into the plugin's memory.
pub(crate) struct BatchView<'a> {
    account: TextView<'a>,
    at: &'a [i64],
    columns: Vec<ColumnView<'a>>,
    rejects: &'a [MqaReject],
    origin: &'a str,
}

/// Borrows `n` items at `ptr`; NULL is allowed only when `n` is 0.
///
/// # Safety
/// A non-NULL `ptr` must be readable for `n` items for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, n: usize, what: &str) -> Result<&'a [T], String> {
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(format!("{what} is NULL but {n} entries are needed"));
    }
    // SAFETY: non-NULL, and the caller guarantees `n` readable items.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// Checks a text array of `rows` strings.
///
/// # Safety
/// The pointers must be readable as the ABI describes (`rows + 1` offsets,
/// `data_len` bytes) for `'a`.
unsafe fn text_view<'a>(t: &MqaText, rows: usize, what: &str) -> Result<TextView<'a>, String> {
    if rows == 0 {
        return Ok(TextView {
            offsets: &[],
            data: &[],
        });
    }
    // SAFETY: forwarded caller guarantee.
    let offsets = unsafe { slice(t.offsets, rows + 1, &format!("{what}: offsets")) }?;
    // SAFETY: forwarded caller guarantee.
    let data = unsafe { slice(t.data, t.data_len, &format!("{what}: data")) }?;
    let mut prev = 0u64;
    for (i, &o) in offsets.iter().enumerate() {
        if o < prev || o > data.len() as u64 {
            return Err(format!(
                "{what}: offset {i} is {o}, outside {prev}..={} (offsets must not decrease \
                 and must stay within data_len)",
                data.len()
            ));
        }
        prev = o;
    }
    // Fast path: the whole buffer is UTF-8, so only the cut points need checking.
    if let Ok(all) = std::str::from_utf8(data) {
        if let Some(i) = offsets
            .iter()
            .position(|&o| !all.is_char_boundary(o as usize))
        {
            return Err(format!("{what}: offset {i} cuts a UTF-8 character"));
        }
    } else {
        for (row, w) in offsets.windows(2).enumerate() {
            let (a, b) = match w {
                [a, b] => (*a as usize, *b as usize),
                _ => continue,
            };
            if std::str::from_utf8(data.get(a..b).unwrap_or_default()).is_err() {
                return Err(format!("{what}: row {} is not UTF-8", row + 1));
            }
        }
    }
    Ok(TextView { offsets, data })
}

fn type_code(t: FieldType) -> u32 {
    use mqa_plugin_sdk::abi::*;
    match t {
        FieldType::Text => MQA_TYPE_TEXT,
        FieldType::Int => MQA_TYPE_INT,
        FieldType::Number => MQA_TYPE_NUMBER,
        FieldType::Bool => MQA_TYPE_BOOL,
        FieldType::Time => MQA_TYPE_TIME,
        // The host never builds a schema with list types (see descriptor.rs).
        FieldType::ListText | FieldType::ListNumber => 0,
    }
}

/// Checks a batch against the schema. `origin` fills rejects that do not say
/// where they came from.
///
/// # Safety
/// `b` must be a batch filled by a successful `fetch` and not yet freed; the
/// view must not outlive it.
pub(crate) unsafe fn view_batch<'a>(
    b: &'a MqaBatch,
    fields: &[(String, FieldType)],
    origin: &'a str,
) -> Result<BatchView<'a>, String> {
    let rows = b.rows;
    // SAFETY: forwarded caller guarantee (ABI layout of the account column).
    let account = unsafe { text_view(&b.account, rows, "account") }?;
    if let Some(i) = account
        .offsets
        .windows(2)
        .position(|w| w.first() == w.last())
    {
        return Err(format!(
            "record {} has an empty account key (such rows must be rejects)",
            i + 1
        ));
    }
    // SAFETY: `at` has `rows` entries per the ABI.
    let at = unsafe { slice(b.at, rows, "at") }?;
    // SAFETY: `columns` has `column_count` entries per the ABI.
    let cols = unsafe { slice(b.columns, b.column_count, "columns") }?;
    if cols.len() != fields.len() {
        return Err(format!(
            "it has {} columns but the plugin declares {} fields",
            cols.len(),
            fields.len()
        ));
    }
    let mut columns = Vec::with_capacity(cols.len());
    for (c, (name, ty)) in cols.iter().zip(fields) {
        if c.type_code != type_code(*ty) {
            return Err(format!(
                "column `{name}` has type code {} but the plugin declares it {ty} (code {})",
                c.type_code,
                type_code(*ty)
            ));
        }
        // SAFETY: the column's arrays have `rows` entries per the ABI.
        columns.push(unsafe { column_view(c, *ty, rows, name) }?);
    }
    // SAFETY: `rejects` has `reject_count` entries per the ABI.
    let rejects = unsafe { slice(b.rejects, b.reject_count, "rejects") }?;
    Ok(BatchView {
        account,
        at,
        columns,
        rejects,
        origin,
    })
}

/// Checks one column.
///
/// # Safety
/// The array for `ty` (and `validity`, when non-NULL) has `rows` entries for `'a`.
unsafe fn column_view<'a>(
    c: &MqaColumn,
    ty: FieldType,
    rows: usize,
    name: &str,
) -> Result<ColumnView<'a>, String> {
    let what = format!("column `{name}`");
    let validity: Option<&[u8]> = if c.validity.is_null() {
        None
    } else {
        // SAFETY: forwarded caller guarantee.
        Some(unsafe { slice(c.validity, rows, &what) }?)
    };
    let values = match ty {
        // SAFETY: forwarded caller guarantee (the text arrays of a TEXT column).
        FieldType::Text => ValuesView::Text(unsafe { text_view(&c.text, rows, &what) }?),
        FieldType::Int => {
            // SAFETY: forwarded caller guarantee (`ints` has `rows` entries).
            ValuesView::Int(unsafe { slice(c.ints, rows, &format!("{what}: ints")) }?)
        }
        FieldType::Time => {
            // SAFETY: forwarded caller guarantee (`ints` has `rows` entries).
            ValuesView::Time(unsafe { slice(c.ints, rows, &format!("{what}: ints")) }?)
        }
        FieldType::Number => {
            // SAFETY: forwarded caller guarantee (`numbers` has `rows` entries).
            ValuesView::Number(unsafe { slice(c.numbers, rows, &format!("{what}: numbers")) }?)
        }
        FieldType::Bool => {
            // SAFETY: forwarded caller guarantee (`bools` has `rows` entries).
            let v = unsafe { slice(c.bools, rows, &format!("{what}: bools")) }?;
            let present = |i: usize| match validity {
                None => true,
                Some(valid) => valid.get(i).is_some_and(|x| *x != 0),
            };
            let bad = v.iter().enumerate().find(|(i, b)| **b > 1 && present(*i));
            if let Some((i, b)) = bad {
                return Err(format!("{what}: row {} holds {b}, not 0 or 1", i + 1));
            }
            ValuesView::Bool(v)
        }
        FieldType::ListText | FieldType::ListNumber => {
            return Err(format!("{what}: list types cannot cross plugin ABI 1"))
        }
    };
    Ok(ColumnView { validity, values })
}

fn lossy(s: MqaStr) -> String {
    if s.ptr.is_null() || s.len == 0 {
        return String::new();
    }
    // SAFETY: reject strings are readable per the ABI (checked non-NULL) for
    // as long as the batch they belong to.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    String::from_utf8_lossy(bytes).into_owned()
}

fn opt<T: Copy>(col: &ColumnView<'_>, v: &[T]) -> Vec<Option<T>> {
    v.iter()
        .enumerate()
        .map(|(i, x)| col.present(i).then_some(*x))
        .collect()
}

impl BatchView<'_> {
    /// The rejects, copied (as lossy UTF-8: they are diagnostics, never refused).
    fn rejects(&self) -> Vec<SignalReject> {
        self.rejects
            .iter()
            .map(|r| {
                let o = lossy(r.origin);
                SignalReject {
                    origin: if o.is_empty() {
                        self.origin.to_string()
                    } else {
                        o
                    },
                    line: r.line,
                    raw: lossy(r.raw),
                    reason: lossy(r.reason),
                }
            })
            .collect()
    }

    /// Copies into the engine's batch: each text column's distinct texts
    /// once plus a number per value, no allocation per value. Fails only if
    /// the copy breaks an invariant [`view_batch`] already checked.
    pub(crate) fn to_signal_batch(&self) -> Result<SignalBatch, String> {
        let account = self.account.to_values(None, "account")?;
        let columns = self
            .columns
            .iter()
            .enumerate()
            .map(|(n, c)| {
                Ok(match &c.values {
                    ValuesView::Text(t) => {
                        SignalColumn::Text(t.to_values(c.validity, &format!("column {}", n + 1))?)
                    }
                    ValuesView::Int(v) => SignalColumn::Int(opt(c, v)),
                    ValuesView::Time(v) => SignalColumn::Time(opt(c, v)),
                    ValuesView::Number(v) => SignalColumn::Number(opt(c, v)),
                    ValuesView::Bool(v) => SignalColumn::Bool(
                        v.iter()
                            .enumerate()
                            .map(|(i, x)| c.present(i).then_some(*x != 0))
                            .collect(),
                    ),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(SignalBatch {
            account,
            at: self.at.to_vec(),
            columns,
            rejects: self.rejects(),
        })
    }

    /// Copies into a [`ColumnarBatch`]: contiguous buffers, no per-row allocation.
    pub(crate) fn to_columnar(&self) -> ColumnarBatch {
        let columns = self
            .columns
            .iter()
            .map(|c| HostColumn {
                validity: c.validity.map(|v| v.iter().map(|b| *b != 0).collect()),
                values: match &c.values {
                    ValuesView::Text(t) => HostValues::Text(t.to_host()),
                    ValuesView::Int(v) => HostValues::Int(v.to_vec()),
                    ValuesView::Time(v) => HostValues::Time(v.to_vec()),
                    ValuesView::Number(v) => HostValues::Number(v.to_vec()),
                    ValuesView::Bool(v) => HostValues::Bool(v.iter().map(|b| *b != 0).collect()),
                },
            })
            .collect();
        ColumnarBatch {
            account: self.account.to_host(),
            at: self.at.to_vec(),
            columns,
            rejects: self.rejects(),
        }
    }
}
