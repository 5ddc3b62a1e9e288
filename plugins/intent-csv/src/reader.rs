//! [`IntentReader`]: the rows of an intent export, given piece by piece,
//! checked and added to a [`Batch`] (or rejected, with line and reason).
//!
//! Most rows take the fast path: no quotes (so the cells are the bytes
//! between the commas), a piece that is valid UTF-8 as a whole (so every
//! cell is: the cuts are ASCII), a score of up to three digits and a week
//! seen before (an export repeats a few dozen weeks on every row). Any
//! other row takes the general path; both give the same values and the same
//! reasons.

use std::borrow::Cow;
use std::collections::HashSet;

use mqa_plugin_sdk::{Batch, Reject, Request, Value};
use mqa_syntax::time::parse_timestamp;

use crate::records::{Next, Record, Records};
use crate::FIELDS;

const COLUMNS: [&str; 4] = ["domain", "topic", "score", "week"];

/// Rows read before the batch is sized for the rest of the file.
const SAMPLE_ROWS: usize = 1024;

/// A cell shown in a reason: quoted and escaped.
fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

fn not_utf8(c: usize) -> String {
    format!(
        "the `{}` cell is not UTF-8 text",
        COLUMNS.get(c).unwrap_or(&"")
    )
}

/// Indexes of `domain`, `topic`, `score`, `week` in the header record.
fn header_columns(rec: &Record<'_>, origin: &str) -> Result<[usize; 4], String> {
    let mut idx = [usize::MAX; 4];
    for (i, f) in rec.fields.iter().enumerate() {
        if let Some(c) = COLUMNS
            .iter()
            .position(|c| c.as_bytes().eq_ignore_ascii_case(f))
        {
            if let Some(slot) = idx.get_mut(c).filter(|s| **s == usize::MAX) {
                *slot = i;
            } else {
                return Err(format!(
                    "`{origin}` line {}: the header names `{}` twice",
                    rec.line,
                    COLUMNS.get(c).unwrap_or(&"")
                ));
            }
        }
    }
    if let Some(missing) = idx.iter().position(|i| *i == usize::MAX) {
        return Err(format!(
            "`{origin}` line {}: the header has no `{}` column (expected domain,topic,score,week)",
            rec.line,
            COLUMNS.get(missing).unwrap_or(&"")
        ));
    }
    Ok(idx)
}

/// The date of each `week` text seen, in a small hash table (a file
/// repeats a few dozen weeks on every row). Only valid weeks are kept; once
/// the table is full, other weeks are parsed every time.
struct Weeks {
    /// `(first 8 bytes, last 2 bytes, date)` of a 10-byte week text.
    slots: Vec<(u64, u16, Option<i64>)>,
}

impl Weeks {
    const SLOTS: usize = 256;
    /// Slots looked at for one week (from the one its hash picks).
    const PROBES: usize = 4;

    fn new() -> Weeks {
        Weeks {
            slots: vec![(0, 0, None); Self::SLOTS],
        }
    }

    /// The time of a `YYYY-MM-DD` week (00:00:00Z); `None` when it is not one.
    #[inline]
    fn at(&mut self, week: &str) -> Option<i64> {
        let b = week.as_bytes();
        if b.len() != 10 {
            return None;
        }
        let mut head = [0u8; 8];
        head.copy_from_slice(b.get(..8)?);
        let mut tail = [0u8; 2];
        tail.copy_from_slice(b.get(8..)?);
        let (head, tail) = (u64::from_le_bytes(head), u16::from_le_bytes(tail));
        let hash = (head ^ u64::from(tail) << 32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let first = (hash >> 56) as usize;
        for k in 0..Self::PROBES {
            let slot = (first + k) % Self::SLOTS;
            match self.slots.get(slot) {
                Some(&(h, t, Some(at))) if h == head && t == tail => return Some(at),
                Some((_, _, Some(_))) => {}
                _ => {
                    let at = parse_timestamp(week)?;
                    if let Some(s) = self.slots.get_mut(slot) {
                        *s = (head, tail, Some(at));
                    }
                    return Some(at);
                }
            }
        }
        parse_timestamp(week)
    }
}

/// The number written with at most three ASCII digits (and no other byte).
#[inline]
fn small_number(b: &[u8]) -> Option<u32> {
    (b.len() <= 3 && b.iter().all(u8::is_ascii_digit))
        .then(|| b.iter().fold(0u32, |v, d| v * 10 + u32::from(d - b'0')))
}

/// A non-empty score cell as a value in 0–100.
fn read_score(score: &str) -> Result<Value<'static>, String> {
    if let Some(v) = small_number(score.as_bytes()) {
        // The same number `parse::<f64>` gives, exactly.
        return if v <= 100 {
            Ok(Value::Number(f64::from(v)))
        } else {
            Err(format!("score {score} is outside 0–100"))
        };
    }
    match score.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=100.0).contains(&s) => Ok(Value::Number(s)),
        Ok(s) if s.is_finite() => Err(format!("score {score} is outside 0–100")),
        _ => Err(format!("score {} is not a number", show(score.as_bytes()))),
    }
}

