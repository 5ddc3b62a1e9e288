//! `Session::load_and_score_csv` (score while the events file is read)
//! against `Session::load` then `score_csv` (load everything, then score):
//! the same `csv` rows, rejects and load summary, on generated data of
//! several chunks of events, as generated (streamed) and changed in the
//! ways that stop streaming (events not grouped in account order, a
//! repeated event id: read again the usual way).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{IntentRow, Signals, AS_OF};
use mqa_engine::data::{LoadOptions, MemoryRejects};
use mqa_engine::output::{score_csv, CsvSink};
use mqa_engine::run::{CsvRun, Session, SourceInput};
use mqa_engine::signals::JoinKey;
use mqa_syntax::time::parse_timestamp;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

/// The generated intent feed of `dir`, served as the `intent-csv` plugin would.
fn intent_signals(dir: &Path) -> Signals {
    let text = std::fs::read_to_string(dir.join("intent.csv")).unwrap();
    let rows: Vec<IntentRow<'_>> = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[0], f[3], Some(f[1]), f[2].parse::<f64>().ok())
        })
        .collect();
    Signals::intent("intent-csv", JoinKey::Domain, &rows)
}

fn intent(dir: &Path) -> SourceInput {
    intent_signals(dir).source()
}

fn program() -> mqa_compiler::Program {
    let rules = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/enterprise.mqa"),
    )
    .unwrap();
    let file = mqa_syntax::SourceFile::new("enterprise.mqa", rules.clone());
    let ast = mqa_syntax::parse(&file).unwrap();
    let fields = Signals::intent("intent-csv", JoinKey::Domain, &[]).fields;
    let plugins: HashMap<String, _> = [("intent-csv".to_string(), fields)].into_iter().collect();
    let compiled = mqa_compiler::compile(&ast, &rules, &plugins);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    compiled.program.unwrap()
}

/// What a run gave: the `csv` text, decisions, qualified, the rejects as
/// `file:line: reason`, the summary's counts, and the events held.
#[derive(Debug, PartialEq)]
struct Out {
    csv: String,
    decisions: usize,
    qualified: usize,
    rejects: Vec<String>,
    summary: String,
    events_held: usize,
}

fn opts() -> LoadOptions {
    LoadOptions {
        as_of: parse_timestamp(AS_OF).unwrap(),
        window_start: None,
        max_reject_rate: 1.0,
    }
}

fn out(session: &Session, scored: mqa_engine::output::ScoredCsv, rejects: MemoryRejects) -> Out {
    let s = &session.data.summary;
    Out {
        csv: scored.pieces.concat(),
        decisions: scored.decisions,
        qualified: scored.qualified,
        rejects: rejects
            .rows
            .iter()
            .map(|r| format!("{}:{}: {} | {}", r.file.display(), r.line, r.reason, r.raw))
            .collect(),
        summary: format!(
            "{:?} unknown {} anonymous {}",
            s.files
                .iter()
                .map(|f| (f.read, f.used, f.rejected, f.after_as_of))
                .collect::<Vec<_>>(),
            s.events_unknown_contact,
            s.events_anonymous
        ),
        events_held: session.data.events.len(),
    }
}

/// Load everything, then score.
fn whole(dir: &Path, only_qualified: bool) -> Out {
    let mut rejects = MemoryRejects::new();
    let session = Session::load(
        program(),
        dir,
        &opts(),
        vec![intent(dir)],
        false,
        &mut rejects,
    )
    .unwrap();
    let models = session.select_models(None).unwrap();
    let scored = score_csv(&session, &models, only_qualified, &|_| {});
    out(&session, scored, rejects)
}

/// Score while reading, the rows kept and written to a sink as they are
/// made: the same rows either way (the sink's after the header, which it
/// gets first; the rows kept are empty then). When the events file cannot
/// be streamed, the rows sent before are void: the sink is emptied and
/// gets every row again.
fn streamed(dir: &Path, only_qualified: bool) -> Out {
    let kept = streamed_to(dir, only_qualified, None);
    let sink = RefCell::new(Vec::new());
    let mut sent = streamed_to(dir, only_qualified, Some(&sink));
    assert!(sent.csv.is_empty(), "the rows went to the sink");
    let text = String::from_utf8(sink.into_inner()).unwrap();
    let rows = text.strip_prefix(CSV_HEADER).expect("the header first");
    sent.csv = rows.to_string();
    assert_eq!(sent, kept);
    kept
}

const CSV_HEADER: &str = "model,account,score,qualified,grade,route,sla_due,failed_gates\n";

