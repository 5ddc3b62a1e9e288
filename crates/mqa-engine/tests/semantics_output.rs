//! Decision output (spec cli-and-data.md "Output formats", language.md §7):
//! the `csv` columns, score formatting, RFC 4180 quoting, row order, and the
//! `jsonl` decision object.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

const HEADER: &str = "model,account,score,qualified,grade,route,sla_due,failed_gates";

#[test]
fn csv_scores_have_exactly_six_decimals() {
    let data = Data::new()
        .account("third", &[("revenue", "1"), ("seats_used", "3")])
        .account("two_thirds", &[("revenue", "2"), ("seats_used", "3")])
        .account("fifty", &[("revenue", "150"), ("seats_used", "3")])
        .account("neg", &[("revenue", "-60"), ("seats_used", "3")])
        .account(
            "tiny_neg",
            &[("revenue", "-0.000000003"), ("seats_used", "3")],
        );
    let r = run(
        "model m { threshold 1000 score = account.revenue / account.seats_used }",
        &data,
    );
    assert!(r.rejects.rows.is_empty(), "{:?}", r.rejects.rows);
    let csv = r.csv(false);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines[1], "m,third,0.333333,false,,,,");
    assert_eq!(lines[2], "m,two_thirds,0.666667,false,,,,");
    assert_eq!(lines[3], "m,fifty,50.000000,false,,,,");
    assert_eq!(lines[4], "m,neg,-20.000000,false,,,,");
    assert_eq!(lines[5], "m,tiny_neg,0.000000,false,,,,");
    assert!(!csv.contains('\r'));
    assert!(csv.ends_with('\n'));
}

#[test]
fn csv_quotes_a_failed_gate_label_with_a_comma_or_quote() {
    let data = Data::new().account("a1", &[]);
    let r = run(
        "model m {
           threshold 0
           block fit {
             10 when account.employees > 100 \"Size, and then some\" required
             5 when account.tier == 1 \"The \\\"tier\\\" check\" required
           }
           gate plain: account.regulated
         }",
        &data,
    );
    let csv = r.csv(false);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[1],
        "m,a1,0.000000,false,,,,\"Size, and then some;The \"\"tier\"\" check;plain\""
    );
    // A csv reader gets the names back, joined by `;` without spaces.
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let rec = rd.records().next().unwrap().unwrap();
    assert_eq!(&rec[7], "Size, and then some;The \"tier\" check;plain");
}

#[test]
fn csv_rows_follow_the_accounts_file_order() {
    let data = Data::new()
        .account("zeta", &[("tier", "1")])
        .account("alpha", &[("tier", "3")])
        .account("mid", &[("tier", "2")]);
    let r = run(
        "model second_in_name_order { threshold 2 score = account.tier }
         model first_in_name_order { threshold 0 score = 0 - account.tier }",
        &data,
    );
    let csv = r.csv(false);
    let keys: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        keys,
        [
            "second_in_name_order,zeta",
            "first_in_name_order,zeta",
            "second_in_name_order,alpha",
            "first_in_name_order,alpha",
            "second_in_name_order,mid",
            "first_in_name_order,mid",
        ]
    );
    // --only-qualified keeps the order of what is left.
    let q = r.csv(true);
    let lines: Vec<&str> = q.lines().collect();
    assert_eq!(
        lines,
        [
            HEADER,
            "second_in_name_order,alpha,3.000000,true,,,,",
            "second_in_name_order,mid,2.000000,true,,,,",
        ]
    );
}

