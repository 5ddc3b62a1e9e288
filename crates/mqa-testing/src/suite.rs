//! Running one test file: parse it, load and compile the rule files it
//! uses, check each (selected) test, run it through the scoring session and
//! check its expectations. All problems end up as diagnostics or outcomes;
//! only an unreadable test file is an error.

use crate::expect;
use crate::fixtures::Checker;
use crate::statements;
use crate::units::{self, CompiledUnit};
use crate::TestError;
use crate::{compile, execute};
use mqa_syntax::ast;
use mqa_syntax::{Diagnostic, SourceFile};
use std::path::Path;

/// Code of a test name used twice in a file.
const E_NAME: &str = "E0809";

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run only tests whose name (or `file: name`) contains this text.
    pub filter: Option<String>,
}

/// Diagnostics about one source file (the test file or a rule file).
#[derive(Debug, Clone)]
pub struct FileDiagnostics {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

/// Diagnostics grouped by file, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Diags(pub Vec<FileDiagnostics>);

impl Diags {
    pub(crate) fn push(&mut self, src: &SourceFile, d: Diagnostic) {
        match self.0.iter_mut().find(|f| f.source.path == src.path) {
            Some(f) => f.diagnostics.push(d),
            None => self.0.push(FileDiagnostics {
                source: src.clone(),
                diagnostics: vec![d],
            }),
        }
    }
}

/// One failed expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// `file:line:col` of the `expect`.
    pub location: String,
    /// The expectation as written, without `expect` (`score >= 75`).
    pub expected: String,
    /// What the decision had, in words (`71.42`, `none (not qualified)`).
    pub actual: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {}, got {}", self.expected, self.actual)
    }
}

/// How a test ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TestStatus {
    Passed,
    /// Some expectations failed: all of them, and the decision in words.
    Failed {
        failures: Vec<Failure>,
        explanation: String,
    },
    /// The test could not run (errors in it or in its rule file).
    NotRun {
        reason: String,
    },
}

/// One test's result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    pub name: String,
    /// `file:line` of the test.
    pub location: String,
    pub status: TestStatus,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        self.status == TestStatus::Passed
    }
}

/// One test file's results.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// The path as shown in the output.
    pub display: String,
    /// Errors found in the test file and its rule files.
    pub diagnostics: Vec<FileDiagnostics>,
    /// The selected tests, in file order.
    pub tests: Vec<TestOutcome>,
    /// Why no test of the file could even be listed (syntax errors, no tests).
    pub problem: Option<String>,
}

fn selected(test: &ast::Test, display: &str, opts: &RunOptions) -> bool {
    match &opts.filter {
        None => true,
        Some(f) => {
            test.name.value.contains(f.as_str())
                || format!("{display}: {}", test.name.value).contains(f.as_str())
        }
    }
}

