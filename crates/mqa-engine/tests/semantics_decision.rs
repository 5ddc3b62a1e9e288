//! The decision (spec language.md §5 items, §7, §9 "Decision output",
//! `grade`, `for`): grades, gates and `required` rules, qualification,
//! routes and SLAs, `for`, several models.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn grade_takes_the_first_band_reached_and_missing_falls_to_else() {
    let data = Data::new()
        .account("big", &[("revenue", "5000")])
        .account("edge_a", &[("revenue", "1000")])
        .account("just_below", &[("revenue", "999.9999999")])
        .account("b", &[("revenue", "100")])
        .account("c", &[("revenue", "10")])
        .account("d", &[("revenue", "9")])
        .account("negative", &[("revenue", "-5")])
        .account("none", &[]);
    let r = run(
        "model m {
           threshold 1000
           grade g from account.revenue { A >= 1000, B >= 100, C >= 10, else D }
         }",
        &data,
    );
    let want = [
        ("big", "A"),
        ("edge_a", "A"),
        ("just_below", "B"),
        ("b", "B"),
        ("c", "C"),
        ("d", "D"),
        ("negative", "D"),
        ("none", "D"),
    ];
    for (a, g) in want {
        assert_eq!(r.grade(a, "g"), g, "{a}");
    }
}

#[test]
fn grade_bands_are_tried_in_written_order() {
    let data = Data::new().account("a1", &[("revenue", "500")]);
    let r = run(
        "model m {
           threshold 1000
           grade g from account.revenue { low >= 10, high >= 100, else none }
         }",
        &data,
    );
    // 500 reaches `low` first, although `high` is also reached.
    assert_eq!(r.grade("a1", "g"), "low");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("can never be reached")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn grade_of_a_block_and_the_csv_shows_the_first_grade() {
    let data = Data::new().account("a1", &[("tier", "1")]);
    let r = run(
        "model m {
           threshold 1000
           block fit { 30 when account.tier == 1 \"tier\" }
           grade second from fit { X >= 100, else Y }
           grade first_declared_later from fit { P >= 30, else Q }
         }",
        &data,
    );
    assert_eq!(r.grade("a1", "second"), "Y");
    assert_eq!(r.grade("a1", "first_declared_later"), "P");
    // csv `grade` is the model's first grade in declaration order.
    assert!(r.csv(false).contains("m,a1,30.000000,false,Y,"));
}

const GATES: &str = "model m {
  threshold 10
  gate early: account.tier == 1 and fit >= 0
  block fit {
    10 when account.employees > 100 \"Big company\" required
    5 when account.industry == \"software\"
    5 when account.regulated required
  }
  gate late: account.revenue > 0
}";

#[test]
fn required_rules_are_gates_named_by_label_in_declaration_order() {
    let data = Data::new().account("fails_all", &[]).account(
        "passes_all",
        &[
            ("tier", "1"),
            ("employees", "500"),
            ("regulated", "true"),
            ("revenue", "10"),
        ],
    );
    let r = run(GATES, &data);
    let unlabelled = "5 when account.regulated";
    assert_eq!(
        r.failed_gates("fails_all"),
        ["early", "Big company", unlabelled, "late"]
    );
    // The unlabelled rule's label is its source text, and so is its gate's name.
    assert_eq!(r.rule("fails_all", unlabelled).points, 0.0);
    let gate_names: Vec<String> = r
        .detail("fails_all")
        .gates
        .iter()
        .map(|g| g.name.clone())
        .collect();
    assert_eq!(gate_names, ["early", "Big company", unlabelled, "late"]);
    assert!(r.failed_gates("passes_all").is_empty());
    assert!(r.qualified("passes_all"));
    assert_eq!(r.score("passes_all"), 15.0);
}

