//! Tests of `pred.rs`: every compiled scan gives exactly what the
//! interpreted one gives, on data with missing values, unknown contacts and
//! values on both sides of each constant.

use super::super::test_setup::{as_of, compile, load};
use super::super::{Evaluator, Scratch};
use mqa_compiler::graph::Node;
use std::fmt::Write as _;

const RULES: &str = r#"
schema account { domain: text  tier: int }
schema contact { role: text  department: text }
schema event { kind: text  value: number  tier: int }
let kinds = ["demo", "pricing"]
model m {
  threshold 0
  window 90d
  block b {
    1 when count(events where kind == "demo") >= 1
    1 when count(events where "demo" == kind) >= 2
    1 when count(events where kind != "demo") >= 1
    1 when count(events where kind in kinds) >= 1
    1 when count(events where kind not in kinds) >= 1
    1 when count(events where kind starts_with "de") >= 1
    1 when count(events where kind ends_with "ing") >= 1
    1 when count(events where value > 5) >= 1
    1 when count(events where value >= 5) >= 1
    1 when count(events where value < 5) >= 1
    1 when count(events where value <= 5) >= 1
    1 when count(events where value == 5) >= 1
    1 when count(events where value != 5) >= 1
    1 when count(events where tier == 2) >= 1
    1 when count(events where kind == "demo" and value > 1) >= 1
    1 when count(events where kind == "demo" or value > 7) >= 1
    1 when count(events where not (kind == "demo")) >= 1
    1 when count(events where kind == "demo" and not (value > 3)) >= 1
    1 when count(events where contact.role == "vp") >= 1
    1 when any(events where kind == "pricing")
    1 when all(events where value > 0)
    1 when distinct(events.contact_id) >= 2
    1 when distinct(events.kind where value > 2) >= 2
    1 when sum(events.value where kind in kinds) > 3
    1 when avg(events.value) > 3
    1 when min(events.value where kind == "demo") < 4
    1 when max(events.value) > 6
    1 when max(events.tier) > 1
    1 when distinct(engaged.department) >= 2
    1 when any(engaged where role == "vp")
    1 when count(contacts where department == "it" or role == "vp") >= 2
    1 when count(contacts where role != "vp") >= 1
    1 when count(events within 7d where kind == "demo") >= 1
  }
  block d decay half_life 14d {
    3 per events where kind == "demo" cap 10
    2 per events where kind in kinds and value >= 2
    1 per events where kind starts_with "p" or value < 2
  }
}
"#;

fn write_data(dir: &std::path::Path) {
    let mut acc = String::from("id,domain,tier\n");
    let mut con = String::from("id,account_id,role,department\n");
    let mut ev = String::from("id,account_id,contact_id,at,kind,value,tier\n");
    let roles = ["vp", "user", ""];
    let depts = ["it", "sales", ""];
    let kinds = ["demo", "pricing", "download", "", "demolition"];
    let values = ["1", "5", "7.5", "", "-2", "5.0"];
    let mut e = 0;
    for a in 0..60 {
        let _ = writeln!(acc, "a{a},d{a},{}", a % 3);
        for c in 0..(a % 4) {
            let _ = writeln!(
                con,
                "a{a}-c{c},a{a},{},{}",
                roles[(a + c) % 3],
                depts[(a * c) % 3]
            );
        }
        for k in 0..(a % 7) {
            let contact = match (a + k) % 5 {
                0 => String::new(),
                1 => "nobody".to_string(),
                _ => format!("a{a}-c{}", k % 4),
            };
            let _ = writeln!(
                ev,
                "e{e},a{a},{contact},2026-10-{:02}T10:00:00Z,{},{},{}",
                1 + (a * 7 + k * 3) % 30,
                kinds[(a + k) % 5],
                values[(a * 3 + k) % 6],
                if k % 3 == 0 {
                    String::new()
                } else {
                    (k % 3).to_string()
                }
            );
            e += 1;
        }
    }
    std::fs::write(dir.join("accounts.csv"), acc).unwrap();
    std::fs::write(dir.join("contacts.csv"), con).unwrap();
    std::fs::write(dir.join("events.csv"), ev).unwrap();
}

#[test]
fn compiled_scans_agree_with_the_interpreter() {
    let program = compile(RULES);
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let (data, interner, prepared) = load(&program, dir.path());
    let ev = Evaluator::new(&program, data.view(), &interner, &prepared, &[], as_of());
    let g = &program.models[0];
    let scans = g
        .nodes
        .iter()
        .filter(|n| matches!(n, Node::Aggregate { .. } | Node::PerRecord { .. }))
        .count();
    assert!(scans >= 36, "{scans} scans");
    let mut fast = Scratch::default();
    let mut slow = Scratch::default();
    let mut differ = Vec::new();
    let mut fired = 0;
    for a in 0..data.accounts.len() {
        ev.run_nodes(0, a, &mut fast);
        slow.slots = fast.slots.clone();
        for (i, n) in g.nodes.iter().enumerate() {
            let want = match n {
                Node::Aggregate { kind, scan, field } => {
                    ev.aggregate(*kind, scan, field.as_ref(), a, &mut slow)
                }
                Node::PerRecord {
                    points,
                    scan,
                    decay,
                    cap,
                } => {
                    let s = ev.per_record(*points, scan, *decay, a, &mut slow, |_, _| {});
                    super::super::value::Value::Num(cap.map_or(s, |c| s.min(c)))
                }
                _ => continue,
            };
            let got = fast.slots[i];
            // Debug text, so that a NaN equals a NaN.
            if format!("{got:?}") != format!("{want:?}") {
                differ.push((a, i, got, want));
            }
            if got.is_true() || got.num().is_some_and(|x| x > 0.0) {
                fired += 1;
            }
        }
    }
    assert!(differ.is_empty(), "{differ:?}");
    assert!(
        fired > 500,
        "the data should make most scans find records ({fired})"
    );
}

#[test]
fn distinct_counts_past_the_short_list() {
    let rules = "schema account { }\nschema contact { }\nschema event { value: number }\n\
                 model m {\n  threshold 0\n  score = distinct(events.value)\n}\n";
    let program = compile(rules);
    let dir = tempfile::tempdir().unwrap();
    let mut ev = String::from("id,account_id,contact_id,at,value\n");
    // a0: 45 distinct values among 200 events (some missing); a1: 20 among 60.
    for e in 0..200 {
        let value = if e % 17 == 0 {
            String::new()
        } else {
            (e * 7 % 45).to_string()
        };
        let _ = writeln!(ev, "x{e},a0,,2026-10-01T00:00:00Z,{value}");
    }
    for e in 0..60 {
        let _ = writeln!(ev, "y{e},a1,,2026-10-01T00:00:00Z,{}.5", e % 20);
    }
    std::fs::write(dir.path().join("accounts.csv"), "id\na0\na1\n").unwrap();
    std::fs::write(dir.path().join("contacts.csv"), "id,account_id\n").unwrap();
    std::fs::write(dir.path().join("events.csv"), ev).unwrap();
    let (data, interner, prepared) = load(&program, dir.path());
    let ev = Evaluator::new(&program, data.view(), &interner, &prepared, &[], as_of());
    let mut scratch = Scratch::default();
    let scores: Vec<f64> = (0..2)
        .map(|a| ev.decide(0, a, &mut scratch).unwrap().score)
        .collect();
    assert_eq!(scores, [45.0, 20.0]);
}