/// (domain, at, topic, score) of a row, or why it is rejected.
type RowResult<'a> = Result<(&'a str, i64, Value<'a>, Value<'a>), String>;

/// Checks a row's cells, given by `cell` (the `domain`, `topic`, `score`,
/// `week` cell as UTF-8 text, or why not), in that order.
#[inline]
fn read_cells<'r>(
    cell: impl Fn(usize) -> Result<&'r str, String>,
    weeks: &mut Weeks,
) -> RowResult<'r> {
    let (domain, topic, score, week) = (cell(0)?, cell(1)?, cell(2)?, cell(3)?);
    if domain.is_empty() {
        return Err("empty domain".to_string());
    }
    if week.is_empty() {
        return Err("empty week".to_string());
    }
    let Some(at) = weeks.at(week) else {
        return Err(format!(
            "week {} is not a date (YYYY-MM-DD)",
            show(week.as_bytes())
        ));
    };
    let score = if score.is_empty() {
        Value::Missing
    } else {
        read_score(score)?
    };
    let topic = if topic.is_empty() {
        Value::Missing
    } else {
        Value::Text(topic)
    };
    Ok((domain, at, topic, score))
}

fn wrong_width(width: usize, found: usize) -> String {
    format!("expected {width} fields (as in the header), found {found}")
}

/// Reads a record of the general parser.
fn read_record<'r>(
    rec: &'r Record<'_>,
    cols: &[usize; 4],
    width: usize,
    weeks: &mut Weeks,
) -> RowResult<'r> {
    if let Some(e) = rec.error {
        return Err(e.to_string());
    }
    if rec.fields.len() != width {
        return Err(wrong_width(width, rec.fields.len()));
    }
    let cell = |c: usize| -> Result<&'r str, String> {
        let b: &'r Cow<'_, [u8]> = cols
            .get(c)
            .and_then(|&i| rec.fields.get(i))
            .ok_or("missing field")?;
        std::str::from_utf8(b).map_err(|_| not_utf8(c))
    };
    read_cells(cell, weeks)
}

/// The fast path for a record without quotes: `text`, valid UTF-8, cut at
/// the commas `cuts`. Gives the row when it has the header's width, a
/// domain, a valid week and an empty or up-to-three-digit score of at most
/// 100; `None` for anything else ([`read_plain`] then reads the record and
/// says what is wrong with it, or reads the score the general way).
#[inline]
fn fast_row<'r>(
    text: &'r str,
    cuts: &[usize],
    cols: &[usize; 4],
    width: usize,
    weeks: &mut Weeks,
) -> Option<(&'r str, i64, Value<'r>, Value<'r>)> {
    if cuts.len() + 1 != width {
        return None;
    }
    let cell = |c: usize| -> Option<&'r str> {
        let i = *cols.get(c)?;
        let from = match i.checked_sub(1) {
            None => 0,
            Some(p) => cuts.get(p)? + 1,
        };
        let to = cuts.get(i).copied().unwrap_or(text.len());
        text.get(from..to)
    };
    let (domain, topic, score, week) = (cell(0)?, cell(1)?, cell(2)?, cell(3)?);
    if domain.is_empty() {
        return None;
    }
    let at = weeks.at(week)?;
    let score = match score.as_bytes() {
        [] => Value::Missing,
        b => match small_number(b)? {
            v if v <= 100 => Value::Number(f64::from(v)),
            _ => return None,
        },
    };
    let topic = if topic.is_empty() {
        Value::Missing
    } else {
        Value::Text(topic)
    };
    Some((domain, at, topic, score))
}

/// Reads a record without quotes: `raw` cut at the commas `cuts`; `text`
/// is `raw` as UTF-8 when the piece it comes from is valid UTF-8.
#[inline]
fn read_plain<'r>(
    raw: &'r [u8],
    text: Option<&'r str>,
    cuts: &[usize],
    cols: &[usize; 4],
    width: usize,
    weeks: &mut Weeks,
) -> RowResult<'r> {
    if cuts.len() + 1 != width {
        return Err(wrong_width(width, cuts.len() + 1));
    }
    let cell = |c: usize| -> Result<&'r str, String> {
        let i = cols.get(c).copied().unwrap_or(usize::MAX);
        let from = match i.checked_sub(1) {
            None => 0,
            Some(p) => cuts.get(p).map_or(usize::MAX, |&p| p + 1),
        };
        let to = cuts.get(i).copied().unwrap_or(raw.len());
        // A piece of valid UTF-8 cut at commas gives valid UTF-8.
        match text.and_then(|t| t.get(from..to)) {
            Some(s) => Ok(s),
            None => std::str::from_utf8(raw.get(from..to).ok_or("missing field")?)
                .map_err(|_| not_utf8(c)),
        }
    };
    read_cells(cell, weeks)
}

