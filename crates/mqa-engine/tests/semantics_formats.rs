//! The same data as CSV, JSONL and gzip gives the same values (spec
//! cli-and-data.md "Data directory": formats; language.md §6 "Missing
//! values": an empty CSV cell or an absent JSON field is missing).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::io::Write;

/// The expressions compared across formats.
const EXPRS: &[(&str, &str)] = &[
    ("employees", "account.employees"),
    ("revenue", "account.revenue"),
    ("founded", "days_since(account.founded)"),
    ("events_n", "count(events)"),
    ("anonymous", "count(events where contact_id is missing)"),
    (
        "dm_events",
        "count(events where contact.role == \"decision_maker\")",
    ),
    ("total", "sum(events.value)"),
    ("engaged_n", "count(engaged)"),
];

const CONDS: &[(&str, &str)] = &[
    ("regulated", "account.regulated"),
    ("not_regulated", "not account.regulated"),
    ("vip", "account.tags contains \"vip\""),
    ("industry_missing", "account.industry is missing"),
];

fn csv_data() -> Data {
    Data::new()
        .account(
            "a1",
            &[
                ("employees", "1200"),
                ("revenue", "2.5"),
                ("regulated", "true"),
                ("founded", "2026-10-30T12:00:00Z"),
                ("tags", "vip;gold"),
            ],
        )
        .account("a2", &[("industry", "retail")])
        .contact("c1", "a1", &[("role", "decision_maker")])
        .contact("c2", "a2", &[])
        .event("e1", "a1", "c1", "2026-10-31T00:00:00Z", &[("value", "4")])
        .event("e2", "a1", "", "2026-10-30T00:00:00Z", &[("value", "0.5")])
        .event("e3", "a2", "c2", "2026-10-29T00:00:00+02:00", &[])
}

const ACCOUNTS_JSONL: &str = r#"{"id":"a1","employees":1200,"revenue":2.5,"regulated":true,"founded":"2026-10-30T12:00:00Z","tags":["vip","gold"]}
{"id":"a2","industry":"retail","employees":null}
"#;
const CONTACTS_JSONL: &str = r#"{"id":"c1","account_id":"a1","role":"decision_maker"}
{"id":"c2","account_id":"a2"}
"#;
const EVENTS_JSONL: &str = r#"{"id":"e1","account_id":"a1","contact_id":"c1","at":"2026-10-31T00:00:00Z","value":4}
{"id":"e2","account_id":"a1","contact_id":null,"at":"2026-10-30T00:00:00Z","value":0.5}
{"id":"e3","account_id":"a2","contact_id":"c2","at":"2026-10-29T00:00:00+02:00"}
"#;

fn gzip(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

fn rules() -> String {
    format!("{}{}", score_models(EXPRS), cond_models(CONDS))
}

/// Every model's value for every account, NaN as `None`.
fn values(r: &Run) -> Vec<(String, String, Option<f64>)> {
    r.decisions
        .iter()
        .map(|d| {
            let row = r.session.row(d);
            (
                row.model.to_string(),
                row.account.to_string(),
                (!d.score.is_nan()).then_some(d.score),
            )
        })
        .collect()
}

#[test]
fn csv_values_are_as_written() {
    let r = run(&rules(), &csv_data());
    assert!(r.rejects.rows.is_empty(), "{:?}", r.rejects.rows);
    assert_eq!(r.value("employees", "a1"), 1200.0);
    assert!(r.value("employees", "a2").is_nan());
    assert_eq!(r.value("revenue", "a1"), 2.5);
    assert_eq!(r.value("founded", "a1"), 1.5);
    assert_eq!(r.value("events_n", "a1"), 2.0);
    assert_eq!(r.value("anonymous", "a1"), 1.0);
    assert_eq!(r.value("dm_events", "a1"), 1.0);
    assert_eq!(r.value("total", "a1"), 4.5);
    assert_eq!(r.value("engaged_n", "a2"), 1.0);
    assert!(r.holds("regulated", "a1"));
    assert!(!r.holds("regulated", "a2"));
    assert!(!r.holds("not_regulated", "a2"));
    assert!(r.holds("vip", "a1"));
    assert!(r.holds("industry_missing", "a1"));
    assert!(!r.holds("industry_missing", "a2"));
}

#[test]
fn jsonl_gives_the_same_values_as_csv() {
    let csv = run(&rules(), &csv_data());
    let data = Data::new()
        .file("accounts.jsonl", ACCOUNTS_JSONL)
        .file("contacts.jsonl", CONTACTS_JSONL)
        .file("events.jsonl", EVENTS_JSONL);
    let jsonl = run(&rules(), &data);
    assert!(jsonl.rejects.rows.is_empty(), "{:?}", jsonl.rejects.rows);
    assert_eq!(values(&jsonl), values(&csv));
}

#[test]
fn gzip_gives_the_same_values() {
    let csv_data = csv_data();
    let csv = run(&rules(), &csv_data);
    let data = Data::new()
        .file("accounts.csv.gz", gzip(&csv_data.csv_text("accounts")))
        .file("contacts.csv.gz", gzip(&csv_data.csv_text("contacts")))
        .file("events.jsonl.gz", gzip(EVENTS_JSONL));
    let gz = run(&rules(), &data);
    assert!(gz.rejects.rows.is_empty(), "{:?}", gz.rejects.rows);
    assert_eq!(values(&gz), values(&csv));
}
