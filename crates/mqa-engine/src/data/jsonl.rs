//! JSONL: one JSON object per line; blank lines are skipped. Lines are cut
//! into [`JsonBatch`]es and parsed where the batch is checked. A line that is
//! not a JSON object is a malformed row (rejected with the parser's reason),
//! not an error.

use super::error::LoadError;
use super::rows::{BatchReader, RowBatch, RowView};
use super::values::Cell;
use serde_json::{Map, Value};
use std::io::{BufRead, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes of lines per batch.
const BATCH_BYTES: usize = 1 << 20;

/// Reads a JSONL file a batch of lines at a time.
pub(crate) struct JsonLines<R: BufRead> {
    src: R,
    path: PathBuf,
    wanted: Arc<[String]>,
    next_line: u64,
    batch_bytes: usize,
}

impl<R: BufRead> JsonLines<R> {
    pub(crate) fn new(src: R, path: &Path, wanted: &[&str]) -> Self {
        Self::with_batch_bytes(src, path, wanted, BATCH_BYTES)
    }

    /// [`JsonLines::new`] cutting batches of about `batch_bytes` bytes.
    pub(crate) fn with_batch_bytes(
        src: R,
        path: &Path,
        wanted: &[&str],
        batch_bytes: usize,
    ) -> Self {
        JsonLines {
            src,
            path: path.to_path_buf(),
            wanted: wanted.iter().map(|w| w.to_string()).collect(),
            next_line: 1,
            batch_bytes: batch_bytes.max(1),
        }
    }

    /// `reuse`: a spent batch whose buffers to fill again.
    pub(crate) fn next_json_batch(
        &mut self,
        reuse: Option<JsonBatch>,
    ) -> Result<Option<JsonBatch>, LoadError> {
        let mut b = match reuse {
            Some(mut b) => {
                b.bytes.clear();
                b.lines.clear();
                // The batch may come from another file's load.
                b.wanted = self.wanted.clone();
                b
            }
            None => JsonBatch {
                bytes: Vec::new(),
                lines: Vec::new(),
                wanted: self.wanted.clone(),
            },
        };
        while b.bytes.len() < self.batch_bytes {
            let start = b.bytes.len();
            let n = loop {
                match self.src.read_until(b'\n', &mut b.bytes) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(source) => {
                        return Err(LoadError::Io {
                            path: self.path.clone(),
                            line: self.next_line,
                            source,
                        })
                    }
                }
            };
            if n == 0 {
                break;
            }
            let line = self.next_line;
            self.next_line += 1;
            let mut text_start = start;
            if line == 1
                && b.bytes
                    .get(start..)
                    .is_some_and(|t| t.starts_with(b"\xEF\xBB\xBF"))
            {
                text_start += 3;
            }
            let mut end = b.bytes.len();
            while end > text_start && matches!(b.bytes.get(end - 1), Some(b'\n' | b'\r')) {
                end -= 1;
            }
            let text = b.bytes.get(text_start..end).unwrap_or_default();
            if text.iter().all(u8::is_ascii_whitespace) {
                b.bytes.truncate(start);
                continue;
            }
            b.lines.push((line, text_start as u32, end as u32));
        }
        Ok((!b.lines.is_empty()).then_some(b))
    }
}

impl<R: BufRead + Send> BatchReader for JsonLines<R> {
    fn next_batch(&mut self, reuse: Option<RowBatch>) -> Result<Option<RowBatch>, LoadError> {
        let reuse = match reuse {
            Some(RowBatch::Jsonl(b)) => Some(b),
            _ => None,
        };
        Ok(self.next_json_batch(reuse)?.map(RowBatch::Jsonl))
    }
}

/// Lines of a JSONL file, not parsed yet.
#[derive(Debug)]
pub(crate) struct JsonBatch {
    bytes: Vec<u8>,
    /// `(line number, start, end)` of each non-blank line in `bytes`.
    lines: Vec<(u64, u32, u32)>,
    wanted: Arc<[String]>,
}

impl JsonBatch {
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn line_and_raw(&self, i: usize) -> (u64, &[u8]) {
        match self.lines.get(i) {
            Some(&(line, a, b)) => (
                line,
                self.bytes.get(a as usize..b as usize).unwrap_or_default(),
            ),
            None => (0, &[]),
        }
    }

    /// Row `i`, parsed.
    pub(crate) fn row(&self, i: usize) -> JsonRow<'_> {
        let (line, raw) = self.line_and_raw(i);
        let range = self.lines.get(i).map_or((0, 0), |&(_, a, b)| (a, b));
        let (object, malformed) = match serde_json::from_slice::<Value>(raw) {
            Ok(Value::Object(m)) => (m, None),
            Ok(_) => (Map::new(), Some("not a JSON object".to_string())),
            Err(e) => (Map::new(), Some(format!("invalid JSON: {e}"))),
        };
        JsonRow {
            line,
            range,
            object,
            malformed,
            wanted: &self.wanted,
        }
    }
}

/// One parsed line of a [`JsonBatch`].
pub(crate) struct JsonRow<'a> {
    line: u64,
    range: (u32, u32),
    object: Map<String, Value>,
    malformed: Option<String>,
    wanted: &'a [String],
}

impl RowView for JsonRow<'_> {
    fn line(&self) -> u64 {
        self.line
    }

    fn malformed(&self) -> Option<&str> {
        self.malformed.as_deref()
    }

    fn cell(&self, col: usize) -> Cell<'_> {
        match self.wanted.get(col).and_then(|name| self.object.get(name)) {
            Some(Value::Null) | None => Cell::Missing,
            Some(v) => Cell::Json(v),
        }
    }

    fn raw_range(&self) -> (u32, u32) {
        self.range
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_blank_lines_and_bad_lines() {
        let text =
            b"\xEF\xBB\xBF{\"id\":\"a\",\"n\":1}\n\n[1]\r\n{\"id\": \"b\"\n{\"n\":null,\"id\":7}";
        let mut r = JsonLines::new(&text[..], Path::new("t.jsonl"), &["id", "n"]);
        let b = r.next_json_batch(None).unwrap().unwrap();
        assert!(r.next_json_batch(None).unwrap().is_none());
        assert_eq!(b.len(), 4);
        let row = b.row(0);
        assert_eq!(row.line(), 1);
        assert!(row.malformed().is_none());
        assert!(matches!(row.cell(0), Cell::Json(Value::String(s)) if s == "a"));
        assert!(matches!(row.cell(1), Cell::Json(Value::Number(_))));
        let row = b.row(1);
        assert_eq!(row.line(), 3);
        assert_eq!(b.line_and_raw(1), (3, &b"[1]"[..]));
        assert_eq!(row.malformed(), Some("not a JSON object"));
        let row = b.row(2);
        assert_eq!(row.line(), 4);
        assert!(row.malformed().unwrap().starts_with("invalid JSON: "));
        let row = b.row(3);
        assert_eq!(row.line(), 5);
        assert!(row.malformed().is_none());
        assert!(matches!(row.cell(1), Cell::Missing));
        assert!(matches!(row.cell(0), Cell::Json(Value::Number(_))));
    }
}
