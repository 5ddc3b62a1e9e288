//! mqa-testing owns the tests written in the rule language (`*.test.mqa`,
//! spec §8): finding test files, loading each one and the rule files it
//! `use`s, typing the signal fields of inline `signal` fixtures (tests never
//! load plugins), type-checking fixtures against the declared schemas,
//! running every test, checking every `expect`, and formatting the results.
//!
//! A test runs through the same path as `mqa score`: its fixtures are
//! written as `accounts.csv`, `contacts.csv` and `events.csv` into a private
//! temporary folder and loaded by [`mqa_engine::run::Session::load`], with
//! the inline signals served by an in-memory [`mqa_engine::signals::SignalSource`].
//! So a test and `mqa score` on the same data cannot disagree.
//!
//! Nothing here prints: [`run_file`] returns a [`FileOutcome`] (diagnostics
//! with their source files, one [`TestOutcome`] per test) and the `format_*`
//! functions turn outcomes into the text the CLI writes.
//!
//! Errors in test files are [`mqa_syntax::Diagnostic`]s with codes `E08xx`
//! (listed in `docs/testing-rules.md`).

mod compile;
mod data_dir;
mod execute;
mod expect;
mod fixtures;
mod report;
mod signal_fixtures;
mod statements;
mod suite;
mod units;
mod values;

pub use report::{format_failures, format_file_lines, format_test_line, summary_line, Counts};
pub use suite::{
    run_file, Failure, FileDiagnostics, FileOutcome, RunOptions, TestOutcome, TestStatus,
};

use std::path::{Path, PathBuf};

/// What stops `mqa test` before a test file can be looked at.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no test files (`*.test.mqa`) in {}", path.display())]
    NoTestFiles { path: PathBuf },
}

/// The test files named by `paths`: a file is taken as given; a folder is
/// searched (recursively) for `*.test.mqa` files, in sorted order. A folder
/// without any is an error (a typo in a CI path must not pass silently).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, TestError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            if found.is_empty() {
                return Err(TestError::NoTestFiles { path: p.clone() });
            }
            found.sort();
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(TestError::Io {
                path: p.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            });
        }
    }
    Ok(out)
}

/// Whether a file name marks a test file.
pub fn is_test_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".test.mqa"))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), TestError> {
    let io = |source| TestError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for e in std::fs::read_dir(dir).map_err(io)? {
        let p = e.map_err(io)?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_test_file(&p) {
            out.push(p);
        }
    }
    Ok(())
}
