//! Reading rule files and expanding folders.

use anyhow::{Context, Result};
use mqa_syntax::{Diagnostic, SourceFile};
use std::path::{Path, PathBuf};

/// Expands folders into the `*.mqa` files below them (sorted); files are kept as given.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).with_context(|| format!("cannot read folder {}", p.display()))?;
            found.sort();
            if found.is_empty() {
                anyhow::bail!("no .mqa files in {}", p.display());
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "mqa") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads a file as a source; invalid UTF-8 becomes a diagnostic.
pub fn read_source(path: &Path) -> Result<Result<SourceFile, Box<(SourceFile, Diagnostic)>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(mqa_syntax::scan::decode(&path.display().to_string(), bytes))
}
