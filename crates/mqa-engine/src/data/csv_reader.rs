//! A streaming CSV reader: reads the file in large blocks, maps the header
//! onto the wanted columns, and cuts the records into [`CsvBatch`]es that
//! keep each record's raw bytes and starting line (for the rejects file).
//! Blank lines are skipped; a UTF-8 byte-order mark before the header is
//! ignored.

use super::csv_batch::CsvBatch;
use super::csv_scan::{Scan, Scanner};
use super::error::LoadError;
use super::rows::{BatchReader, RowBatch};
use memchr::{memchr, memrchr};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read size, and so the usual size of a batch. 1 MB against 512 KB:
/// 340 against 345 ms (16 alternating runs at 100 000 accounts, CPU 613
/// against 624 ms); 256 KB took 372 ms, 2 MB 343 ms.
const BLOCK: usize = 1 << 20;
/// Plain lines before a quote become a batch of their own from this many bytes.
const MIN_PLAIN: usize = 64 << 10;
/// A quoted field still open after this many bytes is taken as unterminated.
const MAX_RECORD: usize = 16 << 20;

/// The records of a CSV file, a batch at a time.
pub(crate) struct CsvRows<R: Read> {
    src: R,
    path: PathBuf,
    buf: Vec<u8>,
    filled: usize,
    pos: usize,
    eof: bool,
    next_line: u64,
    scanner: Scanner,
    width: usize,
    /// Wanted column → header index.
    map: Arc<[usize]>,
    max_record: usize,
}

impl<R: Read> CsvRows<R> {
    /// Reads the header and maps `wanted` column names onto it. Every wanted
    /// column must be present exactly once; other columns are ignored.
    pub(crate) fn new(src: R, path: &Path, wanted: &[&str]) -> Result<Self, LoadError> {
        Self::with_buffer(src, path, wanted, BLOCK)
    }

    /// [`CsvRows::new`] reading `size` bytes at a time (the buffer grows to hold the longest record).
    pub(crate) fn with_buffer(
        src: R,
        path: &Path,
        wanted: &[&str],
        size: usize,
    ) -> Result<Self, LoadError> {
        let mut r = CsvRows {
            src,
            path: path.to_path_buf(),
            buf: vec![0; size.max(1)],
            filled: 0,
            pos: 0,
            eof: false,
            next_line: 1,
            scanner: Scanner::default(),
            width: 0,
            map: Arc::from(Vec::new()),
            max_record: MAX_RECORD.max(size),
        };
        r.refill()?;
        if r.buf
            .get(..r.filled)
            .is_some_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
        {
            r.pos = 3;
        }
        let header = r.header()?;
        r.width = header.len();
        let mut map = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for &w in wanted {
            let mut hits = header.iter().enumerate().filter(|(_, h)| h.as_str() == w);
            match (hits.next(), hits.next()) {
                (Some((i, _)), None) => map.push(i),
                (None, _) => missing.push(w.to_string()),
                (Some(_), Some(_)) => {
                    return Err(LoadError::DuplicateColumn {
                        file: r.path,
                        column: w.to_string(),
                    })
                }
            }
        }
        if !missing.is_empty() {
            return Err(LoadError::MissingColumns {
                file: r.path,
                missing,
                header,
            });
        }
        r.map = Arc::from(map);
        Ok(r)
    }

    /// The first non-blank record, as column names.
    fn header(&mut self) -> Result<Vec<String>, LoadError> {
        loop {
            if self.pos >= self.filled && self.eof {
                return Err(LoadError::EmptyFile {
                    file: self.path.clone(),
                });
            }
            let data = self.buf.get(..self.filled).unwrap_or_default();
            match self.scanner.scan(data, self.pos, self.eof, self.max_record) {
                Scan::NeedMore => self.refill()?,
                Scan::Done {
                    end,
                    next,
                    newlines,
                } => {
                    let blank = end == self.pos && self.scanner.fields.len() == 1;
                    self.next_line += 1 + newlines;
                    self.pos = next;
                    if blank {
                        continue;
                    }
                    let mut names = Vec::with_capacity(self.scanner.fields.len());
                    for &span in &self.scanner.fields {
                        match std::str::from_utf8(self.scanner.bytes(data, span)) {
                            Ok(s) => names.push(s.to_string()),
                            Err(_) => {
                                return Err(LoadError::BadHeader {
                                    file: self.path.clone(),
                                })
                            }
                        }
                    }
                    return Ok(names);
                }
            }
        }
    }

