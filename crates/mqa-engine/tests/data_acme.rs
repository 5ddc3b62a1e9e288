//! Loading the public acme-small case (a byte-identical copy in tests/data),
//! plain, gzip-compressed and as JSONL.

// Test helpers outside #[test] functions stop at the first failure too.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "data/helpers.rs"]
mod helpers;

use flate2::write::GzEncoder;
use flate2::Compression;
use helpers::*;
use mqa_engine::data::{Column, Dataset, BOOL_MISSING};
use mqa_engine::intern::Interner;
use std::io::Write;

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn text(ds_col: &Column, row: usize, i: &Interner) -> String {
    match ds_col {
        Column::Text(v) => i.resolve(v[row]).to_string(),
        other => panic!("not a text column: {other:?}"),
    }
}

fn number(ds_col: &Column, row: usize) -> f64 {
    match ds_col {
        Column::Number(v) => v[row],
        other => panic!("not a number column: {other:?}"),
    }
}

#[test]
fn acme_small_counts_and_values() {
    let (r, i, rejects) = load(&fixture("acme-small"), &acme_schema(), AS_OF, 0.01);
    let ds = r.unwrap();
    assert!(rejects.rows.is_empty(), "{:?}", rejects.rows);
    assert_eq!(ds.accounts.len(), 60);
    assert_eq!(ds.contacts.len(), 410);
    // No event of acme-small is after 2026-11-01.
    assert_eq!(ds.events.len(), 1530);
    assert_eq!(ds.summary.total_read(), 60 + 410 + 1530);
    assert_eq!(ds.summary.total_rejected(), 0);
    assert_eq!(ds.summary.events_anonymous, 284);
    assert_eq!(ds.summary.events_unknown_contact, 0);
    assert_accounting(&ds);
    assert_grouping(&ds);

    // acc-7-00000,company7x0.example,Company 0,fintech,228,65732179,3,true
    assert_eq!(i.resolve(ds.accounts.id[0]), "acc-7-00000");
    assert_eq!(ds.accounts.line[0], 2);
    assert_eq!(text(&ds.accounts.fields[0], 0, &i), "company7x0.example");
    assert_eq!(text(&ds.accounts.fields[1], 0, &i), "fintech");
    assert_eq!(number(&ds.accounts.fields[2], 0), 228.0);
    assert_eq!(number(&ds.accounts.fields[3], 0), 65_732_179.0);
    assert_eq!(number(&ds.accounts.fields[4], 0), 3.0);
    let Column::Bool(regulated) = &ds.accounts.fields[5] else {
        panic!("regulated is a bool column")
    };
    assert_eq!(regulated[0], 1);
    assert_eq!(regulated[5], 0); // acc-7-00005 is not regulated
    assert!(!regulated.contains(&BOOL_MISSING));

    // acc-7-00003: 9 contacts, 12 events, the first three in time order.
    let a = ds.accounts.row_of(&i, "acc-7-00003").unwrap();
    assert_eq!(a, 3);
    assert_eq!(ds.contacts.of_account(a).len(), 9);
    let ev = ds.events.of_account(a);
    assert_eq!(ev.len(), 12);
    let first: Vec<(&str, i64, String)> = ev
        .clone()
        .take(3)
        .map(|e| {
            (
                ds.events.id.get(e),
                ds.events.at[e],
                text(&ds.events.fields[0], e, &i),
            )
        })
        .collect();
    assert_eq!(
        first,
        [
            ("e7-28", t("2026-07-20T13:56:23Z"), "webinar".to_string()),
            (
                "e7-25",
                t("2026-07-21T10:08:32Z"),
                "event_attended".to_string()
            ),
            (
                "e7-26",
                t("2026-07-21T10:49:54Z"),
                "pricing_view".to_string()
            ),
        ]
    );
    // Known contacts join within the account; anonymous events have no contact.
    for e in 0..ds.events.len() {
        let c = ds.events.contact[e];
        if ds.events.contact_id[e].is_missing() {
            assert_eq!(c, u32::MAX);
        } else {
            assert_eq!(ds.contacts.id[c as usize], ds.events.contact_id[e]);
            assert_eq!(ds.contacts.account[c as usize], ds.events.account[e]);
        }
    }
    // Empty asset_tier cells are missing, not "".
    let Column::Text(tiers) = &ds.events.fields[1] else {
        panic!()
    };
    assert!(tiers.iter().any(|s| s.is_missing()));
    assert!(tiers
        .iter()
        .all(|&s| s.is_missing() || ["high", "standard"].contains(&i.resolve(s))));
}

#[test]
fn events_after_as_of_are_dropped_and_counted() {
    let (r, _, rejects) = load(
        &fixture("acme-small"),
        &acme_schema(),
        "2026-10-01T00:00:00Z",
        0.01,
    );
    let ds = r.unwrap();
    assert!(rejects.rows.is_empty());
    let ev = ds.summary.file("events").unwrap();
    assert_eq!(
        (ev.read, ev.after_as_of, ev.used, ev.rejected),
        (1530, 981, 549, 0)
    );
    assert_eq!(ds.events.len(), 549);
    assert!(ds.events.at.iter().all(|&a| a <= t("2026-10-01T00:00:00Z")));
    assert_eq!(ds.summary.events_anonymous, 89);
    // Dropped rows are not rejects: the rate only counts rejects.
    assert_eq!(ds.summary.reject_rate(), 0.0);
    assert_accounting(&ds);
    assert_grouping(&ds);
}

