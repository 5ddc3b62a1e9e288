//! [`Batch`]: the records a plugin returns from `fetch`, stored in columns the
//! way they cross the ABI (one contiguous byte buffer plus offsets per text
//! column, one array per other column, a validity byte per row only when a
//! value is missing), so handing a batch to the host copies nothing.

use std::ffi::c_void;

use crate::abi::{MqaBatch, MqaColumn, MqaReject, MqaStr, MqaText};
use crate::types::{Field, FieldType, Reject, Value};

/// Strings stored end to end: string `i` is `data[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, Default)]
struct TextBuf {
    offsets: Vec<u64>,
    data: Vec<u8>,
}

impl TextBuf {
    fn with_capacity(rows: usize) -> TextBuf {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        TextBuf {
            offsets,
            data: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, s: &str) {
        self.data.extend_from_slice(s.as_bytes());
        self.offsets.push(self.data.len() as u64);
    }

    /// Room for `rows` more strings as long, on average, as those so far.
    fn reserve(&mut self, rows: usize) {
        let so_far = self.offsets.len().saturating_sub(1);
        self.offsets.reserve(rows);
        if so_far > 0 {
            let per_row = self.data.len().div_ceil(so_far);
            self.data.reserve(rows.saturating_mul(per_row));
        }
    }

    fn get(&self, i: usize) -> Option<&str> {
        let start = usize::try_from(*self.offsets.get(i)?).ok()?;
        let end = usize::try_from(*self.offsets.get(i + 1)?).ok()?;
        // Every pushed string is a whole `&str`, so the range is UTF-8.
        std::str::from_utf8(self.data.get(start..end)?).ok()
    }

    fn to_ffi(&self) -> MqaText {
        MqaText {
            offsets: self.offsets.as_ptr(),
            data: self.data.as_ptr(),
            data_len: self.data.len(),
        }
    }
}

#[derive(Debug, Clone)]
enum ColumnData {
    Text(TextBuf),
    /// INT and TIME.
    Ints(Vec<i64>),
    Numbers(Vec<f64>),
    Bools(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Column {
    ty: FieldType,
    data: ColumnData,
    /// `None` while every value is present; then one byte per row, 0 = missing.
    validity: Option<Vec<u8>>,
}

impl Column {
    fn new(ty: FieldType, rows: usize) -> Column {
        let data = match ty {
            FieldType::Text => ColumnData::Text(TextBuf::with_capacity(rows)),
            FieldType::Int | FieldType::Time => ColumnData::Ints(Vec::with_capacity(rows)),
            FieldType::Number => ColumnData::Numbers(Vec::with_capacity(rows)),
            FieldType::Bool => ColumnData::Bools(Vec::with_capacity(rows)),
        };
        Column {
            ty,
            data,
            validity: None,
        }
    }

    fn reserve(&mut self, rows: usize) {
        match &mut self.data {
            ColumnData::Text(t) => t.reserve(rows),
            ColumnData::Ints(a) => a.reserve(rows),
            ColumnData::Numbers(a) => a.reserve(rows),
            ColumnData::Bools(a) => a.reserve(rows),
        }
        if let Some(valid) = &mut self.validity {
            valid.reserve(rows);
        }
    }

    /// Appends `v`, which the caller has checked fits `self.ty`; `row` is the new row's index.
    #[inline]
    fn push(&mut self, v: Value<'_>, row: usize) {
        let present = !matches!(v, Value::Missing);
        match (&mut self.data, v) {
            (ColumnData::Text(t), Value::Text(s)) => t.push(s),
            (ColumnData::Text(t), _) => t.push(""),
            (ColumnData::Ints(a), Value::Int(x) | Value::Time(x)) => a.push(x),
            (ColumnData::Ints(a), _) => a.push(0),
            (ColumnData::Numbers(a), Value::Number(x)) => a.push(x),
            (ColumnData::Numbers(a), _) => a.push(0.0),
            (ColumnData::Bools(a), Value::Bool(x)) => a.push(u8::from(x)),
            (ColumnData::Bools(a), _) => a.push(0),
        }
        match (&mut self.validity, present) {
            (Some(valid), _) => valid.push(u8::from(present)),
            (None, true) => {}
            (None, false) => {
                let mut valid = vec![1u8; row];
                valid.push(0);
                self.validity = Some(valid);
            }
        }
    }

    fn get(&self, row: usize) -> Option<Value<'_>> {
        if let Some(valid) = &self.validity {
            if *valid.get(row)? == 0 {
                return Some(Value::Missing);
            }
        }
        Some(match &self.data {
            ColumnData::Text(t) => Value::Text(t.get(row)?),
            ColumnData::Ints(a) if self.ty == FieldType::Time => Value::Time(*a.get(row)?),
            ColumnData::Ints(a) => Value::Int(*a.get(row)?),
            ColumnData::Numbers(a) => Value::Number(*a.get(row)?),
            ColumnData::Bools(a) => Value::Bool(*a.get(row)? != 0),
        })
    }

    fn to_ffi(&self) -> MqaColumn {
        let mut c = MqaColumn {
            type_code: self.ty.code(),
            validity: self
                .validity
                .as_ref()
                .map_or(std::ptr::null(), |v| v.as_ptr()),
            ints: std::ptr::null(),
            numbers: std::ptr::null(),
            bools: std::ptr::null(),
            text: MqaText::EMPTY,
        };
        match &self.data {
            ColumnData::Text(t) => c.text = t.to_ffi(),
            ColumnData::Ints(a) => c.ints = a.as_ptr(),
            ColumnData::Numbers(a) => c.numbers = a.as_ptr(),
            ColumnData::Bools(a) => c.bools = a.as_ptr(),
        }
        c
    }
}

/// The records a plugin returns from one `fetch`, plus the rows it rejected.
///
/// Build it with the plugin's schema, then add one row at a time:
///
/// ```
/// use mqa_plugin_sdk::{Batch, Field, FieldType, Value};
///
/// const FIELDS: &[Field] = &[
///     Field { name: "topic", ty: FieldType::Text },
///     Field { name: "score", ty: FieldType::Number },
/// ];
/// let mut batch = Batch::new(FIELDS);
/// batch.push_row("acme.example", 0, &[Value::Text("crm"), Value::Number(81.0)]).unwrap();
/// batch.push_row("acme.example", 0, &[Value::Missing, Value::Number(12.0)]).unwrap();
/// assert_eq!(batch.len(), 2);
/// assert_eq!(batch.value(1, 0), Some(Value::Missing));
/// ```
#[derive(Debug, Clone)]
pub struct Batch {
    account: TextBuf,
    at: Vec<i64>,
    columns: Vec<Column>,
    rejects: Vec<Reject>,
}

impl Batch {
    /// An empty batch for a plugin with these fields.
    pub fn new(fields: &[Field]) -> Batch {
        Batch::with_capacity(fields, 0)
    }

