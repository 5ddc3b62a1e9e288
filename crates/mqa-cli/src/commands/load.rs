//! Loading a rule file: read, parse, compile; diagnostics go to stderr.

use crate::commands::files;
use crate::output;
use anyhow::Result;
use mqa_compiler::{Program, SourceSchemas};
use std::path::Path;

/// A parsed and compiled rule file.
pub struct Loaded {
    pub program: Program,
}

/// Reads, parses and compiles `path`, printing every diagnostic (warnings
/// too, unless `quiet_warnings`). `Ok(None)` when the file has errors.
pub fn load(
    path: &Path,
    plugins: &dyn SourceSchemas,
    quiet_warnings: bool,
) -> Result<Option<Loaded>> {
    let src = match files::read_source(path)? {
        Ok(s) => s,
        Err(e) => {
            let (s, d) = *e;
            output::print_diagnostics(&s, &[d]);
            return Ok(None);
        }
    };
    let file = match mqa_syntax::parse(&src) {
        Ok(f) => f,
        Err(ds) => {
            output::print_diagnostics(&src, &ds.0);
            return Ok(None);
        }
    };
    let compiled = mqa_compiler::compile(&file, &src.text, plugins);
    let shown: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| !quiet_warnings || d.is_error())
        .cloned()
        .collect();
    output::print_diagnostics(&src, &shown);
    Ok(compiled.program.map(|program| Loaded { program }))
}
