//! A light pass over the raw text before pest runs: decoding (invalid UTF-8
//! is a diagnostic, not a crash), the nesting limit (so hostile input such as
//! a megabyte of `(` ends in an error instead of a stack overflow), splitting
//! a file into top-level items (so one broken item does not hide errors in the
//! next), and collecting comments (which pest skips) for the formatter.

use crate::ast::Span;
use crate::diagnostic::{Diagnostic, SourceFile};

/// The deepest bracket nesting (`(`, `[`, `{` together) a file may use.
/// Real rule files stay below 10; the limit keeps the recursive-descent
/// parser and every later tree walk far from the stack's end.
pub const MAX_NESTING: usize = 64;

/// The longest chain of operators one expression may hold (`a + b + ...`).
pub const MAX_EXPR_DEPTH: usize = 256;

/// Words that start a top-level item.
const ITEM_KEYWORDS: [&str; 6] = ["schema", "source", "let", "model", "use", "test"];

/// Decodes a file's bytes. Invalid UTF-8 gives a diagnostic pointing at the
/// first bad byte, with the file shown as far as it decodes.
/// The error holds the file as far as it decodes (for rendering) and the diagnostic.
pub fn decode(path: &str, bytes: Vec<u8>) -> Result<SourceFile, Box<(SourceFile, Diagnostic)>> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let shown = SourceFile::new(path, text);
            let d = Diagnostic::error(
                "E0104",
                Span::new(at, at + 1),
                "this file is not valid UTF-8 text",
            )
            .with_hint("save the file as UTF-8 (rule files are plain text)");
            Err(Box::new((shown, d)))
        }
    }
}

/// A `//` comment: its span (from `//` to the end of the line) and whether
/// code precedes it on its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
    pub trailing: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Str,
    StrEscape,
    Comment,
}

/// Brackets and line breaks: the code bytes [`walk`] always reports.
fn is_structural(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'\n')
}

