//! Running tests: every expectation is checked and every failure reported
//! with expected and actual values; fixtures mean what the data files would
//! mean (anonymous and unknown contacts, offsets, suffixes, times after
//! `as_of`); inline signals stand in for the plugin; `--filter`; `use` paths.

mod support;

use mqa_testing::{format_failures, run_file, RunOptions, TestStatus};
use support::*;

#[test]
fn every_failed_expectation_is_reported_with_expected_and_actual() {
    let r = run(&format!(
        "use \"rules.mqa\"\ntest \"many\" {{{GOOD}  expect score >= 70\n  expect qualified\n  expect route \"slow\"\n  expect grade g \"B\"\n  expect gate good passed\n  expect rule \"Demos\" == 5\n  expect block act == 20\n  expect rule \"Surge\" fired\n}}\n"
    ));
    assert_eq!(
        r.failures("many"),
        [
            "expected score >= 70, got 60",
            "expected route \"slow\", got \"fast\"",
            "expected grade g \"B\", got \"A\"",
            "expected rule \"Demos\" == 5, got 10",
            "expected rule \"Surge\" fired, got not fired (0 points)",
        ]
    );
    let text = format_failures(std::slice::from_ref(&r.outcome));
    assert!(text.starts_with("\nfailures:\n\n--- "), "{text}");
    assert!(text.contains("t.test.mqa: many ("), "{text}");
    assert!(
        text.contains("t.test.mqa:9:3: expected score >= 70, got 60\n"),
        "{text}"
    );
    assert!(text.contains("\n  the decision:\n    m / a1 at 2026-11-01T00:00:00Z: score 60.00 (threshold 50) → QUALIFIED\n"), "{text}");
    assert!(
        text.contains("\n    block act \"Activity\": 20.00\n"),
        "{text}"
    );
}

#[test]
fn a_failed_qualification_says_why() {
    let r = run(
        "use \"rules.mqa\"\ntest \"small\" {\n  as_of 2026-11-01\n  account { id: \"a\", industry: \"software\", employees: 50 }\n  expect qualified\n  expect route none\n}\n",
    );
    assert_eq!(
        r.failures("small"),
        ["expected qualified, got not qualified (score 10 is below the threshold 50; failed gates: Big enough, good)"]
    );
    let r = run(&format!(
        "use \"rules.mqa\"\ntest \"q\" {{{GOOD}  expect not qualified\n  expect route none\n}}\n"
    ));
    assert_eq!(
        r.failures("q"),
        [
            "expected not qualified, got qualified (score 60, threshold 50, every gate passed)",
            "expected route none, got \"fast\"",
        ]
    );
}

