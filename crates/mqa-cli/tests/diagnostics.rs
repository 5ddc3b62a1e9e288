#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The diagnostics corpus (`tests/diagnostics/` at the repository root):
//! every `NAME.mqa` there is checked with the built `mqa check NAME.mqa`,
//! run from that folder with `NO_COLOR=1`, and its stderr must equal
//! `NAME.expected` byte for byte. Cases may sit in sub-folders; syntax and
//! (later) compiler cases are just more files.
//!
//! `UPDATE_EXPECT=1 cargo test -p mqa-cli --test diagnostics` rewrites the
//! expected files from the current output (then read the diff!).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The corpus must not shrink below this many cases.
const MIN_CASES: usize = 45;

/// Grammar rule names that are not also words of the language or of plain
/// English (those with `_`, like `point_rule`, are always jargon).
const JARGON: [&str; 20] = [
    "expr",
    "ident",
    "chunk",
    "paren",
    "lbrace",
    "rbrace",
    "lparen",
    "rparen",
    "lbrack",
    "rbrack",
    "assign",
    "neg",
    "primary",
    "unary",
    "keyword",
    "digits",
    "EOI",
    "SOI",
    "WHITESPACE",
    "COMMENT",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_dir() -> PathBuf {
    repo_root().join("tests/diagnostics")
}

/// Every `*.mqa` below `dir`, as paths relative to `dir`, sorted.
fn cases(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "mqa") {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `x/NAME.mqa` → `x/NAME.expected` (`a.test.mqa` → `a.test.expected`).
fn expected_path(case: &Path) -> PathBuf {
    case.with_extension("expected")
}

/// A line diff (longest common subsequence), `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "   {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "  -{}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "  +{}", b[j]);
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("  (the files differ in the final line end)\n");
    }
    out
}

/// The grammar's rule names that must never reach a rule author.
fn pest_rule_names() -> BTreeSet<String> {
    let grammar = std::fs::read_to_string(repo_root().join("grammar/mqa.pest")).unwrap();
    let mut names = BTreeSet::new();
    for line in grammar.lines() {
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let rest = rest.trim_start();
        let is_rule = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && rest
                .trim_start_matches(['_', '@', '$', '!'])
                .starts_with('{');
        if is_rule && (name.contains('_') || JARGON.contains(&name)) {
            names.insert(name.to_string());
        }
    }
    names.extend(["EOI", "SOI"].map(String::from));
    names
}

fn contains_word(haystack: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The lines of a rendered diagnostic written by mqa (not quoted source).
fn message_lines(rendered: &str) -> impl Iterator<Item = &str> {
    rendered.lines().filter(|l| {
        let t = l.trim_start();
        t.starts_with("= hint:")
            || l.contains(": error: ")
            || l.contains(": warning: ")
            || l.contains(": note: ")
    })
}

#[test]
fn diagnostics_corpus_matches_expected_output() {
    let dir = corpus_dir();
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let cases = cases(&dir);
    let mut failures = Vec::new();
    let mut updated = Vec::new();
    let rule_names = pest_rule_names();
    assert!(
        rule_names.contains("point_rule") && rule_names.contains("k_when") && rule_names.len() > 50,
        "could not read the grammar's rule names: {rule_names:?}"
    );

    for case in &cases {
        let shown = case.display().to_string();
        let out = Command::new(env!("CARGO_BIN_EXE_mqa"))
            .arg("check")
            .arg(case)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let actual = String::from_utf8_lossy(&out.stderr).into_owned();
        let exp_path = dir.join(expected_path(case));
        if update {
            let old = std::fs::read_to_string(&exp_path).unwrap_or_default();
            if old != actual {
                std::fs::write(&exp_path, &actual).unwrap();
                updated.push(shown.clone());
            }
        }
        let expected = match std::fs::read_to_string(&exp_path) {
            Ok(s) => s,
            Err(_) => {
                failures.push(format!(
                    "{shown}: no {} (run with UPDATE_EXPECT=1 to create it)\n  actual output:\n{}",
                    expected_path(case).display(),
                    diff("", &actual)
                ));
                continue;
            }
        };
        // A case with an error must fail the check; a warnings-only case must pass it.
        let wants_error = expected.lines().any(|l| l.contains(": error: "));
        let want_code = if wants_error { 1 } else { 0 };
        if expected.trim().is_empty() {
            failures.push(format!(
                "{shown}: the expected output is empty; every case must produce a diagnostic"
            ));
        }
        if out.status.code() != Some(want_code) {
            failures.push(format!(
                "{shown}: exit status {:?}, expected {want_code}",
                out.status.code()
            ));
        }
        if actual != expected {
            failures.push(format!(
                "{shown}: stderr differs from {}\n{}",
                expected_path(case).display(),
                diff(&expected, &actual)
            ));
        }
        for line in message_lines(&expected) {
            if let Some(name) = rule_names.iter().find(|n| contains_word(line, n)) {
                failures.push(format!(
                    "{shown}: the message names the grammar rule `{name}`: {line}"
                ));
            }
        }
    }

    // Expected files whose case is gone are stale.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "expected") && !path.with_extension("mqa").exists()
        {
            failures.push(format!(
                "{}: no matching .mqa case (stale expected file)",
                path.display()
            ));
        }
    }
    if cases.len() < MIN_CASES {
        failures.push(format!(
            "the corpus holds {} cases; it must hold at least {MIN_CASES}",
            cases.len()
        ));
    }
    if !updated.is_empty() {
        println!(
            "UPDATE_EXPECT: rewrote {} expected file(s): {}",
            updated.len(),
            updated.join(", ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} diagnostics cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_name_check_matches_whole_words_only() {
    assert!(contains_word("expected point_rule here", "point_rule"));
    assert!(contains_word("`k_when`", "k_when"));
    assert!(!contains_word("expected a when_rules_x", "when_rule"));
    assert!(!contains_word("my_point_rule", "point_rule"));
    let rendered = "x.mqa:1:1: error: expected or_expr [E0101]\n  |\n1 | let a_expr = 1\n  |\n  = hint: use and_expr\n";
    let lines: Vec<&str> = message_lines(rendered).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("or_expr") && lines[1].contains("and_expr"));
}

#[test]
fn diff_marks_changed_lines() {
    let d = diff("a\nb\nc\n", "a\nx\nc\n");
    assert_eq!(d, "   a\n  -b\n  +x\n   c\n");
}