/// Two loads hold the same data when every value resolves to the same text.
fn same_data(a: &Dataset, ai: &Interner, b: &Dataset, bi: &Interner) {
    let syms = |v: &[mqa_engine::intern::Sym], i: &Interner| -> Vec<String> {
        v.iter().map(|&s| i.resolve(s).to_string()).collect()
    };
    let col = |c: &Column, i: &Interner| -> Vec<String> {
        match c {
            Column::Text(v) => syms(v, i),
            Column::Number(v) => v.iter().map(|x| format!("{x:?}")).collect(),
            Column::Bool(v) => v.iter().map(|x| x.to_string()).collect(),
            Column::Time(v) => v.iter().map(|x| x.to_string()).collect(),
            other => panic!("unexpected column {other:?}"),
        }
    };
    assert_eq!(syms(&a.accounts.id, ai), syms(&b.accounts.id, bi));
    assert_eq!(syms(&a.contacts.id, ai), syms(&b.contacts.id, bi));
    assert_eq!(
        a.events.id.iter().collect::<Vec<_>>(),
        b.events.id.iter().collect::<Vec<_>>()
    );
    assert_eq!(
        syms(&a.events.contact_id, ai),
        syms(&b.events.contact_id, bi)
    );
    assert_eq!(a.events.at, b.events.at);
    assert_eq!(a.events.contact, b.events.contact);
    assert_eq!(a.events.account_start, b.events.account_start);
    assert_eq!(a.contacts.account_start, b.contacts.account_start);
    for (x, y) in a.accounts.fields.iter().zip(&b.accounts.fields) {
        assert_eq!(col(x, ai), col(y, bi));
    }
    for (x, y) in a.events.fields.iter().zip(&b.events.fields) {
        assert_eq!(col(x, ai), col(y, bi));
    }
}

#[test]
fn gzip_gives_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["accounts", "contacts", "events"] {
        let bytes = std::fs::read(fixture("acme-small").join(format!("{name}.csv"))).unwrap();
        // Two gzip members back to back: a concatenated .gz is still one file.
        let (head, tail) = bytes.split_at(bytes.len() / 2);
        let mut out = Vec::new();
        for part in [head, tail] {
            let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(part).unwrap();
            out.extend(gz.finish().unwrap());
        }
        std::fs::write(dir.path().join(format!("{name}.csv.gz")), out).unwrap();
    }
    let (plain, pi, _) = load(&fixture("acme-small"), &acme_schema(), AS_OF, 0.01);
    let (gz, gi, rejects) = load(dir.path(), &acme_schema(), AS_OF, 0.01);
    let (plain, gz) = (plain.unwrap(), gz.unwrap());
    assert!(rejects.rows.is_empty());
    assert_eq!(
        gz.summary.file("events").unwrap().file,
        dir.path().join("events.csv.gz")
    );
    same_data(&plain, &pi, &gz, &gi);
}

/// Writes acme-small as JSONL (numbers as JSON numbers, booleans as JSON
/// booleans, empty cells as absent fields or null), optionally gzipped.
fn acme_as_jsonl(dir: &std::path::Path, gzip: bool) {
    let numeric = ["employees", "revenue", "tier"];
    for name in ["accounts", "contacts", "events"] {
        let path = fixture("acme-small").join(format!("{name}.csv"));
        let mut r = csv::Reader::from_path(path).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let mut out = String::new();
        for (n, rec) in r.records().enumerate() {
            let rec = rec.unwrap();
            let mut obj = serde_json::Map::new();
            for (h, v) in header.iter().zip(rec.iter()) {
                let value = if v.is_empty() {
                    if n % 2 == 0 {
                        continue;
                    } else {
                        serde_json::Value::Null
                    }
                } else if numeric.contains(&h.as_str()) {
                    serde_json::from_str(v).unwrap()
                } else if h == "regulated" {
                    serde_json::Value::Bool(v == "true")
                } else {
                    serde_json::Value::String(v.to_string())
                };
                obj.insert(h.clone(), value);
            }
            out.push_str(&serde_json::Value::Object(obj).to_string());
            out.push('\n');
        }
        if gzip {
            let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
            gz.write_all(out.as_bytes()).unwrap();
            std::fs::write(dir.join(format!("{name}.jsonl.gz")), gz.finish().unwrap()).unwrap();
        } else {
            std::fs::write(dir.join(format!("{name}.jsonl")), out).unwrap();
        }
    }
}

#[test]
fn jsonl_and_jsonl_gz_give_the_same_data() {
    let (plain, pi, _) = load(&fixture("acme-small"), &acme_schema(), AS_OF, 0.01);
    let plain = plain.unwrap();
    for gzip in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        acme_as_jsonl(dir.path(), gzip);
        let (js, ji, rejects) = load(dir.path(), &acme_schema(), AS_OF, 0.01);
        let js = js.unwrap();
        assert!(rejects.rows.is_empty(), "{:?}", rejects.rows);
        same_data(&plain, &pi, &js, &ji);
        assert_accounting(&js);
    }
}

#[test]
fn csv_and_jsonl_side_by_side_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    acme_as_jsonl(dir.path(), false);
    std::fs::copy(
        fixture("acme-small").join("events.csv"),
        dir.path().join("events.csv"),
    )
    .unwrap();
    let (r, _, _) = load(dir.path(), &acme_schema(), AS_OF, 0.01);
    let e = r.unwrap_err();
    assert_eq!(e.code(), "E0302");
    assert!(e.to_string().contains("events.csv and events.jsonl"), "{e}");
}
