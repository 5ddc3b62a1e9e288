//! Plugin batches joined to accounts by domain or id.

// Test helpers outside #[test] functions stop at the first failure too.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "data/helpers.rs"]
mod helpers;

use helpers::*;
use mqa_engine::data::{build_signal_table, Accounts, Column, MemoryRejects, SignalSummary};
use mqa_engine::intern::{Interner, Sym};
use mqa_engine::signals::{JoinKey, SignalBatch, SignalColumn, SignalReject, TextValues};
use mqa_syntax::FieldType;
use std::path::Path;

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// a1 and a4 share a domain; a3 has none.
fn accounts(i: &mut Interner) -> Accounts {
    let ids = ["a1", "a2", "a3", "a4"].map(|s| i.intern(s)).to_vec();
    let domains = vec![
        i.intern("one.example"),
        i.intern("two.example"),
        Sym::MISSING,
        i.intern("one.example"),
    ];
    Accounts {
        id: ids,
        fields: vec![Column::Number(vec![1.0; 4]), Column::Text(domains)],
        line: vec![2, 3, 4, 5],
    }
}

fn intent_fields() -> Vec<(String, FieldType)> {
    fields(&[("topic", FieldType::Text), ("score", FieldType::Int)])
}

fn batch(rows: &[(&str, &str, Option<&str>, Option<i64>)]) -> SignalBatch {
    SignalBatch {
        account: rows.iter().map(|r| r.0.to_string()).collect(),
        at: rows.iter().map(|r| t(r.1)).collect(),
        columns: vec![
            SignalColumn::Text(rows.iter().map(|r| r.2.map(String::from)).collect()),
            SignalColumn::Int(rows.iter().map(|r| r.3).collect()),
        ],
        rejects: vec![],
    }
}

fn topics(col: &Column, i: &Interner) -> Vec<String> {
    let Column::Text(v) = col else {
        panic!("topic is text")
    };
    v.iter().map(|&s| i.resolve(s).to_string()).collect()
}

#[test]
fn join_by_domain() {
    let mut i = Interner::new();
    let acc = accounts(&mut i);
    let mut b = batch(&[
        ("one.example", "2026-10-20", Some("siem"), Some(70)),
        ("two.example", "2026-10-05", Some("zero trust"), Some(40)),
        ("one.example", "2026-10-10", Some("competitor:acme"), None),
        ("nobody.example", "2026-10-10", Some("siem"), Some(90)),
        ("one.example", "2026-11-02", Some("late"), Some(99)),
        ("two.example", "2026-10-05", Some("tie"), Some(1)),
        ("ONE.example", "2026-10-10", Some("case"), Some(1)),
    ]);
    b.rejects.push(SignalReject {
        origin: "/data/intent.csv".into(),
        line: 7,
        raw: "x.example,,bad,2026-10-01".into(),
        reason: "score: \"bad\" is not a number".into(),
    });
    let mut rejects = MemoryRejects::new();
    let (table, summary) = build_signal_table(
        b,
        JoinKey::Domain,
        &intent_fields(),
        &acc,
        Some(1),
        t(AS_OF),
        &mut i,
        &mut rejects,
        Path::new("plugin:intent-csv"),
    )
    .unwrap();
    assert_eq!(
        summary,
        SignalSummary {
            read: 8,
            used: 4,
            after_as_of: 1,
            rejected: 1,
            unmatched: 2
        }
    );
    assert_eq!(rejects.rows.len(), 1);
    assert_eq!(rejects.rows[0].file, Path::new("/data/intent.csv"));
    assert_eq!(rejects.rows[0].line, 7);
    // a1 and a4 each get both one.example records, by `at`; a2 gets its two in batch order; a3 none.
    assert_eq!(table.account_start, [0, 2, 4, 4, 6]);
    assert_eq!(table.len(), 6);
    assert_eq!(
        topics(&table.fields[0], &i),
        [
            "competitor:acme",
            "siem",
            "zero trust",
            "tie",
            "competitor:acme",
            "siem"
        ]
    );
    assert_eq!(table.at[0..2], [t("2026-10-10"), t("2026-10-20")]);
    let Column::Number(score) = &table.fields[1] else {
        panic!()
    };
    assert!(score[0].is_nan());
    assert_eq!(score[1], 70.0);
    assert!(table.of_account(2).is_empty());
    assert!(table.at.iter().all(|&a| a <= t(AS_OF)));
}

