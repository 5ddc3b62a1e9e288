//! Values (spec language.md §6 "Missing values", §9 "Values", §9 "Time"):
//! Kleene logic, comparisons and arithmetic with missing values, numbers,
//! text comparisons, `lower`, `days_since`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn not_of_a_missing_bool_is_unknown_and_counts_as_false() {
    let data = Data::new()
        .account("unknown", &[])
        .account("no", &[("regulated", "false")])
        .account("yes", &[("regulated", "yes")]);
    let r = run(
        &cond_models(&[
            ("is_reg", "account.regulated"),
            ("not_reg", "not account.regulated"),
            ("not_not_reg", "not not account.regulated"),
            ("absent", "account.regulated is missing"),
            ("present", "account.regulated is not missing"),
        ]),
        &data,
    );
    let row =
        |a: &str| ["is_reg", "not_reg", "not_not_reg", "absent", "present"].map(|m| r.holds(m, a));
    assert_eq!(row("unknown"), [false, false, false, true, false]);
    assert_eq!(row("no"), [false, true, false, false, true]);
    assert_eq!(row("yes"), [true, false, true, false, true]);
}

#[test]
fn and_or_not_follow_kleene_logic() {
    // regulated is missing (unknown); tier is 1.
    let data = Data::new().account("a1", &[("tier", "1")]);
    let cases = [
        ("u_or_t", "account.regulated or true", true),
        ("t_or_u", "account.tier == 1 or account.regulated", true),
        ("u_or_f", "account.regulated or false", false),
        ("u_and_f", "account.regulated and false", false),
        ("u_and_t", "account.regulated and true", false),
        ("not_u_and_f", "not (account.regulated and false)", true),
        ("not_u_or_f", "not (account.regulated or false)", false),
        ("not_u_and_t", "not (account.regulated and true)", false),
        ("not_u_or_t", "not (account.regulated or true)", false),
    ];
    let conds: Vec<(&str, &str)> = cases.iter().map(|(n, c, _)| (*n, *c)).collect();
    let r = run(&cond_models(&conds), &data);
    for (name, cond, want) in cases {
        assert_eq!(r.holds(name, "a1"), want, "{cond}");
    }
}

#[test]
fn comparisons_with_a_missing_operand_are_unknown() {
    let data = Data::new().account("a1", &[]);
    let cases = [
        ("gt", "account.employees > 10"),
        ("le", "account.employees <= 10"),
        ("eq", "account.employees == 0"),
        ("ne", "account.employees != 5"),
        ("in_range", "account.employees between 0 and 100"),
        ("not_gt", "not (account.employees > 10)"),
        ("in_list", "account.industry in [\"x\"]"),
        ("not_in", "account.industry not in [\"x\"]"),
        ("not_in_neg", "not (account.industry in [\"x\"])"),
        ("text_eq", "account.industry == \"x\""),
        ("text_ne", "account.industry != \"x\""),
        ("starts", "account.industry starts_with \"x\""),
        ("has_tag", "account.tags contains \"x\""),
        ("not_contains", "not (account.tags contains \"x\")"),
    ];
    let r = run(&cond_models(&cases), &data);
    for (name, cond) in cases {
        assert!(!r.holds(name, "a1"), "{cond} should be unknown (false)");
    }
}

#[test]
fn explanation_shows_the_missing_field() {
    let data = Data::new().account("a1", &[]);
    let r = run(
        "model m {
           threshold 1000
           block b { 10 when account.employees > 100 \"big\" }
           gate sized: account.employees > 0
         }",
        &data,
    );
    let rule = r.rule("a1", "big");
    assert!(!rule.fired);
    assert!(
        rule.because.contains("account.employees = missing"),
        "{}",
        rule.because
    );
    assert!(rule.because.contains("unknown"), "{}", rule.because);
    let d = r.detail("a1");
    assert!(
        d.gates[0].because.contains("missing"),
        "{}",
        d.gates[0].because
    );
}

#[test]
fn arithmetic_with_missing_is_missing_and_division_by_zero_is_missing() {
    let data = Data::new()
        .account("zero", &[("seats", "0"), ("seats_used", "5")])
        .account("quarter", &[("seats", "4"), ("seats_used", "1")])
        .account("none", &[("seats_used", "1")]);
    let r = run(
        &score_models(&[
            ("ratio", "account.seats_used / account.seats"),
            ("plus", "account.seats + 1"),
            ("neg", "-account.seats"),
        ]),
        &data,
    );
    assert!(r.value("ratio", "zero").is_nan());
    // int / int is a fraction.
    assert_eq!(r.value("ratio", "quarter"), 0.25);
    assert!(r.value("ratio", "none").is_nan());
    assert_eq!(r.value("plus", "zero"), 1.0);
    assert!(r.value("plus", "none").is_nan());
    assert_eq!(r.value("neg", "quarter"), -4.0);
    let r = run(
        &cond_models(&[
            (
                "zero_div_missing",
                "account.seats_used / account.seats is missing",
            ),
            ("zero_div_gt", "account.seats_used / account.seats > 0"),
        ]),
        &data,
    );
    assert!(r.holds("zero_div_missing", "zero"));
    assert!(!r.holds("zero_div_gt", "zero"));
    assert!(!r.holds("zero_div_missing", "quarter"));
}

