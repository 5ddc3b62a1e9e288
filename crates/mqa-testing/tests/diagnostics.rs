//! Errors in test files are diagnostics like any other: a code, the place
//! (file:line:col with a caret), the message and a hint. The test with the
//! error is not run (and counts as failed); the other tests of the file run.

mod support;

use support::*;

/// Runs a file whose first test has one error and whose second test is fine;
/// returns the rendered diagnostics after checking the split.
fn one_bad(bad_body: &str) -> (Run, String) {
    let text = format!(
        "use \"rules.mqa\"\n\ntest \"bad\" {{\n{bad_body}\n}}\n\ntest \"good\" {{{GOOD}  expect qualified\n}}\n"
    );
    let r = run(&text);
    r.assert_not_run("bad");
    r.assert_passed("good");
    let rendered = r.rendered();
    (r, rendered)
}

#[test]
fn unknown_model_suggests_the_nearest() {
    let (r, out) = one_bad(&format!("  model mm\n{GOOD}  expect qualified"));
    assert_eq!(r.codes(), ["E0802"]);
    assert!(
        out.contains("t.test.mqa:4:9: error: no model named `mm`"),
        "{out}"
    );
    assert!(out.contains("did you mean `m`?"), "{out}");
}

#[test]
fn several_models_need_a_model_line() {
    let rules = format!(
        "{RULES}\nmodel other {{\n  threshold 1\n  block b {{ 1 when account.employees > 0 \"x\" }}\n}}\n"
    );
    let r = run_with(
        &rules,
        &format!("use \"rules.mqa\"\ntest \"which\" {{{GOOD}  expect qualified\n}}\n"),
        None,
    );
    r.assert_not_run("which");
    let out = r.rendered();
    assert!(out.contains("there are several: `m`, `other`"), "{out}");
    assert!(out.contains("add a line `model m`"), "{out}");
}

#[test]
fn as_of_and_account_are_required() {
    let (r, out) = one_bad("  expect qualified");
    assert_eq!(r.codes(), ["E0803", "E0803"]);
    assert!(
        out.contains("t.test.mqa:3:6: error: this test has no `as_of`"),
        "{out}"
    );
    assert!(out.contains("this test has no `account`"), "{out}");
}

#[test]
fn a_second_account_is_an_error() {
    let (r, out) = one_bad(&format!(
        "{GOOD}  account {{ id: \"a2\" }}\n  expect qualified"
    ));
    assert_eq!(r.codes(), ["E0803"]);
    assert!(
        out.contains("a test has one `account`; this is the second"),
        "{out}"
    );
    assert!(out.contains("note: the first is here"), "{out}");
}

#[test]
fn a_test_without_expectations_is_an_error() {
    let (_, out) = one_bad(GOOD);
    assert!(
        out.contains("this test expects nothing, so it cannot fail"),
        "{out}"
    );
}

#[test]
fn an_undeclared_contact_is_an_error_with_a_suggestion() {
    let (r, out) = one_bad(&format!(
        "{GOOD}  event {{ contact: anne, kind: \"demo\", at: 2026-10-31 }}\n  expect qualified"
    ));
    assert_eq!(r.codes(), ["E0806"]);
    assert!(
        out.contains("t.test.mqa:11:20: error: the contact `anne` is not declared in this test"),
        "{out}"
    );
    assert!(out.contains("did you mean `ann`?"), "{out}");
    assert!(out.contains("11 |   event { contact: anne,"), "{out}");
    assert!(out.contains("   |                    ^^^^"), "{out}");
}

#[test]
fn a_field_not_in_the_schema_is_an_error_with_a_suggestion() {
    let (r, out) =
        one_bad("  as_of 2026-11-01\n  account { id: \"x\", employes: 500 }\n  expect qualified");
    assert_eq!(r.codes(), ["E0804"]);
    assert!(
        out.contains("t.test.mqa:5:22: error: the account schema has no field `employes`"),
        "{out}"
    );
    assert!(out.contains("did you mean `employees`?"), "{out}");
    let (_, out) =
        one_bad("  as_of 2026-11-01\n  account { id: \"x\", budget: 5 }\n  expect qualified");
    assert!(out.contains("the account fields are `id`, `industry`, `employees`, `tags`, `regulated`; a new field must first be declared in `schema account`"), "{out}");
}

