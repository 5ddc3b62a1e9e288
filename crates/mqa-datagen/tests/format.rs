//! The files' shape: headers, row counts, field formats, value domains and
//! references between files.

mod common;

use std::collections::{HashMap, HashSet};

use common::{default_as_of, gen, parse_date, parse_timestamp, Table};
use mqa_datagen::{
    ACCOUNTS_HEADER, CONTACTS_HEADER, EVENTS_HEADER, INTENT_HEADER, OUTCOMES_HEADER,
};

#[test]
fn parser_accepts_and_rejects() {
    assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(
        parse_timestamp("2026-11-01T00:00:00Z"),
        Some(default_as_of())
    );
    assert_eq!(parse_timestamp("2024-02-29T23:59:59Z"), Some(1_709_251_199));
    assert_eq!(parse_timestamp("2025-02-29T00:00:00Z"), None);
    assert_eq!(parse_timestamp("2026-11-01T24:00:00Z"), None);
    assert_eq!(parse_timestamp("2026-11-01 00:00:00Z"), None);
    assert_eq!(parse_timestamp("2026-11-01T00:00:00"), None);
    assert_eq!(parse_date("2026-13-01"), None);
}

#[test]
fn headers_are_exact() {
    assert_eq!(
        ACCOUNTS_HEADER,
        "id,domain,name,industry,employees,revenue,tier,regulated"
    );
    assert_eq!(CONTACTS_HEADER, "id,account_id,role,department");
    assert_eq!(EVENTS_HEADER, "id,account_id,contact_id,at,kind,asset_tier");
    assert_eq!(INTENT_HEADER, "domain,topic,score,week");
    assert_eq!(OUTCOMES_HEADER, "account_id,at,outcome");
    let g = gen(40, 7);
    for (file, header) in [
        ("accounts.csv", ACCOUNTS_HEADER),
        ("contacts.csv", CONTACTS_HEADER),
        ("events.csv", EVENTS_HEADER),
        ("intent.csv", INTENT_HEADER),
        ("outcomes.csv", OUTCOMES_HEADER),
    ] {
        let text = std::fs::read_to_string(g.dir.path().join(file)).unwrap();
        assert_eq!(text.split('\n').next().unwrap(), header, "{file}");
    }
}

#[test]
fn summary_counts_match_the_files() {
    let g = gen(700, 3);
    let dir = g.dir.path();
    let s = &g.summary;
    let count = |f: &str| Table::read(dir, f).rows.len() as u64;
    assert_eq!(s.accounts, 700);
    assert_eq!(count("accounts.csv"), s.accounts);
    assert_eq!(count("contacts.csv"), s.contacts);
    assert_eq!(count("events.csv"), s.events);
    assert_eq!(count("intent.csv"), s.intent_rows);
    assert_eq!(count("outcomes.csv"), s.outcomes);
    let on_disk: u64 = s
        .files
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert_eq!(s.bytes, on_disk);
    assert!(s.contacts > 0 && s.events > 0 && s.intent_rows > 0 && s.outcomes > 0);
}

#[test]
fn no_field_needs_quoting() {
    let g = gen(600, 11);
    for path in &g.summary.files {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains('"'), "{} has a quote", path.display());
        assert!(!text.contains('\r'), "{} has a CR", path.display());
        // Table::read checks every row has the header's field count, which
        // fails if any value contained a comma.
        Table::read(g.dir.path(), path.file_name().unwrap().to_str().unwrap());
    }
}