/// Runs the tests of one file.
pub fn run_file(path: &Path, opts: &RunOptions) -> Result<FileOutcome, TestError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| TestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut diags = Diags::default();
    let mut outcome = FileOutcome {
        display: display.clone(),
        diagnostics: Vec::new(),
        tests: Vec::new(),
        problem: None,
    };
    let src = match mqa_syntax::scan::decode(&display, bytes) {
        Ok(s) => s,
        Err(e) => {
            let (s, d) = *e;
            diags.push(&s, d);
            outcome.diagnostics = diags.0;
            outcome.problem = Some("the file cannot be read as text".into());
            return Ok(outcome);
        }
    };
    let file = match mqa_syntax::parse(&src) {
        Ok(f) => f,
        Err(ds) => {
            for d in ds.0 {
                diags.push(&src, d);
            }
            outcome.diagnostics = diags.0;
            outcome.problem = Some("the file has syntax errors".into());
            return Ok(outcome);
        }
    };
    let tests: Vec<&ast::Test> = file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Test(t) => Some(t),
            _ => None,
        })
        .collect();
    if tests.is_empty() {
        outcome.problem =
            Some("the file holds no test (tests are written `test \"name\" { ... }`)".into());
        return Ok(outcome);
    }
    let chosen: Vec<&ast::Test> = tests
        .iter()
        .copied()
        .filter(|t| selected(t, &display, opts))
        .collect();
    if chosen.is_empty() {
        return Ok(outcome);
    }
    let units = units::load(path, &src, &file, &mut diags);
    let compiled: Vec<Option<CompiledUnit>> = match &units {
        Some(us) => us
            .iter()
            .map(|u| compile::compile(u, &tests, &src, &mut diags))
            .collect(),
        None => Vec::new(),
    };
    for t in chosen {
        let location = src.location(t.name.span);
        let location = location
            .rsplit_once(':')
            .map_or(location.clone(), |(l, _)| l.to_string());
        let mut test_diags = Vec::new();
        if let Some(first) = tests
            .iter()
            .take_while(|x| !std::ptr::eq(**x, t))
            .find(|x| x.name.value == t.name.value)
        {
            test_diags.push(
                Diagnostic::error(
                    E_NAME,
                    t.name.span,
                    "another test in this file has this name",
                )
                .with_related(first.name.span, "the other test")
                .with_hint(
                    "give every test its own name: names are how results are reported and filtered",
                ),
            );
        }
        let status = match &units {
            None => TestStatus::NotRun {
                reason: "the rule files this file uses could not be loaded (see the errors)".into(),
            },
            Some(us) => run_test(t, &src, us, &compiled, &mut test_diags),
        };
        let status = if test_diags.is_empty() {
            status
        } else {
            TestStatus::NotRun {
                reason: format!(
                    "the test has {} error{} (see the error messages)",
                    test_diags.len(),
                    if test_diags.len() == 1 { "" } else { "s" }
                ),
            }
        };
        for d in test_diags {
            diags.push(&src, d);
        }
        outcome.tests.push(TestOutcome {
            name: t.name.value.clone(),
            location,
            status,
        });
    }
    outcome.diagnostics = diags.0;
    Ok(outcome)
}

/// Checks one test and runs it; errors go to `diags`.
fn run_test(
    t: &ast::Test,
    src: &SourceFile,
    units: &[units::Unit],
    compiled: &[Option<CompiledUnit>],
    diags: &mut Vec<Diagnostic>,
) -> TestStatus {
    let parts = statements::parts(t, diags);
    let (ui, model_name) = match units::resolve_model(units, parts.model, t) {
        Ok(x) => x,
        Err(d) => {
            diags.push(d);
            return TestStatus::NotRun {
                reason: "no model to test".into(),
            };
        }
    };
    let (Some(unit), Some(Some(cu))) = (units.get(ui), compiled.get(ui)) else {
        let path = units.get(ui).map_or("", |u| u.source.path.as_str());
        return TestStatus::NotRun {
            reason: format!("the rule file {path} has errors (see the error messages)"),
        };
    };
    let program = &cu.program;
    let Some((mi, model)) = program
        .models
        .iter()
        .enumerate()
        .find(|(_, m)| m.name == model_name)
    else {
        return TestStatus::NotRun {
            reason: format!("the model `{model_name}` did not compile"),
        };
    };
    let mut checker = Checker {
        program,
        rules_path: &unit.source.path,
        used_signal_fields: &cu.used_signal_fields,
        diags: Vec::new(),
    };
    let data = checker.data(&parts);
    diags.append(&mut checker.diags);
    let mut expects = Vec::new();
    for (e, span) in &parts.expects {
        let text = src.text.get(span.range()).unwrap_or("");
        match expect::resolve(e, *span, text, model, program) {
            Ok(x) => expects.push(x),
            Err(d) => diags.push(d),
        }
    }
    if parts.expects.is_empty() {
        diags.push(
            Diagnostic::error(
                statements::E_STRUCTURE,
                t.name.span,
                "this test expects nothing, so it cannot fail",
            )
            .with_hint(
                "add at least one `expect`, e.g. `expect qualified` or `expect score >= 75`",
            ),
        );
    }
    let (Some(data), Some(as_of)) = (data, parts.as_of) else {
        return TestStatus::NotRun {
            reason: "the test has errors".into(),
        };
    };
    if !diags.is_empty() {
        return TestStatus::NotRun {
            reason: "the test has errors".into(),
        };
    }
    execute::execute(src, program, mi, as_of.micros, &data, &expects)
}
