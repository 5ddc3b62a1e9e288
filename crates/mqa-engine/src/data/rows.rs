//! The reader-neutral view of a table file: one row at a time, with its line,
//! raw text and cells by wanted-column index. CSV and JSONL readers implement it.

use super::error::LoadError;
use super::values::Cell;

/// A table file read row by row. Cells are addressed by the index of the
/// column in the list of wanted columns given when the reader was opened.
pub(crate) trait RowSource {
    /// Moves to the next row; `false` at the end of the file.
    fn advance(&mut self) -> Result<bool, LoadError>;
    /// 1-based line where the current row starts.
    fn line(&self) -> u64;
    /// The current row as read, without its line terminator.
    fn raw(&self) -> &[u8];
    /// Why the row's shape is wrong (field count, quoting, JSON syntax), if it is.
    fn malformed(&self) -> Option<&str>;
    /// A cell of the current row.
    fn cell(&self, col: usize) -> Cell<'_>;
}
