//! Aggregations (spec language.md §6 "Aggregations", §9 "Values"): what
//! `count`, `distinct`, `sum`, `min`, `max`, `avg`, `any` and `all` give,
//! with empty collections, missing fields and unknown conditions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

/// `full`: five events (one anonymous, one from an unknown contact, one with
/// an empty kind, one with no value); `empty`: none; `no_values`: two events
/// without a value; `unknown_p`: one event on which `value > 1` is unknown.
fn data() -> Data {
    Data::new()
        .account("full", &[])
        .contact("c1", "full", &[])
        .contact("c2", "full", &[])
        .event(
            "e1",
            "full",
            "c1",
            &days_ago(1),
            &[("kind", "a"), ("value", "5")],
        )
        .event("e2", "full", "c2", &days_ago(2), &[("kind", "b")])
        .event("e3", "full", "", &days_ago(3), &[("value", "3")])
        .event(
            "e4",
            "full",
            "zz",
            &days_ago(4),
            &[("kind", "a"), ("value", "10")],
        )
        .event(
            "e5",
            "full",
            "c1",
            &days_ago(5),
            &[("kind", "b"), ("value", "2")],
        )
        .account("empty", &[])
        .account("no_values", &[])
        .event("n1", "no_values", "", &days_ago(1), &[("kind", "a")])
        .event("n2", "no_values", "", &days_ago(1), &[("kind", "a")])
        .account("unknown_p", &[])
        .event("u1", "unknown_p", "", &days_ago(1), &[("kind", "a")])
}

#[test]
fn numeric_aggregations() {
    let r = run(
        &score_models(&[
            ("n", "count(events)"),
            ("n_where", "count(events where value > 4)"),
            ("total", "sum(events.value)"),
            ("mean", "avg(events.value)"),
            ("low", "min(events.value)"),
            ("high", "max(events.value)"),
            ("total_where", "sum(events.value where kind == \"a\")"),
        ]),
        &data(),
    );
    let row = |a: &str| {
        [
            "n",
            "n_where",
            "total",
            "mean",
            "low",
            "high",
            "total_where",
        ]
        .map(|m| r.value(m, a))
    };
    // full: values 5, -, 3, 10, 2 (the missing one is skipped, not zero).
    assert_eq!(row("full"), [5.0, 2.0, 20.0, 5.0, 2.0, 10.0, 15.0]);
    // Nothing to aggregate: count and sum are 0, min/max/avg are missing.
    let empty = row("empty");
    assert_eq!(&empty[..3], &[0.0, 0.0, 0.0]);
    assert!(empty[3..6].iter().all(|v| v.is_nan()), "{empty:?}");
    assert_eq!(empty[6], 0.0);
    // Records whose field is missing are skipped: the same as nothing.
    let nv = row("no_values");
    assert_eq!(&nv[..3], &[2.0, 0.0, 0.0]);
    assert!(nv[3..6].iter().all(|v| v.is_nan()), "{nv:?}");
}

#[test]
fn distinct_ignores_empty_values() {
    let r = run(
        &score_models(&[
            ("kinds", "distinct(events.kind)"),
            ("values", "distinct(events.value)"),
            ("contact_ids", "distinct(events.contact_id)"),
        ]),
        &data(),
    );
    // Kinds a, b (e3's is empty).
    assert_eq!(r.value("kinds", "full"), 2.0);
    // Values 5, 3, 10, 2.
    assert_eq!(r.value("values", "full"), 4.0);
    // c1, c2 and the unknown zz; not the anonymous (empty) one.
    assert_eq!(r.value("contact_ids", "full"), 3.0);
    assert_eq!(r.value("kinds", "empty"), 0.0);
    assert_eq!(r.value("values", "no_values"), 0.0);
    assert_eq!(r.value("contact_ids", "no_values"), 0.0);
}

#[test]
fn distinct_counts_equal_numbers_once() {
    let data = Data::new()
        .account("a1", &[])
        .event("e1", "a1", "", &days_ago(1), &[("value", "1200")])
        .event("e2", "a1", "", &days_ago(1), &[("value", "1.2k")])
        .event("e3", "a1", "", &days_ago(1), &[("value", "0")])
        .event("e4", "a1", "", &days_ago(1), &[("value", "-0")]);
    let r = run(&score_models(&[("d", "distinct(events.value)")]), &data);
    assert_eq!(r.value("d", "a1"), 2.0);
}

