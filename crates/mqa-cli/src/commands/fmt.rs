//! `mqa fmt`: canonical layout (owned by the formatter work; see mqa_syntax::format).

use crate::cli::FmtArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &FmtArgs) -> Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`mqa fmt` is not available in this build yet")
}
