//! The RFC 4180 record scanner: splits one record of a byte buffer into
//! fields, unquoting where needed, and says where the next record starts.
//!
//! Records end at `\n` or `\r\n`; a quoted field may hold `,`, newlines and
//! `""` (an escaped quote). A quote inside an unquoted field is kept as
//! text. Text after a closing quote and a quote never closed make the record
//! malformed; an unclosed quote ends the record at the end of its first line.

use memchr::{memchr, memchr2, memchr_iter};

/// Where a field's bytes are: in the scanned buffer or (when it had `""`
/// escapes) in the scanner's scratch buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Span {
    Buf(usize, usize),
    Scratch(usize, usize),
}

pub(super) enum Scan {
    /// The record runs past the end of the buffer.
    NeedMore,
    /// The record's raw end (terminator excluded), where the next record
    /// starts, and the newlines inside quoted fields.
    Done {
        end: usize,
        next: usize,
        newlines: u64,
    },
}

/// The fields of the last scanned record.
#[derive(Debug, Default)]
pub(super) struct Scanner {
    pub fields: Vec<Span>,
    pub scratch: Vec<u8>,
    pub malformed: Option<String>,
}

impl Scanner {
    /// The bytes of a field of the last record scanned in `data`.
    pub(super) fn bytes<'a>(&'a self, data: &'a [u8], span: Span) -> &'a [u8] {
        match span {
            Span::Buf(a, b) => data.get(a..b).unwrap_or_default(),
            Span::Scratch(a, b) => self.scratch.get(a..b).unwrap_or_default(),
        }
    }

    /// A quote that is never closed (before the end of the file, or within
    /// `max_record` bytes): the record's first physical line is the row
    /// (rejected), and reading resumes on the next line, so one stray quote
    /// cannot swallow the rest of the file.
    fn unterminated(&mut self, data: &[u8], start: usize, line_end: Option<usize>) -> Scan {
        let data_len = data.len();
        self.fields.clear();
        self.malformed = Some("unterminated quoted field".to_string());
        match line_end {
            Some(e) => {
                let end = if e > start && data.get(e - 1) == Some(&b'\r') {
                    e - 1
                } else {
                    e
                };
                Scan::Done {
                    end,
                    next: e + 1,
                    newlines: 0,
                }
            }
            None => Scan::Done {
                end: data_len,
                next: data_len,
                newlines: 0,
            },
        }
    }

    /// Splits the record starting at `pos` of `data` into fields. `eof`:
    /// `data` ends where the file ends; otherwise a record running to the end
    /// of `data` needs more bytes.
    pub(super) fn scan(&mut self, data: &[u8], pos: usize, eof: bool, max_record: usize) -> Scan {
        self.fields.clear();
        self.scratch.clear();
        self.malformed = None;
        let mut newlines = 0u64;
        let mut i = pos;
        loop {
            if data.get(i) == Some(&b'"') {
                let content = i + 1;
                let mut j = content;
                let mut escaped = false;
                let sstart = self.scratch.len();
                loop {
                    let rest = data.get(j..).unwrap_or_default();
                    let Some(k) = memchr(b'"', rest) else {
                        if !eof && data.len() - pos <= max_record {
                            return Scan::NeedMore;
                        }
                        let line_end =
                            memchr(b'\n', data.get(pos..).unwrap_or_default()).map(|k| pos + k);
                        return self.unterminated(data, pos, line_end);
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
