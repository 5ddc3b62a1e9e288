//! The bad-data fixture (tests/data/bad) exercises every reject reason; each
//! reject must carry its file, line and reason, and the row untouched.

// Test helpers outside #[test] functions stop at the first failure too.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "data/helpers.rs"]
mod helpers;

use helpers::*;
use mqa_engine::data::{load_dataset, Column, CsvRejectWriter, DataSchema, LoadError, LoadOptions};
use mqa_engine::intern::Interner;
use mqa_syntax::FieldType;

fn bad_schema() -> DataSchema {
    use FieldType::*;
    DataSchema {
        account: fields(&[
            ("domain", Text),
            ("employees", Int),
            ("revenue", Number),
            ("regulated", Bool),
            ("founded", Time),
            ("tags", ListText),
            ("scores", ListNumber),
        ]),
        contact: fields(&[("role", Text)]),
        event: fields(&[("kind", Text), ("value", Number)]),
    }
}

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// (file, line, reason) of every reject, in the order found.
const EXPECTED: &[(&str, u64, &str)] = &[
    ("accounts.csv", 3, r#"employees: "12x" is not an int"#),
    ("accounts.csv", 4, r#"employees: "1.5" is not an int"#),
    ("accounts.csv", 5, r#"revenue: "abc" is not a number"#),
    ("accounts.csv", 6, r#"regulated: "maybe" is not a bool"#),
    (
        "accounts.csv",
        7,
        r#"founded: "yesterday" is not a time (RFC 3339 with an offset, or YYYY-MM-DD)"#,
    ),
    (
        "accounts.csv",
        8,
        r#"founded: "2026-10-01T10:00:00" is not a time: a UTC offset is required (add `Z` or `+HH:MM`)"#,
    ),
    ("accounts.csv", 9, "empty id"),
    (
        "accounts.csv",
        10,
        "expected 9 fields as in the header, found 4",
    ),
    ("accounts.csv", 11, "duplicate id `a1` (first at line 2)"),
    ("accounts.csv", 13, r#"employees: "oops" is not an int"#),
    ("accounts.csv", 15, r#"employees: " 12" is not an int"#),
    ("accounts.csv", 17, r#"tags: "a;;b" has an empty list item"#),
    (
        "accounts.csv",
        18,
        r#"scores: "1;x" is not a list of numbers (item "x")"#,
    ),
    (
        "accounts.csv",
        20,
        "text after the closing quote of field 2",
    ),
    ("accounts.csv", 21, "unterminated quoted field"),
    ("contacts.csv", 3, "unknown account_id `a3`"),
    ("contacts.csv", 4, "empty id"),
    ("contacts.csv", 5, "empty account_id"),
    ("contacts.csv", 6, "unknown account_id `nope`"),
    ("contacts.csv", 7, "duplicate id `c1` (first at line 2)"),
    (
        "contacts.csv",
        10,
        "expected 3 fields as in the header, found 2",
    ),
    ("events.csv", 6, "empty at"),
    ("events.csv", 7, "empty account_id"),
    ("events.csv", 8, "empty id"),
    (
        "events.csv",
        9,
        r#"at: "2026-10-01T10:00:00" is not a time: a UTC offset is required (add `Z` or `+HH:MM`)"#,
    ),
    ("events.csv", 10, "unknown account_id `a3`"),
    ("events.csv", 12, "duplicate id `e1` (first at line 2)"),
    ("events.csv", 13, r#"value: "abc" is not a number"#),
    ("events.csv", 16, "duplicate id `e9` (first at line 11)"),
];

fn syms(v: &[mqa_engine::intern::Sym], i: &Interner) -> Vec<String> {
    v.iter().map(|&s| i.resolve(s).to_string()).collect()
}

#[test]
fn every_reject_reason_with_file_and_line() {
    let (r, _, rejects) = load(&fixture("bad"), &bad_schema(), AS_OF, 1.0);
    let ds = r.unwrap();
    let got: Vec<(String, u64, String)> = rejects
        .rows
        .iter()
        .map(|x| {
            assert_eq!(x.file.parent().unwrap(), fixture("bad"));
            (
                x.file.file_name().unwrap().to_string_lossy().into_owned(),
                x.line,
                x.reason.clone(),
            )
        })
        .collect();
    let want: Vec<(String, u64, String)> = EXPECTED
        .iter()
        .map(|(f, l, r)| (f.to_string(), *l, r.to_string()))
        .collect();
    assert_eq!(got, want);

    // Rows are written untouched: quoted cells keep their commas, quotes and newlines.
    let raw = |line: u64, file: &str| -> &str {
        &rejects
            .rows
            .iter()
            .find(|x| x.line == line && x.file.ends_with(file))
            .unwrap()
            .raw
    };
    assert_eq!(raw(13, "accounts.csv"), "a11,\"multi\nline\",oops,1,1,,,,");
    assert_eq!(raw(20, "accounts.csv"), "a16,\"bad\"quote,1,1,1,,,,");
    assert_eq!(raw(21, "accounts.csv"), "a17,\"never closed,1,1,1,,,,");
    assert_eq!(raw(3, "contacts.csv"), "c2,a3,user"); // CRLF file: terminator not part of the row
    assert_eq!(
        raw(10, "events.csv"),
        "e8,a3,,2026-10-01T10:00:00Z,page_view,"
    );

    // Row accounting per file: read = used + rejected + after_as_of.
    assert_accounting(&ds);
    let f = |n: &str| {
        let s = ds.summary.file(n).unwrap();
        (s.read, s.used, s.rejected, s.after_as_of)
    };
    assert_eq!(f("accounts"), (19, 4, 15, 0));
    assert_eq!(f("contacts"), (9, 3, 6, 0));
    assert_eq!(f("events"), (16, 7, 8, 1));
    assert_eq!(ds.summary.total_rejected(), EXPECTED.len() as u64);
}

#[test]
fn kept_rows_hold_their_values() {
    let (r, i, _) = load(&fixture("bad"), &bad_schema(), AS_OF, 1.0);
    let ds = r.unwrap();
    assert_grouping(&ds);
    // File order of the rows that read cleanly; a2's first row was bad, its second is kept.
    assert_eq!(syms(&ds.accounts.id, &i), ["a1", "a10", "a13", "a2"]);
    assert_eq!(ds.accounts.line, [2, 12, 16, 19]);
    let Column::Text(domain) = &ds.accounts.fields[0] else {
        panic!()
    };
    assert_eq!(
        syms(domain, &i),
        [
            "a1.example",
            "quoted, with comma",
            "a13.example",
            "a2-second.example"
        ]
    );
    let Column::Number(employees) = &ds.accounts.fields[1] else {
        panic!()
    };
    assert_eq!(employees[..2], [1200.0, 1200.0]);
    assert!(employees[2].is_nan());
    assert_eq!(employees[3], 7.0);
    let Column::Number(revenue) = &ds.accounts.fields[2] else {
        panic!()
    };
    assert_eq!(revenue[..2], [1200.0, 10_000_000.0]);
    assert_eq!(ds.accounts.fields[3], Column::Bool(vec![1, 0, 2, 1]));
    assert_eq!(
        ds.accounts.fields[4],
        Column::Time(vec![
            t("2020-01-01"),
            t("2026-10-01T08:00:00Z"),
            i64::MIN,
            i64::MIN
        ])
    );
    let Column::ListText(tags) = &ds.accounts.fields[5] else {
        panic!()
    };
    assert_eq!(syms(tags[0].as_deref().unwrap(), &i), ["x", "y"]);
    assert_eq!(syms(tags[1].as_deref().unwrap(), &i), ["a", "b"]);
    assert!(tags[2].is_none());
    let Column::ListNumber(scores) = &ds.accounts.fields[6] else {
        panic!()
    };
    assert_eq!(scores[0].as_deref(), Some(&[1.0, 2.0][..]));
    assert!(scores[1].is_none());

    // Contacts grouped by account row: a1: c1; a10: c5; a13: none; a2: c6.
    assert_eq!(syms(&ds.contacts.id, &i), ["c1", "c5", "c6"]);
    assert_eq!(ds.contacts.account_start, [0, 1, 2, 2, 3]);
    let Column::Text(role) = &ds.contacts.fields[0] else {
        panic!()
    };
    assert_eq!(i.resolve(role[1]), "role, with \"quotes\"");

    // Events of a1 by (at, id): e0 and e1 share `at`, e3 and e4 too.
    assert_eq!(
        ds.events.id.iter().collect::<Vec<_>>(),
        ["e0", "e1", "e2", "e3", "e4", "e12", "e11"]
    );
    assert_eq!(ds.events.account_start, [0, 5, 6, 6, 7]);
    assert_eq!(ds.events.at[5], t("2026-10-01T00:00:00Z")); // 23:00 at -01:00
    assert_eq!(ds.events.at[6], t("2026-10-01T10:00:00Z")); // 12:00 at +02:00
    let Column::Text(kind) = &ds.events.fields[0] else {
        panic!()
    };
    assert_eq!(i.resolve(kind[5]), "page,view");
    let Column::Number(value) = &ds.events.fields[1] else {
        panic!()
    };
    assert_eq!((value[0], value[1], value[5]), (2.0, 1.0, 1500.0));
    assert!(value[2].is_nan());
}

#[test]
fn anonymous_unknown_and_cross_account_contacts() {
    let (r, i, _) = load(&fixture("bad"), &bad_schema(), AS_OF, 1.0);
    let ds = r.unwrap();
    let by_id = |id: &str| ds.events.id.iter().position(|s| s == id).unwrap();
    let c1 = 0u32; // contact row of c1 (account a1)
    let c6 = 2u32; // contact row of c6 (account a2)
    assert_eq!(ds.events.contact[by_id("e1")], c1);
    // Anonymous: empty contact_id.
    assert!(ds.events.contact_id[by_id("e2")].is_missing());
    assert_eq!(ds.events.contact[by_id("e2")], u32::MAX);
    // c6 exists but belongs to a2: unknown for an a1 event, joined for an a2 event.
    assert_eq!(i.resolve(ds.events.contact_id[by_id("e3")]), "c6");
    assert_eq!(ds.events.contact[by_id("e3")], u32::MAX);
    assert_eq!(ds.events.contact[by_id("e11")], c6);
    // No such contact: kept, id kept as a value.
    assert_eq!(i.resolve(ds.events.contact_id[by_id("e4")]), "zz");
    assert_eq!(ds.events.contact[by_id("e4")], u32::MAX);
    assert_eq!(ds.summary.events_anonymous, 1);
    assert_eq!(ds.summary.events_unknown_contact, 2);
}

#[test]
fn too_many_rejects_still_writes_them_all() {
    let (r, _, rejects) = load(&fixture("bad"), &bad_schema(), AS_OF, 0.01);
    match r {
        Err(LoadError::TooManyRejects {
            rejected,
            read,
            rate,
            max,
        }) => {
            assert_eq!((rejected, read), (29, 44));
            assert_eq!(rate, 29.0 / 44.0);
            assert_eq!(max, 0.01);
        }
        other => panic!("expected TooManyRejects, got {other:?}"),
    }
    assert_eq!(rejects.rows.len(), EXPECTED.len());
    // A rate equal to the limit does not exceed it.
    let (r, _, _) = load(&fixture("bad"), &bad_schema(), AS_OF, 29.0 / 44.0);
    assert!(r.is_ok());
}

#[test]
fn rejects_file_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rejects.csv");
    let mut writer = CsvRejectWriter::create(&path).unwrap();
    let mut interner = Interner::new();
    let opts = LoadOptions {
        as_of: t(AS_OF),
        window_start: None,
        max_reject_rate: 1.0,
    };
    load_dataset(
        &fixture("bad"),
        &bad_schema(),
        &opts,
        &mut interner,
        &mut writer,
    )
    .unwrap();
    assert_eq!(writer.count(), EXPECTED.len() as u64);
    writer.finish().unwrap();
    let (_, _, memory) = load(&fixture("bad"), &bad_schema(), AS_OF, 1.0);
    let mut r = csv::Reader::from_path(&path).unwrap();
    assert_eq!(r.headers().unwrap(), vec!["file", "line", "reason", "row"]);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), memory.rows.len());
    for (row, m) in rows.iter().zip(&memory.rows) {
        assert_eq!(&row[0], m.file.display().to_string());
        assert_eq!(row[1].parse::<u64>().unwrap(), m.line);
        assert_eq!(&row[2], m.reason);
        assert_eq!(&row[3], m.raw);
    }
}

#[test]
fn missing_columns_and_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _, _) = load(dir.path(), &bad_schema(), AS_OF, 0.01);
    let e = r.unwrap_err();
    assert_eq!(e.code(), "E0301");
    assert!(e
        .to_string()
        .contains("expected accounts.csv, accounts.jsonl, accounts.csv.gz or accounts.jsonl.gz"));

    std::fs::write(
        dir.path().join("accounts.csv"),
        "id,domain,revenue\na1,x,1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("contacts.csv"), "id,account_id,role\n").unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "id,account_id,contact_id,at,kind,value\n",
    )
    .unwrap();
    let (r, _, _) = load(dir.path(), &bad_schema(), AS_OF, 0.01);
    let e = r.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: line 1: missing required columns `employees`, `regulated`, `founded`, `tags`, `scores` (header: id,domain,revenue)",
            dir.path().join("accounts.csv").display()
        )
    );

    // Events without the built-in contact_id column.
    std::fs::write(dir.path().join("accounts.csv"), "id\na1\n").unwrap();
    std::fs::write(dir.path().join("events.csv"), "id,account_id,at\n").unwrap();
    let (r, _, _) = load(dir.path(), &DataSchema::default(), AS_OF, 0.01);
    assert!(r
        .unwrap_err()
        .to_string()
        .contains("missing required column `contact_id` (header: id,account_id,at)"));

    // An empty events file (not even a header).
    std::fs::write(dir.path().join("events.csv"), "").unwrap();
    let (r, _, _) = load(dir.path(), &DataSchema::default(), AS_OF, 0.01);
    assert_eq!(r.unwrap_err().code(), "E0303");

    // Headers only: an empty but valid dataset.
    std::fs::write(
        dir.path().join("events.csv"),
        "id,account_id,contact_id,at\n",
    )
    .unwrap();
    let (r, _, _) = load(dir.path(), &DataSchema::default(), AS_OF, 0.01);
    let ds = r.unwrap();
    assert_eq!(
        (ds.accounts.len(), ds.contacts.len(), ds.events.len()),
        (1, 0, 0)
    );
    assert_eq!(ds.events.account_start, [0, 0]);
}

#[test]
fn jsonl_rejects() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("accounts.jsonl"),
        concat!(
            "{\"id\":\"a1\",\"employees\":\"1.2k\",\"tags\":[\"x\",\"y\"],\"scores\":[1,\"2k\"],\"regulated\":true}\n",
            "{\"id\":\"a2\",\"employees\":1.5}\n",
            "\n",
            "{\"id\":\"a3\",\"tags\":\"x;y\"}\n",
            "[\"not\",\"an\",\"object\"]\n",
            "{\"id\":\"a4\",\n",
            "{\"employees\":3}\n",
            "{\"id\":5,\"founded\":\"2026-01-01T00:00:00\"}\n",
            "{\"id\":6,\"domain\":\"six.example\",\"revenue\":null}\n",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("contacts.jsonl"),
        "{\"id\":\"c1\",\"account_id\":\"a1\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("events.jsonl"),
        "{\"id\":\"e1\",\"account_id\":\"a1\",\"at\":\"2026-10-01\"}\n{\"id\":\"e2\",\"account_id\":\"a1\"}\n{\"id\":\"e3\",\"account_id\":6,\"contact_id\":\"c1\",\"at\":\"2026-10-01\"}\n",
    )
    .unwrap();
    let (r, i, rejects) = load(dir.path(), &bad_schema(), AS_OF, 1.0);
    let ds = r.unwrap();
    let got: Vec<(u64, &str)> = rejects
        .rows
        .iter()
        .map(|x| (x.line, x.reason.as_str()))
        .collect();
    assert_eq!(
        got[..4],
        [
            (2, r#"employees: "1.5" is not an int"#),
            (4, r#"tags: "\"x;y\"" is not a list of texts"#),
            (5, "not a JSON object"),
            (6, got[3].1),
        ]
    );
    assert!(got[3].1.starts_with("invalid JSON: "));
    assert_eq!(
        got[4..],
        [
            (7, "empty id"),
            (
                8,
                r#"founded: "2026-01-01T00:00:00" is not a time: a UTC offset is required (add `Z` or `+HH:MM`)"#
            ),
            (2, "empty at"),
        ]
    );
    assert_eq!(rejects.rows[2].raw, "[\"not\",\"an\",\"object\"]");
    assert!(rejects.rows[6].file.ends_with("events.jsonl"));
    assert_eq!(syms(&ds.accounts.id, &i), ["a1", "6"]);
    let Column::Number(employees) = &ds.accounts.fields[1] else {
        panic!()
    };
    assert_eq!(employees[0], 1200.0);
    let Column::ListNumber(scores) = &ds.accounts.fields[6] else {
        panic!()
    };
    assert_eq!(scores[0].as_deref(), Some(&[1.0, 2000.0][..]));
    // A numeric account_id matches the account whose id is the same text; c1 is a1's contact.
    assert_eq!(ds.events.id.iter().collect::<Vec<_>>(), ["e1", "e3"]);
    assert_eq!(ds.events.account, [0, 1]);
    assert_eq!(ds.events.contact, [u32::MAX, u32::MAX]);
    assert_eq!(ds.summary.events_anonymous, 1);
    assert_eq!(ds.summary.events_unknown_contact, 1);
    assert_accounting(&ds);
}

/// `load_dataset_with` runs its step once, with every account loaded and
/// the interner at hand, and the step's rejects follow every data file's;
/// when the reject rate stops the load, the step does not run.
#[test]
fn the_step_beside_grouping_sees_the_accounts_and_rejects_last() {
    use mqa_engine::data::{load_dataset_with, MemoryRejects, RejectSink};
    let opts = |max_reject_rate| LoadOptions {
        as_of: t(AS_OF),
        window_start: None,
        max_reject_rate,
    };
    let mut interner = Interner::new();
    let mut rejects = MemoryRejects::new();
    let step = |accounts: &mqa_engine::data::Accounts,
                interner: &mut Interner,
                rejects: &mut dyn RejectSink| {
        rejects
            .reject(std::path::Path::new("source:x"), 0, "from the step", "")
            .unwrap();
        accounts
            .id
            .iter()
            .map(|&s| interner.resolve(s).to_string())
            .collect::<Vec<_>>()
    };
    let (ds, ids) = load_dataset_with(
        &fixture("bad"),
        &bad_schema(),
        &opts(1.0),
        &mut interner,
        &mut rejects,
        step,
    )
    .unwrap();
    assert_eq!(ids, syms(&ds.accounts.id, &interner));
    assert!(ids.len() > 1);
    let last = rejects.rows.last().unwrap();
    assert_eq!((last.line, last.reason.as_str()), (0, "from the step"));
    assert_eq!(rejects.rows.len(), EXPECTED.len() + 1);

    let mut ran = false;
    let mut rejects = MemoryRejects::new();
    let r = load_dataset_with(
        &fixture("bad"),
        &bad_schema(),
        &opts(0.01),
        &mut Interner::new(),
        &mut rejects,
        |_: &mqa_engine::data::Accounts, _: &mut Interner, _: &mut dyn RejectSink| ran = true,
    );
    assert!(matches!(r, Err(LoadError::TooManyRejects { .. })));
    assert!(!ran);
    assert_eq!(rejects.rows.len(), EXPECTED.len());
}
