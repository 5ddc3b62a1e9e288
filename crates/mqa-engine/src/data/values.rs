//! Parsing one cell by its declared type: numbers with `_` separators and
//! `k`/`M`/`B` suffixes, booleans, timestamps, `;`-separated lists in CSV and
//! JSON values in JSONL. Cells are never trimmed; an empty cell is missing.
//! A value that does not parse gives the reject reason, naming column and value.

use super::column::{Staged, TextStore};
use mqa_syntax::time::{
    days_from_civil, parse_timestamp, Micros, MICROS_PER_DAY, MICROS_PER_SECOND,
};
use mqa_syntax::FieldType;
use serde_json::Value;
use std::borrow::Cow;

/// One cell of a row, as a reader hands it over.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// An absent JSON field or `null`.
    Missing,
    /// A CSV cell (already unquoted).
    Bytes(&'a [u8]),
    /// A JSONL field.
    Json(&'a Value),
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A number as the data formats write it: optional `-`, digits with single
/// `_` between digits, an optional `.` fraction, an optional suffix `k`
/// (×1e3), `M` (×1e6) or `B` (×1e9). Also reports whether the value is a
/// whole number (decided on the digits, not on the rounded `f64`).
/// `None` for anything else, and for values too large to be finite.
pub fn parse_decimal(b: &[u8]) -> Option<(f64, bool)> {
    if let Some(v) = plain_digits(b) {
        return Some((v as f64, true));
    }
    let (neg, rest) = match b.split_first() {
        Some((b'-', r)) => (true, r),
        _ => (false, b),
    };
    let (body, scale) = match rest.split_last() {
        Some((b'k', r)) => (r, 3i32),
        Some((b'M', r)) => (r, 6),
        Some((b'B', r)) => (r, 9),
        _ => (rest, 0),
    };
    let mut mant: u64 = 0;
    let mut exact = true;
    let mut frac_digits: i32 = 0;
    let mut last_nonzero_frac: i32 = 0;
    let mut seen_dot = false;
    let mut prev_digit = false;
    for (i, &c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                let d = u64::from(c - b'0');
                if seen_dot {
                    frac_digits += 1;
                    if d != 0 {
                        last_nonzero_frac = frac_digits;
                    }
                }
                if mant < 100_000_000_000_000_000 {
                    mant = mant * 10 + d;
                } else {
                    exact = false;
                }
                prev_digit = true;
            }
            b'_' => {
                let next_digit = body.get(i + 1).is_some_and(u8::is_ascii_digit);
                if !prev_digit || !next_digit {
                    return None;
                }
                prev_digit = false;
            }
            b'.' => {
                if seen_dot || !prev_digit {
                    return None;
                }
                seen_dot = true;
                prev_digit = false;
            }
            _ => return None,
        }
    }
    if !prev_digit {
        return None;
    }
    let whole = last_nonzero_frac <= scale;
    let exp = scale - frac_digits;
    let v = if exact && mant <= (1u64 << 53) && (-22..=22).contains(&exp) {
        let m = mant as f64;
        let p = POW10
            .get(exp.unsigned_abs() as usize)
            .copied()
            .unwrap_or(1.0);
        if exp >= 0 {
            m * p
        } else {
            m / p
        }
    } else {
        slow_decimal(body, scale)?
    };
    if !v.is_finite() {
        return None;
    }
    Some((if neg { -v } else { v }, whole))
}

/// The value of 1 to 15 ASCII digits and nothing else (the usual cell of
/// an `int` or `number` column: exact as an `f64`, as [`parse_decimal`]'s
/// general path would give it); `None` for anything else.
#[inline]
fn plain_digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 15 {
        return None;
    }
    b.iter().try_fold(0u64, |v, &c| {
        let d = c.wrapping_sub(b'0');
        (d <= 9).then(|| v * 10 + u64::from(d))
    })
}

/// Correctly rounded fallback for long digit strings (already validated).
fn slow_decimal(body: &[u8], scale: i32) -> Option<f64> {
    let mut s = String::with_capacity(body.len() + 4);
    s.extend(body.iter().filter(|&&c| c != b'_').map(|&c| char::from(c)));
    s.push('e');
    s.push_str(&scale.to_string());
    s.parse::<f64>().ok()
}

