//! Fetching 1 000 000 intent signals through the plugin ABI versus reading
//! the same file directly (intent-csv used as a Rust library). The
//! difference is what the plugin boundary costs: the SDK hands its columnar
//! batch over without copying; the host validates it and reads it into the
//! engine's `SignalBatch`, whose text columns keep each distinct text once
//! and a number per value (no allocation per value). The export generated
//! here never repeats a domain on consecutive rows: the worst case for that.
//!
//! `cargo bench -p mqa-plugin-host --bench fetch_1m`
//!
//! - `direct/parse_bytes`: parsing the file's bytes (already in memory);
//! - `direct/fetch`: `IntentCsv::fetch` (read + parse), no ABI;
//! - `abi/fetch`: the host's `PluginSource::fetch` on the loaded cdylib
//!   (the plugin's read + parse, then checks + reading into `SignalBatch`);
//!   the boundary's cost is `abi/fetch` minus `direct/fetch`;
//! - `abi/fetch_columnar`: `PluginSource::fetch_columnar` (checks + a few
//!   `memcpy`s into a `ColumnarBatch`, the ABI's own shape).

//!
//! Each case is measured twice: `fetch_1m_wall/*` in wall-clock time and
//! `fetch_1m_cpu/*` in the CPU time of the benchmark thread (Linux; wall
//! clock elsewhere), which a busy shared machine disturbs far less.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(unsafe_code)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use intent_csv::IntentCsv;
use mqa_engine::signals::{SignalRequest, SignalSource};
use mqa_plugin_host::{plugin_file_name, PluginHost};
use mqa_plugin_sdk::{Request, SignalPlugin};

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

/// CPU time of the calling thread, in nanoseconds.
struct ThreadCpu;

#[cfg(target_os = "linux")]
fn thread_cpu_ns() -> u64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec (64-bit Linux layout) to a
    // valid pointer; the clock id is the Linux constant.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_ns() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        values.iter_mut().for_each(|v| *v /= 1e6);
        "ms cpu"
    }
    fn scale_throughputs(&self, typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let per = match t {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => *n,
        } as f64;
        values.iter_mut().for_each(|v| *v = per * 1e9 / *v);
        let _ = typical;
        "per cpu s"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn bench_wall(c: &mut Criterion<WallTime>) {
    bench(c, "fetch_1m_wall");
}

fn bench_cpu(c: &mut Criterion<ThreadCpu>) {
    bench(c, "fetch_1m_cpu");
}

fn bench<M: Measurement>(c: &mut Criterion<M>, group: &str) {
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

    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));

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

    let mut source = plugin.open(&config).unwrap();
    g.bench_function("abi/fetch", |b| {
        b.iter(|| {
            let batch = source.fetch(&signal_req).unwrap();
            assert_eq!(batch.account.len(), ROWS);
            batch
        })
    });
    g.bench_function("abi/fetch_columnar", |b| {
        b.iter(|| {
            let batch = source.fetch_columnar(&signal_req).unwrap();
            assert_eq!(batch.len(), ROWS);
            batch
        })
    });
    g.finish();
}

criterion_group!(wall, bench_wall);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_cpu
}
criterion_main!(cpu, wall);
