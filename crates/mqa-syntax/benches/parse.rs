//! Parsing speed: a generated file of 1 000 point rules (10 models × 4
//! blocks × 25 rules, mixing `when` and `per` forms, aggregations, lists and
//! comments). Target: well under 10 ms per parse.
//!
//! `cargo bench -p mqa-syntax --bench parse`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mqa_syntax::SourceFile;

fn rule(m: usize, b: usize, r: usize) -> String {
    let n = m * 100 + b * 25 + r;
    match r % 5 {
        0 => format!("    25 when account.employees between {} and 5000 \"Size {n}\" required\n", 100 + n),
        1 => format!(
            "    15 when distinct(events.contact_id within 30d where kind in [\"webinar\", \"download\"]) >= 3 \"Breadth {n}\"\n"
        ),
        2 => format!("    10 per events where kind == \"download\" and asset_tier == \"high\" cap {} \"Downloads {n}\"\n", 30 + r),
        3 => format!("    -5 per engaged where role starts_with \"intern\" or department == \"hr\" \"Noise {n}\" // penalty\n"),
        _ => format!(
            "    20 when max(intent.score where topic in icp_topics) >= 60 and not account.regulated or account.revenue > 10M \"Intent {n}\"\n"
        ),
    }
}

fn generated_file() -> String {
    let mut s = String::from(
        "// generated for the parse benchmark\n\
         schema account {\n  industry: text\n  employees: int\n  revenue: number\n  regulated: bool\n}\n\
         schema contact {\n  role: text\n  department: text\n}\n\
         schema event {\n  kind: text\n  asset_tier: text\n}\n\
         source intent = plugin \"intent-csv\" {\n  path: \"${data}/intent.csv\"\n}\n\
         let icp_topics = [\"zero trust\", \"siem\"]\n",
    );
    for m in 0..10 {
        s.push_str(&format!("\nmodel m{m} for account.revenue >= {m}M {{\n  threshold 75\n  dequalify below 60\n  window 90d\n"));
        for b in 0..4 {
            s.push_str(&format!(
                "  block b{b} \"Block {b}\" within 30d decay half_life 14d max 100 {{\n"
            ));
            for r in 0..25 {
                s.push_str(&rule(m, b, r));
            }
            s.push_str("  }\n");
        }
        s.push_str(
            "  grade fit_grade from b0 { A >= 40, B >= 25, C >= 10, else D }\n  \
             gate good_fit: fit_grade in [\"A\", \"B\"]\n  \
             score = b0 + b1 + b2 * 2 + b3\n  \
             route \"named-ae\" sla 24h when account.employees >= 1000\n  \
             route \"sdr\" sla 48h\n}\n",
        );
    }
    s
}

fn bench_parse(c: &mut Criterion) {
    let src = SourceFile::new("bench.mqa", generated_file());
    let parsed = mqa_syntax::parse(&src);
    assert!(parsed.is_ok(), "the generated file must parse: {parsed:?}");
    let mut group = c.benchmark_group("parse");
    group.throughput(criterion::Throughput::Bytes(src.text.len() as u64));
    group.bench_function("1000_rules", |b| {
        b.iter(|| mqa_syntax::parse(black_box(&src)))
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
