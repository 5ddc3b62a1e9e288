//! A JSONL reader: one JSON object per line; blank lines are skipped. A line
//! that is not a JSON object is a malformed row (rejected with the parser's
//! reason), not an error.

use super::error::LoadError;
use super::rows::RowSource;
use super::values::Cell;
use serde_json::{Map, Value};
use std::io::{BufRead, ErrorKind};
use std::path::{Path, PathBuf};

/// Rows of a JSONL file; cells are looked up by the wanted columns' names.
pub(crate) struct JsonRows<R: BufRead> {
    src: R,
    path: PathBuf,
    wanted: Vec<String>,
    buf: Vec<u8>,
    next_line: u64,
    line: u64,
    object: Map<String, Value>,
    malformed: Option<String>,
}

impl<R: BufRead> JsonRows<R> {
    pub(crate) fn new(src: R, path: &Path, wanted: &[&str]) -> Self {
        JsonRows {
            src,
            path: path.to_path_buf(),
            wanted: wanted.iter().map(|w| w.to_string()).collect(),
            buf: Vec::new(),
            next_line: 1,
            line: 0,
            object: Map::new(),
            malformed: None,
        }
    }

    fn trimmed_len(&self) -> usize {
        let mut n = self.buf.len();
        while n > 0 && matches!(self.buf.get(n - 1), Some(b'\n' | b'\r')) {
            n -= 1;
        }
        n
    }
}

impl<R: BufRead> RowSource for JsonRows<R> {
    fn advance(&mut self) -> Result<bool, LoadError> {
        loop {
            self.buf.clear();
            let n = loop {
                match self.src.read_until(b'\n', &mut self.buf) {
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
                return Ok(false);
            }
            self.line = self.next_line;
            self.next_line += 1;
            if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
            let len = self.trimmed_len();
            let text = self.buf.get(..len).unwrap_or_default();
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.object.clear();
            self.malformed = None;
            match serde_json::from_slice::<Value>(text) {
                Ok(Value::Object(m)) => self.object = m,
                Ok(_) => self.malformed = Some("not a JSON object".to_string()),
                Err(e) => self.malformed = Some(format!("invalid JSON: {e}")),
            }
            return Ok(true);
        }
    }

    fn line(&self) -> u64 {
        self.line
    }

    fn raw(&self) -> &[u8] {
        self.buf.get(..self.trimmed_len()).unwrap_or_default()
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_blank_lines_and_bad_lines() {
        let text = b"{\"id\":\"a\",\"n\":1}\n\n[1]\r\n{\"id\": \"b\"\n{\"n\":null,\"id\":7}";
        let mut r = JsonRows::new(&text[..], Path::new("t.jsonl"), &["id", "n"]);
        assert!(r.advance().unwrap());
        assert_eq!(r.line(), 1);
        assert!(matches!(r.cell(0), Cell::Json(Value::String(s)) if s == "a"));
        assert!(matches!(r.cell(1), Cell::Json(Value::Number(_))));
        assert!(r.advance().unwrap());
        assert_eq!((r.line(), r.raw()), (3, &b"[1]"[..]));
        assert_eq!(r.malformed(), Some("not a JSON object"));
        assert!(r.advance().unwrap());
        assert_eq!(r.line(), 4);
        assert!(r.malformed().unwrap().starts_with("invalid JSON: "));
        assert!(r.advance().unwrap());
        assert_eq!(r.line(), 5);
        assert!(r.malformed().is_none());
        assert!(matches!(r.cell(1), Cell::Missing));
        assert!(!r.advance().unwrap());
    }
}