#[test]
fn join_by_id_and_value_checks() {
    let mut i = Interner::new();
    let acc = accounts(&mut i);
    let b = SignalBatch {
        account: ["a3", "a1", "a2", "", "a9"].into(),
        at: vec![
            t("2026-10-01"),
            t("2026-10-02"),
            t("2026-10-03"),
            t("2026-10-04"),
            t("2026-10-05"),
        ],
        columns: vec![
            SignalColumn::Text([Some("x"), Some("y"), Some("z"), Some("w"), None].into()),
            SignalColumn::Text([Some("1.2k"), Some("12x"), None, Some("1"), Some("2")].into()),
        ],
        rejects: vec![],
    };
    let mut rejects = MemoryRejects::new();
    let (table, summary) = build_signal_table(
        b,
        JoinKey::Id,
        &intent_fields(),
        &acc,
        None,
        t(AS_OF),
        &mut i,
        &mut rejects,
        Path::new("plugin:x"),
    )
    .unwrap();
    assert_eq!(
        summary,
        SignalSummary {
            read: 5,
            used: 2,
            after_as_of: 0,
            rejected: 2,
            unmatched: 1
        }
    );
    let reasons: Vec<&str> = rejects.rows.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "record 2: score: \"12x\" is not an int",
            "record 4: empty account"
        ]
    );
    assert_eq!(rejects.rows[0].raw, "a1,2026-10-02T00:00:00Z,y,12x");
    assert_eq!(rejects.rows[0].file, Path::new("plugin:x"));
    // Joined by id: a3 (no domain) still gets its record.
    assert_eq!(table.account_start, [0, 0, 1, 2, 2]);
    assert_eq!(topics(&table.fields[0], &i), ["z", "x"]);
    let Column::Number(score) = &table.fields[1] else {
        panic!()
    };
    assert!(score[0].is_nan());
    assert_eq!(score[1], 1200.0);
}

#[test]
fn a_missing_key_is_rejected_like_an_empty_one() {
    let mut i = Interner::new();
    let acc = accounts(&mut i);
    let mut b = batch(&[
        ("one.example", "2026-10-20", Some("siem"), Some(70)),
        ("x", "2026-10-21", Some("crm"), Some(5)),
    ]);
    b.account = TextValues::from([Some("one.example"), None]);
    let mut rejects = MemoryRejects::new();
    let (table, summary) = build_signal_table(
        b,
        JoinKey::Domain,
        &intent_fields(),
        &acc,
        Some(1),
        t(AS_OF),
        &mut i,
        &mut rejects,
        Path::new("p"),
    )
    .unwrap();
    assert_eq!((summary.used, summary.rejected), (1, 1));
    assert_eq!(rejects.rows.len(), 1);
    assert_eq!(rejects.rows[0].reason, "record 2: empty account");
    assert_eq!(rejects.rows[0].raw, ",2026-10-21T00:00:00Z,crm,5");
    assert_eq!(topics(&table.fields[0], &i), ["siem", "siem"]);
}

#[test]
fn domain_join_without_a_domain_column_matches_nothing() {
    let mut i = Interner::new();
    let acc = accounts(&mut i);
    let b = batch(&[("one.example", "2026-10-20", Some("siem"), Some(70))]);
    let mut rejects = MemoryRejects::new();
    let (table, summary) = build_signal_table(
        b,
        JoinKey::Domain,
        &intent_fields(),
        &acc,
        None,
        t(AS_OF),
        &mut i,
        &mut rejects,
        Path::new("p"),
    )
    .unwrap();
    assert_eq!(summary.unmatched, 1);
    assert!(table.is_empty());
    assert_eq!(table.account_start, [0; 5]);
}

#[test]
fn malformed_batches_reject_every_record() {
    let mut i = Interner::new();
    let acc = accounts(&mut i);
    let mut b = batch(&[
        ("one.example", "2026-10-20", Some("siem"), Some(70)),
        ("two.example", "2026-10-20", None, None),
    ]);
    b.columns.pop();
    let mut rejects = MemoryRejects::new();
    let (table, summary) = build_signal_table(
        b,
        JoinKey::Domain,
        &intent_fields(),
        &acc,
        Some(1),
        t(AS_OF),
        &mut i,
        &mut rejects,
        Path::new("p"),
    )
    .unwrap();
    assert_eq!(
        summary,
        SignalSummary {
            read: 2,
            used: 0,
            after_as_of: 0,
            rejected: 2,
            unmatched: 0
        }
    );
    assert!(table.is_empty());
    assert_eq!(
        rejects.rows[1].reason,
        "record 2: malformed batch from the source: 1 columns for 2 declared fields"
    );

    // A column whose kind cannot hold the declared type rejects its records.
    let mut b = batch(&[("one.example", "2026-10-20", Some("siem"), Some(70))]);
    b.columns[0] = SignalColumn::Bool(vec![Some(true)]);
    let mut rejects = MemoryRejects::new();
    let (_, summary) = build_signal_table(
        b,
        JoinKey::Domain,
        &intent_fields(),
        &acc,
        Some(1),
        t(AS_OF),
        &mut i,
        &mut rejects,
        Path::new("p"),
    )
    .unwrap();
    assert_eq!(summary.rejected, 1);
    assert_eq!(
        rejects.rows[0].reason,
        "record 1: topic: the source gave bool values for a text field"
    );
}