fn streamed_to(dir: &Path, only_qualified: bool, sink: Option<&RefCell<Vec<u8>>>) -> Out {
    let mut rejects = MemoryRejects::new();
    let scored_accounts = std::sync::atomic::AtomicU64::new(0);
    let progress = |n| {
        scored_accounts.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    let run = CsvRun {
        model: None,
        only_qualified,
        progress: &progress,
        sink: sink.map(|s| s as &RefCell<dyn CsvSink>),
    };
    let (session, scored) = Session::load_and_score_csv(
        program(),
        dir,
        &opts(),
        vec![intent(dir)],
        false,
        &mut rejects,
        &run,
    )
    .unwrap();
    assert_eq!(
        scored_accounts.into_inner(),
        session.data.accounts.len() as u64,
        "progress counts every account once"
    );
    out(&session, scored, rejects)
}

/// A generated data set of `accounts` accounts.
fn generated(accounts: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let opts = mqa_datagen::GenOptions {
        accounts,
        seed: 7,
        as_of: parse_timestamp(AS_OF).unwrap(),
    };
    mqa_datagen::generate(&opts, dir.path(), &mut |_| {}).unwrap();
    dir
}

/// Rewrites the event rows (header kept) of `dir`.
fn edit_events(dir: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join("events.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header = lines.remove(0);
    f(&mut lines);
    let mut out = header + "\n";
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

fn account_of(row: &str) -> &str {
    row.split(',').nth(1).unwrap()
}

/// Sets field `k` of a CSV row (without quotes) to `value`.
fn set_field(row: &mut String, k: usize, value: &str) {
    let mut fields: Vec<&str> = row.split(',').collect();
    fields[k] = value;
    *row = fields.join(",");
}

#[test]
fn streamed_scores_equal_loaded_scores_over_several_chunks() {
    // 4 000 accounts hold ~110 000 events: chunks are cut in the middle of
    // the file, between accounts whose rows straddle the reader's batches.
    let dir = generated(4000);
    let events = std::fs::read_to_string(dir.path().join("events.csv")).unwrap();
    assert!(events.lines().count() > 100_000);
    for only_qualified in [false, true] {
        let a = whole(dir.path(), only_qualified);
        let b = streamed(dir.path(), only_qualified);
        assert!(a.events_held > 100_000);
        assert_eq!(b.events_held, 0, "the events were streamed, not held");
        assert_eq!(a.decisions, 4000);
        assert!(a.qualified > 0);
        assert_eq!(
            Out {
                events_held: 0,
                ..a
            },
            b
        );
    }
}

#[test]
fn streaming_keeps_rejects_late_events_and_accounts_without_events() {
    let dir = generated(3000);
    edit_events(dir.path(), |rows| {
        // No events for the first and the last accounts of the file.
        let first = account_of(&rows[0]).to_string();
        let last = account_of(rows.last().unwrap()).to_string();
        rows.retain(|r| account_of(r) != first && account_of(r) != last);
        // A bad time, an unknown account and an event after `as_of`.
        set_field(&mut rows[500], 3, "yesterday");
        set_field(&mut rows[40_000], 1, "acc-nobody");
        set_field(&mut rows[70_000], 3, "2027-01-01T00:00:00Z");
    });
    let a = whole(dir.path(), false);
    let b = streamed(dir.path(), false);
    assert_eq!(a.rejects.len(), 2, "{:?}", a.rejects);
    assert_eq!(b.events_held, 0, "the events were streamed");
    assert_eq!(
        Out {
            events_held: 0,
            ..a
        },
        b
    );
}

#[test]
fn events_out_of_account_order_are_read_again_with_the_same_results() {
    let dir = generated(3000);
    // One early row moved to the end: the file is found unstreamable at its
    // end, after chunks were scored.
    edit_events(dir.path(), |rows| {
        let r = rows.remove(10);
        rows.push(r);
    });
    let a = whole(dir.path(), false);
    let b = streamed(dir.path(), false);
    assert!(b.events_held > 0, "read again and held");
    assert_eq!(a, b);

    // Accounts in the reverse of the accounts file's order.
    edit_events(dir.path(), |rows| {
        let mut groups: Vec<Vec<String>> = Vec::new();
        for r in rows.drain(..) {
            match groups.last_mut() {
                Some(g) if account_of(&g[0]) == account_of(&r) => g.push(r),
                _ => groups.push(vec![r]),
            }
        }
        groups.reverse();
        rows.extend(groups.into_iter().flatten());
    });
    let a = whole(dir.path(), false);
    let b = streamed(dir.path(), false);
    assert!(b.events_held > 0);
    assert_eq!(a, b);
}

#[test]
fn a_repeated_event_id_is_read_again_with_the_same_rejects() {
    let dir = generated(3000);
    edit_events(dir.path(), |rows| {
        let id = rows[20].split(',').next().unwrap().to_string();
        let n = rows.len();
        set_field(&mut rows[n - 3], 0, &id);
    });
    let a = whole(dir.path(), false);
    let b = streamed(dir.path(), false);
    assert_eq!(a.rejects.len(), 1, "{:?}", a.rejects);
    assert!(a.rejects[0].contains("duplicate id"), "{:?}", a.rejects);
    assert!(b.events_held > 0, "read again and held");
    assert_eq!(a, b);
}