#[test]
fn precedence_of_arithmetic_and_unary_minus() {
    let data = Data::new().account("a1", &[("seats", "4"), ("seats_used", "3")]);
    let r = run(
        &score_models(&[
            ("mul_first", "1 + account.seats * account.seats_used"),
            ("left_assoc", "account.seats - account.seats_used - 1"),
            ("div_left", "account.seats / 2 / 2"),
            ("paren", "(1 + account.seats) * 2"),
            ("neg", "-account.seats * 2 + 10"),
        ]),
        &data,
    );
    assert_eq!(r.value("mul_first", "a1"), 13.0);
    assert_eq!(r.value("left_assoc", "a1"), 0.0);
    assert_eq!(r.value("div_left", "a1"), 1.0);
    assert_eq!(r.value("paren", "a1"), 10.0);
    assert_eq!(r.value("neg", "a1"), 2.0);
}

#[test]
fn int_and_number_compare_as_numbers() {
    let data = Data::new().account(
        "a1",
        &[("employees", "1_200"), ("revenue", "1.2k"), ("tier", "2")],
    );
    let r = run(
        &cond_models(&[
            ("int_eq_number", "account.employees == account.revenue"),
            ("int_eq_suffix", "account.employees == 1.2k"),
            ("number_eq_int_literal", "account.revenue == 1200"),
            ("int_lt_fraction", "account.tier < 2.5"),
            ("int_gt_fraction", "account.tier > 1.999"),
            ("between_mixed", "account.employees between 1199.5 and 1200"),
            ("in_numbers", "account.tier in [1, 2.0, 3]"),
        ]),
        &data,
    );
    for m in [
        "int_eq_number",
        "int_eq_suffix",
        "number_eq_int_literal",
        "int_lt_fraction",
        "int_gt_fraction",
        "between_mixed",
        "in_numbers",
    ] {
        assert!(r.holds(m, "a1"), "{m}");
    }
}

#[test]
fn text_comparisons_are_exact_and_case_sensitive() {
    let data = Data::new()
        .account("a1", &[("industry", "Software"), ("tags", "vip;Gold")])
        .account("spaced", &[("industry", "Software ")]);
    let cases = [
        ("eq_lower", "account.industry == \"software\"", false),
        ("eq_exact", "account.industry == \"Software\"", true),
        ("ne_lower", "account.industry != \"software\"", true),
        (
            "in_lower",
            "account.industry in [\"software\", \"fintech\"]",
            false,
        ),
        ("in_exact", "account.industry in [\"Software\"]", true),
        ("starts", "account.industry starts_with \"Soft\"", true),
        (
            "starts_lower",
            "account.industry starts_with \"soft\"",
            false,
        ),
        ("ends", "account.industry ends_with \"ware\"", true),
        ("ends_upper", "account.industry ends_with \"WARE\"", false),
        ("contains_exact", "account.tags contains \"vip\"", true),
        ("contains_case", "account.tags contains \"VIP\"", false),
        ("contains_gold", "account.tags contains \"gold\"", false),
    ];
    let conds: Vec<(&str, &str)> = cases.iter().map(|(n, c, _)| (*n, *c)).collect();
    let r = run(&cond_models(&conds), &data);
    for (name, cond, want) in cases {
        assert_eq!(r.holds(name, "a1"), want, "{cond}");
    }
    // Cells are not trimmed: "Software " is not "Software".
    assert!(!r.holds("eq_exact", "spaced"));
    assert!(r.holds("starts", "spaced"));
    assert!(!r.holds("ends", "spaced"));
}

#[test]
fn lower_lowercases_unicode_and_is_missing_on_missing() {
    let data = Data::new()
        .account("a1", &[("industry", "ÉCOLE Software")])
        .account("none", &[])
        .event("e1", "a1", "", &days_ago(1), &[("kind", "Demo_Request")])
        .event("e2", "a1", "", &days_ago(1), &[("kind", "demo_request")])
        .event("e3", "a1", "", &days_ago(1), &[("kind", "DEMO")]);
    let r = run(
        "model m {
           threshold 1000
           block b {
             1 when lower(account.industry) == \"école software\" \"lowered\"
             2 when lower(account.industry) is missing \"missing\"
             4 when lower(account.industry) == \"ÉCOLE Software\" \"unchanged\"
             10 per events where lower(kind) == \"demo_request\" \"lowered in where\"
           }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "lowered"), 1.0);
    assert_eq!(r.points("a1", "unchanged"), 0.0);
    assert_eq!(r.points("a1", "lowered in where"), 20.0);
    assert_eq!(r.score("a1"), 21.0);
    assert_eq!(r.score("none"), 2.0);
}

