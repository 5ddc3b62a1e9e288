//! `mqa test`, run as a user runs it: the shipped rule tests pass with the
//! closing line; a broken copy of a rule file fails readably; `--filter`;
//! errors in a test file are diagnostics with file:line:col; and what
//! `mqa test` computes for a fixture equals what `mqa score` computes on the
//! same data written as CSV files (with and without the intent plugin).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use support::*;

fn closing_line(out: &str) -> (usize, usize) {
    let last = out.lines().last().unwrap_or("");
    let (p, f) = last
        .split_once(" passed, ")
        .unwrap_or_else(|| panic!("no closing line in:\n{out}"));
    let f = f
        .strip_suffix(" failed")
        .unwrap_or_else(|| panic!("bad closing line {last:?}"));
    (p.parse().unwrap(), f.parse().unwrap())
}

#[test]
fn the_shipped_rule_tests_pass() {
    let out = mqa()
        .arg("test")
        .arg("rules/")
        .current_dir(root())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    let (passed, failed) = closing_line(&text);
    assert_eq!(failed, 0, "{text}");
    assert!(
        text.ends_with(&format!("{passed} passed, 0 failed\n")),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), passed + 1, "{text}");
    for model in ["enterprise", "regulated", "expansion"] {
        let prefix = format!("ok      rules/{model}.test.mqa: ");
        let n = lines.iter().filter(|l| l.starts_with(&prefix)).count();
        assert!(n >= 8, "{model}: only {n} tests\n{text}");
    }
    // The spec's own example is among them.
    assert!(text.contains(
        "ok      rules/enterprise.test.mqa: three engaged contacts with a demo qualify\n"
    ));
}

#[test]
fn a_broken_threshold_fails_the_suite_readably() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let original = std::fs::read_to_string(root().join("rules/enterprise.mqa")).unwrap();
    assert!(original.contains("threshold 75\n"));
    std::fs::write(
        rules.join("enterprise.mqa"),
        original.replace("threshold 75\n", "threshold 80\n"),
    )
    .unwrap();
    std::fs::copy(
        root().join("rules/enterprise.test.mqa"),
        rules.join("enterprise.test.mqa"),
    )
    .unwrap();
    let out = mqa()
        .arg("test")
        .arg("rules")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let (passed, failed) = closing_line(&text);
    assert!(failed > 0 && passed > 0, "{text}");
    assert!(text.contains(
        "FAILED  rules/enterprise.test.mqa: a mid-fit account qualifies a week after its demo request\n"
    ), "{text}");
    assert!(
        text.contains(
            ": expected qualified, got not qualified (score 77.67767 is below the threshold 80)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    enterprise / midco at 2026-10-25T00:00:00Z: score 77.68 (threshold 80) → not qualified\n"),
        "{text}"
    );
    // Each failing test shows where the expectation is written.
    assert!(text.contains("  rules/enterprise.test.mqa:"), "{text}");
}

#[test]
fn filter_runs_the_matching_tests() {
    let out = mqa()
        .args(["test", "rules/", "--filter", "exactly 30 days"])
        .current_dir(root())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let names: Vec<&str> = text.lines().filter(|l| l.starts_with("ok")).collect();
    assert!(names.len() >= 2, "{text}");
    assert!(
        names.iter().all(|l| l.contains("exactly 30 days")),
        "{text}"
    );
    assert_eq!(closing_line(&text), (names.len(), 0));

    let out = mqa()
        .args(["test", "rules/", "--filter", "no such test anywhere"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).ends_with("0 passed, 0 failed\n"));
    assert!(stderr(&out).contains("error: no test name contains `no such test anywhere`"));
}