#[test]
fn values_of_the_wrong_type_are_errors() {
    let cases = [
        (
            "employees: \"500\"",
            "the account field `employees` is `int`, but this value is the text \"500\"",
            "remove the quotes: 500",
        ),
        (
            "employees: 12.5",
            "is `int`, but 12.5 is not a whole number",
            "declare the field `number`",
        ),
        (
            "regulated: \"yes\"",
            "the account field `regulated` is `bool`",
            "write `true` or `false`",
        ),
        (
            "industry: software",
            "this value is the name `software`",
            "write it in quotes: \"software\"",
        ),
        ("tags: \"a\"", "is `list<text>`", "write a list of texts"),
        (
            "tags: [\"a\", 2]",
            "each item of the account field `tags` is `text`",
            "double quotes",
        ),
        (
            "industry: \"\"",
            "an empty text reads as missing in the data files",
            "write `missing`",
        ),
        (
            "tags: []",
            "an empty list reads as missing",
            "write `missing`",
        ),
        (
            "tags: [\"a;b\"]",
            "a list item cannot contain `;`",
            "split it",
        ),
    ];
    for (field, message, hint) in cases {
        let (r, out) = one_bad(&format!(
            "  as_of 2026-11-01\n  account {{ id: \"x\", {field} }}\n  expect qualified"
        ));
        assert_eq!(r.codes(), ["E0805"], "{field}: {out}");
        assert!(out.contains(message), "{field}: {out}");
        assert!(out.contains(hint), "{field}: {out}");
    }
}

#[test]
fn event_fixtures_need_a_time_without_quotes() {
    let (_, out) = one_bad(&format!(
        "{GOOD}  event {{ contact: ann, kind: \"demo\" }}\n  expect qualified"
    ));
    assert!(out.contains("an event needs `at`, its time"), "{out}");
    let (_, out) = one_bad(&format!(
        "{GOOD}  event {{ contact: ann, kind: \"demo\", at: \"2026-10-01\" }}\n  expect qualified"
    ));
    assert!(out.contains("times are written without quotes"), "{out}");
}

#[test]
fn keys_the_runner_sets_are_refused() {
    let (_, out) = one_bad(&format!(
        "{GOOD}  contact cy {{ id: \"cy\", role: \"user\" }}\n  event {{ account_id: \"a1\", kind: \"x\", at: 2026-10-01 }}\n  expect qualified"
    ));
    assert!(out.contains("a contact's id is its name"), "{out}");
    assert!(
        out.contains("a test's events all belong to its account"),
        "{out}"
    );
}

#[test]
fn duplicates_are_errors() {
    let (r, out) = one_bad(&format!(
        "{GOOD}  contact ann {{ role: \"user\" }}\n  event {{ id: \"x\", kind: \"a\", at: 2026-10-01 }}\n  event {{ id: \"x\", kind: \"b\", kind: \"c\", at: 2026-10-01 }}\n  expect qualified"
    ));
    assert_eq!(r.codes(), ["E0806", "E0804", "E0806"], "{out}");
    assert!(out.contains("the contact `ann` is declared twice"), "{out}");
    assert!(out.contains("two events have the id \"x\""), "{out}");
    assert!(out.contains("`kind` is given twice"), "{out}");
}

#[test]
fn signals_name_declared_sources_and_fields() {
    let (r, out) = one_bad(&format!(
        "{GOOD}  signal intnet {{ score: 70, at: 2026-10-31 }}\n  expect qualified"
    ));
    assert_eq!(r.codes(), ["E0807"]);
    assert!(out.contains("no source named `intnet`"), "{out}");
    assert!(out.contains("did you mean `intent`?"), "{out}");
    let (_, out) = one_bad(&format!(
        "{GOOD}  signal intent {{ scor: 70, at: 2026-10-31 }}\n  expect qualified"
    ));
    assert!(
        out.contains("the rules never read `scor` from `intent`"),
        "{out}"
    );
    assert!(out.contains("did you mean `score`?"), "{out}");
}

#[test]
fn a_signal_field_keeps_the_type_its_first_fixture_gave() {
    let text = format!(
        "use \"rules.mqa\"\ntest \"first\" {{{GOOD}  signal intent {{ score: 70, at: 2026-10-31 }}\n  expect score == 80\n}}\n\
         test \"second\" {{{GOOD}  signal intent {{ score: \"high\", at: 2026-10-31 }}\n  expect qualified\n}}\n"
    );
    let r = run(&text);
    r.assert_passed("first");
    r.assert_not_run("second");
    let out = r.rendered();
    assert!(
        out.contains("the `intent` signal field `score` (typed by the first fixture that gives it) is `number`, but this value is the text \"high\""),
        "{out}"
    );
}