#[test]
fn qualified_needs_the_threshold_and_every_gate() {
    let data = Data::new()
        // Score 15 ≥ 10, but the `late` gate fails (revenue missing).
        .account(
            "gate_fails",
            &[("tier", "1"), ("employees", "500"), ("regulated", "true")],
        )
        // Every gate passes, score 15 + 5.
        .account(
            "both",
            &[
                ("tier", "1"),
                ("employees", "500"),
                ("regulated", "true"),
                ("revenue", "1"),
                ("industry", "software"),
            ],
        );
    let r = run(GATES, &data);
    assert_eq!(r.score("gate_fails"), 15.0);
    assert!(!r.qualified("gate_fails"));
    assert_eq!(r.failed_gates("gate_fails"), ["late"]);
    assert!(r.route("gate_fails").is_none());
    assert_eq!(r.score("both"), 20.0);
    assert!(r.qualified("both"));

    // Below the threshold with every gate passing: not qualified, no failed gate.
    let r = run(
        "model m { threshold 10 block b { 9.5 when true \"almost\" } gate ok: true }",
        &Data::new().account("low", &[]),
    );
    assert!(!r.qualified("low"));
    assert!(r.failed_gates("low").is_empty());
}

#[test]
fn an_unknown_gate_fails() {
    let data = Data::new().account("a1", &[]);
    let r = run(
        "model m {
           threshold 0
           gate unknown: account.employees > 0
           gate unknown_or_true: account.employees > 0 or true
           gate not_unknown: not (account.employees > 0)
         }",
        &data,
    );
    assert_eq!(r.failed_gates("a1"), ["unknown", "not_unknown"]);
    assert!(!r.qualified("a1"));
}

const ROUTES: &str = "model m {
  threshold 10
  block b { 10 when account.employees > 0 \"any size\" }
  route \"vip\" sla 24h when account.tier == 1
  route \"mid\" sla 90m when account.tier == 2
  route \"default\" sla 2w
}";

#[test]
fn first_matching_route_with_sla_due_as_of_plus_d() {
    let data = Data::new()
        .account("t1", &[("tier", "1"), ("employees", "5")])
        .account("t2", &[("tier", "2"), ("employees", "5")])
        .account("t3", &[("tier", "3"), ("employees", "5")])
        .account("no_tier", &[("employees", "5")])
        .account("unqualified", &[("tier", "1")]);
    let r = run(ROUTES, &data);
    let route = |a: &str| r.route(a);
    let some = |q: &str, d: &str| Some((q.to_string(), d.to_string()));
    assert_eq!(route("t1"), some("vip", "2026-11-02T00:00:00Z"));
    assert_eq!(route("t2"), some("mid", "2026-11-01T01:30:00Z"));
    assert_eq!(route("t3"), some("default", "2026-11-15T00:00:00Z"));
    // An unknown route condition does not hold: the next route is tried.
    assert_eq!(route("no_tier"), some("default", "2026-11-15T00:00:00Z"));
    // Not qualified: no route, and empty csv cells.
    assert!(!r.qualified("unqualified"));
    assert_eq!(route("unqualified"), None);
    assert!(r.csv(false).contains("m,unqualified,0.000000,false,,,,\n"));
    assert!(r
        .csv(false)
        .contains("m,t2,10.000000,true,,mid,2026-11-01T01:30:00Z,\n"));
}

#[test]
fn no_route_when_none_matches() {
    let data = Data::new().account("a1", &[("tier", "5")]);
    let r = run(
        "model m {
           threshold 0
           route \"vip\" sla 24h when account.tier == 1
         }",
        &data,
    );
    assert!(r.qualified("a1"));
    assert_eq!(r.route("a1"), None);
    assert!(r.csv(false).contains("m,a1,0.000000,true,,,,\n"));
}

#[test]
fn sla_due_is_as_of_plus_the_sla_to_the_second() {
    let data = Data::new().account("a1", &[]);
    let r = run_at(
        "model m { threshold 0 route \"q\" sla 36h }",
        &data,
        "2026-12-31T13:14:15Z",
    );
    assert_eq!(
        r.route("a1"),
        Some(("q".to_string(), "2027-01-02T01:14:15Z".to_string()))
    );
}