#[test]
fn errors_in_a_test_file_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("rules/enterprise.mqa"),
        dir.path().join("enterprise.mqa"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.test.mqa"),
        "use \"enterprise.mqa\"\n\ntest \"typo in a field\" {\n  as_of 2026-11-01\n  account { id: \"a\", employes: 1200 }\n  contact ann { role: \"user\" }\n  event { contact: bob, kind: \"demo_request\", at: 2026-10-31 }\n  expect qualified\n}\n",
    )
    .unwrap();
    let out = mqa()
        .args(["test", "bad.test.mqa"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "bad.test.mqa:5:22: error: the account schema has no field `employes` [E0804]\n"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "5 |   account { id: \"a\", employes: 1200 }\n  |                      ^^^^^^^^\n"
        ),
        "{err}"
    );
    assert!(err.contains("= hint: did you mean `employees`?"), "{err}");
    assert!(
        err.contains(
            "bad.test.mqa:7:20: error: the contact `bob` is not declared in this test [E0806]"
        ),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("FAILED  bad.test.mqa: typo in a field\n"),
        "{text}"
    );
    assert!(text.contains("not run: the test has 2 errors"), "{text}");
    assert!(text.ends_with("0 passed, 1 failed\n"), "{text}");
}

#[test]
fn a_missing_path_is_an_error() {
    let out = mqa()
        .args(["test", "no/such/dir"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no/such/dir"), "{}", stderr(&out));
}

// ───────────────────────── mqa test agrees with mqa score ─────────────────────────

/// `mqa score --format csv` rows by account.
fn score_csv(rules: &Path, data: &Path, extra: &[&str]) -> Vec<Vec<String>> {
    let out = mqa()
        .arg("score")
        .arg(rules)
        .arg("--data")
        .arg(data)
        .args(["--as-of", "2026-11-01T00:00:00Z", "--format", "csv"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    decisions(&stdout(&out)).into_values().collect()
}

/// Expectations that pin a decision row: the score within 1e-6, qualified,
/// route, and each gate passed or failed.
fn pin(row: &[String], gates: &[&str]) -> String {
    let score: f64 = row[2].parse().unwrap();
    let mut s = format!(
        "  expect score between {:.6} and {:.6}\n",
        score - 1e-6,
        score + 1e-6
    );
    s.push_str(if row[3] == "true" {
        "  expect qualified\n"
    } else {
        "  expect not qualified\n"
    });
    if row[5].is_empty() {
        s.push_str("  expect route none\n");
    } else {
        s.push_str(&format!("  expect route \"{}\"\n", row[5]));
    }
    let failed: Vec<&str> = row[7].split(';').filter(|x| !x.is_empty()).collect();
    for g in gates {
        let state = if failed.contains(g) {
            "failed"
        } else {
            "passed"
        };
        s.push_str(&format!("  expect gate \"{g}\" {state}\n"));
    }
    s
}

fn run_tests(dir: &Path, file: &str) -> String {
    let out = mqa()
        .args(["test", file])
        .current_dir(dir)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    text
}

const CONF_RULES: &str = r#"schema account {
  industry: text
  employees: int
  tags: list<text>
  renewal: time
  vip: bool
}

schema contact {
  role: text
  department: text
}

schema event {
  kind: text
  value: number
}

let good = ["software", "fintech"]

model conf {
  threshold 40
  window 60d

  block fit {
    20 when account.employees between 100 and 5000 "Size" required
    10 when account.industry in good "Industry"
    5 when account.tags contains "partner" "Partner"
    5 when account.vip "VIP"
  }

  block breadth within 14d {
    10 when distinct(events.contact_id) >= 3 "Three ids"
    10 when distinct(engaged.department) >= 2 "Two departments"
    5 when count(engaged where role == "vp") >= 1 "VP"
  }

  block depth decay half_life 10d {
    12 per events where kind == "demo" cap 30 "Demos"
    3 per events where kind == "visit" "Visits"
  }

  block lin decay linear 20d max 15 {
    8 per events where value > 100 "Big values"
  }

  grade fg from fit { A >= 30, B >= 20, else C }
  gate g1: fg in ["A", "B"]
  gate soon: account.renewal is missing or days_since(account.renewal) < -10

  route "vip" sla 2h when account.vip
  route "std" sla 24h
}
"#;

const ACCOUNTS: &str = "id,industry,employees,tags,renewal,vip\n\
a1,software,1200,partner;beta,,true\n\
a2,retail,90,beta,2026-11-05T00:00:00Z,false\n";

const CONTACTS: &str = "id,account_id,role,department\n\
c1,a1,vp,it\n\
c2,a1,user,sales\n\
c3,a1,user,it\n\
d1,a2,user,ops\n";

const EVENTS: &str = "id,account_id,contact_id,at,kind,value\n\
x1,a1,c1,2026-10-30T21:00:00Z,demo,50\n\
x2,a1,c2,2026-10-27T12:30:00Z,visit,150\n\
x3,a1,c3,2026-10-20T08:00:00Z,visit,\n\
x4,a1,zed,2026-10-29T00:00:00Z,demo,300\n\
x5,a1,,2026-10-31T23:59:59Z,visit,120\n\
x6,a1,c2,2026-09-22T00:00:00Z,demo,10\n\
x7,a1,c1,2026-11-02T00:00:00Z,demo,500\n\
y1,a2,d1,2026-10-31T06:00:00+02:00,demo,101\n\
y2,a2,,2026-10-18T00:00:00Z,visit,99\n";

/// The same accounts as fixtures (one test per account).
const FIXTURE_A1: &str = r#"  as_of 2026-11-01
  account { id: "a1", industry: "software", employees: 1200, tags: ["partner", "beta"], renewal: missing, vip: true }
  contact c1 { role: "vp", department: "it" }
  contact c2 { role: "user", department: "sales" }
  contact c3 { role: "user", department: "it" }
  event { id: "x1", contact: c1, at: 2026-10-30T21:00:00Z, kind: "demo", value: 50 }
  event { id: "x2", contact: c2, at: 2026-10-27T12:30:00Z, kind: "visit", value: 150 }
  event { id: "x3", contact: c3, at: 2026-10-20T08:00:00Z, kind: "visit", value: missing }
  event { id: "x4", contact: "zed", at: 2026-10-29T00:00:00Z, kind: "demo", value: 300 }
  event { id: "x5", at: 2026-10-31T23:59:59Z, kind: "visit", value: 120 }
  event { id: "x6", contact: c2, at: 2026-09-22T00:00:00Z, kind: "demo", value: 10 }
  event { id: "x7", contact: c1, at: 2026-11-02T00:00:00Z, kind: "demo", value: 500 }
"#;

const FIXTURE_A2: &str = r#"  as_of 2026-11-01
  account { id: "a2", industry: "retail", employees: 90, tags: ["beta"], renewal: 2026-11-05T00:00:00Z, vip: false }
  contact d1 { role: "user", department: "ops" }
  event { id: "y1", contact: d1, at: 2026-10-31T06:00:00+02:00, kind: "demo", value: 101 }
  event { id: "y2", at: 2026-10-18T00:00:00Z, kind: "visit", value: 99 }
"#;

#[test]
fn mqa_test_computes_the_score_mqa_score_computes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("conf.mqa"), CONF_RULES).unwrap();
    let data = d.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("accounts.csv"), ACCOUNTS).unwrap();
    std::fs::write(data.join("contacts.csv"), CONTACTS).unwrap();
    std::fs::write(data.join("events.csv"), EVENTS).unwrap();
    let rows = score_csv(&d.join("conf.mqa"), &data, &[]);
    assert_eq!(rows.len(), 2);
    // The data is not trivial: a fractional score, a qualified and a failed account.
    let a1 = rows.iter().find(|r| r[1] == "a1").unwrap();
    let a2 = rows.iter().find(|r| r[1] == "a2").unwrap();
    assert_eq!(a1[3], "true");
    assert_eq!(a2[3], "false");
    assert!(a1[2].parse::<f64>().unwrap().fract() != 0.0, "{a1:?}");

    let gates = ["Size", "g1", "soon"];
    let tests = format!(
        "use \"conf.mqa\"\n\ntest \"a1 as mqa score sees it\" {{\n{FIXTURE_A1}{}}}\n\ntest \"a2 as mqa score sees it\" {{\n{FIXTURE_A2}{}}}\n",
        pin(a1, &gates),
        pin(a2, &gates)
    );
    std::fs::write(d.join("conf.test.mqa"), &tests).unwrap();
    let text = run_tests(d, "conf.test.mqa");
    assert!(text.ends_with("2 passed, 0 failed\n"), "{text}\n{tests}");

    // And the pin is tight: a score off by 1e-5 fails.
    let score: f64 = a1[2].parse().unwrap();
    let off = tests.replacen(
        &format!("between {:.6} and {:.6}", score - 1e-6, score + 1e-6),
        &format!("between {:.6} and {:.6}", score + 1e-5, score + 2e-5),
        1,
    );
    assert_ne!(off, tests);
    std::fs::write(d.join("off.test.mqa"), &off).unwrap();
    let out = mqa()
        .args(["test", "off.test.mqa"])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).ends_with("1 passed, 1 failed\n"));
}

