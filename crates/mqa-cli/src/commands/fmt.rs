//! `mqa fmt`: rewrites rule and test files in the canonical layout
//! (`mqa_syntax::format`). A file is written only when its text changes, by
//! writing a temporary file next to it and renaming it over the original.
//! With `--check` nothing is written: each file that would change is listed
//! on stdout as `would reformat: PATH`.
//!
//! Exit code: 1 when a file has a syntax error (its diagnostics go to
//! stderr; other files are still processed) or, with `--check`, when any
//! file would change; 0 otherwise.

use crate::cli::FmtArgs;
use crate::commands::files;
use crate::output;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: &FmtArgs) -> Result<ExitCode> {
    let mut failed = false;
    let mut would_change = false;
    for path in files::expand(&args.files)? {
        let src = match files::read_source(&path)? {
            Ok(s) => s,
            Err(e) => {
                let (s, d) = *e;
                output::print_diagnostics(&s, &[d]);
                failed = true;
                continue;
            }
        };
        let formatted = match mqa_syntax::format::format_file(&src) {
            Ok(t) => t,
            Err(ds) => {
                output::print_diagnostics(&src, &ds.0);
                failed = true;
                continue;
            }
        };
        if formatted == src.text {
            continue;
        }
        if args.check {
            writeln!(
                std::io::stdout().lock(),
                "would reformat: {}",
                path.display()
            )?;
            would_change = true;
        } else {
            replace_file(&path, &formatted)?;
            writeln!(std::io::stderr().lock(), "reformatted: {}", path.display())?;
        }
    }
    Ok(if failed || would_change {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Replaces a file's content without ever leaving it half-written: the new
/// text goes to a temporary file in the same folder (with the original's
/// permissions), which is then renamed over the original. A symbolic link
/// is followed, so the file it points to is the one rewritten.
fn replace_file(path: &Path, text: &str) -> Result<()> {
    let target = std::fs::canonicalize(path)
        .with_context(|| format!("cannot resolve {}", path.display()))?;
    let tmp = temp_path(&target);
    let written = std::fs::write(&tmp, text)
        .and_then(|()| std::fs::metadata(&target))
        .and_then(|meta| std::fs::set_permissions(&tmp, meta.permissions()))
        .and_then(|()| std::fs::rename(&tmp, &target));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.mqa-fmt-{}.tmp", std::process::id()))
}
