//! Reading a generated data set of 1M events (plus ~36k accounts and ~240k
//! contacts, the proportions of the 100k-account benchmark) with
//! `load_dataset`, from plain CSV and from gzip. Throughput is the bytes of
//! all three files.

// Benchmark set-up code, like test code, may stop at the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mqa_engine::data::{load_dataset, DataSchema, LoadOptions, MemoryRejects};
use mqa_engine::intern::Interner;
use mqa_syntax::time::{format_timestamp, parse_timestamp, MICROS_PER_SECOND};
use mqa_syntax::FieldType;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

const EVENTS: usize = 1_000_000;
const ACCOUNTS: usize = EVENTS * 100 / 2760;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes accounts.csv, contacts.csv, events.csv shaped like acme-small.
fn generate(dir: &Path) -> u64 {
    let mut rng = Lcg(42);
    let industries = [
        "software",
        "fintech",
        "healthcare",
        "education",
        "cybersecurity",
        "retail",
    ];
    let roles = ["decision_maker", "champion", "influencer", "user"];
    let depts = ["it", "security", "marketing", "finance", "operations"];
    let kinds = [
        "demo_request",
        "pricing_view",
        "download",
        "webinar",
        "event_attended",
        "email_click",
        "page_view",
    ];
    let mut a = String::from("id,domain,name,industry,employees,revenue,tier,regulated\n");
    let mut c = String::from("id,account_id,role,department\n");
    let mut contacts_of = Vec::with_capacity(ACCOUNTS);
    for n in 0..ACCOUNTS {
        let _ = writeln!(
            a,
            "acc-{n:06},company{n}.example,Company {n},{},{},{},{},{}",
            industries[rng.below(6) as usize],
            20 + rng.below(20_000),
            1_000_000 + rng.below(900_000_000),
            1 + rng.below(3),
            rng.below(2) == 0
        );
        let k = 1 + rng.below(12) as usize;
        contacts_of.push(k);
        for j in 0..k {
            let _ = writeln!(
                c,
                "acc-{n:06}-c{j},acc-{n:06},{},{}",
                roles[rng.below(4) as usize],
                depts[rng.below(5) as usize]
            );
        }
    }
    let start = parse_timestamp("2026-05-01T00:00:00Z").unwrap_or(0);
    let mut e = String::from("id,account_id,contact_id,at,kind,asset_tier\n");
    for n in 0..EVENTS {
        let acc = rng.below(ACCOUNTS as u64) as usize;
        let contact = if rng.below(5) == 0 {
            String::new()
        } else {
            format!("acc-{acc:06}-c{}", rng.below(contacts_of[acc] as u64))
        };
        let at = start + rng.below(180 * 86_400) as i64 * MICROS_PER_SECOND;
        let kind = kinds[rng.below(7) as usize];
        let tier = if kind == "download" {
            ["high", "standard"][rng.below(2) as usize]
        } else {
            ""
        };
        let _ = writeln!(
            e,
            "e-{n},acc-{acc:06},{contact},{},{kind},{tier}",
            format_timestamp(at)
        );
    }
    std::fs::write(dir.join("accounts.csv"), &a).unwrap();
    std::fs::write(dir.join("contacts.csv"), &c).unwrap();
    std::fs::write(dir.join("events.csv"), &e).unwrap();
    (a.len() + c.len() + e.len()) as u64
}

fn schema() -> DataSchema {
    let f = |l: &[(&str, FieldType)]| l.iter().map(|(n, t)| (n.to_string(), *t)).collect();
    use FieldType::*;
    DataSchema {
        account: f(&[
            ("domain", Text),
            ("industry", Text),
            ("employees", Int),
            ("revenue", Number),
            ("tier", Int),
            ("regulated", Bool),
        ]),
        contact: f(&[("role", Text), ("department", Text)]),
        event: f(&[("kind", Text), ("asset_tier", Text)]),
    }
}

fn load(dir: &Path) -> usize {
    let mut interner = Interner::new();
    let mut rejects = MemoryRejects::new();
    let opts = LoadOptions {
        as_of: parse_timestamp("2026-11-01").unwrap_or(0),
        window_start: None,
        max_reject_rate: 0.01,
    };
    let ds = load_dataset(dir, &schema(), &opts, &mut interner, &mut rejects).unwrap();
    assert!(rejects.rows.is_empty());
    assert_eq!(ds.events.len(), EVENTS);
    ds.events.len()
}

fn bench(c: &mut Criterion) {
    let plain = tempfile::tempdir().unwrap();
    let bytes = generate(plain.path());
    let gz = tempfile::tempdir().unwrap();
    for name in ["accounts", "contacts", "events"] {
        let data = std::fs::read(plain.path().join(format!("{name}.csv"))).unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&data).unwrap();
        std::fs::write(
            gz.path().join(format!("{name}.csv.gz")),
            enc.finish().unwrap(),
        )
        .unwrap();
    }
    let mut g = c.benchmark_group("read_events");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("csv_1m_events", |b| b.iter(|| load(plain.path())));
    g.bench_function("csv_gz_1m_events", |b| b.iter(|| load(gz.path())));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
