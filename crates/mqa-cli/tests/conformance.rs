#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Conformance: every case under tests/conformance/ (data + rule file +
//! expected decisions, copied byte-identical from the public examples) is
//! scored by the real binary and compared the way the product's conformance
//! check compares: by (model, account); score within 1e-6 (relative, at least
//! absolute 1e-6); qualified, grade, route and sla_due exactly; failed_gates as
//! a set. Any mismatch fails with the list of differences.

mod support;

use std::collections::BTreeSet;
use support::*;

fn compare(expected: &str, actual: &str) -> Vec<String> {
    let exp = decisions(expected);
    let act = decisions(actual);
    let mut bad = Vec::new();
    for (k, e) in &exp {
        let Some(a) = act.get(k) else {
            bad.push(format!("{k:?}: missing"));
            continue;
        };
        let (es, as_): (f64, f64) = (e[2].parse().unwrap(), a[2].parse().unwrap());
        if (es - as_).abs() > 1e-6 * es.abs().max(1.0) {
            bad.push(format!("{k:?}: score {as_} != {es}"));
        }
        for (i, col) in [(3, "qualified"), (4, "grade"), (5, "route"), (6, "sla_due")] {
            if e[i] != a[i] {
                bad.push(format!("{k:?}: {col} {:?} != {:?}", a[i], e[i]));
            }
        }
        let set = |s: &str| {
            s.split(';')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect::<BTreeSet<_>>()
        };
        if set(&e[7]) != set(&a[7]) {
            bad.push(format!("{k:?}: failed_gates {:?} != {:?}", a[7], e[7]));
        }
    }
    for k in act.keys() {
        if !exp.contains_key(k) {
            bad.push(format!("{k:?}: unexpected decision"));
        }
    }
    bad
}

#[test]
fn every_conformance_case_matches() {
    let cases = root().join("tests/conformance");
    let mut n = 0;
    for e in std::fs::read_dir(&cases).unwrap() {
        let case = e.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        n += 1;
        let dir = copy_dir(&case);
        let rules = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "mqa"))
            .unwrap();
        let out = mqa()
            .arg("score")
            .arg(&rules)
            .arg("--data")
            .arg(dir.path())
            .args([
                "--as-of",
                "2026-11-01T00:00:00Z",
                "--format",
                "csv",
                "--plugin-dir",
            ])
            .arg(plugin_dir())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", case.display(), stderr(&out));
        let expected = std::fs::read_to_string(case.join("expected.csv")).unwrap();
        let bad = compare(&expected, &stdout(&out));
        assert!(
            bad.is_empty(),
            "{}: {} mismatches:\n{}",
            case.display(),
            bad.len(),
            bad.join("\n")
        );
        let rows = decisions(&expected).len();
        assert!(rows > 0, "{}: empty expected.csv", case.display());
    }
    assert!(n >= 1, "no conformance cases in {}", cases.display());
}

#[test]
fn the_comparison_catches_a_wrong_score() {
    let exp = "model,account,score,qualified,grade,route,sla_due,failed_gates\nm,a,50.000000,false,A,,,x;y\n";
    let act = "model,account,score,qualified,grade,route,sla_due,failed_gates\nm,a,50.000100,false,A,,,y;x\n";
    assert_eq!(compare(exp, act).len(), 1);
    let same = "model,account,score,qualified,grade,route,sla_due,failed_gates\nm,a,50.0000001,false,A,,,y;x\n";
    assert!(compare(exp, same).is_empty());
}

#[test]
fn the_bundled_example_is_the_conformance_case() {
    // examples/acme (the README's main command) holds the same data as the case.
    for f in ["accounts.csv", "contacts.csv", "events.csv", "intent.csv"] {
        let a = std::fs::read(root().join("examples/acme").join(f)).unwrap();
        let b = std::fs::read(root().join("tests/conformance/acme-small").join(f)).unwrap();
        assert_eq!(a, b, "{f} differs");
    }
    let a = std::fs::read(root().join("rules/enterprise.mqa")).unwrap();
    let b = std::fs::read(root().join("tests/conformance/acme-small/enterprise.mqa")).unwrap();
    assert_eq!(
        a, b,
        "rules/enterprise.mqa differs from the conformance case"
    );
}