#[test]
fn signal_values_that_do_not_fit_the_rules_are_reported_at_the_fixture() {
    let text = format!(
        "use \"rules.mqa\"\ntest \"texty\" {{{GOOD}  signal intent {{ score: \"high\", at: 2026-10-31 }}\n  expect qualified\n}}\n"
    );
    let r = run(&text);
    r.assert_not_run("texty");
    let out = r.rendered();
    assert!(out.contains("rules.mqa:"), "{out}");
    assert!(
        out.contains("the values in this file's `signal` fixtures do not have the types"),
        "{out}"
    );
    assert!(out.contains("intent-csv: score as text"), "{out}");
}

#[test]
fn expectations_must_name_what_the_model_has() {
    let cases = [
        (
            "expect rule \"Demo\" fired",
            "no rule labelled \"Demo\"",
            "did you mean \"Demos\"?",
        ),
        (
            "expect block fitt == 1",
            "has no block `fitt`",
            "did you mean `fit`?",
        ),
        (
            "expect gate goood passed",
            "has no gate `goood`",
            "did you mean `good`?",
        ),
        (
            "expect gate \"Big enogh\" passed",
            "has no gate `Big enogh`",
            "did you mean `Big enough`?",
        ),
        (
            "expect grade gg \"A\"",
            "has no grade `gg`",
            "did you mean `g`?",
        ),
        (
            "expect grade g \"D\"",
            "the grade `g` has no band \"D\"",
            "its values are \"A\", \"B\", \"C\"",
        ),
        (
            "expect route \"fas\"",
            "has no route \"fas\"",
            "did you mean \"fast\"?",
        ),
    ];
    for (line, message, hint) in cases {
        let (r, out) = one_bad(&format!("{GOOD}  {line}"));
        assert_eq!(r.codes(), ["E0808"], "{line}: {out}");
        assert!(out.contains(message), "{line}: {out}");
        assert!(out.contains(hint), "{line}: {out}");
    }
}

#[test]
fn test_names_are_unique_in_a_file() {
    let text = format!(
        "use \"rules.mqa\"\ntest \"same\" {{{GOOD}  expect qualified\n}}\ntest \"same\" {{{GOOD}  expect qualified\n}}\n"
    );
    let r = run(&text);
    assert_eq!(r.codes(), ["E0809"]);
    assert!(r.outcome.tests[0].passed());
    assert!(!r.outcome.tests[1].passed());
}

#[test]
fn a_missing_rule_file_fails_every_test_with_the_use_line() {
    let r = run(&format!(
        "use \"nope.mqa\"\ntest \"a\" {{{GOOD}  expect qualified\n}}\n"
    ));
    r.assert_not_run("a");
    let out = r.rendered();
    assert!(
        out.contains("t.test.mqa:1:5: error: cannot read the rule file"),
        "{out}"
    );
    assert!(
        out.contains("relative to the folder of the test file"),
        "{out}"
    );
}

#[test]
fn a_test_file_must_use_rules() {
    let r = run(&format!("test \"a\" {{{GOOD}  expect qualified\n}}\n"));
    r.assert_not_run("a");
    assert!(r
        .rendered()
        .contains("this test file does not say which rules it tests"));
}

#[test]
fn errors_in_the_rule_file_are_shown_in_the_rule_file() {
    let broken = RULES.replace("account.employees >= 100", "account.employes >= 100");
    let r = run_with(
        &broken,
        &format!("use \"rules.mqa\"\ntest \"a\" {{{GOOD}  expect qualified\n}}\n"),
        None,
    );
    r.assert_not_run("a");
    let out = r.rendered();
    assert!(
        out.contains("rules.mqa:25:21: error: the account has no field `employes`"),
        "{out}"
    );
    assert!(out.contains("employes"), "{out}");
}

#[test]
fn a_syntax_error_makes_the_file_fail_as_a_whole() {
    let r = run("use \"rules.mqa\"\ntest \"a\" {\n  as_of 2026-11-01\n  expect score >= \n}\n");
    assert!(r.outcome.tests.is_empty());
    assert_eq!(
        r.outcome.problem.as_deref(),
        Some("the file has syntax errors")
    );
    assert!(
        r.rendered()
            .contains("t.test.mqa:4:18: error: expected a number after `>=`"),
        "{}",
        r.rendered()
    );
}

#[test]
fn a_file_without_tests_is_a_problem() {
    let r = run("use \"rules.mqa\"\n");
    assert!(r
        .outcome
        .problem
        .as_deref()
        .unwrap()
        .contains("holds no test"));
}
