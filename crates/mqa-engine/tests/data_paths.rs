//! The loader's fast paths keep the data contract: plain (quote-free) CSV
//! blocks and quoted ones give the same rows and rejects, a text cell that
//! is not UTF-8 is still rejected (on either path), event ids are never
//! interned unless a rule reads them, and rules that read them work.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;
#[path = "data/helpers.rs"]
mod helpers;

use helpers::{acme_schema, assert_accounting, assert_grouping, load};
use mqa_engine::data::Column;
use std::fmt::Write as _;
use std::path::Path;

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// A data set big enough for many batches: 3000 accounts, 4 contacts each,
/// 40 000 events (grouped by account, unsorted in time), a few bad rows.
/// Cells of rows where `quote(row)` holds are quoted (the same values).
fn write_big(dir: &Path, quote: fn(u32) -> bool) {
    let mut acc = String::from("id,domain,industry,employees,revenue,tier,regulated\n");
    let mut con = String::from("id,account_id,role,department\n");
    let mut ev = String::from("id,account_id,contact_id,at,kind,asset_tier\n");
    for a in 0..3000 {
        let _ = writeln!(acc, "a{a},d{a}.example,software,{},1M,1,no", 100 + a);
        for c in 0..4 {
            let _ = writeln!(con, "a{a}-c{c},a{a},user,it");
        }
    }
    let kinds = ["page_view", "download", "demo_request", "webinar"];
    for e in 0..40_000u32 {
        let a = e * 3000 / 40_000;
        let contact = match e % 11 {
            0 => String::new(),
            1 => format!("stranger{e}"),
            _ => format!("a{a}-c{}", e % 4),
        };
        let day = 1 + (e * 7919) % 28;
        let kind = kinds[(e % 4) as usize];
        let kind = if quote(e) && e % 2 == 0 {
            format!("\"{kind}\"")
        } else {
            kind.to_string()
        };
        let contact = if quote(e) {
            format!("\"{contact}\"")
        } else {
            contact
        };
        // Every 500th id repeats an earlier one; every 777th row has a bad `at`.
        let id = if e % 500 == 499 { e - 7 } else { e };
        let at = if e % 777 == 5 {
            "2026-10-xx".to_string()
        } else {
            format!("2026-10-{day:02}T{:02}:00:00Z", e % 24)
        };
        let _ = writeln!(ev, "e{id},a{a},{contact},{at},{kind},");
    }
    std::fs::write(dir.join("accounts.csv"), acc).unwrap();
    std::fs::write(dir.join("contacts.csv"), con).unwrap();
    std::fs::write(dir.join("events.csv"), ev).unwrap();
}

fn texts(c: &Column, i: &mqa_engine::intern::Interner) -> Vec<String> {
    match c {
        Column::Text(v) => v.iter().map(|&s| i.resolve(s).to_string()).collect(),
        other => panic!("not a text column: {other:?}"),
    }
}

#[test]
fn plain_and_quoted_blocks_give_the_same_rows() {
    // Quotes everywhere (every block scanned), and only around row 20 000
    // (plain blocks, a plain run cut before the quote, scanned, plain again).
    for quote in [(|e| e % 13 == 0) as fn(u32) -> bool, |e| {
        (20_000..20_010).contains(&e)
    }] {
        same_rows_as_plain(quote);
    }
}