/// A `number` cell.
pub fn parse_number(b: &[u8]) -> Option<f64> {
    parse_decimal(b).map(|(v, _)| v)
}

/// An `int` cell: a [`parse_number`] value without a fraction (`1.2k` is 1200, `1.5` is not an int).
pub fn parse_int(b: &[u8]) -> Option<f64> {
    match parse_decimal(b) {
        Some((v, true)) => Some(v),
        _ => None,
    }
}

/// A `bool` cell: `true/false/yes/no/1/0` in any case.
pub fn parse_bool(b: &[u8]) -> Option<bool> {
    // The usual spellings first, compared as they are.
    match b {
        b"true" => return Some(true),
        b"false" => return Some(false),
        _ => {}
    }
    const TRUE: [&[u8]; 3] = [b"true", b"yes", b"1"];
    const FALSE: [&[u8]; 3] = [b"false", b"no", b"0"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(b)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(b)) {
        Some(false)
    } else {
        None
    }
}

/// A `time` cell: RFC 3339 with an offset, or a bare date (midnight UTC).
/// The error is the reason's tail (after the quoted value).
pub fn parse_time(b: &[u8]) -> Result<Micros, &'static str> {
    let s = std::str::from_utf8(b).map_err(|_| "is not a time")?;
    if let Some(t) = parse_timestamp(s) {
        return Ok(t);
    }
    if s.len() > 10 && parse_timestamp(&format!("{s}Z")).is_some() {
        return Err("is not a time: a UTC offset is required (add `Z` or `+HH:MM`)");
    }
    Err("is not a time (RFC 3339 with an offset, or YYYY-MM-DD)")
}

/// Days of the dates [`parse_utc_seconds`] read lately: a table with a
/// slot for each month and day of two years running, by the date's digits
/// (two dates share a slot only two years apart, so an export of up to two
/// years never evicts a date; a slot by a hash of the date evicted one in
/// thirteen dates read, 210 000 at 100 000 accounts).
#[derive(Debug, Clone)]
pub(crate) struct DayCache {
    /// `(YYYY-MM- as a word, DD as a number, day in micros)`; DD 0 = empty
    /// (two ASCII digits never read as 0).
    slots: Box<[(u64, u16, Micros)]>,
}

/// Slots of a [`DayCache`]: year's parity, month, day (see [`day_slot`]).
const DAY_SLOTS: usize = 1024;

impl Default for DayCache {
    fn default() -> Self {
        DayCache {
            slots: vec![(0, 0, 0); DAY_SLOTS].into_boxed_slice(),
        }
    }
}

