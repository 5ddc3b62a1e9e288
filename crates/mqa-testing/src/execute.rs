//! Running a checked test: its data written as CSV files into a private
//! temporary folder, loaded by the same session `mqa score` uses (inline
//! signals through in-memory sources), the account's decision taken, and
//! every expectation checked against it.

use crate::data_dir;
use crate::expect::{self, Expect};
use crate::fixtures::TestData;
use crate::suite::{Failure, TestStatus};
use mqa_compiler::graph::Program;
use mqa_engine::data::{LoadOptions, MemoryRejects};
use mqa_engine::explain::render_explanation;
use mqa_engine::run::Session;
use mqa_syntax::ast::Span;
use mqa_syntax::SourceFile;
use std::path::Path;

fn not_run(reason: String) -> TestStatus {
    TestStatus::NotRun { reason }
}

/// Where a data row came from, for load problems.
fn row_origin(src: &SourceFile, data: &TestData, file: &Path, line: u64) -> String {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let index = usize::try_from(line.saturating_sub(2)).unwrap_or(usize::MAX);
    let span: Option<Span> = match name {
        "accounts.csv" => Some(data.account.span),
        "contacts.csv" => data.contacts.get(index).map(|r| r.span),
        "events.csv" => data.events.get(index).map(|r| r.span),
        _ => None,
    };
    match span {
        Some(s) => src.location(s),
        None => format!("{name} line {line}"),
    }
}

/// Writes the data, scores the account, checks every expectation.
pub(crate) fn execute(
    src: &SourceFile,
    program: &Program,
    model: usize,
    as_of: i64,
    data: &TestData,
    expects: &[Expect],
) -> TestStatus {
    let dir = match tempfile::Builder::new().prefix("mqa-test-").tempdir() {
        Ok(d) => d,
        Err(e) => return not_run(format!("cannot create a temporary folder: {e}")),
    };
    if let Err(e) = data_dir::write(dir.path(), program, data) {
        return not_run(format!(
            "cannot write the fixtures to {}: {e}",
            dir.path().display()
        ));
    }
    let opts = LoadOptions {
        as_of,
        window_start: mqa_engine::run::window_start(program, as_of),
        max_reject_rate: 1.0,
    };
    let mut rejects = MemoryRejects::new();
    let session = match Session::load(
        program.clone(),
        dir.path(),
        &opts,
        data_dir::sources(program, data),
        false,
        &mut rejects,
    ) {
        Ok(s) => s,
        Err(e) => return not_run(format!("the fixtures could not be loaded: {e}")),
    };
    if !rejects.rows.is_empty() {
        let why: Vec<String> = rejects
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{}: the data readers rejected this record: {}",
                    row_origin(src, data, &r.file, r.line),
                    r.reason
                )
            })
            .collect();
        return not_run(why.join("; "));
    }
    let Some(a) = session
        .data
        .accounts
        .row_of(&session.interner, &data.account_id)
    else {
        return not_run(format!(
            "the account \"{}\" is not in the loaded data",
            data.account_id
        ));
    };
    let Some(g) = session.program.models.get(model) else {
        return not_run("the model is not in the compiled program".into());
    };
    let detail = session.detail(model, a);
    let failures: Vec<Failure> = expects
        .iter()
        .filter_map(|e| {
            expect::verify(e, detail.as_ref(), g).map(|actual| Failure {
                location: src.location(e.span),
                expected: e.text.clone(),
                actual,
            })
        })
        .collect();
    if failures.is_empty() {
        return TestStatus::Passed;
    }
    let explanation = match &detail {
        Some(d) => render_explanation(d, g.threshold),
        None => format!(
            "{} / {}: the model does not apply (its `for` condition is not true)\n",
            g.name, data.account_id
        ),
    };
    TestStatus::Failed {
        failures,
        explanation,
    }
}