#[test]
fn any_and_all_of_nothing() {
    let r = run(
        &cond_models(&[
            ("any_e", "any(events)"),
            ("any_a", "any(events where kind == \"a\")"),
            ("all_a", "all(events where kind == \"a\")"),
            ("all_e", "all(events)"),
        ]),
        &data(),
    );
    assert!(!r.holds("any_e", "empty"));
    assert!(!r.holds("any_a", "empty"));
    assert!(r.holds("all_a", "empty"));
    assert!(r.holds("all_e", "empty"));
    assert!(r.holds("any_e", "full"));
    assert!(r.holds("any_a", "full"));
    // e2/e3/e5 are not kind a.
    assert!(!r.holds("all_a", "full"));
    assert!(r.holds("all_a", "no_values"));
}

#[test]
fn a_record_on_which_the_condition_is_unknown_does_not_satisfy_it() {
    // unknown_p's only event has no value: `value > 1` is unknown for it.
    let r = run(
        &cond_models(&[
            ("any_gt", "any(events where value > 1)"),
            ("all_gt", "all(events where value > 1)"),
            ("all_not_gt", "all(events where not (value > 1))"),
            ("any_not_gt", "any(events where not (value > 1))"),
            ("count_gt", "count(events where value > 1) == 0"),
            ("count_not_gt", "count(events where not (value > 1)) == 0"),
            (
                "all_or_kind",
                "all(events where value > 1 or kind == \"a\")",
            ),
            ("all_missing", "all(events where value is missing)"),
        ]),
        &data(),
    );
    assert!(!r.holds("any_gt", "unknown_p"));
    assert!(!r.holds("all_gt", "unknown_p"));
    assert!(!r.holds("all_not_gt", "unknown_p"));
    assert!(!r.holds("any_not_gt", "unknown_p"));
    assert!(r.holds("count_gt", "unknown_p"));
    assert!(r.holds("count_not_gt", "unknown_p"));
    // `unknown or true` is true for the record.
    assert!(r.holds("all_or_kind", "unknown_p"));
    assert!(r.holds("all_missing", "unknown_p"));
}

#[test]
fn min_and_max_work_on_times() {
    let r = run(
        &score_models(&[
            ("newest", "days_since(max(events.at))"),
            ("oldest", "days_since(min(events.at))"),
        ]),
        &data(),
    );
    assert_eq!(r.value("newest", "full"), 1.0);
    assert_eq!(r.value("oldest", "full"), 5.0);
    assert!(r.value("newest", "empty").is_nan());
    assert!(r.value("oldest", "empty").is_nan());
}

#[test]
fn aggregations_over_contacts_and_engaged() {
    let data = Data::new()
        .account("a1", &[])
        .contact("c1", "a1", &[("role", "champion"), ("department", "it")])
        .contact("c2", "a1", &[("role", "user"), ("department", "it")])
        .contact("c3", "a1", &[("role", "user"), ("department", "")])
        .contact(
            "c4",
            "a1",
            &[("role", "decision_maker"), ("department", "sales")],
        )
        .event("e1", "a1", "c1", &days_ago(1), &[])
        .event("e2", "a1", "c2", &days_ago(2), &[])
        .event("e3", "a1", "c3", &days_ago(3), &[]);
    let r = run(
        &score_models(&[
            ("contacts_n", "count(contacts)"),
            ("engaged_n", "count(engaged)"),
            ("contact_depts", "distinct(contacts.department)"),
            ("engaged_depts", "distinct(engaged.department)"),
            ("users", "count(engaged where role == \"user\")"),
            ("dm", "count(contacts where role == \"decision_maker\")"),
        ]),
        &data,
    );
    assert_eq!(r.value("contacts_n", "a1"), 4.0);
    assert_eq!(r.value("engaged_n", "a1"), 3.0);
    assert_eq!(r.value("contact_depts", "a1"), 2.0);
    // it (twice) and c3's empty department.
    assert_eq!(r.value("engaged_depts", "a1"), 1.0);
    assert_eq!(r.value("users", "a1"), 2.0);
    assert_eq!(r.value("dm", "a1"), 1.0);
}

#[test]
fn where_can_use_account_fields_and_lets() {
    let data = Data::new()
        .account("a1", &[("tier", "2")])
        .event("e1", "a1", "", &days_ago(1), &[("value", "2")])
        .event("e2", "a1", "", &days_ago(1), &[("value", "3")])
        .event("e3", "a1", "", &days_ago(1), &[("value", "4")]);
    let r = run(
        "let floor = 3
         model m {
           threshold 0
           let top = max(events.value)
           block b {
             1 per events where value == account.tier \"account field\"
             10 per events where value >= floor \"file let\"
             100 per events where value == top \"model let\"
           }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "account field"), 1.0);
    assert_eq!(r.points("a1", "file let"), 20.0);
    assert_eq!(r.points("a1", "model let"), 100.0);
}
