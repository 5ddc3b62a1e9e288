//! Tests of `values.rs`.

use super::*;
use crate::intern::{Interner, Sym};
use serde_json::json;

#[test]
fn numbers_with_separators_and_suffixes() {
    let cases: [(&str, f64); 14] = [
        ("1200", 1200.0),
        ("1_200", 1200.0),
        ("1.2k", 1200.0),
        ("10M", 10_000_000.0),
        ("3B", 3_000_000_000.0),
        ("-5", -5.0),
        ("3.5", 3.5),
        ("0", 0.0),
        ("0.1", 0.1),
        ("1_000_000.25", 1_000_000.25),
        ("2.5M", 2_500_000.0),
        ("65732179", 65_732_179.0),
        ("12345678901234567890123", 12_345_678_901_234_567_890_123.0),
        ("0.000000000000000000000000001", 1e-27),
    ];
    for (s, v) in cases {
        assert_eq!(parse_number(s.as_bytes()), Some(v), "{s}");
    }
}

#[test]
fn numbers_rejected() {
    for s in [
        "", "-", " 12", "12 ", "12x", "1__2", "_1", "1_", "1._5", ".5", "5.", "1.2.3", "1e5",
        "inf", "NaN", "1,200", "+5", "1.2K", "k", "--1", "1k2",
    ] {
        assert_eq!(parse_number(s.as_bytes()), None, "{s:?}");
    }
    let huge = "9".repeat(400);
    assert_eq!(parse_number(huge.as_bytes()), None);
}

#[test]
fn plain_digit_strings_read_as_the_standard_library_reads_them() {
    // Lengths 1 to 20 (the short ones take a fast path, the long ones the
    // general one), leading zeros included, digits from a fixed sequence;
    // then each digit string with a byte that makes it something else.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in 1..=20usize {
        for _ in 0..50 {
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(b'0' + (x % 10) as u8)
                })
                .collect();
            let want = s.parse::<f64>().ok();
            assert_eq!(parse_decimal(s.as_bytes()), want.map(|v| (v, true)), "{s}");
            assert_eq!(parse_int(s.as_bytes()), want, "{s}");
            for (at, byte) in [(0, b'/'), (len / 2, b':'), (len, b' ')] {
                let mut b = s.clone().into_bytes();
                b.insert(at, byte);
                assert_eq!(parse_number(&b), None, "{:?}", String::from_utf8_lossy(&b));
            }
        }
    }
    assert_eq!(parse_decimal(b"000"), Some((0.0, true)));
    assert_eq!(
        parse_decimal(b"999999999999999"),
        Some((999_999_999_999_999.0, true))
    );
}

#[test]
fn ints_reject_fractions_only_when_they_remain() {
    assert_eq!(parse_int(b"1.2k"), Some(1200.0));
    assert_eq!(parse_int(b"1.25k"), Some(1250.0));
    assert_eq!(parse_int(b"1.0"), Some(1.0));
    assert_eq!(parse_int(b"-7"), Some(-7.0));
    assert_eq!(parse_int(b"1.5"), None);
    assert_eq!(parse_int(b"1.2345k"), None);
    assert_eq!(parse_int(b"0.5M"), Some(500_000.0));
    assert_eq!(parse_int(b"1.0000000000000000000001"), None);
}

#[test]
fn bools_any_case() {
    for s in ["true", "TRUE", "Yes", "1"] {
        assert_eq!(parse_bool(s.as_bytes()), Some(true), "{s}");
    }
    for s in ["false", "No", "0", "fAlSe"] {
        assert_eq!(parse_bool(s.as_bytes()), Some(false), "{s}");
    }
    for s in ["", "t", "y", "2", " true", "maybe"] {
        assert_eq!(parse_bool(s.as_bytes()), None, "{s}");
    }
}

#[test]
fn times_need_an_offset() {
    assert_eq!(parse_time(b"1970-01-02"), Ok(86_400_000_000));
    assert_eq!(parse_time(b"1970-01-01T01:00:00+01:00"), Ok(0));
    assert_eq!(
        parse_time(b"2026-10-01T10:00:00"),
        Err("is not a time: a UTC offset is required (add `Z` or `+HH:MM`)")
    );
    assert!(parse_time(b"yesterday").is_err());
}

