//! Scoring: one account's evaluation (`Evaluator::decide`) and the whole
//! score of a loaded session (`Session::score_all`), with the product's
//! `rules/enterprise.mqa` on a data set from `mqa generate` (20 000
//! accounts, seed 7). The intent feed is served in-process (the rows of
//! the generated `intent.csv`), so no plugin is loaded.

// Benchmark set-up code, like test code, may stop at the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mqa_engine::data::{LoadOptions, MemoryRejects};
use mqa_engine::eval::Scratch;
use mqa_engine::run::{Session, SourceInput};
use mqa_engine::signals::{
    JoinKey, SignalBatch, SignalColumn, SignalError, SignalRequest, SignalSource, SourceInfo,
    TextValues,
};
use mqa_syntax::time::parse_timestamp;
use mqa_syntax::FieldType;
use std::collections::HashMap;
use std::path::Path;

const ACCOUNTS: u64 = 20_000;
const AS_OF: &str = "2026-11-01T00:00:00Z";

/// The generated intent feed, served as the `intent-csv` plugin would.
struct Intent {
    info: SourceInfo,
    batch: SignalBatch,
}

impl SignalSource for Intent {
    fn info(&self) -> &SourceInfo {
        &self.info
    }
    fn fetch(&mut self, _: &SignalRequest) -> Result<SignalBatch, SignalError> {
        Ok(self.batch.clone())
    }
}

fn fields() -> Vec<(String, FieldType)> {
    vec![
        ("topic".to_string(), FieldType::Text),
        ("score".to_string(), FieldType::Number),
    ]
}

fn intent(dir: &Path) -> Intent {
    let mut r = csv::Reader::from_path(dir.join("intent.csv")).unwrap();
    let mut batch = SignalBatch::default();
    let (mut topics, mut scores) = (TextValues::new(), Vec::new());
    for rec in r.records() {
        let rec = rec.unwrap();
        batch.account.push(Some(&rec[0]));
        topics.push(Some(&rec[1]));
        scores.push(rec[2].parse::<f64>().ok());
        batch.at.push(parse_timestamp(&rec[3]).unwrap());
    }
    batch.columns = vec![SignalColumn::Text(topics), SignalColumn::Number(scores)];
    Intent {
        info: SourceInfo {
            plugin: "intent-csv".into(),
            version: "0".into(),
            join_key: JoinKey::Domain,
            fields: fields(),
            thread_safe: true,
        },
        batch,
    }
}

fn session(dir: &Path) -> Session {
    let rules = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/enterprise.mqa"),
    )
    .unwrap();
    let file = mqa_syntax::SourceFile::new("enterprise.mqa", rules.clone());
    let ast = mqa_syntax::parse(&file).unwrap();
    let plugins: HashMap<String, Vec<(String, FieldType)>> =
        [("intent-csv".to_string(), fields())].into_iter().collect();
    let compiled = mqa_compiler::compile(&ast, &rules, &plugins);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    let source: SourceInput = Ok(Box::new(intent(dir)));
    Session::load(
        compiled.program.unwrap(),
        dir,
        &LoadOptions::new(parse_timestamp(AS_OF).unwrap()),
        vec![source],
        false,
        &mut MemoryRejects::new(),
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let opts = mqa_datagen::GenOptions {
        accounts: ACCOUNTS,
        seed: 7,
        as_of: parse_timestamp(AS_OF).unwrap(),
    };
    mqa_datagen::generate(&opts, dir.path(), &mut |_| {}).unwrap();
    let s = session(dir.path());
    let ev = s.evaluator();
    // A busy account: the one with the most events.
    let busiest = (0..s.data.accounts.len())
        .max_by_key(|&a| s.data.events.of_account(a).len())
        .unwrap();
    let typical = (0..s.data.accounts.len())
        .find(|&a| s.data.events.of_account(a).len() >= 20)
        .unwrap();

    let mut g = c.benchmark_group("score");
    g.bench_function("one_account_typical", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| ev.decide(0, typical, &mut scratch))
    });
    g.bench_function("one_account_busiest", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| ev.decide(0, busiest, &mut scratch))
    });
    g.sample_size(20);
    g.throughput(Throughput::Elements(ACCOUNTS));
    // Every account on this thread: the CPU cost of scoring, without the
    // thread pool (and less noise from the other core).
    g.bench_function("all_20k_accounts_one_thread", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            (0..s.data.accounts.len())
                .filter_map(|a| ev.decide(0, a, &mut scratch))
                .filter(|d| d.qualified)
                .count()
        })
    });
    g.bench_function("all_20k_accounts", |b| {
        b.iter(|| s.score_all(&[0], &|_| {}).len())
    });
    g.finish();

    let mut g = c.benchmark_group("session");
    g.sample_size(10);
    g.bench_function("load_20k_accounts", |b| {
        b.iter(|| session(dir.path()).data.events.len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
