//! Golden tests for the formatter: each `tests/format/NAME.input.mqa` must
//! format to `tests/format/NAME.expected.mqa` byte for byte, and the
//! expected file must already be canonical. Set `MQA_BLESS=1` to rewrite the
//! expected files after an intended layout change (then review the diff).

#![allow(clippy::unwrap_used, clippy::panic)]

use mqa_syntax::format::format_file;
use mqa_syntax::SourceFile;
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/format")
}

fn format(path: &Path, text: &str) -> String {
    let src = SourceFile::new(path.display().to_string(), text);
    match format_file(&src) {
        Ok(s) => s,
        Err(d) => panic!(
            "{} does not parse:\n{}",
            path.display(),
            d.0.iter().map(|d| src.render(d, false)).collect::<String>()
        ),
    }
}

fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".input.mqa"))
        .collect();
    v.sort();
    v
}

#[test]
fn inputs_format_to_expected() {
    let bless = std::env::var_os("MQA_BLESS").is_some();
    let inputs = inputs();
    assert!(inputs.len() >= 6, "golden inputs missing: {inputs:?}");
    let mut failures = Vec::new();
    for input in inputs {
        let text = std::fs::read_to_string(&input).unwrap();
        let got = format(&input, &text);
        let expected_path = PathBuf::from(
            input
                .to_string_lossy()
                .replace(".input.mqa", ".expected.mqa"),
        );
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
        if got != want {
            failures.push(format!(
                "== {} ==\n--- expected\n{want}\n--- got\n{got}",
                input.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expected_files_are_canonical() {
    for input in inputs() {
        let expected_path = PathBuf::from(
            input
                .to_string_lossy()
                .replace(".input.mqa", ".expected.mqa"),
        );
        let want = std::fs::read_to_string(&expected_path).unwrap();
        assert_eq!(
            format(&expected_path, &want),
            want,
            "{} is not canonical",
            expected_path.display()
        );
    }
}