#[test]
fn csv_cells_by_type() {
    let mut i = Interner::new();
    let st = |ty, s: &str, i: &mut Interner| stage("f", ty, Cell::Bytes(s.as_bytes()), i, false);
    assert_eq!(
        st(FieldType::Int, "", &mut i).map(|s| matches!(s, Staged::Number(x) if x.is_nan())),
        Ok(true)
    );
    assert_eq!(
        st(FieldType::Int, "12x", &mut i),
        Err("f: \"12x\" is not an int".to_string())
    );
    assert_eq!(
        st(FieldType::Int, "1.5", &mut i),
        Err("f: \"1.5\" is not an int".to_string())
    );
    assert_eq!(
        st(FieldType::Int, " 12", &mut i),
        Err("f: \" 12\" is not an int".to_string())
    );
    assert_eq!(
        st(FieldType::Number, "abc", &mut i),
        Err("f: \"abc\" is not a number".to_string())
    );
    assert_eq!(
        st(FieldType::Bool, "maybe", &mut i),
        Err("f: \"maybe\" is not a bool".to_string())
    );
    assert_eq!(st(FieldType::Bool, "YES", &mut i), Ok(Staged::Bool(1)));
    let Ok(Staged::Text(s)) = st(FieldType::Text, " padded ", &mut i) else {
        unreachable!()
    };
    assert_eq!(i.resolve(s), " padded ");
    let Ok(Staged::ListText(Some(l))) = st(FieldType::ListText, "a;b", &mut i) else {
        unreachable!()
    };
    assert_eq!(
        l.iter().map(|s| i.resolve(*s)).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(
        st(FieldType::ListText, "a;;b", &mut i),
        Err("f: \"a;;b\" has an empty list item".to_string())
    );
    assert_eq!(
        st(FieldType::ListNumber, "1;2.5k", &mut i),
        Ok(Staged::ListNumber(Some(
            vec![1.0, 2500.0].into_boxed_slice()
        )))
    );
    assert_eq!(
        st(FieldType::ListNumber, "1;x", &mut i),
        Err("f: \"1;x\" is not a list of numbers (item \"x\")".to_string())
    );
    assert_eq!(
        st(FieldType::Time, "2026-10-01T10:00:00", &mut i),
        Err("f: \"2026-10-01T10:00:00\" is not a time: a UTC offset is required (add `Z` or `+HH:MM`)".to_string())
    );
    assert_eq!(
        stage("f", FieldType::Text, Cell::Bytes(b"\xff"), &mut i, false),
        Err("f: \"\u{fffd}\" is not valid UTF-8".to_string())
    );
    assert_eq!(
        stage(
            "f",
            FieldType::ListText,
            Cell::Bytes(b"a;\xff"),
            &mut i,
            false
        ),
        Err("f: \"a;\u{fffd}\" is not a list of texts".to_string())
    );
    assert_eq!(
        cell_text("id", Cell::Bytes(b"e\xff"), false),
        Err("id: \"e\u{fffd}\" is not valid UTF-8".to_string())
    );
    assert_eq!(
        cell_text("id", Cell::Bytes(b"e1"), false),
        Ok(Some(std::borrow::Cow::Borrowed(&b"e1"[..])))
    );
}

#[test]
fn json_cells_by_type() {
    let mut i = Interner::new();
    let st = |ty, v: Value, i: &mut Interner| stage("f", ty, Cell::Json(&v), i, false);
    assert_eq!(
        st(FieldType::Int, json!(1200), &mut i),
        Ok(Staged::Number(1200.0))
    );
    assert_eq!(
        st(FieldType::Int, json!("1.2k"), &mut i),
        Ok(Staged::Number(1200.0))
    );
    assert_eq!(
        st(FieldType::Int, json!(1.5), &mut i),
        Err("f: \"1.5\" is not an int".to_string())
    );
    assert_eq!(
        st(FieldType::Number, json!(true), &mut i),
        Err("f: \"true\" is not a number".to_string())
    );
    assert_eq!(
        st(FieldType::Bool, json!(false), &mut i),
        Ok(Staged::Bool(0))
    );
    assert_eq!(
        st(FieldType::Bool, json!("no"), &mut i),
        Ok(Staged::Bool(0))
    );
    assert_eq!(
        st(FieldType::Time, json!(""), &mut i),
        Ok(Staged::Time(i64::MIN))
    );
    assert_eq!(
        st(FieldType::Time, json!("1970-01-01"), &mut i),
        Ok(Staged::Time(0))
    );
    assert_eq!(
        st(FieldType::Text, json!(null), &mut i),
        Ok(Staged::Text(Sym::MISSING))
    );
    let Ok(Staged::Text(s)) = st(FieldType::Text, json!(42), &mut i) else {
        unreachable!()
    };
    assert_eq!(i.resolve(s), "42");
    assert!(st(FieldType::Text, json!({"a": 1}), &mut i).is_err());
    assert_eq!(
        st(FieldType::ListNumber, json!([1, "2k"]), &mut i),
        Ok(Staged::ListNumber(Some(
            vec![1.0, 2000.0].into_boxed_slice()
        )))
    );
    assert_eq!(
        st(FieldType::ListText, json!([]), &mut i),
        Ok(Staged::ListText(Some(Vec::new().into_boxed_slice())))
    );
    assert!(st(FieldType::ListText, json!("a;b"), &mut i).is_err());
    assert!(st(FieldType::ListText, json!(["a", null]), &mut i).is_err());
}

#[test]
fn long_values_are_cut_in_reasons() {
    let long = "x".repeat(200);
    let shown = show(long.as_bytes());
    assert_eq!(shown.chars().count(), 80 + 3);
}

#[test]
fn the_usual_utc_spelling_parses_like_rfc_3339() {
    let mut cache = DayCache::default();
    let mut other = DayCache::default();
    let cases = [
        "2026-07-15T20:02:20Z",
        "2026-07-15T00:00:00Z",
        "2024-02-29T23:59:60Z",
        "2023-02-29T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-00-10T10:00:00Z",
        "2026-04-31T10:00:00Z",
        "2026-04-30T24:00:00Z",
        "2026-04-30T10:60:00Z",
        "2026-04-30T10:00:61Z",
        "0000-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2026-07-15t20:02:20Z",
        "2026-07-15T20:02:20z",
        "2026-07-15 20:02:20Z",
        "2026-07-15T20:02:20.5Z",
        "2026-07-15T20:02:20+02:00",
        "2026-07-15",
        "2026-07-1xT20:02:20Z",
        "+026-07-15T20:02:20Z",
    ];
    for c in cases {
        let fast = parse_utc_seconds(c.as_bytes(), &mut cache);
        let slow = mqa_syntax::time::parse_timestamp(c);
        match fast {
            // The fast path never disagrees; when it declines, the full parser decides.
            Some(t) => assert_eq!(Some(t), slow, "{c}"),
            // Declining the exact `YYYY-MM-DDTHH:MM:SSZ` shape means the value is invalid.
            None if c.len() == 20 && c.as_bytes()[10] == b'T' && c.ends_with('Z') => {
                assert_eq!(slow, None, "{c}")
            }
            None => {}
        }
        // A cached day never leaks into another date.
        assert_eq!(parse_utc_seconds(c.as_bytes(), &mut other), fast, "{c}");
    }
    assert_eq!(
        parse_utc_seconds(b"2026-07-15T20:02:20Z", &mut cache),
        mqa_syntax::time::parse_timestamp("2026-07-15T20:02:20Z")
    );
}

#[test]
fn the_usual_utc_spelling_checks_every_byte() {
    // With the date cached and not (a cached day must not stand for a date
    // that differs in any byte).
    for warm in [false, true] {
        let mut cache = DayCache::default();
        for at in 0..20 {
            for v in 0..=255u8 {
                let mut t = b"2026-07-15T20:02:20Z".to_vec();
                if warm {
                    parse_utc_seconds(&t, &mut cache);
                } else {
                    cache = DayCache::default();
                }
                t[at] = v;
                let fast = parse_utc_seconds(&t, &mut cache);
                let slow = std::str::from_utf8(&t)
                    .ok()
                    .and_then(mqa_syntax::time::parse_timestamp);
                if at == 10 || at == 19 {
                    // `t`, `z`: valid, but left to the full parser.
                    if fast.is_some() {
                        assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&t));
                    }
                    continue;
                }
                assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&t));
            }
        }
    }
}