#[test]
fn no_decision_is_its_own_expectation() {
    let rules = RULES.replace("model m {", "model m for account.regulated {");
    let text = "use \"rules.mqa\"\n\
        test \"off\" {\n  as_of 2026-11-01\n  account { id: \"a\", employees: 500, regulated: false }\n  expect no decision\n}\n\
        test \"unknown\" {\n  as_of 2026-11-01\n  account { id: \"a\", employees: 500, regulated: missing }\n  expect no decision\n}\n\
        test \"wrongly not qualified\" {\n  as_of 2026-11-01\n  account { id: \"a\", employees: 500, regulated: false }\n  expect not qualified\n}\n\
        test \"wrongly no decision\" {\n  as_of 2026-11-01\n  account { id: \"a\", employees: 500, regulated: true }\n  expect no decision\n}\n";
    let r = run_with(&rules, text, None);
    r.assert_passed("off");
    r.assert_passed("unknown");
    assert_eq!(
        r.failures("wrongly not qualified"),
        ["expected not qualified, got no decision (the model `m` does not apply to this account: its `for` condition is not true)"]
    );
    assert_eq!(
        r.failures("wrongly no decision"),
        ["expected no decision, got a decision: not qualified (score 30 is below the threshold 50)"]
    );
    match &r.test("wrongly not qualified").status {
        TestStatus::Failed { explanation, .. } => {
            assert!(
                explanation.contains("the model does not apply"),
                "{explanation}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn filter_selects_tests_by_name_or_file() {
    let text = format!(
        "use \"rules.mqa\"\ntest \"alpha one\" {{{GOOD}  expect qualified\n}}\ntest \"beta two\" {{{GOOD}  expect not qualified\n}}\n"
    );
    let r = run_with(RULES, &text, Some("beta"));
    assert_eq!(r.outcome.tests.len(), 1);
    assert_eq!(r.outcome.tests[0].name, "beta two");
    let r = run_with(RULES, &text, Some("t.test.mqa: alpha"));
    assert_eq!(r.outcome.tests.len(), 1);
    r.assert_passed("alpha one");
    let r = run_with(RULES, &text, Some("gamma"));
    assert!(r.outcome.tests.is_empty() && r.outcome.problem.is_none());
}

#[test]
fn a_test_file_may_declare_its_own_model() {
    let text = "schema account { size: int }\n\
        model tiny { threshold 5\n  block b { 10 when account.size > 3 \"Size\" }\n}\n\
        test \"own model\" {\n  as_of 2026-11-01\n  account { size: 4 }\n  expect qualified\n  expect score == 10\n}\n";
    let r = run_with("", text, None);
    r.assert_passed("own model");
}

#[test]
fn use_paths_are_relative_to_the_test_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::create_dir_all(dir.path().join("tests/deep")).unwrap();
    std::fs::write(dir.path().join("rules/r.mqa"), RULES).unwrap();
    let path = dir.path().join("tests/deep/x.test.mqa");
    std::fs::write(
        &path,
        format!("use \"../../rules/r.mqa\"\ntest \"far\" {{{GOOD}  expect qualified\n}}\n"),
    )
    .unwrap();
    let out = run_file(&path, &RunOptions::default()).unwrap();
    assert!(out.tests[0].passed(), "{:?}", out);
}

#[test]
fn inline_signals_stand_in_for_the_plugin() {
    let t = |name: &str, signal: &str, expect: &str| {
        format!("test \"{name}\" {{{GOOD}  {signal}\n  expect rule \"Surge\" {expect}\n}}\n")
    };
    let text = [
        "use \"rules.mqa\"\n".to_string(),
        t(
            "seen",
            "signal intent { score: 60, at: 2026-10-31 }",
            "fired",
        ),
        t(
            "too low",
            "signal intent { score: 59.5, at: 2026-10-31 }",
            "not fired",
        ),
        t(
            "another account",
            "signal intent { account: \"zz\", score: 90, at: 2026-10-31 }",
            "not fired",
        ),
        t(
            "after as_of",
            "signal intent { score: 90, at: 2026-11-01T00:00:01Z }",
            "not fired",
        ),
        t(
            "window edge",
            "signal intent { score: 90, at: 2026-10-02T00:00:00Z }",
            "not fired",
        ),
        t(
            "inside the window",
            "signal intent { score: 90, at: 2026-10-02T00:00:01Z }",
            "fired",
        ),
        t(
            "score missing",
            "signal intent { score: missing, at: 2026-10-31 }",
            "not fired",
        ),
    ]
    .concat();
    let r = run(&text);
    for name in [
        "seen",
        "too low",
        "another account",
        "after as_of",
        "window edge",
        "inside the window",
        "score missing",
    ] {
        r.assert_passed(name);
    }
}

#[test]
fn a_source_no_fixture_mentions_is_empty() {
    let r = run(&format!(
        "use \"rules.mqa\"\ntest \"quiet\" {{{GOOD}  expect block sig == 0\n  expect score == 60\n}}\n"
    ));
    r.assert_passed("quiet");
}

#[test]
fn signal_fields_no_fixture_gives_are_missing() {
    let rules = RULES.replace(
        "20 when max(intent.score) >= 60 \"Surge\"",
        "20 when max(intent.score) >= 60 \"Surge\"\n    5 when any(intent where topic starts_with \"competitor:\") \"Competitor\"",
    );
    let text = format!(
        "use \"rules.mqa\"\n\
         test \"only scores\" {{{GOOD}  signal intent {{ score: 80, at: 2026-10-31 }}\n  expect rule \"Surge\" fired\n  expect rule \"Competitor\" not fired\n}}\n"
    );
    run_with(&rules, &text, None).assert_passed("only scores");
    let text = format!(
        "use \"rules.mqa\"\n\
         test \"only topics\" {{{GOOD}  signal intent {{ topic: \"competitor:x\", at: 2026-10-31 }}\n  expect rule \"Surge\" not fired\n  expect rule \"Competitor\" fired\n}}\n"
    );
    run_with(&rules, &text, None).assert_passed("only topics");
}

#[test]
fn contacts_anonymous_and_unknown_mean_what_the_data_means() {
    // An unknown contact id counts as a distinct contact id but is never
    // engaged; an anonymous event counts in neither, but scores its points
    // (two demos a day old: 2 × 10 × 0.5^(1/7)).
    let base = "  as_of 2026-11-01\n  account { id: \"a\", industry: \"software\", employees: 500 }\n  contact ann { role: \"user\" }\n  event { contact: ann, kind: \"demo\", at: 2026-10-31 }\n";
    let text = format!(
        "use \"rules.mqa\"\n\
         test \"unknown\" {{\n{base}  event {{ contact: \"zed\", kind: \"demo\", at: 2026-10-31 }}\n  expect rule \"Two people\" fired\n  expect rule \"VP engaged\" not fired\n}}\n\
         test \"anonymous\" {{\n{base}  event {{ kind: \"demo\", at: 2026-10-31 }}\n  expect rule \"Two people\" not fired\n  expect rule \"Demos\" between 18.114 and 18.115\n}}\n"
    );
    let r = run(&text);
    r.assert_passed("unknown");
    r.assert_passed("anonymous");
}

#[test]
fn values_are_read_as_written() {
    // 1.2k employees; a time with an offset is converted to UTC (one hour
    // before as_of, so inside the window, 10 × 0.5^(1h/7d)); `==` allows 1e-6.
    let r = run(
        "use \"rules.mqa\"\ntest \"values\" {\n  as_of 2026-11-01\n  account { id: \"a\", employees: 1.2k, tags: [\"x\", \"y\"] }\n  event { kind: \"demo\", at: 2026-11-01T01:00:00+02:00 }\n  expect rule \"Big enough\" fired\n  expect rule \"Demos\" between 9.958 and 9.959\n  expect block fit == 30.0000004\n  expect block fit != 30.01\n}\n",
    );
    r.assert_passed("values");
}

#[test]
fn a_test_that_is_wrong_about_one_thing_fails() {
    // The `==` tolerance is 1e-6, no more.
    let r = run(
        "use \"rules.mqa\"\ntest \"strict\" {\n  as_of 2026-11-01\n  account { id: \"a\", employees: 500 }\n  expect block fit == 30.00001\n}\n",
    );
    assert_eq!(
        r.failures("strict"),
        ["expected block fit == 30.00001, got 30"]
    );
}