    /// Moves the unread tail to the front, grows the buffer when one record
    /// fills it, and reads until the buffer is full or the source ends.
    fn refill(&mut self) -> Result<(), LoadError> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
        }
        if self.filled == self.buf.len() {
            let n = self.buf.len() * 2;
            self.buf.resize(n, 0);
        }
        while self.filled < self.buf.len() {
            let Some(dst) = self.buf.get_mut(self.filled..) else {
                break;
            };
            match self.src.read(dst) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(LoadError::Io {
                        path: self.path.clone(),
                        line: self.next_line,
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    /// The next records (those that end within the buffer); `None` at the end.
    /// `reuse`: a spent batch whose buffers to fill again.
    pub(crate) fn next_csv_batch(
        &mut self,
        reuse: Option<CsvBatch>,
    ) -> Result<Option<CsvBatch>, LoadError> {
        let mut batch = match reuse {
            Some(mut b) => {
                b.reset(self.map.clone(), self.width);
                b
            }
            None => CsvBatch::new(self.map.clone(), self.width),
        };
        if self.plain_lines(&mut batch)? {
            return Ok(Some(batch));
        }
        let mut start = self.pos;
        loop {
            if self.pos >= self.filled && self.eof {
                break;
            }
            let data = self.buf.get(..self.filled).unwrap_or_default();
            match self.scanner.scan(data, self.pos, self.eof, self.max_record) {
                Scan::NeedMore => {
                    if !batch.is_empty() {
                        break;
                    }
                    self.refill()?;
                    start = self.pos;
                }
                Scan::Done {
                    end,
                    next,
                    newlines,
                } => {
                    let line = self.next_line;
                    self.next_line += 1 + newlines;
                    let blank = end == self.pos && self.scanner.fields.len() == 1;
                    if !blank {
                        batch.push(&self.scanner, line, self.pos - start, end - start, start);
                    }
                    self.pos = next;
                }
            }
        }
        if batch.is_empty() {
            return Ok(None);
        }
        batch.set_bytes(self.buf.get(start..self.pos).unwrap_or_default());
        Ok(Some(batch))
    }

    /// The fast path: when the whole lines at the front of the buffer hold no
    /// `"`, each line is a record; they become a plain batch, split into
    /// fields by the thread that checks it. `false` when the buffer starts
    /// with a quoted record (or the file has ended).
    fn plain_lines(&mut self, batch: &mut CsvBatch) -> Result<bool, LoadError> {
        loop {
            let rest = self.buf.get(self.pos..self.filled).unwrap_or_default();
            if rest.is_empty() && self.eof {
                return Ok(false);
            }
            let cut = if self.eof {
                rest.len()
            } else {
                match memrchr(b'\n', rest) {
                    Some(k) => k + 1,
                    None => {
                        // Not one whole line yet: read more (the buffer grows for long lines).
                        self.refill()?;
                        continue;
                    }
                }
            };
            let Some(mut block) = rest.get(..cut) else {
                return Ok(false);
            };
            if let Some(q) = memchr(b'"', block) {
                // The lines before the one holding the quote are still plain.
                match block.get(..q).and_then(|b| memrchr(b'\n', b)) {
                    Some(k) if k + 1 >= MIN_PLAIN => block = block.get(..k + 1).unwrap_or_default(),
                    _ => return Ok(false),
                }
            }
            let cut = block.len();
            let newlines = count_newlines(block);
            // The batch takes the buffer; what follows the block moves to
            // the batch's old buffer, which becomes the reader's.
            let (start, end) = (self.pos, self.pos + cut);
            let next = std::mem::take(&mut self.buf);
            let tail = next.get(end..self.filled).unwrap_or_default().len();
            let mut fresh = batch.set_plain(Vec::new(), (0, 0), 0);
            if fresh.len() < next.len() {
                fresh.resize(next.len(), 0);
            }
            if let (Some(dst), Some(src)) = (fresh.get_mut(..tail), next.get(end..self.filled)) {
                dst.copy_from_slice(src);
            }
            batch.set_plain(next, (start, end), self.next_line);
            self.buf = fresh;
            self.filled = tail;
            self.pos = 0;
            self.next_line += newlines;
            return Ok(true);
        }
    }
}

/// Line ends in `b` (byte-wide sums the compiler vectorises).
fn count_newlines(b: &[u8]) -> u64 {
    b.chunks(255)
        .map(|c| {
            u64::from(
                c.iter()
                    .fold(0u8, |n, &x| n.wrapping_add(u8::from(x == b'\n'))),
            )
        })
        .sum()
}

impl<R: Read + Send> BatchReader for CsvRows<R> {
    fn next_batch(&mut self, reuse: Option<RowBatch>) -> Result<Option<RowBatch>, LoadError> {
        let reuse = match reuse {
            Some(RowBatch::Csv(b)) => Some(b),
            _ => None,
        };
        Ok(self.next_csv_batch(reuse)?.map(RowBatch::Csv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::rows::RowView;
    use crate::data::values::Cell;

    fn rows(text: &[u8], wanted: &[&str]) -> Vec<(u64, String, Option<String>, Vec<String>)> {
        // A tiny buffer and a source that returns a few bytes a call exercise every refill path.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(7);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = CsvRows::with_buffer(Trickle(text), Path::new("t.csv"), wanted, 4).unwrap();
        let all = rows_with(&mut r, wanted);
        let mut big = CsvRows::new(text, Path::new("t.csv"), wanted).unwrap();
        assert_eq!(rows_with(&mut big, wanted), all);
        all
    }

    fn rows_with<R: Read>(
        r: &mut CsvRows<R>,
        wanted: &[&str],
    ) -> Vec<(u64, String, Option<String>, Vec<String>)> {
        let mut out = Vec::new();
        while let Some(batch) = r.next_csv_batch(None).unwrap() {
            batch.for_each_row(|row| {
                let cells = (0..wanted.len())
                    .map(|c| match row.cell(c) {
                        Cell::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                        _ => "<missing>".to_string(),
                    })
                    .collect();
                out.push((
                    row.line(),
                    String::from_utf8_lossy(row.raw_slice()).into_owned(),
                    row.malformed().map(str::to_string),
                    cells,
                ));
            });
        }
        out
    }

    #[test]
    fn plain_quoted_and_multiline() {
        let text = b"\xEF\xBB\xBFid,extra,name\r\na,x,plain\r\n\r\nb,y,\"with, comma\"\nc,z,\"multi\nline \"\"q\"\"\"\nd,w,last";
        let r = rows(text, &["name", "id"]);
        assert_eq!(r.len(), 4);
        assert_eq!(
            r[0],
            (
                2,
                "a,x,plain".into(),
                None,
                vec!["plain".into(), "a".into()]
            )
        );
        assert_eq!(r[1].0, 4);
        assert_eq!(r[1].3, vec!["with, comma".to_string(), "b".into()]);
        assert_eq!(r[2].0, 5);
        assert_eq!(r[2].1, "c,z,\"multi\nline \"\"q\"\"\"");
        assert_eq!(r[2].3[0], "multi\nline \"q\"");
        assert_eq!(r[3].0, 7);
        assert_eq!(r[3].3, vec!["last".to_string(), "d".into()]);
    }

    #[test]
    fn wrong_width_and_bad_quotes_are_marked() {
        let text = b"id,n\na\nb,1,2\n\"c\"x,3\nd,\"open";
        let r = rows(text, &["id", "n"]);
        assert_eq!(
            r[0].2.as_deref(),
            Some("expected 2 fields as in the header, found 1")
        );
        assert_eq!(
            r[1].2.as_deref(),
            Some("expected 2 fields as in the header, found 3")
        );
        assert_eq!(
            r[2].2.as_deref(),
            Some("text after the closing quote of field 1")
        );
        assert_eq!(r[3].2.as_deref(), Some("unterminated quoted field"));
        assert_eq!((r[3].0, r[3].1.as_str()), (5, "d,\"open"));
    }

    #[test]
    fn a_stray_quote_does_not_swallow_the_file() {
        let mut text = b"id,n\na,\"oops\nb,2\n".to_vec();
        for k in 0..50 {
            text.extend_from_slice(format!("r{k},{k}\n").as_bytes());
        }
        let wanted = ["id", "n"];
        let mut r = CsvRows::with_buffer(&text[..], Path::new("t.csv"), &wanted, 16).unwrap();
        r.max_record = 64;
        let got = rows_with(&mut r, &wanted);
        assert_eq!(got[0].0, 2);
        assert_eq!(got[0].1, "a,\"oops");
        assert_eq!(got[0].2.as_deref(), Some("unterminated quoted field"));
        assert_eq!(
            got[1],
            (3, "b,2".into(), None, vec!["b".into(), "2".into()])
        );
        assert_eq!(got.len(), 52);
        assert_eq!(got[51].0, 53);
        // At the end of the file the same recovery applies.
        let r = rows(b"id,n\na,\"open\nb,2", &wanted);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].2.as_deref(), Some("unterminated quoted field"));
        assert_eq!(r[1].3, vec!["b".to_string(), "2".into()]);
    }

    #[test]
    fn empty_cells_and_quote_inside_unquoted() {
        let r = rows(b"id,n\n,\nab\"c,\"\"\n", &["id", "n"]);
        assert_eq!(r[0].3, vec![String::new(), String::new()]);
        assert_eq!(r[1].3, vec!["ab\"c".to_string(), String::new()]);
        assert_eq!(r[1].2, None);
    }

    #[test]
    fn header_problems() {
        let e = CsvRows::new(&b""[..], Path::new("t.csv"), &["id"])
            .err()
            .unwrap();
        assert!(matches!(e, LoadError::EmptyFile { .. }));
        let e = CsvRows::new(&b"id,name\n"[..], Path::new("t.csv"), &["id", "kind", "at"])
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "t.csv: line 1: missing required columns `kind`, `at` (header: id,name)"
        );
        let e = CsvRows::new(&b"id,id\n"[..], Path::new("t.csv"), &["id"])
            .err()
            .unwrap();
        assert!(matches!(e, LoadError::DuplicateColumn { .. }));
    }
}