/// Every date of two years running has a cache slot of its own (so an
/// export of up to two years never evicts one), and a day is found again
/// after every other date of those years was read.
#[test]
fn two_years_of_dates_keep_their_slots() {
    let mut seen = std::collections::HashMap::new();
    let mut dates = Vec::new();
    for y in [2025u32, 2026] {
        for m in 1..=12u32 {
            for d in 1..=31u32 {
                let text = format!("{y:04}-{m:02}-{d:02}T12:00:00Z");
                if mqa_syntax::time::parse_timestamp(&text).is_none() {
                    continue;
                }
                let b = text.as_bytes();
                let slot = day_slot(b[3], b[5], b[6], b[8], b[9]);
                assert!(slot < DAY_SLOTS);
                if let Some(other) = seen.insert(slot, text.clone()) {
                    panic!("{text} and {other} share slot {slot}");
                }
                dates.push(text);
            }
        }
    }
    assert_eq!(dates.len(), 730);
    let mut cache = DayCache::default();
    for t in &dates {
        parse_utc_seconds(t.as_bytes(), &mut cache);
    }
    // All cached: each is found in its slot, with its own day.
    for t in &dates {
        let b: &[u8; 20] = t.as_bytes().try_into().unwrap();
        let slot = cache.slots[day_slot(b[3], b[5], b[6], b[8], b[9])];
        assert_eq!(slot.0.to_le_bytes(), b[..8], "{t}");
        assert_eq!(
            parse_utc_seconds(b, &mut cache),
            mqa_syntax::time::parse_timestamp(t)
        );
    }
}
