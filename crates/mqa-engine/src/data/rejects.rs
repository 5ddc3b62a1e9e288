//! Where rejected rows go: never dropped, always with file, line and reason.
//! [`CsvRejectWriter`] writes the rejects file; [`MemoryRejects`] keeps them
//! for tests and `explain`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Receives every rejected row. `raw` is the row as read, untouched.
pub trait RejectSink {
    fn reject(&mut self, file: &Path, line: u64, reason: &str, raw: &str) -> Result<(), io::Error>;
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub file: PathBuf,
    /// 1-based line where the row starts (0 when the origin is not line-based).
    pub line: u64,
    pub reason: String,
    pub raw: String,
}

/// Rejects kept in memory, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct MemoryRejects {
    pub rows: Vec<Reject>,
}

impl MemoryRejects {
    pub fn new() -> Self {
        Self::default()
    }
}

impl RejectSink for MemoryRejects {
    fn reject(&mut self, file: &Path, line: u64, reason: &str, raw: &str) -> Result<(), io::Error> {
        self.rows.push(Reject {
            file: file.to_path_buf(),
            line,
            reason: reason.to_string(),
            raw: raw.to_string(),
        });
        Ok(())
    }
}

/// Writes rejects as CSV `file,line,reason,row` (RFC 4180 quoting, `\n` line
/// ends); `row` is the raw row, untouched (quoted when it needs to be).
#[derive(Debug)]
pub struct CsvRejectWriter<W: Write = BufWriter<File>> {
    out: W,
    count: u64,
}

impl CsvRejectWriter<BufWriter<File>> {
    /// Creates (truncates) the rejects file at `path` and writes the header.
    pub fn create(path: &Path) -> Result<Self, io::Error> {
        let file = File::create(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))
        })?;
        Self::new(BufWriter::new(file))
    }
}

impl<W: Write> CsvRejectWriter<W> {
    /// Writes the header to `out`.
    pub fn new(mut out: W) -> Result<Self, io::Error> {
        out.write_all(b"file,line,reason,row\n")?;
        Ok(CsvRejectWriter { out, count: 0 })
    }

    /// Rejects written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Flushes and hands back the writer.
    pub fn finish(mut self) -> Result<W, io::Error> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> RejectSink for CsvRejectWriter<W> {
    fn reject(&mut self, file: &Path, line: u64, reason: &str, raw: &str) -> Result<(), io::Error> {
        write_field(&mut self.out, &file.display().to_string())?;
        write!(self.out, ",{line},")?;
        write_field(&mut self.out, reason)?;
        self.out.write_all(b",")?;
        write_field(&mut self.out, raw)?;
        self.out.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }
}

/// One RFC 4180 field: quoted when it holds `,`, `"`, CR or LF, or starts or ends with a space.
fn write_field<W: Write>(out: &mut W, s: &str) -> Result<(), io::Error> {
    let needs = s.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
        || s.starts_with(' ')
        || s.ends_with(' ');
    if !needs {
        return out.write_all(s.as_bytes());
    }
    out.write_all(b"\"")?;
    let mut parts = s.split('"');
    if let Some(first) = parts.next() {
        out.write_all(first.as_bytes())?;
    }
    for p in parts {
        out.write_all(b"\"\"")?;
        out.write_all(p.as_bytes())?;
    }
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting() {
        let mut w = CsvRejectWriter::new(Vec::new()).unwrap();
        w.reject(
            Path::new("d/events.csv"),
            7,
            "at: \"x\" is not a time",
            "e1,a,,x",
        )
        .unwrap();
        w.reject(Path::new("a.csv"), 3, "empty id", "\"multi\nline\",2")
            .unwrap();
        w.reject(Path::new("a.csv"), 4, "ok", "plain").unwrap();
        assert_eq!(w.count(), 3);
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "file,line,reason,row\n\
             d/events.csv,7,\"at: \"\"x\"\" is not a time\",\"e1,a,,x\"\n\
             a.csv,3,empty id,\"\"\"multi\nline\"\",2\"\n\
             a.csv,4,ok,plain\n"
        );
        // The csv crate reads the fields back unchanged.
        let mut r = csv::Reader::from_reader(out.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
        assert_eq!(&rows[1][3], "\"multi\nline\",2");
        assert_eq!(&rows[0][2], "at: \"x\" is not a time");
    }

    #[test]
    fn memory_keeps_order() {
        let mut m = MemoryRejects::new();
        m.reject(Path::new("x"), 2, "r", "raw").unwrap();
        assert_eq!(m.rows[0].line, 2);
        assert_eq!(m.rows[0].raw, "raw");
    }
}
