//! Calendar arithmetic and the two textual forms the data set uses:
//! `YYYY-MM-DDTHH:MM:SSZ` timestamps and `YYYY-MM-DD` dates, both UTC.
//! Times are whole seconds since the Unix epoch here.

pub(crate) const SECS_PER_DAY: i64 = 86_400;
pub(crate) const SECS_PER_WEEK: i64 = 7 * SECS_PER_DAY;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
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
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
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

/// The Monday on or before the day containing `secs`, as seconds at 00:00:00Z.
pub(crate) fn monday_on_or_before(secs: i64) -> i64 {
    let day = secs.div_euclid(SECS_PER_DAY);
    // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
    let since_monday = (day + 3).rem_euclid(7);
    (day - since_monday) * SECS_PER_DAY
}

/// Whether every second within `margin_days` of `secs` has a four-digit year,
/// so that the fixed-width formats below stay valid.
pub(crate) fn formattable_around(secs: i64, margin_days: i64) -> bool {
    let lo = days_from_civil(1, 1, 1) * SECS_PER_DAY;
    let hi = days_from_civil(10_000, 1, 1) * SECS_PER_DAY;
    let margin = margin_days * SECS_PER_DAY;
    secs - margin >= lo && secs + margin < hi
}

fn push_digits(buf: &mut Vec<u8>, value: u32, width: usize) {
    let mut tmp = [b'0'; 4];
    let mut v = value;
    for slot in tmp[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    buf.extend_from_slice(&tmp[..width]);
}

fn push_civil(buf: &mut Vec<u8>, day: i64) {
    let (y, m, d) = civil_from_days(day);
    push_digits(buf, y.clamp(0, 9999) as u32, 4);
    buf.push(b'-');
    push_digits(buf, m, 2);
    buf.push(b'-');
    push_digits(buf, d, 2);
}

/// Appends `YYYY-MM-DD` for the day containing `secs`.
pub(crate) fn push_date(buf: &mut Vec<u8>, secs: i64) {
    push_civil(buf, secs.div_euclid(SECS_PER_DAY));
}

/// Appends `YYYY-MM-DDTHH:MM:SSZ` for `secs`.
pub(crate) fn push_timestamp(buf: &mut Vec<u8>, secs: i64) {
    let day = secs.div_euclid(SECS_PER_DAY);
    let sod = secs.rem_euclid(SECS_PER_DAY) as u32;
    push_civil(buf, day);
    buf.push(b'T');
    push_digits(buf, sod / 3600, 2);
    buf.push(b':');
    push_digits(buf, sod / 60 % 60, 2);
    buf.push(b':');
    push_digits(buf, sod % 60, 2);
    buf.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(secs: i64) -> String {
        let mut b = Vec::new();
        push_timestamp(&mut b, secs);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(ts(0), "1970-01-01T00:00:00Z");
        let nov1 = days_from_civil(2026, 11, 1) * SECS_PER_DAY;
        assert_eq!(ts(nov1), "2026-11-01T00:00:00Z");
        assert_eq!(ts(nov1 - 1), "2026-10-31T23:59:59Z");
        assert_eq!(
            ts(days_from_civil(2024, 2, 29) * SECS_PER_DAY + 3723),
            "2024-02-29T01:02:03Z"
        );
        assert_eq!(ts(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn civil_round_trips() {
        for day in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn mondays() {
        // 2026-11-01 is a Sunday; the Monday before is 2026-10-26.
        let nov1 = days_from_civil(2026, 11, 1) * SECS_PER_DAY;
        let mut b = Vec::new();
        push_date(&mut b, monday_on_or_before(nov1 + 5));
        assert_eq!(b, b"2026-10-26");
        let oct26 = days_from_civil(2026, 10, 26) * SECS_PER_DAY;
        assert_eq!(monday_on_or_before(oct26), oct26);
        assert_eq!(monday_on_or_before(oct26 + SECS_PER_WEEK - 1), oct26);
    }
}
