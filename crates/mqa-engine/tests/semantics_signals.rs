//! Signals of sources (spec language.md §4 `source`, §6, §9 "Joins and
//! identities", "Time"): joins by domain or id, windows, ties, decay, and
//! the plugin's rejects. Sources are in-memory [`SignalSource`]s.
//!
//! [`SignalSource`]: mqa_engine::signals::SignalSource

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use mqa_engine::signals::{JoinKey, SignalReject};

const SOURCE: &str = "source intent = plugin \"test-intent\" {}\n";

fn rules(models: &str) -> String {
    format!("{SOURCE}{models}")
}

/// a1 and a4 share one.example; a2 has no domain; a3 is two.example.
fn accounts() -> Data {
    Data::new()
        .account("a1", &[("domain", "one.example")])
        .account("a2", &[])
        .account("a3", &[("domain", "two.example")])
        .account("a4", &[("domain", "one.example")])
}

#[test]
fn signals_join_by_domain_and_an_account_without_domain_gets_none() {
    let data = accounts().source(Signals::intent(
        "test-intent",
        JoinKey::Domain,
        &[
            ("one.example", &days_ago(1), Some("siem"), Some(70.0)),
            ("one.example", &days_ago(2), Some("zero trust"), Some(40.0)),
            ("", &days_ago(1), Some("empty key"), Some(99.0)),
            ("two.example", &days_ago(3), Some("siem"), Some(20.0)),
            ("ONE.EXAMPLE", &days_ago(1), Some("case"), Some(1.0)),
            ("nobody.example", &days_ago(1), Some("siem"), Some(90.0)),
        ],
    ));
    let r = run(
        &rules(&score_models(&[
            ("n", "count(intent)"),
            ("top", "max(intent.score)"),
        ])),
        &data,
    );
    assert_eq!(r.value("n", "a1"), 2.0);
    assert_eq!(r.value("top", "a1"), 70.0);
    assert_eq!(r.value("n", "a2"), 0.0);
    assert!(r.value("top", "a2").is_nan());
    assert_eq!(r.value("n", "a3"), 1.0);
    assert_eq!(r.value("top", "a3"), 20.0);
    // Accounts sharing a domain both get its signals.
    assert_eq!(r.value("n", "a4"), 2.0);
}

#[test]
fn signals_join_by_id() {
    let data = accounts().source(Signals::intent(
        "test-intent",
        JoinKey::Id,
        &[
            ("a2", &days_ago(1), Some("siem"), Some(70.0)),
            ("a2", &days_ago(2), Some("siem"), Some(80.0)),
            ("one.example", &days_ago(1), Some("by domain"), Some(1.0)),
            ("a3", &days_ago(1), None, Some(5.0)),
        ],
    ));
    let r = run(
        &rules(&score_models(&[
            ("n", "count(intent)"),
            ("total", "sum(intent.score)"),
        ])),
        &data,
    );
    assert_eq!(r.value("n", "a1"), 0.0);
    assert_eq!(r.value("n", "a2"), 2.0);
    assert_eq!(r.value("total", "a2"), 150.0);
    assert_eq!(r.value("n", "a3"), 1.0);
    assert_eq!(r.value("n", "a4"), 0.0);
}