fn same_rows_as_plain(quote: fn(u32) -> bool) {
    let plain = tempfile::tempdir().unwrap();
    let quoted = tempfile::tempdir().unwrap();
    write_big(plain.path(), |_| false);
    write_big(quoted.path(), quote);
    let (a, ai, ar) = load(plain.path(), &acme_schema(), AS_OF, 1.0);
    let (b, bi, br) = load(quoted.path(), &acme_schema(), AS_OF, 1.0);
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_accounting(&a);
    assert_grouping(&a);
    assert_grouping(&b);
    assert_eq!(a.summary, {
        let mut s = b.summary.clone();
        for (f, g) in s.files.iter_mut().zip(&a.summary.files) {
            f.file = g.file.clone();
        }
        s
    });
    let ev = a.summary.file("events").unwrap();
    assert_eq!(ev.read, 40_000);
    // Bad `at` first; then the first clean row of an id wins.
    let mut seen = std::collections::HashSet::new();
    let bad = (0..40_000u32)
        .filter(|&e| e % 777 == 5 || !seen.insert(if e % 500 == 499 { e - 7 } else { e }))
        .count() as u64;
    assert_eq!(ev.rejected, bad, "{ev:?}");
    assert!(bad > 120);
    let reasons = |r: &mqa_engine::data::MemoryRejects| -> Vec<(u64, String)> {
        r.rows.iter().map(|x| (x.line, x.reason.clone())).collect()
    };
    assert_eq!(reasons(&ar), reasons(&br));
    assert!(ar
        .rows
        .windows(2)
        .all(|w| w[0].file != w[1].file || w[0].line < w[1].line));
    assert_eq!(
        ar.rows
            .iter()
            .find(|r| r.reason.starts_with("duplicate"))
            .map(|r| (r.line, r.reason.as_str(), r.raw.as_str())),
        Some((
            501,
            "duplicate id `e492` (first at line 494)",
            "e492,a37,a37-c3,2026-10-26T19:00:00Z,webinar,"
        ))
    );
    assert_eq!(
        a.events.id.iter().collect::<Vec<_>>(),
        b.events.id.iter().collect::<Vec<_>>()
    );
    assert_eq!(a.events.at, b.events.at);
    assert_eq!(a.events.contact, b.events.contact);
    assert_eq!(
        texts(&a.events.fields[0], &ai),
        texts(&b.events.fields[0], &bi)
    );
    let ids = |d: &mqa_engine::data::Dataset, i: &mqa_engine::intern::Interner| -> Vec<String> {
        d.events
            .contact_id
            .iter()
            .map(|&s| i.resolve(s).to_string())
            .collect()
    };
    assert_eq!(ids(&a, &ai), ids(&b, &bi));
    // Unknown contacts are kept with their id as a value.
    let unknown = (0..a.events.len())
        .filter(|&e| a.events.contact[e] == u32::MAX && !a.events.contact_id[e].is_missing())
        .count() as u64;
    assert_eq!(unknown, a.summary.events_unknown_contact);
    assert!(unknown > 3000);
}

#[test]
fn event_ids_are_not_interned() {
    let dir = tempfile::tempdir().unwrap();
    write_big(dir.path(), |_| false);
    let (ds, i, _) = load(dir.path(), &acme_schema(), AS_OF, 1.0);
    let ds = ds.unwrap();
    assert!(ds.events.len() > 39_000);
    assert!(
        i.get("e1000").is_none(),
        "event ids stay out of the interner"
    );
    assert!(i.get("a1000").is_some() && i.get("a1000-c3").is_some());
    let e = (0..ds.events.len())
        .find(|&e| ds.events.id.get(e) == "e1000")
        .unwrap();
    assert_eq!(ds.events.id.sym(e), None);
}

#[test]
fn text_cells_that_are_not_utf8_are_rejected_on_both_paths() {
    for quoted_block in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("accounts.csv"),
            "id,domain,industry,employees,revenue,tier,regulated\na1,x,software,1,1,1,no\n",
        )
        .unwrap();
        std::fs::write(d.join("contacts.csv"), "id,account_id,role,department\n").unwrap();
        let mut ev: Vec<u8> = b"id,account_id,contact_id,at,kind,asset_tier,extra\n".to_vec();
        ev.extend_from_slice(b"e1,a1,,2026-10-01T00:00:00Z,page\xffview,,\n");
        ev.extend_from_slice(b"e2,a1,,2026-10-01T00:00:00Z,page_view,,not\xfeused\n");
        ev.extend_from_slice(b"e\xff3,a1,,2026-10-01T00:00:00Z,page_view,,\n");
        ev.extend_from_slice(b"e4,a1,c\xff,2026-10-01T00:00:00Z,page_view,,\n");
        if quoted_block {
            ev.extend_from_slice(b"e5,a1,,2026-10-01T00:00:00Z,\"quoted\",,\n");
        }
        std::fs::write(d.join("events.csv"), ev).unwrap();
        let (ds, i, rejects) = load(d, &acme_schema(), AS_OF, 1.0);
        let ds = ds.unwrap();
        let got: Vec<(u64, &str)> = rejects
            .rows
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "kind: \"page\u{fffd}view\" is not valid UTF-8"),
                (4, "id: \"e\u{fffd}3\" is not valid UTF-8"),
                (5, "contact_id: \"c\u{fffd}\" is not valid UTF-8"),
            ],
            "quoted block: {quoted_block}"
        );
        // An undeclared column is not read, so its bytes do not matter.
        assert_eq!(ds.events.id.get(0), "e2");
        assert_eq!(texts(&ds.events.fields[0], &i)[0], "page_view");
    }
}