    /// An empty batch with room for `rows` records.
    pub fn with_capacity(fields: &[Field], rows: usize) -> Batch {
        Batch {
            account: TextBuf::with_capacity(rows),
            at: Vec::with_capacity(rows),
            columns: fields.iter().map(|f| Column::new(f.ty, rows)).collect(),
            rejects: Vec::new(),
        }
    }

    /// Appends one record: its account key (never empty), its time
    /// (microseconds since the Unix epoch, UTC) and one value per schema
    /// field, in schema order. On a wrong value count, a value of the wrong
    /// type or an empty key, nothing is appended and the error says why.
    #[inline]
    pub fn push_row(&mut self, account: &str, at: i64, values: &[Value<'_>]) -> Result<(), String> {
        if account.is_empty() {
            return Err("a record's account key is empty (report the row as a reject)".into());
        }
        if values.len() != self.columns.len() {
            return Err(format!(
                "a record has {} values but the schema has {} fields",
                values.len(),
                self.columns.len()
            ));
        }
        for (i, (v, c)) in values.iter().zip(&self.columns).enumerate() {
            if let Some(t) = v.field_type() {
                if t != c.ty {
                    return Err(format!(
                        "value {} of a record is {} but the schema declares {}",
                        i + 1,
                        t.as_str(),
                        c.ty.as_str()
                    ));
                }
            }
        }
        let row = self.at.len();
        self.account.push(account);
        self.at.push(at);
        for (v, c) in values.iter().zip(&mut self.columns) {
            c.push(*v, row);
        }
        Ok(())
    }

    /// Makes room for about `rows` more records: the per-record arrays
    /// exactly, each text column (and the account keys) at the average
    /// length of its texts so far. Growing a batch row by row also works;
    /// this spares the copies of growing when the count is known in advance.
    pub fn reserve(&mut self, rows: usize) {
        self.account.reserve(rows);
        self.at.reserve(rows);
        for c in &mut self.columns {
            c.reserve(rows);
        }
    }

    /// Records an input row that could not be read.
    pub fn reject(&mut self, reject: Reject) {
        self.rejects.push(reject);
    }

    /// Number of records (rejects not counted).
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether there are no records (there may still be rejects).
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// The types of the batch's columns, in schema order.
    pub fn field_types(&self) -> Vec<FieldType> {
        self.columns.iter().map(|c| c.ty).collect()
    }

    /// Record `row`'s account key.
    pub fn account(&self, row: usize) -> Option<&str> {
        self.account.get(row)
    }

    /// Record `row`'s time.
    pub fn at(&self, row: usize) -> Option<i64> {
        self.at.get(row).copied()
    }

    /// Record `row`'s value of field `field` (schema order).
    pub fn value(&self, row: usize, field: usize) -> Option<Value<'_>> {
        self.columns.get(field)?.get(row)
    }

