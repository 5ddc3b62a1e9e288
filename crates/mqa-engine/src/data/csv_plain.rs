//! Walking a plain [`CsvBatch`] once per record, straight to the wanted
//! columns (the row checks' fast path; anything unusual goes the general way).

use super::{for_each_delimiter, strip_cr, CsvBatch, CsvRow};
use crate::data::csv_scan::Span;

/// Most wanted columns [`CsvBatch::for_each_plain`] hands over directly.
pub(crate) const PLAIN_CELLS: usize = 16;

impl CsvBatch {
    /// A plain batch's records, each walked once: `fast(state, line,
    /// cells)` for a record with as many fields as the header, `cells[k]`
    /// the bytes of wanted column `k`; when `fast` returns false, and for a
    /// record of another width, `slow(state, row)` with the record as
    /// [`CsvBatch::for_each_row`] gives it. Records come in order; blank
    /// lines are not records. Returns false, calling nothing, for a batch
    /// that is not plain or that wants more than [`PLAIN_CELLS`] columns.
    pub(crate) fn for_each_plain<S>(
        &self,
        state: &mut S,
        mut fast: impl FnMut(&mut S, u64, &[&[u8]]) -> bool,
        mut slow: impl FnMut(&mut S, &CsvRow<'_>),
    ) -> bool {
        let Some(first_line) = self.plain else {
            return false;
        };
        let wanted = self.map.len();
        if wanted > PLAIN_CELLS {
            return false;
        }
        // Header index → wanted column (`NOT_WANTED` for the others).
        const NOT_WANTED: u8 = u8::MAX;
        let mut slot_of = vec![NOT_WANTED; self.width];
        for (k, &h) in self.map.iter().enumerate() {
            if let Some(s) = slot_of.get_mut(h) {
                *s = k as u8;
            }
        }
        let bytes = self.bytes.get(..self.span.1).unwrap_or_default();
        let mut pos = [(0usize, 0usize); PLAIN_CELLS];
        let mut spans: Vec<Span> = Vec::new();
        let mut line = first_line;
        let mut start = self.span.0;
        let mut field = start;
        let mut n = 0usize;
        let mut cells: Vec<&[u8]> = vec![&[]; wanted];
        let mut record = |state: &mut S,
                          pos: &[(usize, usize); PLAIN_CELLS],
                          n: usize,
                          line: u64,
                          start: usize,
                          end: usize| {
            if n == self.width {
                for (c, &(a, b)) in cells.iter_mut().zip(pos) {
                    *c = bytes.get(a..b).unwrap_or_default();
                }
                if fast(state, line, &cells) {
                    return;
                }
            }
            // The record again, split as `for_each_row` splits it.
            spans.clear();
            let mut f = start;
            for (i, &c) in bytes.get(start..end).unwrap_or_default().iter().enumerate() {
                if c == b',' {
                    spans.push(Span::Buf(f, start + i));
                    f = start + i + 1;
                }
            }
            spans.push(Span::Buf(f, end));
            let problem = (spans.len() != self.width).then(|| self.width_problem(spans.len()));
            slow(
                state,
                &CsvRow {
                    batch: self,
                    line,
                    raw: (start as u32, end as u32),
                    fields: &spans,
                    malformed: problem.as_deref(),
                },
            );
        };
        for_each_delimiter(
            bytes.get(self.span.0..).unwrap_or_default(),
            |k, newline| {
                let k = k + self.span.0;
                if !newline {
                    if let Some(&s) = slot_of.get(n) {
                        if let Some(p) = pos.get_mut(s as usize) {
                            *p = (field, k);
                        }
                    }
                    n += 1;
                    field = k + 1;
                    return;
                }
                let end = strip_cr(bytes, field, k);
                if !(n == 0 && end == start) {
                    if let Some(&s) = slot_of.get(n) {
                        if let Some(p) = pos.get_mut(s as usize) {
                            *p = (field, end);
                        }
                    }
                    record(state, &pos, n + 1, line, start, end);
                }
                n = 0;
                line += 1;
                start = k + 1;
                field = start;
            },
        );
        if start < bytes.len() {
            // The file's last record, without a line end.
            let end = strip_cr(bytes, field, bytes.len());
            if !(n == 0 && end == start) {
                if let Some(&s) = slot_of.get(n) {
                    if let Some(p) = pos.get_mut(s as usize) {
                        *p = (field, end);
                    }
                }
                record(state, &pos, n + 1, line, start, end);
            }
        }
        true
    }
}
