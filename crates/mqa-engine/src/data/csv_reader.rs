//! A streaming RFC 4180 CSV reader that keeps each record's raw bytes and
//! starting line (for the rejects file) and hands out cells as byte slices
//! of its buffer: no allocation per row.
//!
//! Records end at `\n` or `\r\n`; a quoted field may hold `,`, newlines and
//! `""` (an escaped quote). A quote inside an unquoted field is kept as
//! text. Blank lines are skipped. A UTF-8 byte-order mark before the header
//! is ignored.

use super::error::LoadError;
use super::rows::RowSource;
use super::values::Cell;
use memchr::{memchr, memchr2, memchr_iter};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

const INITIAL_BUFFER: usize = 1 << 20;

/// Where a field's bytes are: in the read buffer or (when it had `""`
/// escapes) in the scratch buffer.
#[derive(Debug, Clone, Copy)]
enum Span {
    Buf(usize, usize),
    Scratch(usize, usize),
}

enum Scan {
    NeedMore,
    /// The record's raw end (terminator excluded) and where the next record starts.
    Done {
        end: usize,
        next: usize,
        newlines: u64,
    },
}

/// Rows of a CSV file, with the header mapped to the columns the table wants.
pub(crate) struct CsvRows<R: Read> {
    src: R,
    path: PathBuf,
    buf: Vec<u8>,
    filled: usize,
    pos: usize,
    eof: bool,
    next_line: u64,
    line: u64,
    raw: (usize, usize),
    fields: Vec<Span>,
    scratch: Vec<u8>,
    malformed: Option<String>,
    width: usize,
    /// Wanted column → header index.
    map: Vec<usize>,
}

impl<R: Read> CsvRows<R> {
    /// Reads the header and maps `wanted` column names onto it. Every wanted
    /// column must be present exactly once; other columns are ignored.
    pub fn new(src: R, path: &Path, wanted: &[&str]) -> Result<Self, LoadError> {
        Self::with_buffer(src, path, wanted, INITIAL_BUFFER)
    }

