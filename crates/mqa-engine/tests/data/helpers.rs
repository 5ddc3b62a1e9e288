//! Shared by the data_* integration tests.
#![allow(dead_code)]

use mqa_engine::data::{load_dataset, DataSchema, Dataset, LoadError, LoadOptions, MemoryRejects};
use mqa_engine::intern::Interner;
use mqa_syntax::time::parse_timestamp;
use mqa_syntax::FieldType;
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn t(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

pub fn fields(list: &[(&str, FieldType)]) -> Vec<(String, FieldType)> {
    list.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}

/// The schemas of the enterprise example (spec language.md §2).
pub fn acme_schema() -> DataSchema {
    use FieldType::*;
    DataSchema {
        account: fields(&[
            ("domain", Text),
            ("industry", Text),
            ("employees", Int),
            ("revenue", Number),
            ("tier", Int),
            ("regulated", Bool),
        ]),
        contact: fields(&[("role", Text), ("department", Text)]),
        event: fields(&[("kind", Text), ("asset_tier", Text)]),
    }
}

pub fn load(
    dir: &Path,
    schema: &DataSchema,
    as_of: &str,
    max_reject_rate: f64,
) -> (Result<Dataset, LoadError>, Interner, MemoryRejects) {
    let mut interner = Interner::new();
    let mut rejects = MemoryRejects::new();
    let opts = LoadOptions {
        as_of: t(as_of),
        window_start: None,
        max_reject_rate,
    };
    let r = load_dataset(dir, schema, &opts, &mut interner, &mut rejects);
    (r, interner, rejects)
}

/// Every file's rows are accounted for.
pub fn assert_accounting(ds: &Dataset) {
    for f in &ds.summary.files {
        assert_eq!(
            f.read,
            f.used + f.rejected + f.after_as_of + f.before_window,
            "{f:?}"
        );
    }
    assert_eq!(ds.summary.files.len(), 3);
    assert_eq!(ds.summary.files[0].used as usize, ds.accounts.len());
    assert_eq!(ds.summary.files[1].used as usize, ds.contacts.len());
    assert_eq!(ds.summary.files[2].used as usize, ds.events.len());
}

/// The CSR indexes cover every row and events are in (account, at, id) order.
pub fn assert_grouping(ds: &Dataset) {
    let n = ds.accounts.len();
    assert_eq!(ds.contacts.account_start.len(), n + 1);
    assert_eq!(ds.events.account_start.len(), n + 1);
    assert_eq!(
        *ds.contacts.account_start.last().unwrap() as usize,
        ds.contacts.len()
    );
    assert_eq!(
        *ds.events.account_start.last().unwrap() as usize,
        ds.events.len()
    );
    for a in 0..n {
        for c in ds.contacts.of_account(a) {
            assert_eq!(ds.contacts.account[c] as usize, a);
        }
        let r = ds.events.of_account(a);
        for e in r.clone() {
            assert_eq!(ds.events.account[e] as usize, a);
        }
        for e in r.start..r.end.saturating_sub(1) {
            let k = |i: usize| (ds.events.at[i], ds.events.id.get(i).to_string());
            assert!(
                k(e) < k(e + 1),
                "events of account {a} out of order at row {e}"
            );
        }
    }
}
