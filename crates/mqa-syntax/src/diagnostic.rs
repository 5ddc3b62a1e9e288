//! Diagnostics and the source map: byte offsets to line/column, and one
//! renderer that every phase (syntax, compiler, tests) uses, so that all
//! messages look alike:
//!
//! ```text
//! rules/x.mqa:12:27: error: expected `==` to compare, found `=` [E0101]
//!    |
//! 12 |     25 when account.tier = 1
//!    |                          ^
//!    = hint: use `==` to compare two values; `=` only appears in `let` and `score =`
//! ```

use crate::ast::Span;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One message about a place in a source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code users can search for (`E0101`); listed in docs/errors.md.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    /// What to do about it, when that is clear.
    pub hint: Option<String>,
    /// Secondary places (e.g. "first declared here").
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            hint: None,
            related: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push((span, message.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} [{}]",
            self.severity.as_str(),
            self.message,
            self.code
        )
    }
}

/// A list of diagnostics, usable as an error value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn summary(d: &[Diagnostic]) -> String {
    let errors = d.iter().filter(|d| d.is_error()).count();
    match d.first() {
        Some(first) if errors <= 1 => first.to_string(),
        Some(first) => format!("{first} (and {} more errors)", errors - 1),
        None => "no diagnostics".to_string(),
    }
}

/// A source text with its path and line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, col)
    }

    /// The text of a 1-based line, without its line end.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self
            .line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// `path:line:col`
    pub fn location(&self, span: Span) -> String {
        let (l, c) = self.line_col(span.start as usize);
        format!("{}:{}:{}", self.path, l, c)
    }

    /// Renders one diagnostic: the `path:line:col: severity: message [code]`
    /// line, the source line with a caret under the span, related places and
    /// the hint. `color` adds ANSI colours (callers decide: terminal, NO_COLOR).
    pub fn render(&self, d: &Diagnostic, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let sev_color = match d.severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        let mut out = format!(
            "{}: {}: {} [{}]\n",
            self.location(d.span),
            paint(sev_color, d.severity.as_str()),
            paint("1", &d.message),
            d.code
        );
        self.snippet(&mut out, d.span, None, sev_color, color);
        for (span, msg) in &d.related {
            out.push_str(&format!("{}: note: {}\n", self.location(*span), msg));
            self.snippet(&mut out, *span, None, "1;36", color);
        }
        if let Some(h) = &d.hint {
            let (l, _) = self.line_col(d.span.start as usize);
            let pad = " ".repeat(l.to_string().len());
            out.push_str(&format!("{pad} = {}: {h}\n", paint("1;36", "hint")));
        }
        out
    }

    fn snippet(&self, out: &mut String, span: Span, label: Option<&str>, sev: &str, color: bool) {
        let (line, col) = self.line_col(span.start as usize);
        let text = self.line_text(line);
        let width = line.to_string().len();
        let all: Vec<char> = text
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        // Very long lines (generated files, hostile input) show a window around the caret.
        const WINDOW: usize = 100;
        let (skip, shown) = if all.len() > WINDOW {
            let from = col
                .saturating_sub(WINDOW / 2)
                .min(all.len().saturating_sub(WINDOW));
            let to = (from + WINDOW).min(all.len());
            let mut s: String = all.get(from..to).unwrap_or(&[]).iter().collect();
            if from > 0 {
                s = format!("…{}", s.chars().skip(1).collect::<String>());
            }
            if to < all.len() {
                s.pop();
                s.push('…');
            }
            (from, s)
        } else {
            (0, all.iter().collect())
        };
        let col = col - skip;
        let line_chars = shown.chars().count();
        let (end_line, end_col) = self.line_col(span.end as usize);
        let end_col = end_col.saturating_sub(skip);
        let caret_len = if end_line == line && end_col > col {
            (end_col - col).min(line_chars.saturating_sub(col - 1).max(1))
        } else if end_line > line {
            line_chars.saturating_sub(col - 1).max(1)
        } else {
            1
        };
        let carets = "^".repeat(caret_len);
        let carets = if color {
            format!("\x1b[{sev}m{carets}\x1b[0m")
        } else {
            carets
        };
        out.push_str(&format!("{} |\n", " ".repeat(width)));
        out.push_str(&format!("{line} | {shown}\n"));
        out.push_str(&format!(
            "{} | {}{}{}\n",
            " ".repeat(width),
            " ".repeat(col - 1),
            carets,
            label.map(|l| format!(" {l}")).unwrap_or_default()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("x.mqa", "ab\ncé d\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(6), (2, 3)); // after "cé" (é is 2 bytes)
        assert_eq!(f.line_text(2), "cé d");
    }

    #[test]
    fn render_shows_caret_under_span() {
        let f = SourceFile::new("x.mqa", "let a = 1\nlet b = = 2\n");
        let d = Diagnostic::error("E0101", Span::new(18, 19), "expected a value")
            .with_hint("remove it");
        let r = f.render(&d, false);
        assert_eq!(
            r,
            "x.mqa:2:9: error: expected a value [E0101]\n  |\n2 | let b = = 2\n  |         ^\n  = hint: remove it\n"
        );
    }
}
