//! `mqa fmt` end to end: the built binary on temporary copies of rule files.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MESSY: &str = "schema account{domain:text   employees :int}\nlet   x=( 1+2 )*3 // keep me\n";
const MESSY_FORMATTED: &str =
    "schema account {\n  domain: text\n  employees: int\n}\nlet x = (1 + 2) * 3 // keep me\n";
const CANONICAL: &str = "let a = 1\n\nlet b = [\"x\", \"y\"]\n";
const BROKEN: &str = "model m {\n  threshold\n}\n";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mqa(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mqa"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn rewrites_files_that_change_and_leaves_the_others_alone() {
    let dir = tempfile::tempdir().unwrap();
    let messy = write(dir.path(), "messy.mqa", MESSY);
    let canonical = write(dir.path(), "canonical.mqa", CANONICAL);
    let before = std::fs::metadata(&canonical).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));

    let o = mqa(&["fmt", "messy.mqa", "canonical.mqa"], dir.path());
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "reformatted: messy.mqa\n");
    assert_eq!(read(&messy), MESSY_FORMATTED);
    assert_eq!(read(&canonical), CANONICAL);
    assert_eq!(
        std::fs::metadata(&canonical).unwrap().modified().unwrap(),
        before,
        "an unchanged file was written"
    );
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // A second run has nothing to do.
    let o = mqa(&["fmt", "--check", "."], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn check_lists_files_that_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "rules/a.mqa", MESSY);
    let b = write(
        dir.path(),
        "rules/sub/b.test.mqa",
        "use \"../a.mqa\"\ntest \"t\" {expect qualified}\n",
    );
    let c = write(dir.path(), "rules/c.mqa", CANONICAL);
    write(dir.path(), "rules/notes.txt", "not a rule file {");

    let o = mqa(&["fmt", "--check", "rules"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let sep = std::path::MAIN_SEPARATOR;
    assert_eq!(
        stdout(&o),
        format!("would reformat: rules{sep}a.mqa\nwould reformat: rules{sep}sub{sep}b.test.mqa\n")
    );
    assert_eq!(stderr(&o), "");
    assert_eq!(read(&a), MESSY);
    assert_eq!(
        read(&b),
        "use \"../a.mqa\"\ntest \"t\" {expect qualified}\n"
    );
    assert_eq!(read(&c), CANONICAL);

    // Only canonical files: exit 0, nothing printed.
    let o = mqa(&["fmt", "--check", "rules/c.mqa"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn syntax_errors_are_reported_and_other_files_still_formatted() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken.mqa", BROKEN);
    let messy = write(dir.path(), "messy.mqa", MESSY);

    let o = mqa(&["fmt", "broken.mqa", "messy.mqa"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with("broken.mqa:2:12: error: "), "{err}");
    assert!(err.contains("reformatted: messy.mqa"), "{err}");
    assert_eq!(read(&broken), BROKEN);
    assert_eq!(read(&messy), MESSY_FORMATTED);

    let o = mqa(&["fmt", "--check", "broken.mqa"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).starts_with("broken.mqa:2:12: error: "));
}

#[test]
fn invalid_utf8_and_missing_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.mqa"), b"let a = \"\xff\"\n").unwrap();
    let o = mqa(&["fmt", "bad.mqa"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not valid UTF-8"), "{}", stderr(&o));

    let o = mqa(&["fmt", "nope.mqa"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope.mqa"), "{}", stderr(&o));
}

#[test]
fn the_product_example_is_canonical() {
    let dir = tempfile::tempdir().unwrap();
    let text = read(&repo_root().join("rules/enterprise.mqa"));
    let copy = write(dir.path(), "rules/enterprise.mqa", &text);
    let o = mqa(&["fmt", "--check", "rules"], dir.path());
    assert_eq!(o.status.code(), Some(0), "stdout: {}", stdout(&o));
    assert_eq!(stdout(&o), "");
    let o = mqa(&["fmt", "rules"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(read(&copy), text);
}