#[test]
fn jsonl_decision_carries_every_part() {
    let data = Data::new()
        .account("a1", &[("tier", "1"), ("domain", "one.example")])
        .contact("c1", "a1", &[("role", "champion"), ("department", "it")])
        .event("e1", "a1", "c1", &days_ago(1), &[("kind", "demo")])
        .event("e2", "a1", "", &days_ago(2), &[("kind", "view")]);
    let r = run(
        "model m {
           threshold 10
           block fit \"Fit\" { 10 when account.tier == 1 \"Tier one\" required }
           block act { 2.5 per events where kind == \"demo\" \"Demos\" 1 per events \"Any\" }
           grade g from fit { A >= 10, else B }
           gate engaged_one: count(engaged) >= 1
           route \"sdr\" sla 48h
         }",
        &data,
    );
    let mut out = Vec::new();
    mqa_engine::explain::write_jsonl(&r.session, &r.decisions, false, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1);
    let j: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(j["model"], "m");
    assert_eq!(j["account"], "a1");
    assert_eq!(j["as_of"], "2026-11-01T00:00:00Z");
    assert_eq!(j["score"], 14.5);
    assert_eq!(j["qualified"], true);
    assert_eq!(j["grades"][0]["name"], "g");
    assert_eq!(j["grades"][0]["value"], "A");
    let gates: Vec<(&str, bool)> = j["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].as_str().unwrap(), g["passed"].as_bool().unwrap()))
        .collect();
    assert_eq!(gates, [("Tier one", true), ("engaged_one", true)]);
    assert_eq!(j["blocks"][0]["name"], "fit");
    assert_eq!(j["blocks"][0]["points"], 10.0);
    assert_eq!(j["blocks"][1]["rules"][0]["label"], "Demos");
    assert_eq!(j["blocks"][1]["rules"][0]["points"], 2.5);
    assert_eq!(j["blocks"][1]["rules"][1]["points"], 2.0);
    assert_eq!(j["route"]["queue"], "sdr");
    assert_eq!(j["route"]["sla_due"], "2026-11-03T00:00:00Z");
    // Context: top activities by points, engaged contacts, account fields.
    let top = j["context"]["top_activities"].as_array().unwrap();
    assert_eq!(top.len(), 2);
    assert_eq!(top[0]["kind"], "demo");
    assert_eq!(top[0]["contact"], "c1");
    assert_eq!(top[0]["points"], 3.5);
    assert_eq!(top[1]["points"], 1.0);
    assert_eq!(j["context"]["engaged_contacts"][0]["id"], "c1");
    assert_eq!(j["context"]["account"]["tier"], 1);
    assert_eq!(j["context"]["account"]["domain"], "one.example");
}

#[test]
fn jsonl_route_is_null_unless_qualified() {
    let data = Data::new().account("a1", &[]);
    let r = run("model m { threshold 1 route \"sdr\" sla 48h }", &data);
    let mut out = Vec::new();
    mqa_engine::explain::write_jsonl(&r.session, &r.decisions, false, &mut out).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["qualified"], false);
    assert!(j["route"].is_null(), "{j}");
}

#[test]
fn context_lists_the_top_five_activities_by_points() {
    let mut data = Data::new().account("a1", &[]);
    // Seven demos 1..7 days old under half-life decay: newer is worth more.
    for d in 1..=7 {
        data = data.event(
            &format!("e{d}"),
            "a1",
            "",
            &days_ago(d),
            &[("kind", "demo")],
        );
    }
    let r = run(
        "model m { threshold 1000 block b decay half_life 7d { 10 per events \"demos\" } }",
        &data,
    );
    let top = r.detail("a1").context.top_activities;
    let ats: Vec<String> = top.iter().map(|a| a.at.clone()).collect();
    assert_eq!(ats, (1..=5).map(days_ago).collect::<Vec<_>>());
    assert_close(top[0].points, 10.0 * 0.5f64.powf(1.0 / 7.0));
    assert_close(top[4].points, 10.0 * 0.5f64.powf(5.0 / 7.0));
    assert_eq!(top[0].kind.as_deref(), Some("demo"));
    assert_eq!(top[0].contact, None);
}