#[test]
fn for_false_or_unknown_means_no_decision() {
    let data = Data::new()
        .account("yes", &[("regulated", "true")])
        .account("no", &[("regulated", "false")])
        .account("unknown", &[]);
    let r = run(
        "model regulated_only for account.regulated {
           threshold 0
         }
         model everyone {
           threshold 0
         }",
        &data,
    );
    assert!(r.decision_of("regulated_only", "yes").is_some());
    assert!(r.decision_of("regulated_only", "no").is_none());
    assert!(r.decision_of("regulated_only", "unknown").is_none());
    let order: Vec<(String, String)> = r
        .decisions
        .iter()
        .map(|d| {
            let row = r.session.row(d);
            (row.model.to_string(), row.account.to_string())
        })
        .collect();
    let pair = |m: &str, a: &str| (m.to_string(), a.to_string());
    assert_eq!(
        order,
        [
            pair("regulated_only", "yes"),
            pair("everyone", "yes"),
            pair("everyone", "no"),
            pair("everyone", "unknown"),
        ]
    );
}

#[test]
fn models_are_independent_and_scored_in_file_order() {
    let data =
        Data::new()
            .account("a1", &[("tier", "1")])
            .event("e1", "a1", "", &days_ago(20), &[]);
    let r = run(
        "model short { threshold 1 window 7d block b { 1 per events \"n\" } }
         model long { threshold 1 window 30d block b { 1 per events \"n\" } }",
        &data,
    );
    assert_eq!(r.value("short", "a1"), 0.0);
    assert_eq!(r.value("long", "a1"), 1.0);
    assert!(!r.decision_of("short", "a1").unwrap().qualified);
    assert!(r.decision_of("long", "a1").unwrap().qualified);
    let csv = r.csv(false);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[1], "short,a1,0.000000,false,,,,");
    assert_eq!(lines[2], "long,a1,1.000000,true,,,,");
}

#[test]
fn a_grade_can_be_gated_on() {
    let data = Data::new()
        .account("a", &[("employees", "500")])
        .account("c", &[("employees", "5")]);
    let r = run(
        "model m {
           threshold 0
           block fit { 40 when account.employees >= 100 \"size\" }
           grade fit_grade from fit { A >= 40, B >= 25, C >= 10, else D }
           gate good_fit: fit_grade in [\"A\", \"B\"]
         }",
        &data,
    );
    assert_eq!(r.grade("a", "fit_grade"), "A");
    assert!(r.qualified("a"));
    assert_eq!(r.grade("c", "fit_grade"), "D");
    assert_eq!(r.failed_gates("c"), ["good_fit"]);
}

#[test]
fn dequalify_below_does_not_qualify_without_state() {
    // Between `dequalify below` and the threshold: only an account already
    // qualified (kept state, a later version) would stay qualified.
    let data = Data::new().account("a1", &[]);
    let r = run(
        "model m { threshold 75 dequalify below 60 block b { 70 when true \"seventy\" } }",
        &data,
    );
    assert_eq!(r.score("a1"), 70.0);
    assert!(!r.qualified("a1"));
}

#[test]
fn explanation_of_a_qualified_account_without_a_route() {
    let data = Data::new().account("a1", &[("tier", "5")]);
    let r = run(
        "model m { threshold 0 route \"vip\" sla 24h when account.tier == 1 }",
        &data,
    );
    assert!(r.qualified("a1"));
    let text = mqa_engine::explain::render_explanation(&r.detail("a1"), 0.0);
    assert!(text.contains("QUALIFIED"), "{text}");
    let route_line = text.lines().find(|l| l.starts_with("route:")).unwrap();
    assert!(!route_line.contains("not qualified"), "{route_line}");
}