#[test]
fn inline_signals_score_like_the_intent_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        root().join("rules/enterprise.mqa"),
        d.join("enterprise.mqa"),
    )
    .unwrap();
    let data = d.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        data.join("accounts.csv"),
        "id,domain,industry,employees,revenue,tier,regulated\nacme,acme.com,software,1200,50M,2,true\n",
    )
    .unwrap();
    std::fs::write(
        data.join("contacts.csv"),
        "id,account_id,role,department\nann,acme,decision_maker,it\nbob,acme,user,security\ncy,acme,champion,it\n",
    )
    .unwrap();
    std::fs::write(
        data.join("events.csv"),
        "id,account_id,contact_id,at,kind,asset_tier\n\
         e1,acme,ann,2026-10-31T10:00:00Z,demo_request,\n\
         e2,acme,bob,2026-10-30T10:00:00Z,pricing_view,\n\
         e3,acme,cy,2026-10-29T10:00:00Z,download,high\n",
    )
    .unwrap();
    std::fs::write(
        data.join("intent.csv"),
        "domain,topic,score,week\nacme.com,zero trust,72,2026-10-27\nacme.com,competitor:okta,40,2026-09-14\n",
    )
    .unwrap();
    let plugins = plugin_dir();
    let rows = score_csv(
        &d.join("enterprise.mqa"),
        &data,
        &["--plugin-dir", plugins.to_str().unwrap()],
    );
    let acme = rows.first().unwrap();
    let tests = format!(
        "use \"enterprise.mqa\"\n\ntest \"acme as mqa score sees it\" {{\n  as_of 2026-11-01\n  account {{ id: \"acme\", domain: \"acme.com\", industry: \"software\", employees: 1200, revenue: 50M, tier: 2, regulated: true }}\n  contact ann {{ role: \"decision_maker\", department: \"it\" }}\n  contact bob {{ role: \"user\", department: \"security\" }}\n  contact cy {{ role: \"champion\", department: \"it\" }}\n  event {{ contact: ann, kind: \"demo_request\", at: 2026-10-31T10:00:00Z }}\n  event {{ contact: bob, kind: \"pricing_view\", at: 2026-10-30T10:00:00Z }}\n  event {{ contact: cy, kind: \"download\", asset_tier: \"high\", at: 2026-10-29T10:00:00Z }}\n  signal intent {{ topic: \"zero trust\", score: 72, at: 2026-10-27 }}\n  signal intent {{ topic: \"competitor:okta\", score: 40, at: 2026-09-14 }}\n{}}}\n",
        pin(acme, &["regulated_needs_surge", "good_fit"])
    );
    std::fs::write(d.join("e.test.mqa"), &tests).unwrap();
    let text = run_tests(d, "e.test.mqa");
    assert!(text.ends_with("1 passed, 0 failed\n"), "{text}\n{tests}");
}
