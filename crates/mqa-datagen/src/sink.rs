//! One output CSV file: rows are appended to an in-memory buffer with the
//! small formatting helpers below and written out in large chunks. Every I/O
//! error names the file.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::GenError;

/// Flush the buffer to the file once it holds this many bytes.
const FLUSH_AT: usize = 1 << 20;

pub(crate) struct CsvSink {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    rows: u64,
    bytes: u64,
}

impl CsvSink {
    /// Creates (or truncates) `dir/name` and writes the header line.
    pub(crate) fn create(dir: &Path, name: &str, header: &str) -> Result<Self, GenError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| GenError::Create {
            path: path.clone(),
            source,
        })?;
        let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
        buf.extend_from_slice(header.as_bytes());
        buf.push(b'\n');
        Ok(CsvSink {
            path,
            file,
            buf,
            rows: 0,
            bytes: 0,
        })
    }

    /// The buffer the current row is being appended to.
    pub(crate) fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Ends the current row.
    pub(crate) fn end_row(&mut self) -> Result<(), GenError> {
        self.buf.push(b'\n');
        self.rows += 1;
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GenError> {
        self.file
            .write_all(&self.buf)
            .map_err(|source| GenError::Write {
                path: self.path.clone(),
                source,
            })?;
        self.bytes += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Writes what is left and closes the file: (path, data rows, bytes).
    pub(crate) fn finish(mut self) -> Result<(PathBuf, u64, u64), GenError> {
        self.flush()?;
        self.file.flush().map_err(|source| GenError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok((self.path, self.rows, self.bytes))
    }
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_u64(buf: &mut Vec<u8>, n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    let mut v = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends the decimal digits of `n`, zero-padded to at least `width` digits.
pub(crate) fn push_u64_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = 1;
    let mut v = n / 10;
    while v > 0 {
        digits += 1;
        v /= 10;
    }
    for _ in digits..width {
        buf.push(b'0');
    }
    push_u64(buf, n);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        let mut b = Vec::new();
        push_u64(&mut b, 0);
        b.push(b' ');
        push_u64(&mut b, u64::MAX);
        b.push(b' ');
        push_u64_padded(&mut b, 42, 5);
        b.push(b' ');
        push_u64_padded(&mut b, 123_456, 5);
        b.push(b' ');
        push_u64_padded(&mut b, 0, 3);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "0 18446744073709551615 00042 123456 000"
        );
    }
}
