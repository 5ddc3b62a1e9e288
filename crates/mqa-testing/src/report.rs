//! The text of a test run: one line per test (`ok` / `FAILED`), then each
//! failure in detail (every failed expectation with expected and actual
//! values, then the decision's explanation, indented), then the closing
//! line `N passed, N failed`.

use crate::suite::{FileOutcome, TestOutcome, TestStatus};

/// Tests that passed and tests that did not (failed or could not run; a
/// file whose tests could not even be listed counts as one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
}

impl Counts {
    pub fn add(&mut self, f: &FileOutcome) {
        for t in &f.tests {
            if t.passed() {
                self.passed += 1;
            } else {
                self.failed += 1;
            }
        }
        if f.problem.is_some() {
            self.failed += 1;
        }
    }

    /// Tests looked at.
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }
}

/// `ok      FILE: NAME` or `FAILED  FILE: NAME`.
pub fn format_test_line(file: &str, t: &TestOutcome) -> String {
    let mark = if t.passed() { "ok" } else { "FAILED" };
    format!("{mark:<8}{file}: {}", t.name)
}

/// The line for a file none of whose tests could be listed.
fn problem_line(f: &FileOutcome, problem: &str) -> String {
    format!("{:<8}{}: ({problem})", "FAILED", f.display)
}

/// Every line a file contributes to the per-test list.
pub fn format_file_lines(f: &FileOutcome) -> String {
    let mut s = String::new();
    if let Some(p) = &f.problem {
        s.push_str(&problem_line(f, p));
        s.push('\n');
    }
    for t in &f.tests {
        s.push_str(&format_test_line(&f.display, t));
        s.push('\n');
    }
    s
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The detail of every test that did not pass; empty when all passed.
pub fn format_failures(files: &[FileOutcome]) -> String {
    let mut s = String::new();
    for f in files {
        if let Some(p) = &f.problem {
            s.push_str(&format!("\n--- {}\n  {p}\n", f.display));
        }
        for t in &f.tests {
            match &t.status {
                TestStatus::Passed => {}
                TestStatus::NotRun { reason } => {
                    s.push_str(&format!(
                        "\n--- {}: {} ({})\n  not run: {reason}\n",
                        f.display, t.name, t.location
                    ));
                }
                TestStatus::Failed {
                    failures,
                    explanation,
                } => {
                    s.push_str(&format!(
                        "\n--- {}: {} ({})\n",
                        f.display, t.name, t.location
                    ));
                    for x in failures {
                        s.push_str(&format!("  {}: {x}\n", x.location));
                    }
                    s.push_str("\n  the decision:\n");
                    s.push_str(&indent(explanation, "    "));
                    s.push('\n');
                }
            }
        }
    }
    if s.is_empty() {
        s
    } else {
        format!("\nfailures:\n{s}")
    }
}

/// The closing line: `N passed, N failed`.
pub fn summary_line(c: Counts) -> String {
    format!("{} passed, {} failed", c.passed, c.failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Failure;

    fn outcome(status: TestStatus) -> FileOutcome {
        FileOutcome {
            display: "rules/x.test.mqa".into(),
            diagnostics: Vec::new(),
            tests: vec![TestOutcome {
                name: "a demo qualifies".into(),
                location: "rules/x.test.mqa:3".into(),
                status,
            }],
            problem: None,
        }
    }

    #[test]
    fn lines_align_and_count() {
        let ok = outcome(TestStatus::Passed);
        assert_eq!(
            format_file_lines(&ok),
            "ok      rules/x.test.mqa: a demo qualifies\n"
        );
        let bad = outcome(TestStatus::Failed {
            failures: vec![
                Failure {
                    location: "rules/x.test.mqa:9:3".into(),
                    expected: "score >= 75".into(),
                    actual: "71.42".into(),
                },
                Failure {
                    location: "rules/x.test.mqa:10:3".into(),
                    expected: "route \"sdr\"".into(),
                    actual: "none (not qualified)".into(),
                },
            ],
            explanation: "line one\n\nline two\n".into(),
        });
        assert_eq!(
            format_file_lines(&bad),
            "FAILED  rules/x.test.mqa: a demo qualifies\n"
        );
        let mut c = Counts::default();
        c.add(&ok);
        c.add(&bad);
        assert_eq!(summary_line(c), "1 passed, 1 failed");
        let text = format_failures(&[ok, bad]);
        assert!(text.contains(
            "  rules/x.test.mqa:9:3: expected score >= 75, got 71.42\n  rules/x.test.mqa:10:3: expected route \"sdr\", got none (not qualified)\n"
        ), "{text}");
        assert!(text.contains("    line one\n\n    line two\n"), "{text}");
    }

    #[test]
    fn no_failures_no_section() {
        assert_eq!(format_failures(&[outcome(TestStatus::Passed)]), "");
    }
}
