//! Terminal output helpers: colour decisions and diagnostic printing.

use mqa_syntax::{Diagnostic, SourceFile};
use std::io::{IsTerminal, Write};

/// Colour on stderr only on a terminal and when NO_COLOR is unset.
pub fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Prints rendered diagnostics to stderr.
pub fn print_diagnostics(src: &SourceFile, diags: &[Diagnostic]) {
    let color = stderr_color();
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = err.write_all(src.render(d, color).as_bytes());
    }
}

/// One `error: ...` line on stderr.
pub fn error_line(msg: &str) {
    let mut err = std::io::stderr().lock();
    if stderr_color() {
        let _ = writeln!(err, "\x1b[1;31merror\x1b[0m: {msg}");
    } else {
        let _ = writeln!(err, "error: {msg}");
    }
}
