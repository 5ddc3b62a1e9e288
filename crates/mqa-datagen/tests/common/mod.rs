//! Helpers shared by the integration tests: generating into a temporary
//! directory, reading the CSV files back, and an independent timestamp parser.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use mqa_datagen::{generate, GenOptions, GenSummary};

pub struct Generated {
    pub dir: tempfile::TempDir,
    pub summary: GenSummary,
}

pub fn gen(accounts: u64, seed: u64) -> Generated {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenOptions {
        accounts,
        seed,
        ..GenOptions::default()
    };
    let summary = generate(&opts, dir.path(), &mut |_| {}).unwrap();
    Generated { dir, summary }
}

/// A CSV file as its header line and its rows split on commas (the generator
/// never writes a value that needs quoting).
pub struct Table {
    pub header: String,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(dir: &Path, name: &str) -> Table {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.ends_with('\n'), "{name} must end with a line end");
        let mut lines = text.lines();
        let header = lines.next().unwrap().to_string();
        let width = header.split(',').count();
        let rows: Vec<Vec<String>> = lines
            .enumerate()
            .map(|(i, line)| {
                let fields: Vec<String> = line.split(',').map(str::to_string).collect();
                assert_eq!(fields.len(), width, "{name} line {}: {line}", i + 2);
                fields
            })
            .collect();
        Table { header, rows }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header.split(',').position(|h| h == name).unwrap()
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days since 1970-01-01 of `YYYY-MM-DD`, checking the day exists.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&s[0..4])?;
    let m = digits(&s[5..7])?;
    let d = digits(&s[8..10])?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_len = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_len[(m - 1) as usize] {
        return None;
    }
    // Count days the slow, obvious way (independent of the crate's algorithm).
    let mut days = 0;
    for year in 1970..y {
        let l = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        days += if l { 366 } else { 365 };
    }
    for len in &month_len[..(m - 1) as usize] {
        days += len;
    }
    Some(days + d - 1)
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let day = parse_date(&s[0..10])?;
    let h = digits(&s[11..13])?;
    let mi = digits(&s[14..16])?;
    let sec = digits(&s[17..19])?;
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some(day * 86_400 + h * 3600 + mi * 60 + sec)
}

/// `as_of` of the default options, in seconds.
pub fn default_as_of() -> i64 {
    GenOptions::default().as_of / 1_000_000
}
