//! Walking a plain [`CsvBatch`] a record at a time, field after field in
//! header order (the row checks' fast path reads and checks each field as
//! it goes; anything unusual goes the general way). Each field's end comes
//! from the batch's delimiter index ([`crate::data::csv_delims`]).

use super::{strip_cr, CsvBatch, CsvRow};
use crate::data::csv_delims::delimiters;
use crate::data::csv_scan::Span;
use memchr::memchr;

/// A record of a plain batch, read one field at a time in header order.
/// A reader that takes the record must read all its fields; any field
/// that is not where it should be ([`PlainRow::next`] gives `None`) means
/// the record goes the general way.
pub(crate) struct PlainRow<'a> {
    bytes: &'a [u8],
    /// Every `,` and `\n` of the batch from its first record on.
    delims: &'a [u32],
    /// The first of `delims` at or after `pos`.
    d: usize,
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
        let p = self.next_delimiter();
        self.d += 1;
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
    /// otherwise.
    #[inline]
    pub(crate) fn next_if(
        &mut self,
        len: usize,
        accept: impl FnOnce(&'a [u8]) -> bool,
    ) -> Option<&'a [u8]> {
        let f = self.pos;
        if self.next_delimiter() != f + len {
            return None;
        }
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
        self.d += 1;
        self.n += 1;
        self.pos = f + len + 1;
        Some(cell)
    }

    /// Where the next field ends: the first `,` or `\n` from `pos` on
    /// (`bytes.len()` when there is none).
    #[inline]
    fn next_delimiter(&self) -> usize {
        self.delims
            .get(self.d)
            .map_or(self.bytes.len(), |&p| p as usize)
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
    /// for a batch that is not plain (or of 4 GB or more). `delims` is
    /// scratch for the batch's delimiter index.
    pub(crate) fn for_each_plain<S>(
        &self,
        state: &mut S,
        delims: &mut Vec<u32>,
        mut fast: impl FnMut(&mut S, &mut PlainRow<'_>) -> bool,
        mut slow: impl FnMut(&mut S, &CsvRow<'_>),
    ) -> bool {
        let Some(first_line) = self.plain else {
            return false;
        };
        let width = self.width;
        let bytes = self.bytes.get(..self.span.1).unwrap_or_default();
        let len = bytes.len();
        if u32::try_from(len).is_err() {
            return false;
        }
        let n = delimiters(bytes, self.span.0, delims);
        let delims = delims.get(..n).unwrap_or_default();
        let mut spans: Vec<Span> = Vec::new();
        let mut line = first_line;
        let mut start = self.span.0;
        let mut d = 0;
        while start < len {
            let mut row = PlainRow {
                bytes,
                delims,
                d,
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
                d = row.d;
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
            while delims.get(d).is_some_and(|&p| (p as usize) < start) {
                d += 1;
            }
        }
        true
    }

    /// Wanted column → header index, and the header's width.
    pub(crate) fn columns(&self) -> (&[usize], usize) {
        (&self.map, self.width)
    }
}

#[cfg(test)]
#[path = "csv_plain_tests.rs"]
mod tests;