/// Reads an intent export piece by piece into a [`Batch`].
pub(crate) struct IntentReader<'q> {
    origin: &'q str,
    request: &'q Request,
    keys: Option<HashSet<&'q str>>,
    /// The column of `domain`, `topic`, `score`, `week` and the number of
    /// columns, once the header is read.
    header: Option<([usize; 4], usize)>,
    /// Line number of the next record.
    line: u64,
    /// The file's size in bytes (0 if unknown), and the bytes read so far.
    size: u64,
    read: u64,
    sized: bool,
    batch: Batch,
    weeks: Weeks,
    /// Where the commas of the current record are.
    cuts: Vec<usize>,
}

impl<'q> IntentReader<'q> {
    /// A reader of the file `origin`, `size` bytes long (0 if unknown).
    pub fn new(origin: &'q str, request: &'q Request, size: u64) -> IntentReader<'q> {
        let keys = request.key_set();
        IntentReader {
            origin,
            request,
            keys,
            header: None,
            line: 1,
            size,
            read: 0,
            sized: false,
            batch: Batch::new(FIELDS),
            weeks: Weeks::new(),
            cuts: Vec::with_capacity(8),
        }
    }

    /// Reads the complete records of `piece`, the file's next bytes (after
    /// any byte order mark); `last` when it runs to the end of the file.
    /// Returns how many bytes it read: the rest starts a record `piece`
    /// cuts off, to be given again with the bytes that follow.
    pub fn feed(&mut self, piece: &[u8], last: bool) -> Result<usize, String> {
        let mut records = Records::new(piece, self.line, last);
        let mut rec = Record::default();
        let (cols, width) = match self.header {
            Some(h) => h,
            None => loop {
                if !records.next_into(&mut rec) {
                    return Ok(self.done(&records));
                }
                if !rec.raw.is_empty() {
                    let h = (header_columns(&rec, self.origin)?, rec.fields.len());
                    self.header = Some(h);
                    break h;
                }
            },
        };
        // Valid UTF-8 as a whole: then so is every cell.
        let text = std::str::from_utf8(piece).ok();
        let mut cuts = std::mem::take(&mut self.cuts);
        loop {
            let start = records.consumed();
            let (line, raw, row) = match records.next_plain(&mut cuts) {
                Next::Plain(_, []) => continue,
                Next::Plain(line, raw) => {
                    let text = text.and_then(|t| t.get(start..start + raw.len()));
                    let fast = text.and_then(|t| fast_row(t, &cuts, &cols, width, &mut self.weeks));
                    let row = match fast {
                        Some(row) => Ok(row),
                        None => read_plain(raw, text, &cuts, &cols, width, &mut self.weeks),
                    };
                    (line, raw, row)
                }
                Next::Quoted => {
                    if !records.next_into(&mut rec) {
                        break;
                    }
                    if rec.raw.is_empty() {
                        continue;
                    }
                    let row = read_record(&rec, &cols, width, &mut self.weeks);
                    (rec.line, rec.raw, row)
                }
                Next::End => break,
            };
            match row {
                Ok((domain, at, topic, score)) => {
                    let wanted = self.request.wants_time(at)
                        && match &self.keys {
                            None => true,
                            Some(k) => k.contains(domain),
                        };
                    if wanted {
                        self.batch.push_row(domain, at, &[topic, score])?;
                        if !self.sized && self.batch.len() == SAMPLE_ROWS {
                            self.size_batch(records.consumed());
                        }
                    }
                }
                Err(reason) => self.batch.reject(Reject {
                    origin: self.origin.to_string(),
                    line,
                    raw: String::from_utf8_lossy(raw).into_owned(),
                    reason,
                }),
            }
        }
        self.cuts = cuts;
        Ok(self.done(&records))
    }

    /// Notes what `records` read; returns the bytes it took.
    fn done(&mut self, records: &Records<'_>) -> usize {
        self.line = records.next_line();
        self.read += records.consumed() as u64;
        records.consumed()
    }

    /// Sizes the batch for the rest of the file, at the rate of rows (and
    /// text bytes per row) so far; `consumed` bytes of the current piece are read.
    fn size_batch(&mut self, consumed: usize) {
        self.sized = true;
        let read = self.read + consumed as u64;
        if read == 0 || self.size <= read {
            return;
        }
        let rows = self.batch.len() as u64;
        let more = (self.size - read).saturating_mul(rows) / read;
        let more = usize::try_from(more + more / 16 + 64).unwrap_or(0);
        self.batch.reserve(more);
    }

    /// The batch; an error when the file has no header.
    pub fn finish(self) -> Result<Batch, String> {
        match self.header {
            Some(_) => Ok(self.batch),
            None => Err(format!(
                "`{}` is empty: expected the header domain,topic,score,week",
                self.origin
            )),
        }
    }
}
