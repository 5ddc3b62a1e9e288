//! Fetching 1 000 000 intent signals through the plugin ABI versus reading
//! the same file directly (intent-csv used as a Rust library). The
//! difference is what the plugin boundary costs: the SDK hands its columnar
//! batch over without copying; the host validates it and copies it into the
//! engine's `SignalBatch` (one `String` per account key and topic).
//!
//! `cargo bench -p mqa-plugin-host --bench fetch_1m`
//!
//! - `direct/parse_bytes`: parsing the file's bytes (already in memory);
//! - `direct/fetch`: `IntentCsv::fetch` (read + parse), no ABI;
//! - `direct/fetch+owned_strings`: the same, then the per-row `String`s the
//!   engine's `SignalBatch` holds (what the host's copy costs, minus checks);
//! - `abi/fetch`: the host's `PluginSource::fetch` on the loaded cdylib.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use intent_csv::IntentCsv;
use mqa_engine::signals::{SignalRequest, SignalSource};
use mqa_plugin_host::{plugin_file_name, PluginHost};
use mqa_plugin_sdk::{Request, SignalPlugin, Value};

const ROWS: usize = 1_000_000;

fn write_export(path: &std::path::Path) {
    let topics = [
        "zero trust",
        "siem",
        "crm software",
        "data warehouse",
        "competitor:acme",
    ];
    let weeks = [
        "2026-09-07",
        "2026-09-14",
        "2026-09-21",
        "2026-09-28",
        "2026-10-05",
    ];
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "domain,topic,score,week").unwrap();
    for i in 0..ROWS {
        writeln!(
            f,
            "company{}.example,{},{},{}",
            i % 50_000,
            topics[i % topics.len()],
            i % 101,
            weeks[i % weeks.len()]
        )
        .unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = common::private_dir();
    let data = dir.path().join("intent.csv");
    write_export(&data);
    let bytes = std::fs::read(&data).unwrap();
    let config = common::path_config(&data);
    let lib = common::cargo_plugin("intent-csv", "intent-csv");
    common::install(&lib, dir.path(), &plugin_file_name("intent-csv"));
    let plugin = PluginHost::new(vec![dir.path().to_path_buf()])
        .load("intent-csv")
        .unwrap();

    let req = Request {
        account_keys: vec![],
        from: i64::MIN,
        to: i64::MAX,
    };
    let signal_req = SignalRequest {
        account_keys: vec![],
        from: i64::MIN,
        to: i64::MAX,
    };
    let origin = data.to_str().unwrap().to_string();

    let mut g = c.benchmark_group("fetch_1m");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(20));

    g.bench_function("direct/parse_bytes", |b| {
        b.iter(|| {
            let batch = intent_csv::read_intent(&bytes, &origin, &req).unwrap();
            assert_eq!(batch.len(), ROWS);
            batch
        })
    });

    let mut direct = IntentCsv::open(&config).unwrap();
    g.bench_function("direct/fetch", |b| {
        b.iter(|| {
            let batch = direct.fetch(&req).unwrap();
            assert_eq!(batch.len(), ROWS);
            batch
        })
    });

    g.bench_function("direct/fetch+owned_strings", |b| {
        b.iter(|| {
            let batch = direct.fetch(&req).unwrap();
            let accounts: Vec<String> = (0..batch.len())
                .map(|i| batch.account(i).unwrap().to_owned())
                .collect();
            let topics: Vec<Option<String>> = (0..batch.len())
                .map(|i| match batch.value(i, 0) {
                    Some(Value::Text(t)) => Some(t.to_owned()),
                    _ => None,
                })
                .collect();
            assert_eq!(accounts.len() + topics.len(), 2 * ROWS);
            (batch, accounts, topics)
        })
    });

    let mut source = plugin.open(&config).unwrap();
    g.bench_function("abi/fetch", |b| {
        b.iter(|| {
            let batch = source.fetch(&signal_req).unwrap();
            assert_eq!(batch.account.len(), ROWS);
            batch
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
