//! Reading one CSV column: the accounts file of a generated data set
//! (`mqa generate`, 100 000 accounts, 8 MB) loaded with a schema that
//! declares a single column, one per type (a repeated text, a unique text,
//! an int, a number, a bool), next to the built-in `id` alone. The
//! difference to `id_only` is the cost of the column's cells.

// Benchmark set-up code, like test code, may stop at the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mqa_engine::data::{load_dataset, DataSchema, LoadOptions, MemoryRejects};
use mqa_engine::intern::Interner;
use mqa_syntax::time::parse_timestamp;
use mqa_syntax::FieldType;
use std::path::Path;

const ACCOUNTS: u64 = 100_000;

fn load(dir: &Path, column: Option<(&str, FieldType)>) -> usize {
    let schema = DataSchema {
        account: column
            .map(|(n, t)| vec![(n.to_string(), t)])
            .unwrap_or_default(),
        ..DataSchema::default()
    };
    let mut interner = Interner::new();
    let mut rejects = MemoryRejects::new();
    let opts = LoadOptions::new(parse_timestamp("2026-11-01").unwrap());
    let ds = load_dataset(dir, &schema, &opts, &mut interner, &mut rejects).unwrap();
    assert!(rejects.rows.is_empty());
    ds.accounts.len()
}

fn bench(c: &mut Criterion) {
    let gen = tempfile::tempdir().unwrap();
    let opts = mqa_datagen::GenOptions {
        accounts: ACCOUNTS,
        ..mqa_datagen::GenOptions::default()
    };
    mqa_datagen::generate(&opts, gen.path(), &mut |_| {}).unwrap();
    // The accounts file alone (contacts and events empty).
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        gen.path().join("accounts.csv"),
        dir.path().join("accounts.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("contacts.csv"),
        format!("{}\n", mqa_datagen::CONTACTS_HEADER),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        format!("{}\n", mqa_datagen::EVENTS_HEADER),
    )
    .unwrap();
    drop(gen);
    let bytes = std::fs::metadata(dir.path().join("accounts.csv"))
        .unwrap()
        .len();

    let mut g = c.benchmark_group("read_column");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("id_only", |b| b.iter(|| load(dir.path(), None)));
    for (name, column) in [
        ("text_repeated", ("industry", FieldType::Text)),
        ("text_unique", ("domain", FieldType::Text)),
        ("int", ("employees", FieldType::Int)),
        ("number", ("revenue", FieldType::Number)),
        ("bool", ("regulated", FieldType::Bool)),
    ] {
        g.bench_function(name, |b| b.iter(|| load(dir.path(), Some(column))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
