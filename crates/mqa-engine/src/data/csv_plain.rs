//! Walking a plain [`CsvBatch`] a record at a time, field after field in
//! header order (the row checks' fast path reads and checks each field as
//! it goes; anything unusual goes the general way).

use super::{strip_cr, CsvBatch, CsvRow};
use crate::data::csv_scan::Span;
use memchr::memchr;

/// A record of a plain batch, read one field at a time in header order.
/// A reader that takes the record must read all its fields; any field
/// that is not where it should be ([`PlainRow::next`] gives `None`) means
/// the record goes the general way.
pub(crate) struct PlainRow<'a> {
    bytes: &'a [u8],
    /// Where the next field starts.
    pos: usize,
    /// Fields read.
    n: usize,
    width: usize,
    line: u64,
}

impl<'a> PlainRow<'a> {
    /// The record's line.
    #[inline]
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The next field, up to the next `,` (a field before the last) or the
    /// line end (the last field, less a `\r` before the `\n`). `None` when
    /// the record has fewer or more fields than the header.
    #[inline]
    pub(crate) fn next(&mut self) -> Option<&'a [u8]> {
        let f = self.pos;
        let p = next_delimiter(self.bytes, f);
        self.n += 1;
        self.pos = p + 1;
        let end = match (self.bytes.get(p), self.n == self.width) {
            (Some(b','), false) => p,
            (Some(b'\n') | None, true) => strip_cr(self.bytes, f, p),
            _ => return None,
        };
        self.bytes.get(f..end)
    }

    /// The next field when it is the `len` bytes where it starts, followed
    /// by the delimiter it needs, and `accept` takes them; nothing is read
    /// otherwise. `accept` stands for the search for the delimiter, so it
    /// must take only bytes that hold no `,` and no `\n` (a value that
    /// parses as a time, a key already read from a field of the batch).
    #[inline]
    pub(crate) fn next_if(
        &mut self,
        len: usize,
        accept: impl FnOnce(&'a [u8]) -> bool,
    ) -> Option<&'a [u8]> {
        let f = self.pos;
        let cell = self.bytes.get(f..f + len)?;
        let last = self.n + 1 == self.width;
        let fits = match self.bytes.get(f + len) {
            Some(b',') => !last,
            // A last field ending in `\r` is shorter: not this one.
            Some(b'\n') | None => last && cell.last() != Some(&b'\r'),
            _ => false,
        };
        if !fits || !accept(cell) {
            return None;
        }
        self.n += 1;
        self.pos = f + len + 1;
        Some(cell)
    }

    /// The `n` bytes of the batch from where the next field starts, when the
    /// batch has them (they may run past the field).
    #[inline]
    pub(crate) fn ahead<const N: usize>(&self) -> Option<&'a [u8; N]> {
        self.bytes.get(self.pos..)?.first_chunk::<N>()
    }
}

impl CsvBatch {
    /// A plain batch's records, each walked once: `fast(state, row)` for
    /// each record, which reads the record's fields from `row` and returns
    /// true when it took the record (having read every field); otherwise,
    /// and for a record of another width, `slow(state, row)` with the
    /// record as [`CsvBatch::for_each_row`] gives it. Records come in
    /// order; blank lines are not records. Returns false, calling nothing,
    /// for a batch that is not plain.
    pub(crate) fn for_each_plain<S>(
        &self,
        state: &mut S,
        mut fast: impl FnMut(&mut S, &mut PlainRow<'_>) -> bool,
        mut slow: impl FnMut(&mut S, &CsvRow<'_>),
    ) -> bool {
        let Some(first_line) = self.plain else {
            return false;
        };
        let width = self.width;
        let bytes = self.bytes.get(..self.span.1).unwrap_or_default();
        let len = bytes.len();
        let mut spans: Vec<Span> = Vec::new();
        let mut line = first_line;
        let mut start = self.span.0;
        while start < len {
            let mut row = PlainRow {
                bytes,
                pos: start,
                n: 0,
                width,
                line,
            };
            // A blank line is not a record (with one column it reads as one
            // empty field: not given to `fast`).
            let blank = matches!(bytes.get(start), Some(b'\n' | b'\r'));
            if !blank && fast(state, &mut row) {
                debug_assert_eq!(row.n, width, "every field read");
                line += 1;
                start = row.pos;
                continue;
            }
            // The record again, split as `for_each_row` splits it.
            let rest = bytes.get(start..).unwrap_or_default();
            let end = memchr(b'\n', rest).map_or(len, |k| start + k);
            // A `\r` before the line end is never before the last `,`.
            let e = strip_cr(bytes, start, end);
            if e != start {
                spans.clear();
                let mut f = start;
                for (i, &c) in bytes.get(start..e).unwrap_or_default().iter().enumerate() {
                    if c == b',' {
                        spans.push(Span::Buf(f, start + i));
                        f = start + i + 1;
                    }
                }
                spans.push(Span::Buf(f, e));
                let problem = (spans.len() != width).then(|| self.width_problem(spans.len()));
                slow(
                    state,
                    &CsvRow {
                        batch: self,
                        line,
                        raw: (start as u32, e as u32),
                        fields: &spans,
                        malformed: problem.as_deref(),
                    },
                );
            }
            line += 1;
            start = end + 1;
        }
        true
    }

    /// Wanted column → header index, and the header's width.
    pub(crate) fn columns(&self) -> (&[usize], usize) {
        (&self.map, self.width)
    }
}

/// The position of the first `,` or `\n` of `bytes` from `i` on
/// (`bytes.len()` when there is none). Eight bytes at a time: in
/// `(x - 0x01..) & !x & 0x80..` a byte's high bit may be set wrongly only
/// above a zero byte (by the borrow), so the lowest one set is exact.
#[inline]
pub(super) fn next_delimiter(bytes: &[u8], mut i: usize) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const COMMAS: u64 = 0x2c2c_2c2c_2c2c_2c2c;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    while let Some(s) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(s);
        let w = u64::from_le_bytes(w);
        let (c, n) = (w ^ COMMAS, w ^ NEWLINES);
        let m = ((c.wrapping_sub(LOW) & !c) | (n.wrapping_sub(LOW) & !n)) & HIGH;
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let rest = bytes.get(i..).unwrap_or_default();
    rest.iter()
        .position(|&b| b == b',' || b == b'\n')
        .map_or(bytes.len(), |k| i + k)
}

#[cfg(test)]
#[path = "csv_plain_tests.rs"]
mod tests;
