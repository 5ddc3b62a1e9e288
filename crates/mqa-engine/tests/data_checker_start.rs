//! `data::on_checker_start`: every row-checking thread of a load runs the
//! hook first, with its index among the file's checking threads; the hook
//! is set once per process.

#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "data/helpers.rs"]
mod helpers;

use helpers::{fields, t};
use mqa_engine::data::{load_dataset, on_checker_start, DataSchema, LoadOptions, MemoryRejects};
use mqa_engine::intern::Interner;
use mqa_syntax::FieldType;
use std::fmt::Write as _;
use std::sync::Mutex;

/// The indexes the hook was called with, in order.
static SEEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn record(index: usize) {
    SEEN.lock().unwrap().push(index);
}

fn never(_: usize) {
    panic!("the second hook replaced the first");
}

#[test]
fn each_checking_thread_runs_the_hook_with_its_index() {
    let dir = tempfile::tempdir().unwrap();
    // An events file of several 1 MB batches: checked on every thread.
    std::fs::write(dir.path().join("accounts.csv"), "id\na1\n").unwrap();
    std::fs::write(dir.path().join("contacts.csv"), "id,account_id\n").unwrap();
    let mut events = String::from("id,account_id,contact_id,at,tag\n");
    for k in 0..120_000 {
        let _ = writeln!(events, "e{k},a1,,2026-10-01T10:00:00Z,some tag text {k}");
    }
    std::fs::write(dir.path().join("events.csv"), events).unwrap();
    assert!(on_checker_start(record));
    assert!(!on_checker_start(never), "set once");
    let schema = DataSchema {
        account: Vec::new(),
        contact: Vec::new(),
        event: fields(&[("tag", FieldType::Text)]),
    };
    let opts = LoadOptions::new(t("2026-11-01T00:00:00Z"));
    let ds = load_dataset(
        dir.path(),
        &schema,
        &opts,
        &mut Interner::new(),
        &mut MemoryRejects::new(),
    )
    .unwrap();
    assert_eq!(ds.events.len(), 120_000);
    let mut seen = SEEN.lock().unwrap().clone();
    seen.sort_unstable();
    // One call per checking thread of the events file (the small files
    // are checked on the loading thread): 0, 1, ... once each.
    let workers = rayon::current_num_threads().clamp(1, 16);
    let expected: Vec<usize> = if workers > 1 {
        (0..workers).collect()
    } else {
        Vec::new()
    };
    assert_eq!(seen, expected);
}