/// The [`DayCache`] slot of `YYYY-MM-DD`'s digits: distinct for the valid
/// dates of two years running (any bytes give a slot; only a date checked
/// before is found there).
#[inline(always)]
fn day_slot(y3: u8, m0: u8, m1: u8, d0: u8, d1: u8) -> usize {
    let month = usize::from(m0 & 1) * 10 + usize::from(m1 & 15);
    let day = usize::from(d0 & 3) * 10 + usize::from(d1 & 15);
    (usize::from(y3 & 1) << 9 | month << 5 | day) & (DAY_SLOTS - 1)
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly, the usual spelling in exports: the value
/// [`parse_timestamp`] gives, found without building a `&str`, each date
/// checked and converted once (a date found in the cache is the same text
/// as one checked before). `None` for any other spelling (left to
/// [`parse_time`], which decides).
#[inline(always)]
pub(crate) fn parse_utc_seconds(b: &[u8], cache: &mut DayCache) -> Option<Micros> {
    let b: &[u8; 20] = b.try_into().ok()?;
    let &[_, _, _, y3, _, m0, m1, _, d0, d1, b'T', _, _, _, _, _, _, _, _, b'Z'] = b else {
        return None;
    };
    let word = |i: usize| -> u64 {
        b.get(i..i + 8).map_or(0, |s| {
            let mut w = [0u8; 8];
            w.copy_from_slice(s);
            u64::from_le_bytes(w)
        })
    };
    // `HH:MM:SS` as one word: digits become 0..=9 and the colons 0, and
    // any other byte gives a byte of 10 or more.
    let x = word(11) ^ 0x3030_3a30_303a_3030;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if (x | x.wrapping_add(0x7676_7676_7676_7676)) & HIGH != 0 || x & 0x0000_ff00_00ff_0000 != 0 {
        return None;
    }
    // Tens at bytes 0, 3 and 6, ones after them: the three numbers at bytes 0, 3 and 6.
    const TENS: u64 = 0x00ff_0000_ff00_00ff;
    let v = (x & TENS) * 10 + ((x >> 8) & TENS);
    let (h, mi, se) = (v & 0xff, (v >> 24) & 0xff, (v >> 48) & 0xff);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let date = word(0);
    let dd = u16::from_le_bytes([d0, d1]);
    let at = day_slot(y3, m0, m1, d0, d1);
    let micros = (h * 3600 + mi * 60 + se) as i64 * MICROS_PER_SECOND;
    match cache.slots.get(at) {
        Some(&(w, d, day)) if w == date && d == dd => Some(day + micros),
        // Last, so that the usual path keeps nothing across a call.
        _ => new_day(b, cache, at, micros),
    }
}

/// [`parse_utc_seconds`] of a date not in slot `at` of the cache: the day
/// of the `YYYY-MM-DD` that starts `b` when valid, remembered, plus `micros`.
#[cold]
#[inline(never)]
fn new_day(b: &[u8; 20], cache: &mut DayCache, at: usize, micros: Micros) -> Option<Micros> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, ..] = b else {
        return None;
    };
    let two = |a: u8, b: u8| -> Option<u32> {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    let y = i64::from(two(y0, y1)? * 100 + two(y2, y3)?);
    let (mo, d) = (two(m0, m1)?, two(d0, d1)?);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    let day = days_from_civil(y, mo, d) * MICROS_PER_DAY;
    let mut date = [0u8; 8];
    date.copy_from_slice(b.get(..8).unwrap_or(&[0; 8]));
    if let Some(slot) = cache.slots.get_mut(at) {
        *slot = (u64::from_le_bytes(date), u16::from_le_bytes([d0, d1]), day);
    }
    Some(day + micros)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `value` shown in a reject reason: quoted, escaped, cut after 80 characters.
pub(crate) fn show(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(80).collect();
        format!("{:?}…", cut)
    } else {
        format!("{:?}", s)
    }
}

fn show_json(v: &Value) -> String {
    let s = v.to_string();
    show(s.as_bytes())
}

/// A text cell: `None` when missing or empty. `utf8_ok`: the bytes are
/// known to be valid UTF-8 (the whole batch was checked), so the cell is not
/// checked again.
#[inline]
pub(crate) fn cell_text<'a>(
    name: &str,
    cell: Cell<'a>,
    utf8_ok: bool,
) -> Result<Option<Cow<'a, [u8]>>, String> {
    match cell {
        Cell::Missing => Ok(None),
        Cell::Bytes([]) => Ok(None),
        Cell::Bytes(b) => {
            if utf8_ok || std::str::from_utf8(b).is_ok() {
                Ok(Some(Cow::Borrowed(b)))
            } else {
                Err(format!("{name}: {} is not valid UTF-8", show(b)))
            }
        }
        Cell::Json(Value::Null) => Ok(None),
        Cell::Json(Value::String(s)) if s.is_empty() => Ok(None),
        Cell::Json(Value::String(s)) => Ok(Some(Cow::Borrowed(s.as_bytes()))),
        Cell::Json(Value::Number(n)) => Ok(Some(Cow::Owned(n.to_string().into_bytes()))),
        Cell::Json(v) => Err(format!("{name}: {} is not a text", show_json(v))),
    }
}

fn type_word(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Text => "a text",
        FieldType::Int => "an int",
        FieldType::Number => "a number",
        FieldType::Bool => "a bool",
        FieldType::Time => "a time",
        FieldType::ListText => "a list of texts",
        FieldType::ListNumber => "a list of numbers",
    }
}

fn not_a(name: &str, shown: String, ty: FieldType) -> String {
    format!("{name}: {shown} is not {}", type_word(ty))
}

