//! A batch of CSV records cut by [`super::csv_reader::CsvRows`], owned, so
//! any thread can read it. A block without any quote is *plain*: its records
//! are its lines, split into fields by the thread that checks the batch.
//! Other blocks arrive already split by the record scanner (quoted fields
//! may hold commas, newlines and `""`).

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
    /// A buffer holding the batch's bytes at `span` (a plain batch takes
    /// over the reader's buffer instead of copying the block out of it).
    bytes: Vec<u8>,
    span: (usize, usize),
    /// `Some(line of the first byte)`: a plain block (no `"`), split later.
    plain: Option<u64>,
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
            span: (0, 0),
            plain: None,
            scratch: Vec::new(),
            spans: Vec::new(),
            records: Vec::new(),
            map,
            width,
        }
    }

    /// Whether the batch holds no record (a plain batch holds its block's lines).
    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty() && self.plain.is_none()
    }

    /// The buffer holding the batch (raw ranges are offsets into it).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The batch's own bytes.
    pub(crate) fn records_bytes(&self) -> &[u8] {
        self.bytes.get(self.span.0..self.span.1).unwrap_or_default()
    }

    /// Bytes of the batch's records.
    pub(crate) fn byte_len(&self) -> usize {
        self.span.1 - self.span.0
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
            malformed = Some(self.width_problem(s.fields.len()).into_boxed_str());
        }
        self.records.push(Record {
            line,
            raw: (raw_start as u32, raw_end as u32),
            fields: (first, self.spans.len() as u32),
            malformed,
        });
    }

    fn width_problem(&self, found: usize) -> String {
        format!(
            "expected {} fields as in the header, found {found}",
            self.width
        )
    }

    pub(super) fn set_bytes(&mut self, bytes: &[u8]) {
        self.bytes.clear();
        self.bytes.extend_from_slice(bytes);
        self.span = (0, bytes.len());
    }

    /// Makes this a plain batch (whole lines, no `"`, starting at `line`)
    /// of `buf[span]`, handing back the batch's old buffer.
    pub(super) fn set_plain(&mut self, buf: Vec<u8>, span: (usize, usize), line: u64) -> Vec<u8> {
        self.span = span;
        self.plain = Some(line);
        std::mem::replace(&mut self.bytes, buf)
    }

    /// Empties the batch for reuse (keeps its buffers).
    pub(super) fn reset(&mut self, map: Arc<[usize]>, width: usize) {
        self.span = (0, 0);
        self.plain = None;
        self.scratch.clear();
        self.spans.clear();
        self.records.clear();
        self.map = map;
        self.width = width;
    }

    /// Calls `f` with each record, in order. Blank lines are not records.
    pub(crate) fn for_each_row(&self, mut f: impl FnMut(&CsvRow<'_>)) {
        let Some(first_line) = self.plain else {
            for rec in &self.records {
                let (a, b) = rec.fields;
                let fields = self.spans.get(a as usize..b as usize).unwrap_or_default();
                f(&CsvRow {
                    batch: self,
                    line: rec.line,
                    raw: rec.raw,
                    fields,
                    malformed: rec.malformed.as_deref(),
                });
            }
            return;
        };
        let bytes = self.bytes.get(..self.span.1).unwrap_or_default();
        let mut fields: Vec<Span> = Vec::with_capacity(self.width);
        let mut line = first_line;
        let mut start = self.span.0;
        let mut field = start;
        let mut problem = String::new();
        let mut emit = |fields: &mut Vec<Span>, line: u64, start: usize, end: usize| {
            let malformed = if fields.len() != self.width {
                problem = self.width_problem(fields.len());
                Some(problem.as_str())
            } else {
                None
            };
            f(&CsvRow {
                batch: self,
                line,
                raw: (start as u32, end as u32),
                fields,
                malformed,
            });
            fields.clear();
        };
        for_each_delimiter(
            bytes.get(self.span.0..).unwrap_or_default(),
            |k, newline| {
                let k = k + self.span.0;
                if !newline {
                    fields.push(Span::Buf(field, k));
                    field = k + 1;
                    return;
                }
                let end = strip_cr(bytes, field, k);
                if !(fields.is_empty() && end == start) {
                    fields.push(Span::Buf(field, end));
                    emit(&mut fields, line, start, end);
                }
                line += 1;
                start = k + 1;
                field = start;
            },
        );
        if start < bytes.len() {
            // The file's last record, without a line end.
            let end = strip_cr(bytes, field, bytes.len());
            if !(fields.is_empty() && end == start) {
                fields.push(Span::Buf(field, end));
                emit(&mut fields, line, start, end);
            }
        }
    }
}