    /// [`CsvRows::new`] with a starting buffer of `size` bytes (it grows to hold the longest record).
    pub fn with_buffer(
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
            line: 0,
            raw: (0, 0),
            fields: Vec::new(),
            scratch: Vec::new(),
            malformed: None,
            width: 0,
            map: Vec::new(),
        };
        r.refill()?;
        if r.buf
            .get(..r.filled)
            .is_some_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
        {
            r.pos = 3;
        }
        if !r.next_record()? {
            return Err(LoadError::EmptyFile { file: r.path });
        }
        let mut header = Vec::with_capacity(r.fields.len());
        for &span in &r.fields {
            match std::str::from_utf8(r.span_bytes(span)) {
                Ok(s) => header.push(s.to_string()),
                Err(_) => return Err(LoadError::BadHeader { file: r.path }),
            }
        }
        r.width = header.len();
        let mut missing = Vec::new();
        for &w in wanted {
            let mut hits = header.iter().enumerate().filter(|(_, h)| h.as_str() == w);
            match (hits.next(), hits.next()) {
                (Some((i, _)), None) => r.map.push(i),
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
        Ok(r)
    }

    fn span_bytes(&self, span: Span) -> &[u8] {
        match span {
            Span::Buf(a, b) => self.buf.get(a..b).unwrap_or_default(),
            Span::Scratch(a, b) => self.scratch.get(a..b).unwrap_or_default(),
        }
    }

    /// Moves the unread tail to the front, grows the buffer when one record
    /// fills it, and reads until the buffer is full or the source ends.
    fn refill(&mut self) -> Result<(), LoadError> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.raw = (0, 0);
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

    /// Reads the next non-blank record into `fields`; `false` at the end.
    fn next_record(&mut self) -> Result<bool, LoadError> {
        loop {
            if self.pos >= self.filled && self.eof {
                return Ok(false);
            }
            match self.scan() {
                Scan::NeedMore => self.refill()?,
                Scan::Done {
                    end,
                    next,
                    newlines,
                } => {
                    self.line = self.next_line;
                    self.next_line += 1 + newlines;
                    self.raw = (self.pos, end);
                    self.pos = next;
                    if end == self.raw.0 && self.fields.len() == 1 {
                        continue; // blank line
                    }
                    return Ok(true);
                }
            }
        }
    }

    /// Splits the record starting at `pos` into fields.
    fn scan(&mut self) -> Scan {
        self.fields.clear();
        self.scratch.clear();
        self.malformed = None;
        let data = self.buf.get(..self.filled).unwrap_or_default();
        let eof = self.eof;
        let mut newlines = 0u64;
        let mut i = self.pos;
        loop {
            if data.get(i) == Some(&b'"') {
                let content = i + 1;
                let mut j = content;
                let mut escaped = false;
                let sstart = self.scratch.len();
                loop {
                    let rest = data.get(j..).unwrap_or_default();
                    let Some(k) = memchr(b'"', rest) else {
                        if !eof {
                            return Scan::NeedMore;
                        }
                        newlines += memchr_iter(b'\n', rest).count() as u64;
                        self.malformed = Some("unterminated quoted field".to_string());
                        self.fields.push(Span::Buf(content, data.len()));
                        return Scan::Done {
                            end: data.len(),
                            next: data.len(),
                            newlines,
                        };
                    };
                    let q = j + k;
                    let piece = data.get(j..q).unwrap_or_default();
                    newlines += memchr_iter(b'\n', piece).count() as u64;
                    if q + 1 >= data.len() && !eof {
                        return Scan::NeedMore;
                    }
                    if data.get(q + 1) == Some(&b'"') {
                        if !escaped {
                            escaped = true;
                            self.scratch
                                .extend_from_slice(data.get(content..q).unwrap_or_default());
                        } else {
                            self.scratch.extend_from_slice(piece);
                        }
                        self.scratch.push(b'"');
                        j = q + 2;
                        continue;
                    }
                    if escaped {
                        self.scratch.extend_from_slice(piece);
                        self.fields.push(Span::Scratch(sstart, self.scratch.len()));
                    } else {
                        self.fields.push(Span::Buf(content, q));
                    }
                    i = q + 1;
                    break;
                }
                match data.get(i) {
                    Some(b',') => {
                        i += 1;
                        continue;
                    }
                    Some(b'\n') => {
                        return Scan::Done {
                            end: i,
                            next: i + 1,
                            newlines,
                        }
                    }
                    None => {
                        return Scan::Done {
                            end: i,
                            next: i,
                            newlines,
                        }
                    }
                    Some(b'\r') if data.get(i + 1) == Some(&b'\n') => {
                        return Scan::Done {
                            end: i,
                            next: i + 2,
                            newlines,
                        }
                    }
                    Some(b'\r') if i + 1 >= data.len() && !eof => return Scan::NeedMore,
                    Some(_) => {
                        if self.malformed.is_none() {
                            self.malformed = Some(format!(
                                "text after the closing quote of field {}",
                                self.fields.len()
                            ));
                        }
                        // Skip the stray text as if unquoted; the row is rejected anyway.
                        let rest = data.get(i..).unwrap_or_default();
                        match memchr2(b',', b'\n', rest) {
                            Some(k) if rest.get(k) == Some(&b',') => {
                                i += k + 1;
                                continue;
                            }
                            Some(k) => {
                                let e = i + k;
                                let end = if data.get(e.wrapping_sub(1)) == Some(&b'\r') {
                                    e - 1
                                } else {
                                    e
                                };
                                return Scan::Done {
                                    end,
                                    next: e + 1,
                                    newlines,
                                };
                            }
                            None if !eof => return Scan::NeedMore,
                            None => {
                                return Scan::Done {
                                    end: data.len(),
                                    next: data.len(),
                                    newlines,
                                }
                            }
                        }
                    }
                }
            }
            let rest = data.get(i..).unwrap_or_default();
            match memchr2(b',', b'\n', rest) {
                Some(k) => {
                    let e = i + k;
                    if rest.get(k) == Some(&b',') {
                        self.fields.push(Span::Buf(i, e));
                        i = e + 1;
                        continue;
                    }
                    let end = if e > i && data.get(e - 1) == Some(&b'\r') {
                        e - 1
                    } else {
                        e
                    };
                    self.fields.push(Span::Buf(i, end));
                    return Scan::Done {
                        end,
                        next: e + 1,
                        newlines,
                    };
                }
                None if !eof => return Scan::NeedMore,
                None => {
                    let mut end = data.len();
                    if end > i && data.get(end - 1) == Some(&b'\r') {
                        end -= 1;
                    }
                    self.fields.push(Span::Buf(i, end));
                    return Scan::Done {
                        end,
                        next: data.len(),
                        newlines,
                    };
                }
            }
        }
    }
}

impl<R: Read> RowSource for CsvRows<R> {
    fn advance(&mut self) -> Result<bool, LoadError> {
        if !self.next_record()? {
            return Ok(false);
        }
        if self.malformed.is_none() && self.fields.len() != self.width {
            self.malformed = Some(format!(
                "expected {} fields as in the header, found {}",
                self.width,
                self.fields.len()
            ));
        }
        Ok(true)
    }

    fn line(&self) -> u64 {
        self.line
    }

    fn raw(&self) -> &[u8] {
        self.buf.get(self.raw.0..self.raw.1).unwrap_or_default()
    }

    fn malformed(&self) -> Option<&str> {
        self.malformed.as_deref()
    }

    #[inline]
    fn cell(&self, col: usize) -> Cell<'_> {
        match self.map.get(col).and_then(|&i| self.fields.get(i)) {
            Some(&span) => Cell::Bytes(self.span_bytes(span)),
            None => Cell::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        while r.advance().unwrap() {
            let cells = (0..wanted.len())
                .map(|c| match r.cell(c) {
                    Cell::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                    _ => "<missing>".to_string(),
                })
                .collect();
            out.push((
                r.line(),
                String::from_utf8_lossy(r.raw()).into_owned(),
                r.malformed().map(str::to_string),
                cells,
            ));
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
        assert_eq!(r[3].0, 5);
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
