//! Proportions at 2 000 accounts, within loose bounds: the data set has the
//! shape the crate documentation promises, and the `enterprise` model of the
//! language spec (§2), evaluated here by a small independent oracle,
//! qualifies a realistic minority.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{default_as_of, gen, parse_date, parse_timestamp, Generated, Table};

const N: u64 = 2_000;
const DAY: i64 = 86_400;

fn within(what: &str, value: f64, lo: f64, hi: f64) {
    assert!(
        (lo..=hi).contains(&value),
        "{what} = {value:.4}, expected within [{lo}, {hi}]"
    );
}

struct Data {
    accounts: Table,
    contacts: Table,
    events: Table,
    intent: Table,
    outcomes: Table,
    _g: Generated,
}

fn data() -> Data {
    let g = gen(N, 7);
    let dir = g.dir.path();
    Data {
        accounts: Table::read(dir, "accounts.csv"),
        contacts: Table::read(dir, "contacts.csv"),
        events: Table::read(dir, "events.csv"),
        intent: Table::read(dir, "intent.csv"),
        outcomes: Table::read(dir, "outcomes.csv"),
        _g: g,
    }
}

#[test]
fn volumes_per_account() {
    let d = data();
    let n = N as f64;
    within(
        "contacts per account",
        d.contacts.rows.len() as f64 / n,
        5.5,
        7.5,
    );
    within(
        "events per account",
        d.events.rows.len() as f64 / n,
        22.0,
        34.0,
    );
    within(
        "intent rows per account",
        d.intent.rows.len() as f64 / n,
        2.3,
        4.0,
    );

    let mut committee: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &d.contacts.rows {
        *committee.entry(&r[1]).or_default() += 1;
    }
    assert_eq!(committee.len() as u64, N, "every account has a committee");
    assert!(committee.values().all(|&c| (1..=12).contains(&c)));
    // Skewed: mid-sized committees are more common than the extremes.
    let of_size = |k| committee.values().filter(|&&c| c == k).count();
    assert!(of_size(5) > of_size(1) * 3 && of_size(5) > of_size(12) * 2);

    // Events are heavily skewed: many quiet accounts, few very active ones.
    let mut per_account: HashMap<&str, u64> = HashMap::new();
    for r in &d.events.rows {
        *per_account.entry(&r[1]).or_default() += 1;
    }
    let mut counts: Vec<u64> = d
        .accounts
        .rows
        .iter()
        .map(|r| per_account.get(r[0].as_str()).copied().unwrap_or(0))
        .collect();
    counts.sort_unstable();
    let total: u64 = counts.iter().sum();
    let median = counts[counts.len() / 2];
    let top_decile: u64 = counts[counts.len() * 9 / 10..].iter().sum();
    within("median events per account", median as f64, 4.0, 16.0);
    within(
        "top 10% share of events",
        top_decile as f64 / total as f64,
        0.35,
        0.7,
    );
    within(
        "share of silent accounts",
        counts.iter().filter(|&&c| c == 0).count() as f64 / n,
        0.04,
        0.25,
    );
}

#[test]
fn event_details() {
    let d = data();
    let as_of = default_as_of();
    let contact_ids: BTreeSet<&str> = d.contacts.rows.iter().map(|r| r[0].as_str()).collect();
    let total = d.events.rows.len() as f64;
    let share = |f: &dyn Fn(&Vec<String>) -> bool| {
        d.events.rows.iter().filter(|r| f(r)).count() as f64 / total
    };
    within("anonymous", share(&|r| r[2].is_empty()), 0.01, 0.035);
    within(
        "unknown contact",
        share(&|r| !r[2].is_empty() && !contact_ids.contains(r[2].as_str())),
        0.0005,
        0.005,
    );
    within(
        "after as_of",
        share(&|r| parse_timestamp(&r[3]).unwrap() > as_of),
        0.002,
        0.01,
    );
    within(
        "in the last 30 days",
        share(&|r| {
            let age = as_of - parse_timestamp(&r[3]).unwrap();
            (0..30 * DAY).contains(&age)
        }),
        0.4,
        0.8,
    );
    let kind = |k: &'static str| move |r: &Vec<String>| r[4] == k;
    let page_view = share(&kind("page_view"));
    let email_click = share(&kind("email_click"));
    let demo = share(&kind("demo_request"));
    within("page_view", page_view, 0.3, 0.5);
    within("email_click", email_click, 0.15, 0.3);
    within("demo_request", demo, 0.01, 0.06);
    for other in ["pricing_view", "download", "webinar", "event_attended"] {
        let s = share(&kind(other));
        assert!(s > demo * 0.9 && s < email_click, "{other}: {s}");
    }
    within(
        "high among downloads",
        share(&|r| r[5] == "high") / share(&kind("download")),
        0.3,
        0.6,
    );
}

