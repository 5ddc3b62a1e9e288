//! Events at or before the start of the longest model window
//! (`LoadOptions::window_start`) are dropped as they are read and counted,
//! never rejected; the events kept are those a load without a window start
//! keeps after it.

// Test helpers outside #[test] functions stop at the first failure too.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "data/helpers.rs"]
mod helpers;

use helpers::*;
use mqa_engine::data::{load_dataset, Dataset, LoadOptions, MemoryRejects};
use mqa_engine::intern::Interner;
use std::fs;
use std::path::Path;

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn load_from(dir: &Path, window_start: Option<&str>) -> (Dataset, Interner, MemoryRejects) {
    let mut interner = Interner::new();
    let mut rejects = MemoryRejects::new();
    let opts = LoadOptions {
        as_of: t(AS_OF),
        window_start: window_start.map(t),
        max_reject_rate: 1.0,
    };
    let ds = load_dataset(dir, &acme_schema(), &opts, &mut interner, &mut rejects).unwrap();
    (ds, interner, rejects)
}

/// `(account id, event id, at)` of every kept event, in dataset order.
fn events(ds: &Dataset, i: &Interner) -> Vec<(String, String, i64)> {
    let mut out = Vec::new();
    for a in 0..ds.accounts.len() {
        let (s, e) = (
            ds.events.account_start[a] as usize,
            ds.events.account_start[a + 1] as usize,
        );
        for r in s..e {
            out.push((
                i.resolve(ds.accounts.id[a]).to_string(),
                ds.events.id.get(r).to_string(),
                ds.events.at[r],
            ));
        }
    }
    out
}

#[test]
fn events_before_the_window_are_dropped_counted_and_not_rejected() {
    let dir = fixture("acme-small");
    let (all, ai, _) = load_from(&dir, None);
    for start in [
        "2026-10-02T00:00:00Z",
        "2026-08-03T00:00:00Z",
        "2026-01-01T00:00:00Z",
    ] {
        let (ds, di, rejects) = load_from(&dir, Some(start));
        assert!(rejects.rows.is_empty(), "{:?}", rejects.rows);
        let expected: Vec<_> = events(&all, &ai)
            .into_iter()
            .filter(|e| e.2 > t(start))
            .collect();
        assert_eq!(events(&ds, &di), expected, "window from {start}");
        let (ev, ev_all) = (
            ds.summary.file("events").unwrap(),
            all.summary.file("events").unwrap(),
        );
        assert_eq!(ev.before_window, ev_all.used - ev.used, "{start}");
        assert_eq!(ev.after_as_of, ev_all.after_as_of);
        assert_eq!(ev.read, ev_all.read);
        assert_eq!(ds.summary.reject_rate(), 0.0);
        assert_accounting(&ds);
        assert_grouping(&ds);
    }
    // The 30-day start drops some events and keeps some.
    let (ds, _, _) = load_from(&dir, Some("2026-10-02T00:00:00Z"));
    let ev = ds.summary.file("events").unwrap();
    assert!(ev.before_window > 0 && ev.used > 0, "{ev:?}");
    // An event exactly at the start is outside the window (`as_of - D < at`).
    let at = all.events.at[0];
    let (ds, _, _) = load_from(&dir, Some(&mqa_syntax::time::format_timestamp(at)));
    assert!(ds.events.at.iter().all(|&x| x > at));
}

/// A repeated event id is rejected whether its rows are kept, before the
/// window or after `as_of`, and each count loses the row it gave up.
#[test]
fn duplicates_among_dropped_events_come_off_the_right_count() {
    let src = fixture("acme-small");
    let dir = tempfile::tempdir().unwrap();
    for f in ["accounts.csv", "contacts.csv"] {
        fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let text = fs::read_to_string(src.join("events.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header = lines.remove(0);
    let field = |l: &str, k: usize| l.split(',').nth(k).unwrap().to_string();
    let old = lines
        .iter()
        .find(|l| field(l, 3).as_str() < "2026-08-01")
        .unwrap()
        .clone();
    let recent = lines
        .iter()
        .find(|l| field(l, 3).as_str() > "2026-10-15")
        .unwrap()
        .clone();
    // Copies of an old row's id: one old, one after `as_of`, one recent.
    let with = |l: &str, at: &str| {
        let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
        f[0] = field(&old, 0);
        f[3] = at.to_string();
        f.join(",")
    };
    lines.push(with(&recent, "2026-07-01T00:00:00Z"));
    lines.push(with(&recent, "2026-12-01T00:00:00Z"));
    lines.push(with(&recent, "2026-10-20T00:00:00Z"));
    let body = format!("{header}\n{}\n", lines.join("\n"));
    fs::write(dir.path().join("events.csv"), body).unwrap();

    let start = "2026-08-03T00:00:00Z";
    let (plain, _, plain_rejects) = load_from(dir.path(), None);
    let (ds, _, rejects) = load_from(dir.path(), Some(start));
    assert_eq!(rejects.rows.len(), 3, "{:?}", rejects.rows);
    assert_eq!(plain_rejects.rows.len(), 3);
    for r in &rejects.rows {
        assert!(r.reason.starts_with("duplicate id"), "{r:?}");
    }
    let (ev, ev_plain) = (
        ds.summary.file("events").unwrap(),
        plain.summary.file("events").unwrap(),
    );
    assert_eq!(ev.rejected, 3);
    // Without a window start, the old duplicate was a kept row.
    assert_eq!(ev.after_as_of, ev_plain.after_as_of);
    assert_eq!(ev.used + ev.before_window, ev_plain.used);
    assert_accounting(&ds);
    assert_accounting(&plain);
}
