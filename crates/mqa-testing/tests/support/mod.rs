//! Shared helpers: a small rule file, and running a test file written into a
//! fresh temporary folder next to it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mqa_testing::{run_file, FileOutcome, RunOptions, TestOutcome, TestStatus};
use std::path::PathBuf;

/// A small model with every kind of item tests look at.
pub const RULES: &str = r#"schema account {
  industry: text
  employees: int
  tags: list<text>
  regulated: bool
}

schema contact {
  role: text
}

schema event {
  kind: text
}

source intent = plugin "intent-csv" {
  path: "${data}/intent.csv"
}

model m {
  threshold 50
  window 30d

  block fit "Fit" {
    30 when account.employees >= 100 "Big enough" required
    10 when account.industry == "software" "Software"
  }

  block act "Activity" within 7d decay half_life 7d {
    10 per events where kind == "demo" cap 30 "Demos"
    5 when distinct(events.contact_id) >= 2 "Two people"
    5 when any(engaged where role == "vp") "VP engaged"
  }

  block sig "Signals" {
    20 when max(intent.score) >= 60 "Surge"
  }

  grade g from fit { A >= 40, B >= 30, else C }
  gate good: g in ["A", "B"]

  route "fast" sla 4h when account.industry == "software"
  route "slow" sla 48h
}
"#;

/// A folder holding `rules.mqa` and `t.test.mqa`; the outcome of running it.
pub struct Run {
    pub dir: tempfile::TempDir,
    pub outcome: FileOutcome,
}

pub fn run_with(rules: &str, tests: &str, filter: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.mqa"), rules).unwrap();
    let path: PathBuf = dir.path().join("t.test.mqa");
    std::fs::write(&path, tests).unwrap();
    let outcome = run_file(
        &path,
        &RunOptions {
            filter: filter.map(str::to_string),
        },
    )
    .unwrap();
    Run { dir, outcome }
}

/// Runs `tests` (which should `use "rules.mqa"`) against [`RULES`].
pub fn run(tests: &str) -> Run {
    run_with(RULES, tests, None)
}

impl Run {
    pub fn test(&self, name: &str) -> &TestOutcome {
        self.outcome
            .tests
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no test {name:?} in {:?}", self.outcome.tests))
    }

    /// Every diagnostic rendered without colour, in one text.
    pub fn rendered(&self) -> String {
        self.outcome
            .diagnostics
            .iter()
            .flat_map(|fd| fd.diagnostics.iter().map(|d| fd.source.render(d, false)))
            .collect()
    }

    /// Codes of every diagnostic.
    pub fn codes(&self) -> Vec<&'static str> {
        self.outcome
            .diagnostics
            .iter()
            .flat_map(|fd| fd.diagnostics.iter().map(|d| d.code))
            .collect()
    }

    /// The failure lines (`expected X, got Y`) of a failed test.
    pub fn failures(&self, name: &str) -> Vec<String> {
        match &self.test(name).status {
            TestStatus::Failed { failures, .. } => {
                failures.iter().map(ToString::to_string).collect()
            }
            other => panic!("{name:?} did not fail: {other:?}\n{}", self.rendered()),
        }
    }

    pub fn assert_passed(&self, name: &str) {
        let t = self.test(name);
        assert!(t.passed(), "{name:?}: {:?}\n{}", t.status, self.rendered());
    }

    pub fn assert_not_run(&self, name: &str) {
        let t = self.test(name);
        assert!(
            matches!(t.status, TestStatus::NotRun { .. }),
            "{name:?}: {:?}",
            t.status
        );
    }
}

/// The fixture lines of a qualifying account: fit 40 + activity (10 + 5 + 5) = 60.
pub const GOOD: &str = r#"
  as_of 2026-11-01
  account { id: "a1", industry: "software", employees: 500, regulated: false }
  contact ann { role: "vp" }
  contact bob { role: "user" }
  event { contact: ann, kind: "demo", at: 2026-11-01T00:00:00Z }
  event { contact: bob, kind: "page", at: 2026-11-01T00:00:00Z }
"#;