#[test]
fn days_since_is_fractional_negative_after_as_of_and_missing_on_missing() {
    let data = Data::new()
        .account("day_and_half", &[("founded", "2026-10-30T12:00:00Z")])
        .account("future", &[("founded", "2026-11-03T00:00:00Z")])
        .account("offset", &[("founded", "2026-10-31T02:00:00+02:00")])
        .account("bare_date", &[("founded", "2026-10-01")])
        .account("second", &[("founded", "2026-10-31T23:59:59Z")])
        .account("none", &[]);
    let r = run(
        &score_models(&[("days", "days_since(account.founded)")]),
        &data,
    );
    assert_eq!(r.value("days", "day_and_half"), 1.5);
    assert_eq!(r.value("days", "future"), -2.0);
    assert_eq!(r.value("days", "offset"), 1.0);
    assert_eq!(r.value("days", "bare_date"), 31.0);
    assert_close(r.value("days", "second"), 1.0 / 86_400.0);
    assert!(r.value("days", "none").is_nan());
}

#[test]
fn bool_cells_read_every_spelling() {
    let mut data = Data::new();
    let spellings = [
        ("t1", "true", true),
        ("t2", "TRUE", true),
        ("t3", "Yes", true),
        ("t4", "1", true),
        ("f1", "false", false),
        ("f2", "No", false),
        ("f3", "0", false),
    ];
    for (id, v, _) in spellings {
        data = data.account(id, &[("regulated", v)]);
    }
    let r = run(&cond_models(&[("reg", "account.regulated")]), &data);
    for (id, v, want) in spellings {
        assert_eq!(r.holds("reg", id), want, "{v}");
    }
}

#[test]
fn times_and_bools_compare() {
    let data = Data::new()
        .account("a1", &[("founded", "2026-10-20"), ("regulated", "true")])
        .event("before", "a1", "", "2026-10-19T23:59:59Z", &[])
        .event("same", "a1", "", "2026-10-20T00:00:00Z", &[])
        .event("after", "a1", "", "2026-10-25T00:00:00Z", &[]);
    let r = run(
        &score_models(&[
            (
                "since_founding",
                "count(events where at >= account.founded)",
            ),
            (
                "strictly_before",
                "count(events where at < account.founded)",
            ),
            ("recent", "count(events where days_since(at) < 10)"),
            ("latest_after", "count(events where at == max(events.at))"),
        ]),
        &data,
    );
    assert_eq!(r.value("since_founding", "a1"), 2.0);
    assert_eq!(r.value("strictly_before", "a1"), 1.0);
    // Only `after` is less than 10 days old (7 days).
    assert_eq!(r.value("recent", "a1"), 1.0);
    assert_eq!(r.value("latest_after", "a1"), 1.0);
    let r = run(
        &cond_models(&[
            ("eq_true", "account.regulated == true"),
            ("ne_false", "account.regulated != false"),
            ("founded_before_latest", "account.founded < max(events.at)"),
        ]),
        &data,
    );
    assert!(r.holds("eq_true", "a1"));
    assert!(r.holds("ne_false", "a1"));
    assert!(r.holds("founded_before_latest", "a1"));
}

#[test]
fn file_level_list_lets_work_for_accounts_and_records() {
    let data = Data::new()
        .account("a1", &[("industry", "fintech")])
        .account("a2", &[("industry", "retail")])
        .event("e1", "a1", "", &days_ago(1), &[("kind", "demo")])
        .event("e2", "a1", "", &days_ago(1), &[("kind", "webinar")])
        .event("e3", "a1", "", &days_ago(1), &[("kind", "view")]);
    let r = run(
        "let icp = [\"software\", \"fintech\"]
         let hot = [\"demo\", \"webinar\"]
         model m {
           threshold 0
           block b {
             10 when account.industry in icp \"icp\"
             1 per events where kind in hot \"hot events\"
             100 when account.industry not in icp \"not icp\"
           }
         }",
        &data,
    );
    assert_eq!(r.points("a1", "icp"), 10.0);
    assert_eq!(r.points("a1", "hot events"), 2.0);
    assert_eq!(r.points("a1", "not icp"), 0.0);
    assert_eq!(r.score("a2"), 100.0);
}
