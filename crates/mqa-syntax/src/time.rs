//! Timestamps and durations as the language and the data formats define them:
//! RFC 3339 with a required offset (converted to UTC), or a bare date meaning
//! midnight UTC. Times are microseconds since the Unix epoch, as `i64`.

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
    }
    Some(v)
}

/// Parses `YYYY-MM-DD` (midnight UTC) or RFC 3339 `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
/// A time of day without an offset is rejected (the data contract requires one).
/// `t` or a space may separate date and time; `z` is accepted for `Z`.
pub fn parse_timestamp(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    if b.len() < 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y = i64::from(digits(b.get(0..4)?)?);
    let mo = digits(b.get(5..7)?)?;
    let d = digits(b.get(8..10)?)?;
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    let day_micros = days_from_civil(y, mo, d) * MICROS_PER_DAY;
    if b.len() == 10 {
        return Some(day_micros);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.len() < 19 {
        return None;
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let h = digits(b.get(11..13)?)?;
    let mi = digits(b.get(14..16)?)?;
    let se = digits(b.get(17..19)?)?;
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        let mut scale = 100_000i64;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            frac += i64::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset_secs: i64 = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b.get(i + 3) == Some(&b':') => {
            let oh = i64::from(digits(b.get(i + 1..i + 3)?)?);
            let om = i64::from(digits(b.get(i + 4..i + 6)?)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let secs = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(se) - offset_secs;
    Some(day_micros + secs * MICROS_PER_SECOND + frac)
}

/// Formats as `YYYY-MM-DDTHH:MM:SSZ` (sub-second digits are dropped).
pub fn format_timestamp(t: Micros) -> String {
    let secs = t.div_euclid(MICROS_PER_SECOND);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_date_is_midnight_utc() {
        assert_eq!(parse_timestamp("1970-01-01"), Some(0));
        assert_eq!(
            parse_timestamp("2026-11-01"),
            parse_timestamp("2026-11-01T00:00:00Z")
        );
    }

    #[test]
    fn offsets_convert_to_utc() {
        assert_eq!(
            parse_timestamp("2026-11-01T02:00:00+02:00"),
            parse_timestamp("2026-11-01T00:00:00Z")
        );
        assert_eq!(
            parse_timestamp("2026-10-31T19:30:00-04:30"),
            parse_timestamp("2026-11-01T00:00:00Z")
        );
        assert_eq!(parse_timestamp("1970-01-01T00:00:01.5Z"), Some(1_500_000));
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2026-11-01T00:00:00",
            "2026-11-01T24:00:00Z",
            "2026-11-01T00:00Z",
            "26-11-01",
            "2026-11-01T00:00:00+0200",
            "2026-11-01x",
            "2026-11-01T00:00:00.Z",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s}");
        }
        assert!(parse_timestamp("2024-02-29").is_some());
        assert!(parse_timestamp("2023-02-29").is_none());
    }

    #[test]
    fn format_round_trips() {
        for s in [
            "2026-11-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2000-02-29T12:34:56Z",
        ] {
            assert_eq!(format_timestamp(parse_timestamp(s).unwrap()), s);
        }
    }
}
