//! Splits a CSV file (RFC 4180) into records, keeping each record's first
//! line number and raw text for reject reports.
//!
//! Records end at `\n` or `\r\n`; a quoted field may hold `,`, newlines and
//! `""` (an escaped quote); a quote inside an unquoted field is kept as is.
//! Cells are not trimmed. A record with text after a closing quote, or an
//! unterminated quote, is marked with an error (the caller rejects it).

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

/// Reads records from a whole file's bytes.
pub(crate) struct Records<'a> {
    data: &'a [u8],
    pos: usize,
    next_line: u64,
}

fn strip_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

impl<'a> Records<'a> {
    /// Starts at the beginning of `data`, skipping a UTF-8 byte order mark.
    pub fn new(data: &'a [u8]) -> Records<'a> {
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        Records {
            data,
            pos: 0,
            next_line: 1,
        }
    }

    /// Fills `rec` with the next record; `false` at the end of the data.
    pub fn next_into(&mut self, rec: &mut Record<'a>) -> bool {
        let rest = match self.data.get(self.pos..) {
            Some(r) if !r.is_empty() => r,
            _ => return false,
        };
        rec.line = self.next_line;
        rec.fields.clear();
        rec.error = None;
        let nl = rest.iter().position(|&b| b == b'\n');
        let line = strip_cr(nl.map_or(rest, |i| rest.get(..i).unwrap_or_default()));
        if !line.contains(&b'"') {
            // Fast path: no quotes, the record is this one line.
            rec.raw = line;
            rec.fields
                .extend(line.split(|&b| b == b',').map(Cow::Borrowed));
            self.pos += nl.map_or(rest.len(), |i| i + 1);
            self.next_line += 1;
            return true;
        }
        let consumed = self.quoted(rest, rec);
        self.pos += consumed;
        true
    }

    /// Parses a record that has quotes; returns the bytes consumed.
    fn quoted(&mut self, rest: &'a [u8], rec: &mut Record<'a>) -> usize {
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
        consumed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(data: &str) -> Vec<(u64, String, Vec<String>, Option<&'static str>)> {
        let mut r = Records::new(data.as_bytes());
        let mut rec = Record::default();
        let mut out = Vec::new();
        while r.next_into(&mut rec) {
            out.push((
                rec.line,
                String::from_utf8(rec.raw.to_vec()).unwrap(),
                rec.fields
                    .iter()
                    .map(|f| String::from_utf8(f.to_vec()).unwrap())
                    .collect(),
                rec.error,
            ));
        }
        out
    }

    #[test]
    fn plain_records_and_crlf() {
        let r = all("\u{feff}a,b\r\n1,2\n\n3, 4");
        assert_eq!(r.len(), 4);
        assert_eq!(r[0], (1, "a,b".into(), vec!["a".into(), "b".into()], None));
        assert_eq!(r[1].2, ["1", "2"]);
        assert_eq!(r[2], (3, "".into(), vec!["".into()], None));
        assert_eq!(
            r[3],
            (4, "3, 4".into(), vec!["3".into(), " 4".into()], None)
        );
    }

    #[test]
    fn quoted_fields_with_commas_quotes_and_newlines() {
        let r = all("x,\"a,b\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",2\nlast,1\n");
        assert_eq!(r[0].2, ["x", "a,b", "say \"hi\""]);
        assert_eq!(r[0].1, "x,\"a,b\",\"say \"\"hi\"\"\"");
        assert_eq!(r[1].0, 2);
        assert_eq!(r[1].2, ["multi\nline", "2"]);
        assert_eq!(r[2].0, 4, "line numbers count the embedded newline");
        assert_eq!(r[2].2, ["last", "1"]);
    }

    #[test]
    fn bad_quotes_are_marked() {
        let r = all("\"a\"b,1\nq\"uote,2\n\"open,3\n");
        assert_eq!(r[0].3, Some("text after the closing quote of a field"));
        assert_eq!(r[1].2, ["q\"uote", "2"]);
        assert_eq!(r[1].3, None);
        assert_eq!(r[2].3, Some("unterminated quoted field"));
        assert_eq!(r.len(), 3);
    }
}