#[path = "csv_plain.rs"]
mod plain;
pub(crate) use plain::PlainRow;

/// Calls `f(position, is_newline)` for each `,` and `\n` of `bytes`, in
/// order. Eight bytes at a time: the bytes equal to `,` or `\n` are found
/// with word arithmetic (exact, no false hits), then the matches are
/// walked; on export-like rows this is about twice as fast as a search
/// call per field.
#[inline]
fn for_each_delimiter(bytes: &[u8], mut f: impl FnMut(usize, bool)) {
    /// The high bit of each zero byte of `x`.
    #[inline]
    fn zero_bytes(x: u64) -> u64 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        !((((x & LOW7).wrapping_add(LOW7)) | x) | LOW7)
    }
    const COMMAS: u64 = 0x2c2c_2c2c_2c2c_2c2c;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        let newlines = zero_bytes(w ^ NEWLINES);
        let mut m = zero_bytes(w ^ COMMAS) | newlines;
        while m != 0 {
            let bit = m.trailing_zeros();
            m &= m - 1;
            f(base + (bit / 8) as usize, newlines >> bit & 1 == 1);
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b',' || b == b'\n' {
            f(base + i, b == b'\n');
        }
    }
}

/// The end of a record's last field (starting at `field`) ending at `e`: a
/// `\r` before the line end belongs to the terminator.
#[inline]
fn strip_cr(bytes: &[u8], field: usize, e: usize) -> usize {
    if e > field && bytes.get(e - 1) == Some(&b'\r') {
        e - 1
    } else {
        e
    }
}

/// One record of a [`CsvBatch`].
pub(crate) struct CsvRow<'a> {
    batch: &'a CsvBatch,
    line: u64,
    raw: (u32, u32),
    /// Every field of the record (header order).
    fields: &'a [Span],
    malformed: Option<&'a str>,
}

impl<'a> CsvRow<'a> {
    /// The raw record, borrowed from the batch.
    pub(crate) fn raw_slice(&self) -> &'a [u8] {
        let (a, b) = self.raw;
        self.batch
            .bytes
            .get(a as usize..b as usize)
            .unwrap_or_default()
    }
}

impl RowView for CsvRow<'_> {
    fn line(&self) -> u64 {
        self.line
    }

    fn malformed(&self) -> Option<&str> {
        self.malformed
    }

    #[inline]
    fn cell(&self, col: usize) -> Cell<'_> {
        let Some(&h) = self.batch.map.get(col) else {
            return Cell::Missing;
        };
        match self.fields.get(h) {
            Some(&Span::Buf(a, b)) => Cell::Bytes(self.batch.bytes.get(a..b).unwrap_or_default()),
            Some(&Span::Scratch(a, b)) => {
                Cell::Bytes(self.batch.scratch.get(a..b).unwrap_or_default())
            }
            None => Cell::Missing,
        }
    }

    fn raw_range(&self) -> (u32, u32) {
        self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(position, is_newline)` of each delimiter, as `for_each_delimiter` finds them.
    fn found(bytes: &[u8]) -> Vec<(usize, bool)> {
        let mut got = Vec::new();
        for_each_delimiter(bytes, |k, nl| got.push((k, nl)));
        got
    }

    /// The same, byte by byte.
    fn expected(bytes: &[u8]) -> Vec<(usize, bool)> {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b',' || b == b'\n')
            .map(|(k, &b)| (k, b == b'\n'))
            .collect()
    }

    #[test]
    fn delimiters_in_order_across_blocks() {
        for len in [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 200] {
            // Every byte value, delimiters next to each other and to 0x2b/0x2d, 0x09/0x0b.
            let bytes: Vec<u8> = (0..len)
                .map(|i: usize| match i % 11 {
                    0 | 1 => b',',
                    3 if i & 1 == 0 => b'\n',
                    5 => (i * 37 % 256) as u8,
                    6 => 0x2b,
                    7 => 0x0b,
                    8 => 0x80 | b',',
                    _ => b'x',
                })
                .collect();
            assert_eq!(found(&bytes), expected(&bytes), "{len} bytes");
        }
        // Every byte value at every position of a word, next to a delimiter.
        for v in 0..=255u8 {
            for at in 0..9 {
                let mut bytes = vec![v; 17];
                bytes[at] = if at % 2 == 0 { b',' } else { b'\n' };
                assert_eq!(
                    found(&bytes),
                    expected(&bytes),
                    "byte {v:#x} around position {at}"
                );
            }
        }
    }
}
