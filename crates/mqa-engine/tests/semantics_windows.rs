//! Windows and scope (spec language.md §5 "Windows", §9 "Windows and scope",
//! §9 "Time"): which records an aggregation or per-record rule sees.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn window_excludes_its_start_and_includes_as_of() {
    // Window 30d: records with as_of − 30d < at ≤ as_of.
    let data = Data::new()
        .account("a1", &[])
        .event("on-start", "a1", "", "2026-10-02T00:00:00Z", &[])
        .event("just-in", "a1", "", "2026-10-02T00:00:00.000001Z", &[])
        .event("at-as-of", "a1", "", "2026-11-01T00:00:00Z", &[])
        .event("just-after", "a1", "", "2026-11-01T00:00:00.000001Z", &[])
        .account("a2", &[])
        .event("sec-in", "a2", "", "2026-10-02T00:00:01Z", &[])
        .event("sec-out", "a2", "", "2026-10-01T23:59:59Z", &[]);
    let r = run(
        "model m {
           threshold 1000
           window 30d
           block b {
             1 per events \"per event\"
             100 when count(events) == 2 \"two counted\"
           }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "per event"), 2.0);
    assert_eq!(r.points("a1", "two counted"), 100.0);
    assert_eq!(r.score("a1"), 102.0);
    // One second inside the window is in, one second before its start is out.
    assert_eq!(r.points("a2", "per event"), 1.0);
    assert_eq!(r.score("a2"), 1.0);
}

#[test]
fn events_after_as_of_are_invisible_everywhere_and_are_not_rejects() {
    let data = Data::new()
        .account("a1", &[])
        .contact("c1", "a1", &[("department", "it")])
        .contact("c2", "a1", &[("department", "sales")])
        .event("seen", "a1", "c1", &days_ago(1), &[("kind", "demo")])
        .event(
            "late-c2",
            "a1",
            "c2",
            "2026-11-02T00:00:00Z",
            &[("kind", "x")],
        )
        .event(
            "late-anon",
            "a1",
            "",
            "2026-11-01T00:00:01Z",
            &[("kind", "y")],
        )
        .event("late-unknown", "a1", "zz", "2027-01-01T00:00:00Z", &[]);
    let r = run(
        "model m {
           threshold 1000
           block b {
             1 when count(events) == 1 \"count\"
             10 when distinct(events.contact_id) == 1 \"distinct contact ids\"
             100 when count(engaged) == 1 \"engaged\"
             1000 per events \"per event\"
             10000 when distinct(engaged.department) == 1 \"departments\"
             100000 when distinct(events.kind) == 1 \"kinds\"
             1000000 when days_since(max(events.at)) == 1 \"latest event\"
           }
         }",
        &data,
    );
    assert_eq!(r.score("a1"), 1_111_111.0);
    assert!(r.rejects.rows.is_empty(), "{:?}", r.rejects.rows);
    let ev = r.session.data.summary.file("events").unwrap();
    assert_eq!(
        (ev.read, ev.used, ev.rejected, ev.after_as_of),
        (4, 1, 0, 3)
    );
}

#[test]
fn block_within_applies_to_every_collection_in_the_block() {
    let data = Data::new()
        .account("a1", &[])
        .contact("c1", "a1", &[])
        .contact("c2", "a1", &[])
        .event("e3", "a1", "c1", &days_ago(3), &[])
        .event("e10", "a1", "c2", &days_ago(10), &[]);
    let r = run(
        "model m {
           threshold 1000
           block recent within 7d {
             1 per events \"per event\"
             10 when count(events) == 1 \"count\"
             100 when count(engaged) == 1 \"engaged\"
             1000 per engaged \"per engaged\"
           }
           gate model_window: count(events) == 2 and count(engaged) == 2
         }",
        &data,
    );
    assert_eq!(r.block("a1", "recent"), 1111.0);
    assert!(r.gate("a1", "model_window"));
}

#[test]
fn own_within_beats_block_within_which_beats_model_window() {
    let data = Data::new()
        .account("a1", &[])
        .event("e3", "a1", "", &days_ago(3), &[])
        .event("e10", "a1", "", &days_ago(10), &[])
        .event("e40", "a1", "", &days_ago(40), &[])
        .event("e70", "a1", "", &days_ago(70), &[]);
    let r = run(
        "model m {
           threshold 1000
           window 60d
           block b within 7d {
             1 when count(events) == 1 \"block window\"
             10 when count(events within 30d) == 2 \"own shorter than model\"
             100 per events within 50d \"per-record own window\"
             1000 when count(events within 45d) == 3 \"own longer than block\"
           }
           gate model_window: count(events) == 3
         }",
        &data,
    );
    assert_eq!(r.points("a1", "block window"), 1.0);
    assert_eq!(r.points("a1", "own shorter than model"), 10.0);
    assert_eq!(r.points("a1", "per-record own window"), 300.0);
    assert_eq!(r.points("a1", "own longer than block"), 1000.0);
    assert_eq!(r.score("a1"), 1311.0);
    assert!(r.gate("a1", "model_window"));
}

