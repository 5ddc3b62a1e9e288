//! Splits CSV text (RFC 4180) into records, keeping each record's first
//! line number and raw text for reject reports.
//!
//! Records end at `\n` or `\r\n`; a quoted field may hold `,`, newlines and
//! `""` (an escaped quote); a quote inside an unquoted field is kept as is.
//! Cells are not trimmed. A record with text after a closing quote, or an
//! unterminated quote, is marked with an error (the caller rejects it).
//!
//! The text may come in pieces: [`Records`] reads the complete records of
//! one piece and stops before a record the piece cuts off (unless the piece
//! is the last one), so the caller can carry those bytes over to the next.
//! A record without quotes (almost every one) is found in one pass that
//! looks at sixteen bytes at a time and notes where its commas are
//! ([`Records::next_plain`]); a record with quotes goes through the full
//! state machine ([`Records::next_into`]).

use std::borrow::Cow;

/// One record: where it starts, its raw bytes (without the line end) and its fields.
#[derive(Debug, Default)]
pub(crate) struct Record<'a> {
    /// 1-based line number of the record's first line.
    pub line: u64,
    pub raw: &'a [u8],
    pub fields: Vec<Cow<'a, [u8]>>,
    /// Why the record is malformed, if it is.
    pub error: Option<&'static str>,
}

/// What [`Records::next_plain`] found.
#[derive(Debug, PartialEq)]
pub(crate) enum Next<'a> {
    /// A record without quotes: its line number and raw bytes (without the
    /// line end); the commas' positions in it are in the caller's `cuts`.
    Plain(u64, &'a [u8]),
    /// The next record has a quote: read it with [`Records::next_into`].
    Quoted,
    /// No more complete records in this piece.
    End,
}

/// Reads records from a piece of a file's bytes.
pub(crate) struct Records<'a> {
    data: &'a [u8],
    pos: usize,
    next_line: u64,
    /// Whether `data` runs to the end of the file (else a record cut off at
    /// the end of `data` is left for the next piece).
    last: bool,
}

fn strip_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Strips a UTF-8 byte order mark from the start of a file.
pub(crate) fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)
}

/// Bit `k` set when byte `k` of `block` is `,`, `\n` or `"`: SSE2 (part of
/// every x86-64 CPU), one compare per kind for the 16 bytes at once.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)] // the crate's only unsafe block: one unaligned SIMD load
#[inline]
fn specials(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is enabled on every x86_64 target; `_mm_loadu_si128`
    // reads exactly the 16 bytes of `block` and needs no alignment.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let comma = _mm_cmpeq_epi8(v, _mm_set1_epi8(b',' as i8));
        let newline = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8));
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(comma, newline), quote)) as u32
    }
}

/// [`specials`] one byte at a time (other CPUs; on x86-64 a test checks
/// that both agree).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn specials_bytewise(block: &[u8; 16]) -> u32 {
    block
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b',' | b'\n' | b'"'))
        .fold(0, |m, (k, _)| m | 1 << k)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn specials(block: &[u8; 16]) -> u32 {
    specials_bytewise(block)
}

impl<'a> Records<'a> {
    /// Starts at the beginning of `data`, whose first line is line
    /// `first_line` of the file; `last` when `data` runs to the end of it.
    pub fn new(data: &'a [u8], first_line: u64, last: bool) -> Records<'a> {
        Records {
            data,
            pos: 0,
            next_line: first_line,
            last,
        }
    }

    /// Bytes of `data` taken by the records read so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// The line number the next record starts on.
    pub fn next_line(&self) -> u64 {
        self.next_line
    }

    /// Reads the next record if it has no quote, filling `cuts` with the
    /// positions of its commas (in the returned raw bytes).
    #[inline]
    pub fn next_plain(&mut self, cuts: &mut Vec<usize>) -> Next<'a> {
        let data = self.data;
        let start = self.pos;
        if start >= data.len() {
            return Next::End;
        }
        cuts.clear();
        let mut i = start;
        let end = loop {
            // Sixteen bytes at a time, then byte by byte for the tail.
            let Some(block) = data
                .get(i..i + 16)
                .and_then(|b| <&[u8; 16]>::try_from(b).ok())
            else {
                while let Some(&b) = data.get(i) {
                    match b {
                        b',' => cuts.push(i - start),
                        b'\n' => break,
                        b'"' => return Next::Quoted,
                        _ => {}
                    }
                    i += 1;
                }
                if i < data.len() || self.last {
                    break i;
                }
                // The record runs past the end of the piece.
                return Next::End;
            };
            let mut hits = specials(block);
            let mut newline = None;
            while hits != 0 {
                let j = i + hits.trailing_zeros() as usize;
                match data.get(j) {
                    Some(b',') => cuts.push(j - start),
                    Some(b'\n') => {
                        newline = Some(j);
                        break;
                    }
                    _ => return Next::Quoted,
                }
                hits &= hits - 1;
            }
            if let Some(j) = newline {
                break j;
            }
            i += 16;
        };
        // A final CR is not part of the record (and no comma is cut off with it).
        let raw = strip_cr(data.get(start..end).unwrap_or_default());
        self.pos = (end + 1).min(data.len());
        let line_no = self.next_line;
        self.next_line += 1;
        Next::Plain(line_no, raw)
    }