#[test]
fn references_ids_and_value_domains_hold() {
    let g = gen(1_500, 7);
    let dir = g.dir.path();
    let as_of = default_as_of();

    let accounts = Table::read(dir, "accounts.csv");
    let mut account_ids = HashSet::new();
    let mut domains = HashSet::new();
    for r in &accounts.rows {
        assert!(r[0].starts_with("acc-7-"), "{r:?}");
        assert!(
            account_ids.insert(r[0].clone()),
            "duplicate account {}",
            r[0]
        );
        if !r[1].is_empty() {
            assert!(domains.insert(r[1].clone()), "duplicate domain {}", r[1]);
        }
        assert!(!r[3].is_empty());
        for v in [&r[4], &r[5]] {
            assert!(v.is_empty() || v.parse::<u64>().is_ok(), "{r:?}");
        }
        assert!(["1", "2", "3"].contains(&r[6].as_str()), "{r:?}");
        assert!(["true", "false"].contains(&r[7].as_str()), "{r:?}");
    }

    let contacts = Table::read(dir, "contacts.csv");
    let mut contact_account = HashMap::new();
    for r in &contacts.rows {
        assert!(
            account_ids.contains(&r[1]),
            "contact {} of unknown account",
            r[0]
        );
        assert!(r[0].starts_with(&format!("{}-c", r[1])), "{r:?}");
        assert!(contact_account.insert(r[0].clone(), r[1].clone()).is_none());
        assert!(
            ["decision_maker", "champion", "influencer", "user"].contains(&r[2].as_str()),
            "{r:?}"
        );
        assert!(!r[3].is_empty());
    }

    let events = Table::read(dir, "events.csv");
    let kinds = [
        "demo_request",
        "pricing_view",
        "download",
        "webinar",
        "event_attended",
        "email_click",
        "page_view",
    ];
    let mut event_ids = HashSet::new();
    for r in &events.rows {
        assert!(
            event_ids.insert(r[0].clone()),
            "duplicate event id {}",
            r[0]
        );
        assert!(
            account_ids.contains(&r[1]),
            "event {} of unknown account",
            r[0]
        );
        if let Some(owner) = contact_account.get(&r[2]) {
            assert_eq!(
                owner, &r[1],
                "event {} names another account's contact",
                r[0]
            );
        }
        let at = parse_timestamp(&r[3]).unwrap_or_else(|| panic!("bad timestamp {r:?}"));
        assert!(
            at > as_of - 121 * 86_400 && at <= as_of + 14 * 86_400,
            "{r:?}"
        );
        assert!(kinds.contains(&r[4].as_str()), "{r:?}");
        if r[4] == "download" {
            assert!(["high", "standard"].contains(&r[5].as_str()), "{r:?}");
        } else {
            assert_eq!(r[5], "", "{r:?}");
        }
    }

    let intent = Table::read(dir, "intent.csv");
    for r in &intent.rows {
        assert!(domains.contains(&r[0]), "intent for unknown domain {r:?}");
        assert!(!r[1].is_empty());
        let score: u64 = r[2].parse().unwrap();
        assert!(score <= 100, "{r:?}");
        let day = parse_date(&r[3]).unwrap_or_else(|| panic!("bad week {r:?}"));
        // 1970-01-01 was a Thursday, so Mondays are days ≡ 4 (mod 7).
        assert_eq!(day.rem_euclid(7), 4, "week not a Monday: {r:?}");
        let at = day * 86_400;
        assert!(at <= as_of && at > as_of - 13 * 7 * 86_400, "{r:?}");
    }

    let outcomes = Table::read(dir, "outcomes.csv");
    for r in &outcomes.rows {
        assert!(account_ids.contains(&r[0]), "{r:?}");
        let at = parse_timestamp(&r[1]).unwrap_or_else(|| panic!("bad timestamp {r:?}"));
        assert!(at < as_of, "outcome not before as_of: {r:?}");
        assert!(
            ["opportunity", "closed_won", "closed_lost", "rejected"].contains(&r[2].as_str()),
            "{r:?}"
        );
    }
}

#[test]
fn closed_outcomes_follow_an_opportunity() {
    let g = gen(2_000, 5);
    let outcomes = Table::read(g.dir.path(), "outcomes.csv");
    let mut opened: HashMap<&str, (i64, &str)> = HashMap::new();
    let mut closed = 0;
    for r in &outcomes.rows {
        let at = parse_timestamp(&r[1]).unwrap();
        match r[2].as_str() {
            "opportunity" | "rejected" => {
                let first = opened.insert(&r[0], (at, &r[2]));
                assert!(first.is_none(), "two openings for {}", r[0]);
            }
            _ => {
                closed += 1;
                let open = opened.get(r[0].as_str()).copied();
                assert!(
                    open.is_some_and(|(o, kind)| o < at && kind == "opportunity"),
                    "{r:?} without an earlier opportunity"
                );
            }
        }
    }
    assert!(closed > 0, "no closed outcomes at all");
}