#[test]
fn within_longer_than_model_window_is_clipped_with_a_warning() {
    let data = Data::new()
        .account("a1", &[])
        .event("e10", "a1", "", &days_ago(10), &[])
        .event("e40", "a1", "", &days_ago(40), &[]);
    let r = run(
        "model m {
           threshold 1000
           window 30d
           block wide within 60d { 1 per events \"block within\" }
           block own { 10 when count(events within 60d) == 1 \"own within\" }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "block within"), 1.0);
    assert_eq!(r.points("a1", "own within"), 10.0);
    assert_eq!(r.score("a1"), 11.0);
    let clipped = r
        .warnings
        .iter()
        .filter(|w| w.contains("longer than the model's window"))
        .count();
    assert_eq!(clipped, 2, "{:?}", r.warnings);
}

#[test]
fn model_level_let_used_inside_a_block_keeps_the_model_window() {
    let data = Data::new()
        .account("a1", &[])
        .event("e3", "a1", "", &days_ago(3), &[])
        .event("e20", "a1", "", &days_ago(20), &[])
        .event("e40", "a1", "", &days_ago(40), &[]);
    let r = run(
        "model m {
           threshold 1000
           window 30d
           let n = count(events)
           block recent within 7d {
             1 when n == 2 \"let in block\"
             10 when count(events) == 1 \"same aggregation in block\"
           }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "let in block"), 1.0);
    assert_eq!(r.points("a1", "same aggregation in block"), 10.0);
}

#[test]
fn gates_grades_routes_for_and_score_use_the_model_window() {
    let data = Data::new()
        .account("a1", &[])
        .event("e3", "a1", "", &days_ago(3), &[])
        .event("e20", "a1", "", &days_ago(20), &[])
        .event("e40", "a1", "", &days_ago(40), &[]);
    let r = run(
        "model m for count(events) == 2 {
           threshold 11
           window 30d
           block recent within 7d { 10 when count(events) == 1 \"block window\" }
           grade g from count(events) { A >= 2, else B }
           gate two: count(events) == 2
           score = recent + 100 * count(events)
           route \"two\" sla 1h when count(events) == 2
           route \"other\" sla 2h
         }",
        &data,
    );
    assert_eq!(r.score("a1"), 210.0);
    assert_eq!(r.grade("a1", "g"), "A");
    assert!(r.gate("a1", "two"));
    assert!(r.qualified("a1"));
    assert_eq!(
        r.route("a1"),
        Some(("two".to_string(), "2026-11-01T01:00:00Z".to_string()))
    );
}

#[test]
fn default_model_window_is_90_days() {
    let data = Data::new()
        .account("a1", &[])
        .event("in", "a1", "", &secs_ago(90 * 86_400 - 1), &[])
        .event("out", "a1", "", &days_ago(90), &[]);
    let r = run(
        "model m { threshold 1000 block b { 1 per events \"n\" } }",
        &data,
    );
    assert_eq!(r.score("a1"), 1.0);
}

#[test]
fn as_of_with_an_offset_is_converted_to_utc() {
    // 2026-11-01T02:00:00+02:00 is 2026-11-01T00:00:00Z: the event at that
    // instant is in, the one a microsecond later is not.
    let data = Data::new()
        .account("a1", &[])
        .event("at", "a1", "", "2026-11-01T00:00:00Z", &[])
        .event("after", "a1", "", "2026-11-01T01:00:00.000001+01:00", &[]);
    let r = run_at(
        "model m { threshold 1000 block b { 1 per events \"n\" } }",
        &data,
        "2026-11-01T02:00:00+02:00",
    );
    assert_eq!(r.score("a1"), 1.0);
}

#[test]
fn durations_in_minutes_hours_days_and_weeks() {
    let data = Data::new()
        .account("a1", &[])
        .event("m89", "a1", "", &secs_ago(89 * 60), &[])
        .event("m90", "a1", "", &secs_ago(90 * 60), &[])
        .event("h23", "a1", "", &secs_ago(23 * 3600 + 3599), &[])
        .event("d6", "a1", "", &secs_ago(6 * 86_400 + 86_399), &[])
        .event("w1", "a1", "", &days_ago(7), &[]);
    let r = run(
        &score_models(&[
            ("m", "count(events within 90m)"),
            ("h", "count(events within 24h)"),
            ("d", "count(events within 1d)"),
            ("w", "count(events within 1w)"),
            ("d7", "count(events within 7d)"),
            ("w2", "count(events within 2w)"),
        ]),
        &data,
    );
    assert_eq!(r.value("m", "a1"), 1.0);
    assert_eq!(r.value("h", "a1"), 3.0);
    assert_eq!(r.value("d", "a1"), 3.0);
    // 1w is exactly 7 days: the event 7 days old is on its start, so out.
    assert_eq!(r.value("w", "a1"), 4.0);
    assert_eq!(r.value("d7", "a1"), 4.0);
    assert_eq!(r.value("w2", "a1"), 5.0);
}

#[test]
fn event_times_with_offsets_or_bare_dates_are_utc() {
    // Window 30d starts at 2026-10-02T00:00:00Z (excluded).
    let data = Data::new()
        .account("a1", &[])
        .event(
            "offset-on-start",
            "a1",
            "",
            "2026-10-02T02:00:00+02:00",
            &[],
        )
        .event("date-on-start", "a1", "", "2026-10-02", &[])
        .event("offset-in", "a1", "", "2026-10-01T20:00:01-04:00", &[])
        .event("date-in", "a1", "", "2026-10-03", &[]);
    let r = run(
        "model m { threshold 1000 window 30d block b { 1 per events \"n\" } }",
        &data,
    );
    assert_eq!(r.score("a1"), 2.0);
}
