//! The chunks of a streamed events file (`load_dataset_streaming`) hold
//! each account's events in `(at, id)` order, as the whole load does, when
//! many share their times and the ids run the other way: for an account
//! whose events come in several batches of the reader (equal times are
//! put in id order across the batches, which only the ids of the rows at
//! the batches' ends tell) and for one within a batch (the checking thread
//! sorts them; only accounts of several batches are sorted again).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "data/helpers.rs"]
mod helpers;

use helpers::{fields, t};
use mqa_engine::data::{
    load_dataset, load_dataset_streaming, Column, DataRef, DataSchema, LoadOptions, MemoryRejects,
    Scorer, Streamed,
};
use mqa_engine::intern::Interner;
use mqa_syntax::FieldType;
use std::fmt::Write as _;

/// 12 accounts with 1 contact each and 162 360 events (9 MB: batches of the
/// reader, and chunks of 65 536 rows), grouped by account, 25 to a second,
/// ids counting down; each event's `tag` is its id. Account `2a` has
/// `12 000 + 6 000 * a` events (its rows come in several batches), account
/// `2a + 1` has 60 (in one batch, but for bad luck).
fn write_data(dir: &std::path::Path) {
    let mut accounts = String::from("id,domain\n");
    let mut contacts = String::from("id,account_id\n");
    for a in 0..12 {
        let _ = writeln!(accounts, "acc{a},d{a}.example");
        let _ = writeln!(contacts, "c{a},acc{a}");
    }
    let mut events = String::from("id,account_id,contact_id,at,tag\n");
    let mut n = 162_360u32;
    for a in 0..12u32 {
        let count = if a % 2 == 0 { 12_000 + 3_000 * a } else { 60 };
        for k in 0..count {
            let id = format!("e{n:06}");
            let (min, s) = ((k / 25) / 60 % 60, (k / 25) % 60);
            let at = format!("2026-10-{:02}T10:{min:02}:{s:02}Z", 1 + (k / 25) / 3600);
            let _ = writeln!(events, "{id},acc{a},c{a},{at},{id}");
            n -= 1;
        }
    }
    std::fs::write(dir.join("accounts.csv"), accounts).unwrap();
    std::fs::write(dir.join("contacts.csv"), contacts).unwrap();
    std::fs::write(dir.join("events.csv"), events).unwrap();
}

fn schema() -> DataSchema {
    DataSchema {
        account: fields(&[("domain", FieldType::Text)]),
        contact: Vec::new(),
        event: fields(&[("tag", FieldType::Text)]),
    }
}

/// `(account, at, tag)` of every event, in the order a load holds them.
type Rows = Vec<(usize, i64, String)>;

fn rows_of(events: &mqa_engine::data::Events, interner: &Interner, out: &mut Rows) {
    let Some(Column::Text(tag)) = events.fields.first() else {
        panic!("no tag column");
    };
    for (k, w) in events.account_start.windows(2).enumerate() {
        let rows = w[0] as usize..w[1] as usize;
        for (&at, &t) in events.at[rows.clone()].iter().zip(&tag[rows]) {
            let a = events.first_account + k;
            out.push((a, at, interner.resolve(t).to_string()));
        }
    }
}

#[test]
fn streamed_chunks_order_equal_times_by_id() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let opts = LoadOptions {
        as_of: t("2026-11-01T00:00:00Z"),
        window_start: None,
        max_reject_rate: 0.0,
    };
    let mut interner = Interner::new();
    let whole = load_dataset(
        dir.path(),
        &schema(),
        &opts,
        &mut interner,
        &mut MemoryRejects::new(),
    )
    .unwrap();
    let mut expected = Rows::new();
    rows_of(&whole.events, &interner, &mut expected);
    assert_eq!(expected.len(), 162_360);
    // The whole load's order is `(account, at, id)`.
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(expected, sorted);

    // Each chunk's rows are read on the scoring thread, with the snapshot
    // of the interner that came with the chunk, and gathered in order.
    let mut interner = Interner::new();
    let mut chunks = 0;
    let (_, streamed, (), got) = load_dataset_streaming(
        dir.path(),
        &schema(),
        &opts,
        &mut interner,
        &mut MemoryRejects::new(),
        |_, _| {},
        Scorer {
            before_events: |_: DataRef<'_>, _: &mut Interner| ((), Rows::new()),
            score: |_: &(), data: DataRef<'_>, interner: &Interner| {
                let mut rows = Rows::new();
                rows_of(data.events, interner, &mut rows);
                rows
            },
            take: |all: &mut Rows, rows: Rows| {
                chunks += 1;
                all.extend(rows);
            },
        },
    )
    .unwrap();
    assert_eq!(streamed, Streamed::Sent);
    assert!(chunks >= 2, "{chunks} chunks");
    assert_eq!(got, expected);
}