/// Walks the text once, outside strings and comments: calls `on_code(offset,
/// byte)` for brackets, line breaks, and the code bytes of each line up to
/// its first non-blank one (what the callers look at; the rest of a line is
/// skipped in bulk), and `on_comment(start, end)` for each `//` comment.
/// Stops when `on_code` returns false.
fn walk(
    text: &str,
    mut on_code: impl FnMut(usize, u8) -> bool,
    mut on_comment: impl FnMut(usize, usize),
) {
    let b = text.as_bytes();
    let mut st = State::Code;
    let mut comment_start = 0;
    // No non-blank code byte yet on this line.
    let mut line_start = true;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match st {
            State::Code => {
                if c == b'"' {
                    st = State::Str;
                } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
                    st = State::Comment;
                    comment_start = i;
                } else if line_start || is_structural(c) {
                    if !on_code(i, c) {
                        return;
                    }
                    if c == b'\n' {
                        line_start = true;
                    } else if !matches!(c, b' ' | b'\t' | b'\r') {
                        line_start = false;
                    }
                } else {
                    // The middle of a line: on to the next byte that matters.
                    let rest = b.get(i..).unwrap_or(&[]);
                    let skip = rest
                        .iter()
                        .position(|&x| x == b'"' || x == b'/' || is_structural(x))
                        .unwrap_or(rest.len());
                    i += skip.max(1);
                    continue;
                }
            }
            State::Str => {
                if c == b'\\' {
                    st = State::StrEscape;
                } else if c == b'"' || c == b'\n' {
                    st = State::Code;
                    if c == b'\n' {
                        if !on_code(i, c) {
                            return;
                        }
                        line_start = true;
                    }
                } else {
                    let rest = b.get(i..).unwrap_or(&[]);
                    let skip = rest
                        .iter()
                        .position(|&x| x == b'\\' || x == b'"' || x == b'\n')
                        .unwrap_or(rest.len());
                    i += skip.max(1);
                    continue;
                }
            }
            State::StrEscape => st = if c == b'\n' { State::Code } else { State::Str },
            State::Comment => {
                let rest = b.get(i..).unwrap_or(&[]);
                match rest.iter().position(|&x| x == b'\n') {
                    Some(p) => {
                        i += p;
                        on_comment(comment_start, i);
                        st = State::Code;
                        if !on_code(i, b'\n') {
                            return;
                        }
                        line_start = true;
                    }
                    None => {
                        i = b.len();
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    if st == State::Comment {
        on_comment(comment_start, b.len());
    }
}

/// Bracket depth as [`check_nesting`] counts it: every bracket, across items.
#[derive(Default)]
struct Nesting {
    depth: usize,
}

impl Nesting {
    /// Counts byte `c`; false once the depth passes [`MAX_NESTING`].
    fn step(&mut self, c: u8) -> bool {
        match c {
            b'(' | b'[' | b'{' => {
                self.depth += 1;
                self.depth <= MAX_NESTING
            }
            b')' | b']' | b'}' => {
                self.depth = self.depth.saturating_sub(1);
                true
            }
            _ => true,
        }
    }
}

fn too_deep(at: usize) -> Diagnostic {
    Diagnostic::error(
        "E0103",
        Span::new(at, at + 1),
        format!("brackets are nested more than {MAX_NESTING} deep"),
    )
    .with_hint("split the expression with `let` names; rule files never need this much nesting")
}

/// Reports the first place where brackets nest deeper than [`MAX_NESTING`].
pub fn check_nesting(text: &str) -> Option<Diagnostic> {
    let mut nesting = Nesting::default();
    let mut found = None;
    walk(
        text,
        |i, c| {
            if nesting.step(c) {
                return true;
            }
            found = Some(i);
            false
        },
        |_, _| {},
    );
    found.map(too_deep)
}

/// All comments of the text, in order.
pub fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    walk(
        text,
        |_, _| true,
        |start, end| {
            let line_start = b
                .get(..start)
                .and_then(|s| s.iter().rposition(|&c| c == b'\n'))
                .map_or(0, |p| p + 1);
            let trailing = b
                .get(line_start..start)
                .is_some_and(|s| s.iter().any(|c| !c.is_ascii_whitespace()));
            let body = text.get(start..end).unwrap_or("").trim_end_matches('\r');
            out.push(Comment {
                span: Span::new(start, start + body.len()),
                text: body.to_string(),
                trailing,
            });
        },
    );
    out
}

fn starts_item_keyword(text: &str, at: usize) -> Option<&'static str> {
    let rest = text.get(at..)?;
    ITEM_KEYWORDS.into_iter().find(|kw| {
        rest.starts_with(kw)
            && !rest
                .as_bytes()
                .get(kw.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    })
}

/// Splits a file into byte ranges that each hold whole top-level items.
///
/// A new range starts at a line whose first word starts an item while no
/// bracket is open, or (to recover from a missing `}`) at an item keyword in
/// the first column.
pub fn split_items(text: &str) -> Vec<std::ops::Range<usize>> {
    split(text, false).unwrap_or_default()
}

/// [`check_nesting`], then [`split_items`], in one pass over the text: the
/// ranges, or the nesting error.
pub fn split_items_checked(text: &str) -> Result<Vec<std::ops::Range<usize>>, Diagnostic> {
    split(text, true)
}

fn split(text: &str, check: bool) -> Result<Vec<std::ops::Range<usize>>, Diagnostic> {
    let mut nesting = Nesting::default();
    let mut too_deep_at = None;
    let mut starts = vec![0usize];
    let mut depth = 0usize;
    let mut at_line_start = true;
    let mut col0 = true;
    let b = text.as_bytes();
    walk(
        text,
        |i, c| {
            if check && !nesting.step(c) {
                too_deep_at = Some(i);
                return false;
            }
            if at_line_start && !(c == b' ' || c == b'\t' || c == b'\r' || c == b'\n') {
                if let Some(kw) = starts_item_keyword(text, i) {
                    // Recovery from a missing `}`: an item keyword in the first
                    // column that opens a brace on its line starts a new item
                    // (a test's `model NAME` line has no brace).
                    let line_end = text
                        .get(i..)
                        .and_then(|r| r.find('\n'))
                        .map_or(text.len(), |p| p + i);
                    let opens = text.get(i..line_end).is_some_and(|l| l.contains('{'));
                    if depth == 0 || (col0 && kw != "let" && kw != "use" && opens) {
                        if i > 0 {
                            starts.push(i);
                        }
                        depth = 0;
                    }
                }
                at_line_start = false;
            }
            match c {
                b'\n' => {
                    at_line_start = true;
                    col0 = true;
                    return true;
                }
                b' ' | b'\t' | b'\r' => {}
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            col0 = false;
            true
        },
        |_, _| {},
    );
    // A comment line resets "line start" too: walk() reports its newline as code.
    let _ = b;
    if let Some(at) = too_deep_at {
        return Err(too_deep(at));
    }
    let mut ranges = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(text.len());
        if e > s || ranges.is_empty() {
            ranges.push(s..e);
        }
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_limit_is_reported_not_overflowed() {
        let deep = "(".repeat(1_000_000);
        let d = check_nesting(&deep).unwrap();
        assert_eq!(d.code, "E0103");
        assert_eq!(d.span.start as usize, MAX_NESTING);
        assert!(check_nesting("let a = ((1))").is_none());
        // brackets inside strings and comments do not count
        let s = format!("let a = \"{}\" // {}", "(".repeat(100), "[".repeat(100));
        assert!(check_nesting(&s).is_none());
    }

    #[test]
    fn one_pass_split_reports_nesting_like_check_nesting() {
        let deep = format!("let a = 1\nlet b = {}", "[".repeat(100));
        let d = split_items_checked(&deep).unwrap_err();
        let c = check_nesting(&deep).unwrap();
        assert_eq!(
            (d.code, d.span.start, d.span.end),
            (c.code, c.span.start, c.span.end)
        );
        let t = "let a = ((1))\nmodel m {\n}\n";
        assert_eq!(split_items_checked(t).unwrap(), split_items(t));
    }

    #[test]
    fn comments_are_found_outside_strings() {
        let c = comments("// head\nlet a = \"x // y\" // tail\n");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].text, "// head");
        assert!(!c[0].trailing);
        assert_eq!(c[1].text, "// tail");
        assert!(c[1].trailing);
    }

    #[test]
    fn items_split_at_top_level_keywords() {
        let t = "let a = 1\nmodel m {\n  let b = 2\n}\n// c\nschema account {}\n";
        let r = split_items(t);
        let parts: Vec<&str> = r.iter().map(|r| &t[r.clone()]).collect();
        assert_eq!(
            parts,
            [
                "let a = 1\n",
                "model m {\n  let b = 2\n}\n// c\n",
                "schema account {}\n"
            ]
        );
    }

    #[test]
    fn missing_brace_recovers_at_column_zero() {
        let t = "model m {\n  threshold 1\nmodel n {\n}\n";
        let r = split_items(t);
        assert_eq!(r.len(), 2);
        assert_eq!(&t[r[1].clone()], "model n {\n}\n");
    }
}
