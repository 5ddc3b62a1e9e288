//! Shared helpers of the CLI's end-to-end tests: the `mqa` binary, the
//! bundled plugins (built with the tests' profile next to the binary), and
//! the repository's folders.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn mqa() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mqa"));
    c.env("NO_COLOR", "1").env("MQA_NO_PROGRESS", "1");
    c
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder holding the `mqa` binary, where the workspace's plugins are
/// built (`cargo build -p intent-csv` with the same profile and target dir).
pub fn plugin_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_mqa"));
        let profile_dir = bin.parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap().to_path_buf();
        let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
            "debug" => "dev".to_string(),
            other => other.to_string(),
        };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let out = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "intent-csv",
                "--profile",
                &profile,
                "--target-dir",
            ])
            .arg(&target_dir)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "building intent-csv failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        profile_dir
    })
    .clone()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies a folder (flat) into a fresh private temp dir.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// Parses decisions CSV into (model, account) -> row map.
pub fn decisions(csv_text: &str) -> std::collections::BTreeMap<(String, String), Vec<String>> {
    let mut r = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
    let mut out = std::collections::BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let v: Vec<String> = rec.iter().map(str::to_string).collect();
        out.insert((v[0].clone(), v[1].clone()), v);
    }
    out
}
