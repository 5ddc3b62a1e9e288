//! Tests of `fused.rs`: every fused scan gives exactly (to the bit) what the
//! interpreter gives — per-record rules with caps and half-life or linear
//! decay in windows of several lengths, aggregations of every kind, over
//! events, contacts, engaged contacts and a source's signals — on data with
//! missing values, unknown and anonymous contacts, records on window
//! bounds, and accounts with no records at all.

use super::super::value::Value;
use super::super::{Evaluator, Scratch};
use crate::data::{LoadOptions, MemoryRejects};
use crate::run::{Session, SourceInput};
use crate::signals::{
    JoinKey, SignalBatch, SignalColumn, SignalError, SignalRequest, SignalSource, SourceInfo,
    TextValues,
};
use mqa_compiler::graph::Node;
use mqa_syntax::time::parse_timestamp;
use mqa_syntax::FieldType;
use std::collections::HashMap;
use std::fmt::Write as _;

const AS_OF: &str = "2026-11-01T00:00:00Z";
const DAY: i64 = 86_400;

const RULES: &str = r#"
schema account { domain: text }
schema contact { role: text  department: text }
schema event { kind: text  tier: text  value: number }
source intent = plugin "feed" { path: "x" }
let kinds = ["demo", "pricing"]
model m {
  threshold 0
  window 90d
  block near within 30d decay half_life 14d {
    3 per events where kind == "demo" cap 10
    2 per events where kind == "demo" and tier == "high"
    1 per events where kind == "pricing" cap 2
    1 per events where value > 2
    1 when distinct(events.contact_id) >= 2
    1 when distinct(engaged.department) >= 2
    1 when any(engaged where role == "vp")
    1 per engaged where department == "it"
  }
  block far decay half_life 7d {
    4 per events where kind == "demo"
    1 per events where kind in kinds
    1 per events
    1 when count(events within 7d where kind == "demo") >= 1
    1 when all(events where kind == "demo")
    1 when all(events within 14d where value >= 1)
    1 when any(events within 3d where kind == "pricing")
    1 when distinct(events.value) >= 2
    1 when sum(events.value where kind == "demo") > 3
    1 when avg(events.value within 45d) > 3
    1 when min(events.value where kind == "demo") < 4
    1 when max(events.value where kind == "pricing" and tier == "low") > 1
    1 when count(events where kind == "demo" or value > 5) >= 2
    1 when count(events where contact.role == "vp") >= 1
  }
  block lin decay linear 60d {
    2 per events where kind == "pricing"
    1 per events where tier == "high" cap 1.5
  }
  block people {
    2 per contacts where role == "vp"
    1 when count(contacts where department == "it") >= 1
    1 when all(contacts where role == "vp")
    1 when distinct(contacts.role) >= 2
    1 when distinct(engaged.role) >= 1
    1 when count(contacts) != 2
    1 when count(events within 7d) == 1
    1 when count(events) <= 4
  }
  block feed within 28d decay half_life 10d {
    5 per intent where topic == "siem" cap 8
    1 per intent
    1 when max(intent.score where topic in ["siem", "xdr"]) >= 60
    1 when any(intent where topic starts_with "comp:")
    1 when min(intent.score within 7d) < 30
    1 when avg(intent.score) > 50
    1 when distinct(intent.topic) >= 2
    1 when count(intent where score >= 50) >= 1
  }
  gate g: max(intent.score) >= 10
}
"#;

/// The signals, served from memory.
struct Feed(SourceInfo, SignalBatch);

impl SignalSource for Feed {
    fn info(&self) -> &SourceInfo {
        &self.0
    }
    fn fetch(&mut self, _: &SignalRequest) -> Result<SignalBatch, SignalError> {
        Ok(self.1.clone())
    }
}

fn fields() -> Vec<(String, FieldType)> {
    vec![
        ("topic".to_string(), FieldType::Text),
        ("score".to_string(), FieldType::Number),
    ]
}

/// `secs` seconds before `AS_OF`, as RFC 3339.
fn ago(secs: i64) -> String {
    let as_of = parse_timestamp(AS_OF).unwrap();
    mqa_syntax::time::format_timestamp(as_of - secs * 1_000_000)
}

/// Ages (seconds) that put records on and around the windows' bounds.
fn age(i: usize) -> i64 {
    const EDGES: [i64; 12] = [0, 3, 7, 14, 28, 30, 45, 60, 89, 90, 91, 120];
    match i % 3 {
        0 => EDGES[(i / 3) % EDGES.len()] * DAY,
        1 => EDGES[(i / 3) % EDGES.len()] * DAY - 1 - (i as i64 * 37) % 5000,
        _ => (i as i64 * 7919) % (95 * DAY),
    }
}

