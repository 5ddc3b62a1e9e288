#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Parse + compile time of a generated 1 000-rule file (target < 20 ms).

use criterion::{criterion_group, criterion_main, Criterion};
use std::fmt::Write;

fn generated(rules: usize) -> String {
    let mut s = String::from(
        "schema account {\n  industry: text\n  employees: int\n  tier: int\n}\n\nschema contact {\n  role: text\n  department: text\n}\n\nschema event {\n  kind: text\n  asset_tier: text\n}\n\n",
    );
    let per_model = 100;
    for m in 0..rules.div_ceil(per_model) {
        let _ = writeln!(s, "model m{m} {{\n  threshold 75\n  window 90d");
        for b in 0..4 {
            let _ = writeln!(
                s,
                "  block b{b} within {}d decay half_life 14d {{",
                10 + b * 5
            );
            for r in 0..per_model / 4 {
                let k = m * per_model + b * 25 + r;
                if k % 2 == 0 {
                    let _ = writeln!(
                        s,
                        "    {} when count(events where kind == \"k{}\" and asset_tier == \"high\") >= {} and account.employees between {} and {} \"rule {k}\"",
                        5 + k % 20,
                        k % 7,
                        1 + k % 4,
                        k % 500,
                        5000 + k
                    );
                } else {
                    let _ = writeln!(
                        s,
                        "    {} per events where kind == \"k{}\" or contact.role == \"decision_maker\" cap {} \"rule {k}\"",
                        5 + k % 20,
                        k % 9,
                        20 + k % 30
                    );
                }
            }
            let _ = writeln!(s, "  }}");
        }
        let _ = writeln!(
            s,
            "  grade g from b0 {{ A >= 40, B >= 25, else C }}\n  gate breadth: distinct(events.contact_id within 30d) >= 3\n  route \"sdr\" sla 48h\n}}\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generated(1000);
    let src = mqa_syntax::SourceFile::new("gen.mqa", text.clone());
    // Sanity: the file is valid and has 1 000 rules.
    let ast = mqa_syntax::parse(&src).expect("generated file parses");
    let compiled = mqa_compiler::compile(&ast, &text, &mqa_compiler::NoPlugins);
    assert!(!compiled.has_errors());
    let rules: usize = compiled.program.as_ref().map_or(0, |p| {
        p.models
            .iter()
            .map(|m| m.blocks.iter().map(|b| b.rules.len()).sum::<usize>())
            .sum()
    });
    assert_eq!(rules, 1000);
    c.bench_function("parse+compile 1000 rules", |b| {
        b.iter(|| {
            let ast = mqa_syntax::parse(&src).expect("parses");
            mqa_compiler::compile(&ast, &text, &mqa_compiler::NoPlugins)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
