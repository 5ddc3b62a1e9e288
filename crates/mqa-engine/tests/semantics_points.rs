//! Points (spec language.md §5 "Point rules", "Decay", §9 "Points", §7):
//! decay kinds and where decay applies, caps and block `max`, negative
//! points, the default score and `score =`, and unrounded comparisons.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

fn one_event_each(ages_secs: &[(&str, i64)]) -> Data {
    let mut d = Data::new();
    for (id, age) in ages_secs {
        d = d
            .account(id, &[])
            .event(&format!("e-{id}"), id, "", &secs_ago(*age), &[]);
    }
    d
}

const DAY: i64 = 86_400;

#[test]
fn half_life_decay_halves_per_half_life() {
    let data = one_event_each(&[
        ("now", 0),
        ("h1", 14 * DAY),
        ("h2", 28 * DAY),
        ("half_h", 7 * DAY),
        ("sec", 1),
    ]);
    let r = run(
        "model m { threshold 1000 block d decay half_life 14d { 10 per events \"p\" } }",
        &data,
    );
    assert_eq!(r.score("now"), 10.0);
    assert_close(r.score("h1"), 5.0);
    assert_close(r.score("h2"), 2.5);
    assert_close(r.score("half_h"), 10.0 * 0.5f64.sqrt());
    // Age is measured in seconds, not whole days.
    assert_close(
        r.score("sec"),
        10.0 * 0.5f64.powf(1.0 / (14.0 * DAY as f64)),
    );
    assert!(r.score("sec") < 10.0);
}

#[test]
fn linear_decay_reaches_zero_at_its_length_and_stays_there() {
    let data = one_event_each(&[
        ("now", 0),
        ("half", 15 * DAY),
        ("fifth", 6 * DAY),
        ("end", 30 * DAY),
        ("past", 45 * DAY),
    ]);
    let r = run(
        "model m { threshold 1000 block d decay linear 30d { 10 per events \"p\" } }",
        &data,
    );
    assert_eq!(r.score("now"), 10.0);
    assert_close(r.score("half"), 5.0);
    assert_close(r.score("fifth"), 8.0);
    assert_eq!(r.score("end"), 0.0);
    // Never negative past the end.
    assert_eq!(r.score("past"), 0.0);
}