    /// Fills `rec` with the next record; `false` when there is no complete
    /// record left in this piece.
    pub fn next_into(&mut self, rec: &mut Record<'a>) -> bool {
        let rest = match self.data.get(self.pos..) {
            Some(r) if !r.is_empty() => r,
            _ => return false,
        };
        let nl = rest.iter().position(|&b| b == b'\n');
        if nl.is_none() && !self.last {
            return false;
        }
        let line = strip_cr(nl.map_or(rest, |i| rest.get(..i).unwrap_or_default()));
        rec.line = self.next_line;
        rec.fields.clear();
        rec.error = None;
        if !line.contains(&b'"') {
            // No quotes: the record is this one line.
            rec.raw = line;
            rec.fields
                .extend(line.split(|&b| b == b',').map(Cow::Borrowed));
            self.pos += nl.map_or(rest.len(), |i| i + 1);
            self.next_line += 1;
            return true;
        }
        let line_before = self.next_line;
        match self.quoted(rest, rec) {
            Some(consumed) => {
                self.pos += consumed;
                true
            }
            None => {
                // Cut off by the end of the piece: read it again with the next one.
                self.next_line = line_before;
                rec.fields.clear();
                rec.error = None;
                false
            }
        }
    }

    /// Parses a record that has quotes; returns the bytes consumed, or
    /// `None` when the record runs past the end of a piece that is not the last.
    fn quoted(&mut self, rest: &'a [u8], rec: &mut Record<'a>) -> Option<usize> {
        #[derive(PartialEq)]
        enum State {
            FieldStart,
            Unquoted,
            Quoted,
            /// Just saw a quote inside a quoted field.
            QuoteInQuoted,
        }
        let mut state = State::FieldStart;
        let mut field_start = 0usize;
        let mut owned: Option<Vec<u8>> = None;
        let mut i = 0usize;
        let mut end = rest.len();
        let mut consumed = rest.len();
        let push = |fields: &mut Vec<Cow<'a, [u8]>>,
                    from: usize,
                    to: usize,
                    owned: &mut Option<Vec<u8>>| {
            match owned.take() {
                Some(v) => fields.push(Cow::Owned(v)),
                None => fields.push(Cow::Borrowed(rest.get(from..to).unwrap_or_default())),
            }
        };
        while let Some(&b) = rest.get(i) {
            match state {
                State::FieldStart | State::Unquoted if b == b'\n' => {
                    push(&mut rec.fields, field_start, i, &mut owned);
                    end = i;
                    consumed = i + 1;
                    break;
                }
                State::FieldStart | State::Unquoted if b == b',' => {
                    push(&mut rec.fields, field_start, i, &mut owned);
                    field_start = i + 1;
                    state = State::FieldStart;
                }
                State::FieldStart if b == b'"' => {
                    state = State::Quoted;
                    owned = Some(Vec::new());
                }
                State::FieldStart | State::Unquoted => {
                    if let Some(v) = owned.as_mut() {
                        v.push(b);
                    }
                    state = State::Unquoted;
                }
                State::Quoted => {
                    if b == b'\n' {
                        self.next_line += 1;
                    }
                    if b == b'"' {
                        state = State::QuoteInQuoted;
                    } else if let Some(v) = owned.as_mut() {
                        v.push(b);
                    }
                }
                State::QuoteInQuoted => match b {
                    b'"' => {
                        if let Some(v) = owned.as_mut() {
                            v.push(b'"');
                        }
                        state = State::Quoted;
                    }
                    b',' | b'\n' => {
                        state = State::FieldStart;
                        continue; // handled as a field end by the FieldStart arms
                    }
                    b'\r' if rest.get(i + 1) == Some(&b'\n') => {}
                    _ => {
                        rec.error
                            .get_or_insert("text after the closing quote of a field");
                        if let Some(v) = owned.as_mut() {
                            v.push(b);
                        }
                        state = State::Unquoted;
                    }
                },
            }
            i += 1;
        }
        if i >= rest.len() {
            if !self.last {
                return None;
            }
            // End of data without a final newline.
            match state {
                State::Quoted => {
                    rec.error = Some("unterminated quoted field");
                    owned = None;
                    push(&mut rec.fields, field_start, rest.len(), &mut owned);
                }
                _ => push(&mut rec.fields, field_start, rest.len(), &mut owned),
            }
        }
        // The last unquoted field of a CRLF record carries the CR.
        if let Some(Cow::Borrowed(last)) = rec.fields.last_mut() {
            *last = strip_cr(last);
        } else if let Some(Cow::Owned(last)) = rec.fields.last_mut() {
            if last.last() == Some(&b'\r') {
                last.pop();
            }
        }
        rec.raw = strip_cr(rest.get(..end).unwrap_or_default());
        self.next_line += 1;
        Some(consumed)
    }
}

#[cfg(test)]
#[path = "records_tests.rs"]
mod tests;