    /// The rejected rows.
    pub fn rejects(&self) -> &[Reject] {
        &self.rejects
    }

    /// Hands the batch to the host: the returned struct points into a heap
    /// block recorded in `private_data`, which [`free_ffi`] releases.
    pub(crate) fn into_ffi(self) -> MqaBatch {
        let columns: Vec<MqaColumn> = self.columns.iter().map(Column::to_ffi).collect();
        let rejects: Vec<MqaReject> = self
            .rejects
            .iter()
            .map(|r| MqaReject {
                line: r.line,
                origin: MqaStr::borrow(&r.origin),
                raw: MqaStr::borrow(&r.raw),
                reason: MqaStr::borrow(&r.reason),
            })
            .collect();
        let out = MqaBatch {
            rows: self.at.len(),
            account: self.account.to_ffi(),
            at: self.at.as_ptr(),
            columns: columns.as_ptr(),
            column_count: columns.len(),
            rejects: rejects.as_ptr(),
            reject_count: rejects.len(),
            private_data: std::ptr::null_mut(),
        };
        // Moving the vectors into the box moves their headers, not their heap
        // buffers, so the pointers above stay valid until the box is dropped.
        let keep = Box::new(FfiBatch {
            _batch: self,
            _columns: columns,
            _rejects: rejects,
        });
        MqaBatch {
            private_data: Box::into_raw(keep).cast::<c_void>(),
            ..out
        }
    }
}

/// What a batch handed to the host keeps alive until `free_batch`.
struct FfiBatch {
    _batch: Batch,
    _columns: Vec<MqaColumn>,
    _rejects: Vec<MqaReject>,
}

/// Releases a batch made by [`Batch::into_ffi`] and zeroes the struct.
///
/// # Safety
/// `batch` must be NULL or point to an `MqaBatch` filled by `into_ffi` (or
/// zeroed), not freed before.
pub(crate) unsafe fn free_ffi(batch: *mut MqaBatch) {
    if batch.is_null() {
        return;
    }
    // SAFETY: the caller guarantees `batch` points to a live MqaBatch.
    let b = unsafe { &mut *batch };
    if !b.private_data.is_null() {
        // SAFETY: `private_data` was made by `Box::into_raw` of an FfiBatch in
        // `into_ffi` and has not been freed (the caller's guarantee); it is
        // nulled below so a second call is harmless.
        drop(unsafe { Box::from_raw(b.private_data.cast::<FfiBatch>()) });
    }
    *b = MqaBatch::EMPTY;
}
