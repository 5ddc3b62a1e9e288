//! Shared helpers of the host's integration tests: building the Rust test
//! plugins, compiling the C ones, and installing a plugin into a private
//! folder (the host refuses group/world-writable files and folders).
//!
//! How the Rust plugins (`intent-csv`, `misbehave`) are found: a test binary
//! runs from `<target>/<profile>/deps/`, and `cargo build -p NAME` puts a
//! cdylib in `<target>/<profile>/`. So the helper runs `$CARGO build -p NAME
//! --profile <profile> --target-dir <target>` (a no-op when up to date, so a
//! stale library is never used) and takes the library from there. This works
//! with a custom `CARGO_TARGET_DIR` and with `--release`.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use mqa_plugin_host::plugin_file_name;

/// `<target>/<profile>`, the folder holding this test binary's `deps/`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary is in <target>/<profile>/deps")
        .to_path_buf()
}

static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);

/// Builds workspace package `package` (a cdylib) with the tests' profile and
/// returns the library file.
pub fn cargo_plugin(package: &str, plugin_name: &str) -> PathBuf {
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let built = built.get_or_insert_with(HashMap::new);
    if let Some(p) = built.get(package) {
        return p.clone();
    }
    let profile_dir = profile_dir();
    let target_dir = profile_dir.parent().unwrap();
    let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
        "debug" => "dev".to_string(),
        other => other.to_string(),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(&cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            package,
            "--profile",
            &profile,
            "--target-dir",
        ])
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`cargo build -p {package}` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lib = profile_dir.join(plugin_file_name(plugin_name));
    assert!(lib.is_file(), "{} was not built", lib.display());
    built.insert(package.to_string(), lib.clone());
    lib
}

/// A fresh folder only its owner can write.
pub fn private_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o700);
    dir
}

#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
pub fn set_mode(_path: &Path, _mode: u32) {}

/// Copies library `lib` into `dir` as `file_name`, owner-writable only.
pub fn install(lib: &Path, dir: &Path, file_name: &str) -> PathBuf {
    let dest = dir.join(file_name);
    std::fs::copy(lib, &dest).unwrap();
    set_mode(&dest, 0o755);
    dest
}

/// The C compiler (`$CC`, else `cc`), or `None` after printing why the
/// calling test is skipped.
pub fn c_compiler() -> Option<String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    match Command::new(&cc).arg("--version").output() {
        Ok(o) if o.status.success() => Some(cc),
        _ => {
            println!("SKIPPED: no C compiler (`{cc}`) on this machine; the C side is not tested");
            None
        }
    }
}

fn c_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(name)
}

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/include")
}

fn run_cc(cc: &str, args: &[&str], src: &Path, out: &Path) {
    let o = Command::new(cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"])
        .arg("-I")
        .arg(include_dir())
        .args(args)
        .arg(src)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{cc} failed on {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Compiles `tests/c/<source>` into a shared library `dir/<file_name>`
/// (owner-writable only), with extra `-D` flags.
pub fn compile_plugin(
    cc: &str,
    source: &str,
    dir: &Path,
    file_name: &str,
    defines: &[&str],
) -> PathBuf {
    let out = dir.join(file_name);
    let mut args = vec!["-shared", "-fPIC", "-fvisibility=hidden"];
    args.extend_from_slice(defines);
    run_cc(cc, &args, &c_source(source), &out);
    set_mode(&out, 0o755);
    out
}

/// Compiles `tests/c/<source>` into an executable and returns its output.
pub fn compile_and_run(cc: &str, source: &str, dir: &Path) -> String {
    let exe = dir.join("a.out");
    run_cc(cc, &[], &c_source(source), &exe);
    let o = Command::new(&exe).output().unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

/// The example intent export (157 data rows), copied from the acme-small case.
pub fn intent_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/intent.csv")
}

/// `{"path": "<file>"}`
pub fn path_config(path: &Path) -> String {
    format!("{{\"path\": {:?}}}", path.to_str().unwrap())
}