#[test]
fn firmographics() {
    let d = data();
    let n = N as f64;
    let share = |f: &dyn Fn(&Vec<String>) -> bool| {
        d.accounts.rows.iter().filter(|r| f(r)).count() as f64 / n
    };
    within(
        "missing employees",
        share(&|r| r[4].is_empty()),
        0.001,
        0.015,
    );
    within("missing revenue", share(&|r| r[5].is_empty()), 0.001, 0.015);
    within("missing domain", share(&|r| r[1].is_empty()), 0.0005, 0.01);
    within("tier 1", share(&|r| r[6] == "1"), 0.08, 0.25);
    within("tier 3", share(&|r| r[6] == "3"), 0.45, 0.75);
    within(
        "ICP industries",
        share(&|r| ["software", "fintech", "healthcare", "cybersecurity"].contains(&r[3].as_str())),
        0.35,
        0.65,
    );
    let size = |r: &Vec<String>| r[4].parse::<u64>().ok();
    within(
        "employees 200..=5000",
        share(&|r| size(r).is_some_and(|e| (200..=5000).contains(&e))),
        0.45,
        0.7,
    );
    assert!(share(&|r| size(r).is_some_and(|e| e < 50)) > 0.02);
    assert!(share(&|r| size(r).is_some_and(|e| e > 10_000)) > 0.002);
    // Revenue follows size.
    let small: Vec<f64> = revenues(&d.accounts, |e| e < 100);
    let large: Vec<f64> = revenues(&d.accounts, |e| e > 1000);
    assert!(mean(&large) > 10.0 * mean(&small));
    // Regulation follows industry.
    let regulated_in = |inds: &[&str]| {
        let rows: Vec<_> = d
            .accounts
            .rows
            .iter()
            .filter(|r| inds.contains(&r[3].as_str()))
            .collect();
        rows.iter().filter(|r| r[7] == "true").count() as f64 / rows.len() as f64
    };
    within(
        "regulated fintech/healthcare",
        regulated_in(&["fintech", "healthcare"]),
        0.9,
        1.0,
    );
    within(
        "regulated software/retail",
        regulated_in(&["software", "retail"]),
        0.0,
        0.1,
    );
}