/// Parses one cell of a declared field `name` of type `ty`.
/// `utf8_ok` as in [`cell_text`].
pub(crate) fn stage<S: TextStore>(
    name: &str,
    ty: FieldType,
    cell: Cell<'_>,
    store: &mut S,
    utf8_ok: bool,
) -> Result<Staged<S::Ref>, String> {
    match cell {
        Cell::Missing | Cell::Bytes([]) | Cell::Json(Value::Null) => {
            Ok(Staged::missing(ty, S::MISSING))
        }
        Cell::Bytes(b) => stage_bytes(name, ty, b, store, utf8_ok),
        Cell::Json(v) => stage_json(name, ty, v, store),
    }
}

/// Parses a non-empty CSV cell (or a text value a plugin handed over);
/// `utf8_ok` as in [`cell_text`].
pub(crate) fn stage_bytes<S: TextStore>(
    name: &str,
    ty: FieldType,
    b: &[u8],
    store: &mut S,
    utf8_ok: bool,
) -> Result<Staged<S::Ref>, String> {
    let bad = || not_a(name, show(b), ty);
    let valid = || utf8_ok || std::str::from_utf8(b).is_ok();
    Ok(match ty {
        FieldType::Text => {
            if !valid() {
                return Err(format!("{name}: {} is not valid UTF-8", show(b)));
            }
            Staged::Text(store.put(b))
        }
        FieldType::Int => Staged::Number(parse_int(b).ok_or_else(bad)?),
        FieldType::Number => Staged::Number(parse_number(b).ok_or_else(bad)?),
        FieldType::Bool => Staged::Bool(u8::from(parse_bool(b).ok_or_else(bad)?)),
        FieldType::Time => match parse_time(b) {
            Ok(t) => Staged::Time(t),
            Err(why) => return Err(format!("{name}: {} {why}", show(b))),
        },
        FieldType::ListText => {
            if !valid() {
                return Err(bad());
            }
            let mut items = Vec::new();
            for item in b.split(|&c| c == b';') {
                if item.is_empty() {
                    return Err(format!("{name}: {} has an empty list item", show(b)));
                }
                items.push(store.put(item));
            }
            Staged::ListText(Some(items.into_boxed_slice()))
        }
        FieldType::ListNumber => {
            let mut items = Vec::new();
            for item in b.split(|&c| c == b';') {
                match parse_number(item) {
                    Some(x) => items.push(x),
                    None => {
                        return Err(format!("{} (item {})", bad(), show(item)));
                    }
                }
            }
            Staged::ListNumber(Some(items.into_boxed_slice()))
        }
    })
}

fn stage_json<S: TextStore>(
    name: &str,
    ty: FieldType,
    v: &Value,
    store: &mut S,
) -> Result<Staged<S::Ref>, String> {
    let bad = || not_a(name, show_json(v), ty);
    match (ty, v) {
        (_, Value::String(s)) if s.is_empty() => Ok(Staged::missing(ty, S::MISSING)),
        (FieldType::Text, _) => match cell_text(name, Cell::Json(v), true)? {
            Some(s) => Ok(Staged::Text(store.put(&s))),
            None => Ok(Staged::Text(S::MISSING)),
        },
        (FieldType::Int, Value::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() && x.fract() == 0.0 => Ok(Staged::Number(x)),
            _ => Err(bad()),
        },
        (FieldType::Number, Value::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(Staged::Number(x)),
            _ => Err(bad()),
        },
        (FieldType::Bool, Value::Bool(x)) => Ok(Staged::Bool(u8::from(*x))),
        (
            FieldType::Int | FieldType::Number | FieldType::Bool | FieldType::Time,
            Value::String(s),
        ) => stage_bytes(name, ty, s.as_bytes(), store, true),
        (FieldType::ListText, Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match cell_text(name, Cell::Json(item), true) {
                    Ok(Some(s)) => out.push(store.put(&s)),
                    _ => return Err(format!("{} (item {})", bad(), show_json(item))),
                }
            }
            Ok(Staged::ListText(Some(out.into_boxed_slice())))
        }
        (FieldType::ListNumber, Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let x = match item {
                    Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
                    Value::String(s) => parse_number(s.as_bytes()),
                    _ => None,
                };
                match x {
                    Some(x) => out.push(x),
                    None => return Err(format!("{} (item {})", bad(), show_json(item))),
                }
            }
            Ok(Staged::ListNumber(Some(out.into_boxed_slice())))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