#[test]
fn decay_none_and_no_decay_are_flat() {
    let data = one_event_each(&[("old", 80 * DAY)]);
    let r = run(
        "model m {
           threshold 1000
           block explicit decay none { 10 per events \"explicit\" }
           block implicit { 10 per events \"implicit\" }
         }",
        &data,
    );
    assert_eq!(r.points("old", "explicit"), 10.0);
    assert_eq!(r.points("old", "implicit"), 10.0);
}

#[test]
fn decay_applies_only_to_per_record_rules_over_timed_collections() {
    // One contact with one event two half-lives old.
    let data = Data::new()
        .account("a1", &[])
        .contact("c1", "a1", &[])
        .event("e1", "a1", "c1", &days_ago(2), &[]);
    let r = run(
        "model m {
           threshold 1000
           block d decay half_life 1d {
             10 when count(events) >= 1 \"when rule\"
             1 per contacts \"per contact\"
             100 per engaged \"per engaged\"
             1000 per events \"per event\"
           }
           block other { 7 per events \"other block\" }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "when rule"), 10.0);
    assert_eq!(r.points("a1", "per contact"), 1.0);
    assert_eq!(r.points("a1", "per engaged"), 100.0);
    assert_close(r.points("a1", "per event"), 250.0);
    // Decay is the block's: another block's per-record rule is not decayed.
    assert_eq!(r.points("a1", "other block"), 7.0);
    assert_close(r.score("a1"), 368.0);
}

#[test]
fn decay_multiplies_each_record_before_the_cap() {
    // Two events 14d old at half-life 14d: 2 × 10 × 0.5 = 10, under cap 15;
    // without decay they would be 20, clipped to 15.
    let data = Data::new()
        .account("a1", &[])
        .event("e1", "a1", "", &days_ago(14), &[])
        .event("e2", "a1", "", &days_ago(14), &[]);
    let r = run(
        "model m {
           threshold 1000
           block d decay half_life 14d { 10 per events cap 15 \"decayed\" }
           block f { 10 per events cap 15 \"flat\" }
         }",
        &data,
    );
    assert_close(r.points("a1", "decayed"), 10.0);
    assert_eq!(r.points("a1", "flat"), 15.0);
}

#[test]
fn cap_clips_from_above_only() {
    let mut data = Data::new().account("a1", &[]);
    for i in 0..3 {
        data = data.event(
            &format!("d{i}"),
            "a1",
            "",
            &days_ago(1),
            &[("kind", "demo")],
        );
    }
    for i in 0..2 {
        data = data.event(
            &format!("s{i}"),
            "a1",
            "",
            &days_ago(1),
            &[("kind", "spam")],
        );
    }
    let r = run(
        "model m {
           threshold 1000
           block b {
             10 per events where kind == \"demo\" cap 25 \"demos\"
             -10 per events where kind == \"spam\" cap 5 \"spam\"
             -10 per events where kind == \"spam\" cap -15 \"spam capped below\"
           }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "demos"), 25.0);
    // A cap never raises a sum below it.
    assert_eq!(r.points("a1", "spam"), -20.0);
    // A negative cap clips a negative sum from above too.
    assert_eq!(r.points("a1", "spam capped below"), -20.0);
    assert_eq!(r.score("a1"), -15.0);
}

#[test]
fn block_max_clips_from_above_only() {
    let data = Data::new().account("a1", &[]);
    let r = run(
        "model m {
           threshold 1000
           block up max 15 { 10 when true \"t1\" 10 when true \"t2\" }
           block down max 5 { -10 when true \"neg\" }
           block exact max 7 { 7 when true \"seven\" }
         }",
        &data,
    );
    assert_eq!(r.block("a1", "up"), 15.0);
    assert_eq!(r.block("a1", "down"), -10.0);
    assert_eq!(r.block("a1", "exact"), 7.0);
    // Rules keep their own points; only the block is clipped.
    assert_eq!(r.points("a1", "t1"), 10.0);
    assert_eq!(r.points("a1", "t2"), 10.0);
    // The default score is the sum of blocks after their max.
    assert_eq!(r.score("a1"), 12.0);
}

#[test]
fn negative_points_lower_the_score() {
    let data = Data::new()
        .account("reg", &[("regulated", "true")])
        .account("free", &[("regulated", "false")]);
    let r = run(
        "model m {
           threshold 0
           block b {
             10 when true \"base\"
             -25.5 when account.regulated \"regulated penalty\"
           }
         }",
        &data,
    );
    assert_eq!(r.score("reg"), -15.5);
    assert!(!r.qualified("reg"));
    assert_eq!(r.score("free"), 10.0);
    assert!(r.qualified("free"));
}

#[test]
fn score_override_uses_block_values_after_max() {
    let data = Data::new().account("a1", &[]);
    let r = run(
        "model m {
           threshold 1000
           block a max 15 { 10 when true \"a1\" 10 when true \"a2\" }
           block b { 7 when true \"b1\" }
           score = a * 2 - b
         }",
        &data,
    );
    assert_eq!(r.score("a1"), 23.0);
    assert_eq!(r.block("a1", "a"), 15.0);
}

#[test]
fn missing_score_override_does_not_qualify() {
    // seats is 0: the division is missing, so the score is.
    let data = Data::new().account("a1", &[("seats", "0"), ("seats_used", "3")]);
    let r = run(
        "model m {
           threshold -1000
           block b { 5 when true \"five\" }
           score = b + account.seats_used / account.seats
         }",
        &data,
    );
    assert!(r.score("a1").is_nan());
    assert!(!r.qualified("a1"));
}

#[test]
fn threshold_compares_the_unrounded_score() {
    let data = Data::new().account("a1", &[]);
    let r = run(
        "model below { threshold 75 block b { 74.9999999 when true \"almost\" } }
         model equal { threshold 75 block b { 75 when true \"exactly\" } }",
        &data,
    );
    assert!(!r.decision_of("below", "a1").unwrap().qualified);
    assert!(r.decision_of("equal", "a1").unwrap().qualified);
    // Printed to 6 decimals, the first one looks like the threshold.
    assert!(r.csv(false).contains("below,a1,75.000000,false"));
    assert!(r.csv(false).contains("equal,a1,75.000000,true"));
}

#[test]
fn per_record_rule_sums_every_matching_record() {
    let data = Data::new()
        .account("a1", &[])
        .event("e1", "a1", "", &days_ago(1), &[("kind", "demo")])
        .event("e2", "a1", "", &days_ago(2), &[("kind", "demo")])
        .event("e3", "a1", "", &days_ago(1), &[("kind", "view")])
        .event("e4", "a1", "", &days_ago(1), &[]);
    let r = run(
        "model m {
           threshold 1000
           block b {
             2.5 per events where kind == \"demo\" \"demos\"
             1 per events where kind != \"demo\" \"others\"
           }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "demos"), 5.0);
    // e4's kind is missing: `kind != \"demo\"` is unknown, so it does not match.
    assert_eq!(r.points("a1", "others"), 1.0);
    assert!(r.rule("a1", "demos").fired);
}