fn revenues(accounts: &Table, size: impl Fn(u64) -> bool) -> Vec<f64> {
    accounts
        .rows
        .iter()
        .filter_map(|r| Some((r[4].parse::<u64>().ok()?, r[5].parse::<f64>().ok()?)))
        .filter(|(e, _)| size(*e))
        .map(|(_, rev)| rev)
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn intent_and_outcomes() {
    let d = data();
    let n = N as f64;
    let with_intent: BTreeSet<&str> = d.intent.rows.iter().map(|r| r[0].as_str()).collect();
    within(
        "accounts with intent",
        with_intent.len() as f64 / n,
        0.15,
        0.4,
    );
    let topics: BTreeSet<&str> = d.intent.rows.iter().map(|r| r[1].as_str()).collect();
    for t in ["zero trust", "siem", "competitor:acme", "data warehouse"] {
        assert!(topics.contains(t), "topic {t} missing");
    }
    let weeks: BTreeSet<i64> = d
        .intent
        .rows
        .iter()
        .map(|r| parse_date(&r[3]).unwrap())
        .collect();
    assert!(weeks.len() >= 10, "intent spans only {} weeks", weeks.len());

    let with_outcome: BTreeSet<&str> = d.outcomes.rows.iter().map(|r| r[0].as_str()).collect();
    within(
        "accounts with an outcome",
        with_outcome.len() as f64 / n,
        0.1,
        0.2,
    );
    for o in ["opportunity", "closed_won", "closed_lost", "rejected"] {
        assert!(d.outcomes.rows.iter().any(|r| r[2] == o), "no {o}");
    }
    // More engaged accounts have more outcomes.
    let mut events: HashMap<&str, u64> = HashMap::new();
    for r in &d.events.rows {
        *events.entry(&r[1]).or_default() += 1;
    }
    let rate = |f: &dyn Fn(u64) -> bool| {
        let group: Vec<&str> = d
            .accounts
            .rows
            .iter()
            .map(|r| r[0].as_str())
            .filter(|a| f(events.get(a).copied().unwrap_or(0)))
            .collect();
        group.iter().filter(|a| with_outcome.contains(*a)).count() as f64 / group.len() as f64
    };
    let quiet = rate(&|c| c < 5);
    let busy = rate(&|c| c >= 50);
    assert!(busy > 3.0 * quiet, "busy {busy:.3} vs quiet {quiet:.3}");
}

/// The `enterprise` model of spec/language.md §2, reduced to what decides
/// qualification: the required fit rules, 3+ distinct contacts in 30 days,
/// the fit grade, the regulated-needs-surge gate, and the score.
#[test]
fn enterprise_model_qualifies_a_realistic_minority() {
    let d = data();
    let as_of = default_as_of();
    let contacts: HashMap<&str, (&str, &str)> = d
        .contacts
        .rows
        .iter()
        .map(|r| (r[0].as_str(), (r[2].as_str(), r[3].as_str())))
        .collect();

    #[derive(Default)]
    struct Acc<'a> {
        people: BTreeSet<&'a str>,
        departments: BTreeSet<&'a str>,
        decision_maker: bool,
        depth: [f64; 4],
    }
    let mut by_account: HashMap<&str, Acc> = HashMap::new();
    for r in &d.events.rows {
        let age = as_of - parse_timestamp(&r[3]).unwrap();
        if !(0..90 * DAY).contains(&age) {
            continue;
        }
        let a = by_account.entry(&r[1]).or_default();
        if age < 30 * DAY {
            if !r[2].is_empty() {
                a.people.insert(&r[2]);
            }
            if let Some((role, dept)) = contacts.get(r[2].as_str()) {
                a.departments.insert(dept);
                a.decision_maker |= *role == "decision_maker";
            }
        }
        let decay = 0.5f64.powf(age as f64 / (14 * DAY) as f64);
        match (r[4].as_str(), r[5].as_str()) {
            ("download", "high") => a.depth[0] += 15.0 * decay,
            ("demo_request", _) => a.depth[1] += 25.0 * decay,
            ("pricing_view", _) => a.depth[2] += 20.0 * decay,
            ("event_attended", _) => a.depth[3] += 10.0 * decay,
            _ => {}
        }
    }
    // domain -> (zero trust/siem >= 60 in 28d, competitor in 28d, max in 90d)
    let mut intent: HashMap<&str, (bool, bool, f64)> = HashMap::new();
    for r in &d.intent.rows {
        let age = as_of - parse_date(&r[3]).unwrap() * DAY;
        if !(0..90 * DAY).contains(&age) {
            continue;
        }
        let score: f64 = r[2].parse().unwrap();
        let e = intent.entry(&r[0]).or_insert((false, false, f64::MIN));
        if age < 28 * DAY {
            e.0 |= (r[1] == "zero trust" || r[1] == "siem") && score >= 60.0;
            e.1 |= r[1].starts_with("competitor:");
        }
        e.2 = e.2.max(score);
    }

    let empty = Acc::default();
    let (mut qualified, mut breadth3) = (0u64, 0u64);
    for r in &d.accounts.rows {
        let employees = r[4].parse::<f64>().ok();
        let revenue = r[5].parse::<f64>().ok();
        let size_ok = employees.is_some_and(|e| (200.0..=5000.0).contains(&e));
        let industry_ok =
            ["software", "fintech", "healthcare", "cybersecurity"].contains(&r[3].as_str());
        let revenue_ok = revenue.is_some_and(|v| (10e6..=1e9).contains(&v));
        let fit = 25.0 * f64::from(u8::from(size_ok))
            + 15.0 * f64::from(u8::from(industry_ok))
            + 10.0 * f64::from(u8::from(revenue_ok));
        let a = by_account.get(r[0].as_str()).unwrap_or(&empty);
        let three = a.people.len() >= 3;
        breadth3 += u64::from(three);
        let breadth = if three { 20.0 } else { 0.0 }
            + if a.departments.len() >= 2 { 15.0 } else { 0.0 }
            + if a.decision_maker { 10.0 } else { 0.0 };
        let depth = a.depth[0].min(30.0)
            + a.depth[1].min(50.0)
            + a.depth[2].min(40.0)
            + a.depth[3].min(20.0);
        let (surge, competitor, max_score) = if r[1].is_empty() {
            (false, false, f64::MIN)
        } else {
            intent
                .get(r[1].as_str())
                .copied()
                .unwrap_or((false, false, f64::MIN))
        };
        let intent_points = if surge { 15.0 } else { 0.0 } + if competitor { 10.0 } else { 0.0 };
        let score = fit + breadth + depth + intent_points;
        let good_fit = fit >= 25.0;
        let regulated_ok = r[7] != "true" || max_score >= 60.0;
        if score >= 75.0 && size_ok && industry_ok && three && good_fit && regulated_ok {
            qualified += 1;
        }
    }
    let n = N as f64;
    within("qualified share", qualified as f64 / n, 0.03, 0.15);
    within(
        "3+ contacts active in 30 days",
        breadth3 as f64 / n,
        0.15,
        0.5,
    );
}
