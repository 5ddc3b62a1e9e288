//! A batch of CSV records cut by [`super::csv_reader::CsvRows`]: their raw
//! bytes, fields and lines, owned, so any thread can read them.

use super::csv_scan::{Scanner, Span};
use super::rows::RowView;
use super::values::Cell;
use std::sync::Arc;

#[derive(Debug)]
struct Record {
    line: u64,
    raw: (u32, u32),
    /// Range of the record's fields in `spans`.
    fields: (u32, u32),
    malformed: Option<Box<str>>,
}

/// Records with their bytes; field positions are relative to the batch.
#[derive(Debug)]
pub(crate) struct CsvBatch {
    bytes: Vec<u8>,
    scratch: Vec<u8>,
    spans: Vec<Span>,
    records: Vec<Record>,
    map: Arc<[usize]>,
    width: usize,
}

impl CsvBatch {
    pub(super) fn new(map: Arc<[usize]>, width: usize) -> Self {
        CsvBatch {
            bytes: Vec::new(),
            scratch: Vec::new(),
            spans: Vec::new(),
            records: Vec::new(),
            map,
            width,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Bytes of the batch's records.
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Adds the record the scanner just read; positions are made relative to `base`.
    pub(super) fn push(
        &mut self,
        s: &Scanner,
        line: u64,
        raw_start: usize,
        raw_end: usize,
        base: usize,
    ) {
        let first = self.spans.len() as u32;
        let scratch_base = self.scratch.len();
        self.scratch.extend_from_slice(&s.scratch);
        for &span in &s.fields {
            self.spans.push(match span {
                Span::Buf(a, b) => Span::Buf(a - base, b - base),
                Span::Scratch(a, b) => Span::Scratch(a + scratch_base, b + scratch_base),
            });
        }
        let mut malformed = s.malformed.as_deref().map(Box::from);
        if malformed.is_none() && s.fields.len() != self.width {
            malformed = Some(
                format!(
                    "expected {} fields as in the header, found {}",
                    self.width,
                    s.fields.len()
                )
                .into_boxed_str(),
            );
        }
        self.records.push(Record {
            line,
            raw: (raw_start as u32, raw_end as u32),
            fields: (first, self.spans.len() as u32),
            malformed,
        });
    }

    pub(super) fn set_bytes(&mut self, bytes: &[u8]) {
        self.bytes.clear();
        self.bytes.extend_from_slice(bytes);
    }

    /// Empties the batch for reuse (keeps its buffers).
    pub(super) fn reset(&mut self, map: Arc<[usize]>, width: usize) {
        self.bytes.clear();
        self.scratch.clear();
        self.spans.clear();
        self.records.clear();
        self.map = map;
        self.width = width;
    }

    /// Record `i`.
    pub(crate) fn row(&self, i: usize) -> Option<CsvRow<'_>> {
        self.records.get(i).map(|rec| CsvRow { batch: self, rec })
    }
}

/// One record of a [`CsvBatch`].
pub(crate) struct CsvRow<'a> {
    batch: &'a CsvBatch,
    rec: &'a Record,
}

impl<'a> CsvRow<'a> {
    /// The raw record, borrowed from the batch.
    pub(crate) fn raw_slice(&self) -> &'a [u8] {
        let (a, b) = self.rec.raw;
        self.batch
            .bytes
            .get(a as usize..b as usize)
            .unwrap_or_default()
    }
}

impl RowView for CsvRow<'_> {
    fn line(&self) -> u64 {
        self.rec.line
    }

    fn malformed(&self) -> Option<&str> {
        self.rec.malformed.as_deref()
    }

    #[inline]
    fn cell(&self, col: usize) -> Cell<'_> {
        let (first, end) = self.rec.fields;
        let Some(&h) = self.batch.map.get(col) else {
            return Cell::Missing;
        };
        let k = first as usize + h;
        if k >= end as usize {
            return Cell::Missing;
        }
        match self.batch.spans.get(k) {
            Some(&Span::Buf(a, b)) => Cell::Bytes(self.batch.bytes.get(a..b).unwrap_or_default()),
            Some(&Span::Scratch(a, b)) => {
                Cell::Bytes(self.batch.scratch.get(a..b).unwrap_or_default())
            }
            None => Cell::Missing,
        }
    }
}