#[test]
fn rows_follow_the_accounts_file_order_past_one_parallel_chunk() {
    // More accounts than one scoring chunk, ids in no sorted order.
    let n = 5000;
    let ids: Vec<String> = (0..n).map(|i| format!("acct-{}", (i * 7919) % n)).collect();
    let mut data = Data::new();
    for (i, id) in ids.iter().enumerate() {
        data = data.account(id, &[("tier", &(i % 3).to_string())]);
    }
    let r = run("model m { threshold 1 score = account.tier }", &data);
    let csv = r.csv(false);
    let got: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(got, ids);
    assert!(csv.lines().nth(3).unwrap().ends_with(",2.000000,true,,,,"));
    // Rows formatted while scoring, chunk by chunk: the same text.
    let models = r.session.select_models(None).unwrap();
    let mut text = Vec::new();
    mqa_engine::output::score_csv(&r.session, &models, false, &|_| {})
        .write(&mut text)
        .unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), csv);
}

#[test]
fn table_lists_a_missing_score_after_real_scores() {
    let data = Data::new()
        .account("ten", &[("seats", "1"), ("seats_used", "1")])
        .account("missing", &[("seats", "0"), ("seats_used", "1")])
        .account("two_half", &[("seats", "4"), ("seats_used", "1")]);
    let r = run(
        "model m { threshold 1000 score = 10 * account.seats_used / account.seats }",
        &data,
    );
    let table = mqa_engine::output::render_table(&r.session, &r.decisions, false);
    let order: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(order, ["ten", "two_half", "missing"], "{table}");
}

/// The `csv` writer gives, row for row, what the `csv` crate writes for
/// each decision's row view (`Session::row`): account ids, grade labels,
/// routes and gate names with commas, quotes, line breaks and non-ASCII
/// text, two models, every row or only the qualified ones.
#[test]
fn csv_rows_are_what_the_csv_crate_writes() {
    let ids = [
        "plain",
        "with,comma",
        "with \"quote\"",
        "line\nbreak",
        "cr\rhere",
        "é,日本",
        "z",
    ];
    let mut data = Data::new();
    for (i, id) in ids.iter().enumerate() {
        data = data.account(id, &[("tier", &i.to_string()), ("revenue", "150")]);
    }
    let r = run(
        "model m1 {
           threshold 10
           block fit {
             10 when account.tier > 1 \"Tier, above \\\"1\\\"\" required
             5 when account.tier > 4 \"Five\\nplus\"
           }
           grade g from account.tier { \"A,\\\"top\\\"\" >= 5, \"B\\nmid\" >= 2, else D }
           gate plain: account.tier != 3
           route \"q,1\" sla 24h when account.tier == 5
           route \"q \\\"2\\\"\" sla 36h
         }
         model m2 { threshold 1 score = account.tier }",
        &data,
    );
    assert!(r.rejects.rows.is_empty(), "{:?}", r.rejects.rows);
    for only in [false, true] {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(HEADER.split(',')).unwrap();
        for d in &r.decisions {
            if only && !d.qualified {
                continue;
            }
            let row = r.session.row(d);
            let score = mqa_engine::output::fmt_score(row.score, 6);
            w.write_record([
                row.model,
                row.account,
                &score,
                if row.qualified { "true" } else { "false" },
                row.grade,
                row.route,
                &row.sla_due,
                &row.failed_gates.join(";"),
            ])
            .unwrap();
        }
        let want = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(r.csv(only), want, "only qualified: {only}");
        // Formatted while scoring: the same text, and the same counts.
        let models = r.session.select_models(None).unwrap();
        let scored = mqa_engine::output::score_csv(&r.session, &models, only, &|_| {});
        let mut text = Vec::new();
        scored.write(&mut text).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), want);
        assert_eq!(scored.decisions, r.decisions.len());
        let qualified = r.decisions.iter().filter(|d| d.qualified).count();
        assert_eq!(scored.qualified, qualified);
        assert!(qualified > 0 && qualified < r.decisions.len());
        assert!(want.contains("\"with,comma\"") && want.contains("\"q \"\"2\"\"\""));
    }
}