fn write_data(dir: &std::path::Path) -> Feed {
    let mut acc = String::from("id,domain\n");
    let mut con = String::from("id,account_id,role,department\n");
    let mut ev = String::from("id,account_id,contact_id,at,kind,tier,value\n");
    let roles = ["vp", "user", ""];
    let depts = ["it", "sales", "", "ops"];
    let kinds = ["demo", "pricing", "download", "", "demo", "webinar"];
    let tiers = ["high", "low", ""];
    let values = ["1", "5", "7.5", "", "-2", "0", "-0", "3"];
    let topics = ["siem", "xdr", "comp:acme", "", "other", "Comp:x"];
    let scores = [
        Some(70.0),
        Some(20.0),
        None,
        Some(55.5),
        Some(60.0),
        Some(-0.0),
    ];
    let mut batch = SignalBatch::default();
    let (mut topic_col, mut score_col) = (TextValues::new(), Vec::new());
    let (mut e, mut s) = (0usize, 0usize);
    for a in 0..90usize {
        let _ = writeln!(acc, "a{a},d{a}");
        for c in 0..(a % 5) {
            let _ = writeln!(
                con,
                "a{a}-c{c},a{a},{},{}",
                roles[(a + c) % 3],
                depts[(a * c + c) % 4]
            );
        }
        for k in 0..(a * 3 % 17) {
            let contact = match (a + k) % 6 {
                0 => String::new(),
                1 => "nobody".to_string(),
                _ => format!("a{a}-c{}", k % 5),
            };
            let _ = writeln!(
                ev,
                "e{e},a{a},{contact},{},{},{},{}",
                ago(age(e)),
                kinds[(a + k) % kinds.len()],
                tiers[(a * 5 + k) % 3],
                values[(a * 3 + k) % values.len()],
            );
            e += 1;
        }
        for k in 0..(a % 7) {
            batch.account.push(Some(&format!("a{a}")));
            batch
                .at
                .push(parse_timestamp(&ago(age(s * 5 + 1) / 3)).unwrap());
            topic_col.push(Some(topics[(a + k * 2) % topics.len()]).filter(|t| !t.is_empty()));
            score_col.push(scores[(a * 2 + k) % scores.len()]);
            s += 1;
        }
    }
    std::fs::write(dir.join("accounts.csv"), acc).unwrap();
    std::fs::write(dir.join("contacts.csv"), con).unwrap();
    std::fs::write(dir.join("events.csv"), ev).unwrap();
    batch.columns = vec![
        SignalColumn::Text(topic_col),
        SignalColumn::Number(score_col),
    ];
    Feed(
        SourceInfo {
            plugin: "feed".into(),
            version: "0".into(),
            join_key: JoinKey::Id,
            fields: fields(),
            thread_safe: true,
        },
        batch,
    )
}

/// A model that reads engaged contacts only (its events pass walks the
/// events for the marks alone), in two windows.
const ENGAGED_ONLY: &str = r#"
schema account { domain: text }
schema contact { role: text  department: text }
schema event { kind: text  tier: text  value: number }
source intent = plugin "feed" { path: "x" }
model m {
  threshold 0
  window 60d
  block b within 7d {
    1 when any(engaged where role == "vp")
    1 per engaged where department == "it"
  }
  block c {
    1 when distinct(engaged.department) >= 2
    1 when count(engaged where role == "user") >= 1
  }
}
"#;

fn session(dir: &std::path::Path) -> Session {
    session_of(dir, RULES)
}

fn session_of(dir: &std::path::Path, rules: &str) -> Session {
    let file = mqa_syntax::SourceFile::new("t.mqa", rules.to_string());
    let ast = mqa_syntax::parse(&file).unwrap();
    let plugins: HashMap<String, Vec<(String, FieldType)>> =
        [("feed".to_string(), fields())].into_iter().collect();
    let compiled = mqa_compiler::compile(&ast, rules, &plugins);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    let feed: SourceInput = Ok(Box::new(write_data(dir)));
    Session::load(
        compiled.program.unwrap(),
        dir,
        &LoadOptions::new(parse_timestamp(AS_OF).unwrap()),
        vec![feed],
        false,
        &mut MemoryRejects::new(),
    )
    .unwrap()
}