#[test]
fn signal_windows_follow_the_same_rules_as_events() {
    let data = Data::new()
        .account("a1", &[("domain", "one.example")])
        .source(Signals::intent(
            "test-intent",
            JoinKey::Domain,
            &[
                ("one.example", &days_ago(28), Some("on start"), Some(1.0)),
                (
                    "one.example",
                    &secs_ago(28 * 86_400 - 1),
                    Some("in"),
                    Some(2.0),
                ),
                ("one.example", AS_OF, Some("at as_of"), Some(4.0)),
                (
                    "one.example",
                    "2026-11-01T00:00:01Z",
                    Some("late"),
                    Some(8.0),
                ),
                ("one.example", &days_ago(40), Some("old"), Some(16.0)),
                ("one.example", &days_ago(70), Some("too old"), Some(32.0)),
            ],
        ));
    let r = run(
        &rules(
            "model m {
               threshold 1000
               window 60d
               block recent within 28d { 1 when sum(intent.score) == 6 \"block window\" }
               block own { 10 when sum(intent.score within 28d) == 6 \"own window\" }
               block wide { 100 when sum(intent.score within 90d) == 23 \"clipped to model\" }
               gate model_window: sum(intent.score) == 23
             }",
        ),
        &data,
    );
    assert_eq!(r.score("a1"), 111.0);
    assert!(r.gate("a1", "model_window"));
    // A signal after as_of is invisible, not a reject.
    assert!(r.rejects.rows.is_empty(), "{:?}", r.rejects.rows);
}

#[test]
fn signals_with_the_same_time_all_count() {
    let at = days_ago(3);
    let data = Data::new()
        .account("a1", &[("domain", "one.example")])
        .source(Signals::intent(
            "test-intent",
            JoinKey::Domain,
            &[
                ("one.example", &at, Some("siem"), Some(60.0)),
                ("one.example", &at, Some("siem"), Some(60.0)),
                ("one.example", &at, Some("competitor:acme"), Some(75.0)),
            ],
        ));
    let r = run(
        &rules(
            "model m {
               threshold 1000
               block b {
                 1 per intent \"per signal\"
                 10 when count(intent where topic == \"siem\") == 2 \"duplicates kept\"
                 100 when distinct(intent.topic) == 2 \"distinct topics\"
                 1000 when max(intent.score) == 75 \"max\"
               }
             }",
        ),
        &data,
    );
    assert_eq!(r.score("a1"), 1113.0);
}

#[test]
fn signal_fields_in_conditions() {
    let data = accounts().source(Signals::intent(
        "test-intent",
        JoinKey::Domain,
        &[
            ("one.example", &days_ago(1), Some("zero trust"), Some(72.0)),
            ("one.example", &days_ago(2), Some("siem"), Some(50.0)),
            (
                "one.example",
                &days_ago(3),
                Some("Competitor:x"),
                Some(10.0),
            ),
            ("one.example", &days_ago(4), Some("other"), None),
            (
                "two.example",
                &days_ago(1),
                Some("competitor:acme"),
                Some(10.0),
            ),
            ("two.example", &days_ago(1), None, Some(95.0)),
        ],
    ));
    let r = run(
        &rules(
            "model m {
               threshold 1000
               block b {
                 15 when max(intent.score where topic in [\"zero trust\", \"siem\"]) >= 60 \"topics\"
                 10 when any(intent where topic starts_with \"competitor:\") \"competitor\"
                 1 when avg(intent.score) > 40 \"avg\"
               }
             }",
        ),
        &data,
    );
    // a1: 72 ≥ 60; "Competitor:x" is not "competitor:"; avg (72+50+10)/3 = 44.
    assert_eq!(r.points("a1", "topics"), 15.0);
    assert_eq!(r.points("a1", "competitor"), 0.0);
    assert_eq!(r.points("a1", "avg"), 1.0);
    // a3: no topic matches (the missing topic is not in the list); avg 52.5.
    assert_eq!(r.points("a3", "topics"), 0.0);
    assert_eq!(r.points("a3", "competitor"), 10.0);
    assert_eq!(r.points("a3", "avg"), 1.0);
    assert_eq!(r.score("a2"), 0.0);
}

#[test]
fn decay_applies_to_per_record_rules_over_signals() {
    let data = Data::new()
        .account("a1", &[("domain", "one.example")])
        .source(Signals::intent(
            "test-intent",
            JoinKey::Domain,
            &[
                ("one.example", &days_ago(7), Some("a"), Some(1.0)),
                ("one.example", &days_ago(14), Some("b"), Some(1.0)),
            ],
        ));
    let r = run(
        &rules(
            "model m {
               threshold 1000
               block s decay half_life 7d { 8 per intent \"signals\" 3 when count(intent) == 2 \"when\" }
             }",
        ),
        &data,
    );
    assert_close(r.points("a1", "signals"), 4.0 + 2.0);
    assert_eq!(r.points("a1", "when"), 3.0);
}

#[test]
fn intent_topics_in_the_context_latest_first() {
    let data = Data::new()
        .account("a1", &[("domain", "one.example")])
        .source(Signals::intent(
            "test-intent",
            JoinKey::Domain,
            &[
                ("one.example", &days_ago(5), Some("old"), Some(1.0)),
                ("one.example", &days_ago(1), Some("new"), Some(1.0)),
                ("one.example", &days_ago(3), Some("old"), Some(1.0)),
                ("one.example", &days_ago(200), Some("outside"), Some(1.0)),
            ],
        ));
    let r = run(&rules("model m { threshold 1000 }"), &data);
    assert_eq!(r.detail("a1").context.intent_topics, ["new", "old"]);
}

#[test]
fn plugin_rejects_reach_the_rejects_sink() {
    let mut s = Signals::intent(
        "test-intent",
        JoinKey::Domain,
        &[("one.example", &days_ago(1), Some("a"), Some(1.0))],
    );
    s.batch.rejects.push(SignalReject {
        origin: "intent.csv".into(),
        line: 7,
        raw: "one.example,siem,abc,2026-10-01".into(),
        reason: "score: \"abc\" is not a number".into(),
    });
    let data = accounts().source(s);
    let r = run(&rules(&score_models(&[("n", "count(intent)")])), &data);
    assert_eq!(r.value("n", "a1"), 1.0);
    assert_eq!(r.rejects.rows.len(), 1, "{:?}", r.rejects.rows);
    let x = &r.rejects.rows[0];
    assert_eq!(x.line, 7);
    assert_eq!(x.raw, "one.example,siem,abc,2026-10-01");
    assert!(x.reason.contains("is not a number"), "{}", x.reason);
}
