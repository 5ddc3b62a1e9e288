//! `distinct` in the fused scans: counts of 0 to 47 distinct texts (past the
//! array of the first few and past the searched short list) in every
//! order, with repeats, missing values and conditions, equal the
//! interpreter's; so do engaged contacts of an account with more contacts
//! than a word has bits.

use crate::eval::test_setup::{as_of, compile, load};
use crate::eval::value::Value;
use crate::eval::{Evaluator, Scratch};
use mqa_compiler::graph::Node;
use std::fmt::Write as _;

const RULES: &str = r#"
schema account { }
schema contact { department: text }
schema event { kind: text  tier: text }
model m {
  threshold 0
  window 90d
  block b {
    1 when distinct(events.contact_id) >= 1
    1 when distinct(events.kind) >= 1
    1 when distinct(events.kind within 20d) >= 1
    1 when distinct(events.kind where tier == "high") >= 1
    1 when distinct(contacts.department) >= 1
    1 when distinct(engaged.department) >= 1
    1 when count(engaged where department == "d5") >= 1
    1 when count(engaged within 20d) >= 1
  }
}
"#;

#[test]
fn distinct_texts_past_the_array_and_the_short_list() {
    let program = compile(RULES);
    let dir = tempfile::tempdir().unwrap();
    let (mut acc, mut con) = (
        String::from("id\n"),
        String::from("id,account_id,department\n"),
    );
    let mut ev = String::from("id,account_id,contact_id,at,kind,tier\n");
    let mut e = 0;
    // `a70`: more contacts than one word's bits.
    for a in (0..48usize).chain([70]) {
        let _ = writeln!(acc, "a{a}");
        // Up to `a` distinct values among `2a + 3` records (none for `a0`),
        // in an order of their own.
        let m = a.max(1);
        for c in 0..m {
            let _ = writeln!(con, "a{a}-c{c},a{a},d{}", (c * 5 + a) % m);
        }
        // (`a70`: fewer events than contacts, so that some are engaged.)
        let records = if a > 64 { a / 2 } else { 2 * a + 3 };
        for k in 0..records * usize::from(a > 0) {
            // Older events by one set of contacts, recent ones by another.
            let contact = |f: usize| match k % 9 {
                4 => String::new(),
                _ => format!("a{a}-c{}", (k * f + a) % m),
            };
            let kind = if k % 11 == 3 {
                String::new()
            } else {
                format!("k{}", (k * 13 + a) % m)
            };
            let day = 1 + (k * 17 + a) % 60;
            let tier = ["high", "low"][(k + a) % 2];
            let _ = writeln!(
                ev,
                "e{e},a{a},{},2026-08-{:02}T00:00:00Z,{kind},{tier}",
                contact(7),
                1 + day % 28
            );
            let _ = writeln!(
                ev,
                "f{e},a{a},{},2026-10-{:02}T12:00:00Z,{kind},{tier}",
                contact(3),
                1 + (day * 3) % 30
            );
            e += 1;
        }
    }
    std::fs::write(dir.path().join("accounts.csv"), acc).unwrap();
    std::fs::write(dir.path().join("contacts.csv"), con).unwrap();
    std::fs::write(dir.path().join("events.csv"), ev).unwrap();
    let (data, interner, prepared) = load(&program, dir.path());
    let ev = Evaluator::new(&program, data.view(), &interner, &prepared, &[], as_of());
    assert_eq!(ev.fused_nodes(0), 8);
    let g = &program.models[0];
    let (mut fast, mut slow) = (Scratch::default(), Scratch::default());
    let mut counts = Vec::new();
    // The engaged count of `a70`, whose 70 contacts do not fit a word.
    let mut wide = None;
    assert_eq!(data.contacts.of_account(48).len(), 70);
    for a in 0..data.accounts.len() {
        ev.run_nodes(0, a, &mut fast);
        for (i, n) in g.nodes.iter().enumerate() {
            if let Node::Aggregate { kind, scan, field } = n {
                let want = ev.aggregate(*kind, scan, field.as_ref(), a, &mut slow);
                assert_eq!(fast.slots[i], want, "account {a}, {}", g.labels[i]);
                if let Value::Num(x) = want {
                    counts.push(x as usize);
                    if a == 48 && g.labels[i] == "count(engaged within 20d)" {
                        wide = Some(x as usize);
                    }
                }
            }
        }
    }
    for n in [0, 1, 7, 8, 9, 31, 32, 33, 40] {
        assert!(counts.contains(&n), "a count of {n} is seen: {counts:?}");
    }
    assert!(wide.is_some_and(|n| n > 1 && n < 70), "{wide:?}");
}