/// The interpreted value of scan node `i` of model 0 (`slots` evaluated).
fn interpreted<'e>(
    ev: &'e Evaluator<'e>,
    node: &'e Node,
    a: usize,
    scratch: &mut Scratch<'e>,
) -> Option<Value<'e>> {
    match node {
        Node::Aggregate { kind, scan, field } => {
            Some(ev.aggregate(*kind, scan, field.as_ref(), a, scratch))
        }
        Node::PerRecord {
            points,
            scan,
            decay,
            cap,
        } => {
            let s = ev.per_record(*points, scan, *decay, a, scratch, |_, _| {});
            Some(Value::Num(cap.map_or(s, |c| s.min(c))))
        }
        _ => None,
    }
}

#[test]
fn fused_scans_equal_the_interpreter_to_the_bit() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    assert!(
        s.sources.first().is_some_and(Option::is_some),
        "the feed is loaded"
    );
    let ev = s.evaluator();
    let g = &s.program.models[0];
    let scans = g
        .nodes
        .iter()
        .filter(|n| matches!(n, Node::Aggregate { .. } | Node::PerRecord { .. }))
        .count();
    // Every scan is fused but `contact.role == ..` (not a column of events).
    assert_eq!(ev.fused_nodes(0), scans - 1, "{scans} scans");
    assert!(
        ev.fused_groups(0) >= 5,
        "events, engaged (two windows), contacts, intent"
    );
    let mut fast = Scratch::default();
    let mut slow = Scratch::default();
    let mut differ = Vec::new();
    let (mut fired, mut fractional) = (0, 0);
    for a in 0..s.data.accounts.len() {
        ev.run_nodes(0, a, &mut fast);
        slow.slots = fast.slots.clone();
        for (i, n) in g.nodes.iter().enumerate() {
            let Some(want) = interpreted(&ev, n, a, &mut slow) else {
                continue;
            };
            let got = fast.slots[i];
            let same = match (got, want) {
                (Value::Num(x), Value::Num(y)) => x.to_bits() == y.to_bits(),
                _ => got == want,
            };
            if !same {
                differ.push((a, g.label(mqa_compiler::graph::NodeId(i as u32)), got, want));
            }
            if got.is_true() || got.num().is_some_and(|x| x != 0.0) {
                fired += 1;
            }
            if got.num().is_some_and(|x| x.fract() != 0.0) {
                fractional += 1;
            }
        }
    }
    assert!(differ.is_empty(), "{} differ: {differ:?}", differ.len());
    assert!(
        fired > 1000,
        "the data should make most scans find records ({fired})"
    );
    assert!(
        fractional > 300,
        "decayed sums should be seen ({fractional})"
    );
}

#[test]
fn engaged_contacts_marked_by_an_events_pass_with_no_members() {
    let dir = tempfile::tempdir().unwrap();
    let s = session_of(dir.path(), ENGAGED_ONLY);
    let ev = s.evaluator();
    let g = &s.program.models[0];
    assert_eq!(ev.fused_nodes(0), 4);
    // The events pass (marks only) and one pass per engaged window.
    assert_eq!(ev.fused_groups(0), 3);
    let mut fast = Scratch::default();
    let mut slow = Scratch::default();
    let mut fired = 0;
    for a in 0..s.data.accounts.len() {
        ev.run_nodes(0, a, &mut fast);
        slow.slots = fast.slots.clone();
        for (i, n) in g.nodes.iter().enumerate() {
            if let Some(want) = interpreted(&ev, n, a, &mut slow) {
                assert_eq!(fast.slots[i], want, "account {a}, {}", g.labels[i]);
                fired += usize::from(want.is_true() || want.num().is_some_and(|x| x > 0.0));
            }
        }
    }
    assert!(fired > 50, "{fired}");
}

#[test]
fn decisions_equal_the_interpreted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let ev = s.evaluator();
    let g = &s.program.models[0];
    let mut scratch = Scratch::default();
    let mut slow = Scratch::default();
    for a in 0..s.data.accounts.len() {
        let fast = ev.decide(0, a, &mut scratch).unwrap();
        // The interpreted slots: every node in order, scans by `rec_eval`,
        // no fused pass.
        slow.slots.clear();
        for (i, n) in g.nodes.iter().enumerate() {
            let v = match interpreted(&ev, n, a, &mut slow) {
                Some(v) => v,
                None => ev.node(0, i, n, a, &mut slow),
            };
            slow.slots.push(v);
        }
        let want = ev.decision_from_slots(0, a, &slow).unwrap();
        assert_eq!(format!("{fast:?}"), format!("{want:?}"), "account {a}");
    }
}
