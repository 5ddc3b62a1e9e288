//! The reader-neutral view of one row of a table file, and the batches
//! readers cut files into. CSV and JSONL rows implement [`RowView`].

use super::csv_batch::CsvBatch;
use super::jsonl::JsonBatch;
use super::values::Cell;

/// One row of a table file. Cells are addressed by the index of the column
/// in the list of wanted columns given when the reader was opened.
pub(crate) trait RowView {
    /// 1-based line where the row starts.
    fn line(&self) -> u64;
    /// Why the row's shape is wrong (field count, quoting, JSON syntax), if it is.
    fn malformed(&self) -> Option<&str>;
    /// A cell of the row.
    fn cell(&self, col: usize) -> Cell<'_>;
    /// Where the row's raw text is in its batch (see [`RowBatch::raw`]).
    fn raw_range(&self) -> (u32, u32);
}

/// Rows read from a file, owned, to be checked on any thread.
pub(crate) enum RowBatch {
    Csv(CsvBatch),
    Jsonl(JsonBatch),
}

impl RowBatch {
    /// Bytes of the rows (for sizing the columns from the file size).
    pub(crate) fn byte_len(&self) -> usize {
        match self {
            RowBatch::Csv(b) => b.byte_len(),
            RowBatch::Jsonl(b) => b.byte_len(),
        }
    }

    /// Calls `f(line, raw)` for each row, in order.
    pub(crate) fn for_each_raw(&self, mut f: impl FnMut(u64, &[u8])) {
        match self {
            RowBatch::Csv(b) => b.for_each_row(|r| f(r.line(), r.raw_slice())),
            RowBatch::Jsonl(b) => {
                for i in 0..b.len() {
                    let (line, raw) = b.line_and_raw(i);
                    f(line, raw);
                }
            }
        }
    }

    /// The raw text of a row, by its [`RowView::raw_range`].
    pub(crate) fn raw(&self, (a, b): (u32, u32)) -> &[u8] {
        let bytes = match self {
            RowBatch::Csv(x) => x.bytes(),
            RowBatch::Jsonl(x) => x.bytes(),
        };
        bytes.get(a as usize..b as usize).unwrap_or_default()
    }
}

/// Something that cuts a file into [`RowBatch`]es (on any thread).
pub(crate) trait BatchReader: Send {
    /// The next batch, `None` at the end. `reuse`: a spent batch whose
    /// buffers may be filled again (saves allocating and faulting in fresh
    /// memory for every batch).
    fn next_batch(
        &mut self,
        reuse: Option<RowBatch>,
    ) -> Result<Option<RowBatch>, super::error::LoadError>;
}
