//! Formatting real files: the product example is already canonical, and for
//! every rule file in rules/ and every golden input and expected file,
//! formatting keeps the AST and every comment (in order), and formatting
//! twice changes nothing.

#![allow(clippy::unwrap_used, clippy::panic)]

use mqa_syntax::format::format_file;
use mqa_syntax::{parse, scan, SourceFile};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mqa_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            mqa_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "mqa") {
            out.push(p);
        }
    }
}

fn comment_texts(text: &str) -> Vec<String> {
    scan::comments(text)
        .into_iter()
        .map(|c| c.text.trim_end().to_string())
        .collect()
}

/// Checks the formatter's promises on one file; false if it does not parse.
fn check_file(path: &Path) -> bool {
    let text = std::fs::read_to_string(path).unwrap();
    let src = SourceFile::new(path.display().to_string(), text.clone());
    let Ok(ast) = parse(&src) else { return false };
    let once = format_file(&src).unwrap();
    let src1 = SourceFile::new("once", once.clone());
    let ast1 = parse(&src1).unwrap_or_else(|d| {
        panic!(
            "{}: formatted text does not parse: {d}\n{once}",
            path.display()
        )
    });
    assert_eq!(ast1, ast, "{}: formatting changed the AST", path.display());
    let twice = format_file(&src1).unwrap();
    assert_eq!(
        twice,
        once,
        "{}: formatting is not idempotent",
        path.display()
    );
    assert_eq!(
        comment_texts(&once),
        comment_texts(&text),
        "{}: comments lost or reordered",
        path.display()
    );
    assert!(once.is_empty() || (once.ends_with('\n') && !once.ends_with("\n\n")));
    true
}

#[test]
fn enterprise_example_is_already_canonical() {
    let path = repo_root().join("rules/enterprise.mqa");
    let text = std::fs::read_to_string(&path).unwrap();
    let out = format_file(&SourceFile::new("rules/enterprise.mqa", text.clone())).unwrap();
    assert_eq!(out, text);
}

#[test]
fn rules_folder_round_trips() {
    let mut files = Vec::new();
    mqa_files(&repo_root().join("rules"), &mut files);
    assert!(!files.is_empty());
    for f in &files {
        assert!(check_file(f), "{} does not parse", f.display());
    }
}

#[test]
fn golden_inputs_round_trip() {
    let mut files = Vec::new();
    mqa_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/format"),
        &mut files,
    );
    assert!(files.len() >= 12);
    for f in &files {
        assert!(check_file(f), "{} does not parse", f.display());
    }
}