#[test]
fn rules_can_read_event_ids() {
    use common::*;
    let data = Data::new()
        .account("a", &[])
        .event("e1", "a", "", &days_ago(1), &[("kind", "x")])
        .event("e2", "a", "", &days_ago(2), &[("kind", "x")])
        .event("e3", "a", "", &days_ago(3), &[("kind", "y")])
        .account("b", &[])
        .event("e4", "b", "", &days_ago(1), &[("kind", "x")]);
    let r = run(
        &score_models(&[
            ("named", "count(events where id == \"e2\" or id == \"e4\")"),
            ("ids", "distinct(events.id)"),
            ("ids_of_x", "distinct(events.id where kind == \"x\")"),
        ]),
        &data,
    );
    assert_eq!(r.value("named", "a"), 1.0);
    assert_eq!(r.value("named", "b"), 1.0);
    assert_eq!(r.value("ids", "a"), 3.0);
    assert_eq!(r.value("ids_of_x", "a"), 2.0);
    assert_eq!(r.value("ids", "b"), 1.0);
}

#[test]
fn duplicates_keep_their_raw_rows_in_gzip_and_jsonl() {
    use flate2::write::GzEncoder;
    use std::io::Write as _;
    let plain = tempfile::tempdir().unwrap();
    write_big(plain.path(), |_| false);
    let (_, _, want) = load(plain.path(), &acme_schema(), AS_OF, 1.0);
    // The same files gzipped.
    let gz = tempfile::tempdir().unwrap();
    for name in ["accounts", "contacts", "events"] {
        let text = std::fs::read(plain.path().join(format!("{name}.csv"))).unwrap();
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&text).unwrap();
        std::fs::write(
            gz.path().join(format!("{name}.csv.gz")),
            e.finish().unwrap(),
        )
        .unwrap();
    }
    let (ds, _, got) = load(gz.path(), &acme_schema(), AS_OF, 1.0);
    ds.unwrap();
    let rows = |r: &mqa_engine::data::MemoryRejects| -> Vec<(u64, String, String)> {
        r.rows
            .iter()
            .map(|x| (x.line, x.reason.clone(), x.raw.clone()))
            .collect()
    };
    assert_eq!(rows(&got), rows(&want));
    assert!(
        got.rows
            .iter()
            .filter(|r| r.reason.starts_with("duplicate"))
            .count()
            > 70
    );

    // JSONL: a repeated id among many lines; the first clean one wins.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("accounts.csv"),
        "id,domain,industry,employees,revenue,tier,regulated\na1,x,software,1,1,1,no\n",
    )
    .unwrap();
    std::fs::write(d.join("contacts.csv"), "id,account_id,role,department\n").unwrap();
    let mut ev = String::new();
    for e in 0..30_000 {
        let id = match e {
            20_000 => "e5".to_string(),
            25_000 => "e29999".to_string(),
            _ => format!("e{e}"),
        };
        let _ = writeln!(
            ev,
            "{{\"id\":\"{id}\",\"account_id\":\"a1\",\"at\":\"2026-10-01T00:00:00Z\",\"kind\":\"k{e}\"}}"
        );
    }
    std::fs::write(d.join("events.jsonl"), ev).unwrap();
    let (ds, _, rejects) = load(d, &acme_schema(), AS_OF, 1.0);
    let ds = ds.unwrap();
    let got: Vec<(u64, &str, &str)> = rejects
        .rows
        .iter()
        .map(|r| (r.line, r.reason.as_str(), r.raw.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                20_001,
                "duplicate id `e5` (first at line 6)",
                "{\"id\":\"e5\",\"account_id\":\"a1\",\"at\":\"2026-10-01T00:00:00Z\",\"kind\":\"k20000\"}"
            ),
            (
                30_000,
                "duplicate id `e29999` (first at line 25001)",
                "{\"id\":\"e29999\",\"account_id\":\"a1\",\"at\":\"2026-10-01T00:00:00Z\",\"kind\":\"k29999\"}"
            ),
        ]
    );
    assert_eq!(ds.events.len(), 29_998);
    assert_eq!(ds.summary.file("events").unwrap().rejected, 2);
}
