//! The canonical formatter behind `mqa fmt`.
//!
//! [`format_file`] parses a source and prints it back in the canonical
//! layout, keeping every comment; [`print_file`] prints a bare AST (no
//! comments). Both guarantee that parsing the output gives an AST equal to
//! the input's (spans aside), and formatting is idempotent:
//! `format(format(x)) == format(x)`.
//!
//! # The canonical layout
//!
//! - Two spaces of indent per level; one statement per line; no alignment
//!   padding inside code; no line is ever wrapped.
//! - A braced construct opens with `HEADER {` and closes with `}` on its own
//!   line: `schema account {` with one `name: type` per line;
//!   `source intent = plugin "intent-csv" {` with one `key: value` per line
//!   (no commas; a source without configuration has no braces);
//!   `model NAME [for COND] {`; `block NAME ["Title"] [within D] [decay KIND]
//!   [max N] {`; `test "name" {`. An empty one is written `HEADER {}`.
//! - One-line statements: `threshold 75`, `dequalify below 60`, `window 90d`,
//!   `let NAME = EXPR`, `gate NAME: COND`, `score = EXPR`,
//!   `route "QUEUE" sla D [when COND]`, `use "PATH"`, and grades with their
//!   bands inline: `grade g from fit { A >= 40, "tier 2" >= 25, else D }`.
//! - Point rules: `25 when COND ["Label"] [required]` and
//!   `15 per C [within D] [where COND] [cap N] ["Label"]`.
//! - Test statements: `model NAME`, `as_of T`, `account { k: v, ... }`,
//!   `contact NAME { ... }`, `event { ... }`, `signal SOURCE { ... }` (fixtures
//!   inline, `{}` when empty) and `expect ...`.
//! - Expressions: single spaces around binary operators and after `not`;
//!   lists `["a", "b"]`, calls `f(a, b)`, aggregations
//!   `count(events within 7d where COND)`. Parentheses appear only where
//!   precedence needs them (low to high: `or`, `and`, `not`, comparisons
//!   including `between`/`in`/`is missing`/`contains`/`starts_with`/
//!   `ends_with`, `+ -`, `* /`, unary `-`): binary operators are
//!   left-associative, so an equal-precedence right operand keeps its
//!   parentheses, and comparisons do not chain, so a comparison operand that
//!   is a comparison keeps them.
//! - Literals keep the author's spelling (`10M`, `1_000`, `2w`, timestamps);
//!   strings are re-escaped canonically: `\"`, `\\`, `\n`, `\t`, and `\u{..}`
//!   (lower-case hex) for any other control character.
//! - Blank lines: one blank line is kept wherever the author left one or more
//!   between two statements or comments of the same block; there is none at
//!   the start or end of a block or file. The file ends with exactly one
//!   newline (an empty file stays empty). [`print_file`], having no author
//!   layout, puts a blank line between top-level items and around model
//!   blocks.
//!
//! # Comments
//!
//! - A comment after code keeps the exact gap the author put before it (at
//!   least one space), so aligned comment columns stay aligned; it stays on
//!   the line of the statement (or `{`/`}`) it follows.
//! - A comment on its own line is re-indented to the statement it precedes;
//!   comments at the end of a block stay just before its `}`, indented like
//!   the block's statements.
//! - A comment inside a construct that is printed on one line (a list or
//!   fixture spread over several lines, a statement broken across lines, or
//!   a block header before its `{`) moves to its own line just before that
//!   statement, in its original order.

mod expr;
mod items;
mod layout;

pub use expr::{print_expr, quote};

use crate::ast::File;
use crate::diagnostic::{Diagnostics, SourceFile};
use items::Builder;
use layout::Source;

/// Parses `source` and prints it in the canonical layout with all its
/// comments. Syntax errors come back as diagnostics.
pub fn format_file(source: &SourceFile) -> Result<String, Diagnostics> {
    let file = crate::parse(source)?;
    Ok(format_parsed(&source.text, &file))
}

/// Prints an AST parsed from `text`, taking comments and blank lines from `text`.
pub fn format_parsed(text: &str, file: &File) -> String {
    let src = Source::new(text);
    let mut nodes = Builder { src: Some(&src) }.file(file);
    layout::attach(&src, &mut nodes);
    layout::render(&nodes)
}

/// Prints an AST in the canonical layout (no comments; blank lines between
/// top-level items and around model blocks).
pub fn print_file(file: &File) -> String {
    layout::render(&Builder { src: None }.file(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        format_file(&SourceFile::new("t.mqa", text)).unwrap()
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(fmt("\n  // a\n\n\n// b"), "// a\n\n// b\n");
    }

    #[test]
    fn crlf_and_tabs_become_canonical() {
        let text = "model m {\r\n\tthreshold 1\t// one\r\n\r\n\r\n\twindow 2d\r\n}\r\n";
        assert_eq!(
            fmt(text),
            "model m {\n  threshold 1\t// one\n\n  window 2d\n}\n"
        );
    }

    #[test]
    fn comment_at_end_of_file_without_newline() {
        assert_eq!(fmt("let a = 1 // c"), "let a = 1 // c\n");
        assert_eq!(fmt("let a = 1// c"), "let a = 1 // c\n");
    }

    #[test]
    fn empty_block_with_comments_opens_up() {
        assert_eq!(
            fmt("schema account { // a\n}"),
            "schema account { // a\n}\n"
        );
        assert_eq!(
            fmt("schema account {\n\n// a\n\n}  // b"),
            "schema account {\n  // a\n}  // b\n"
        );
    }

    #[test]
    fn syntax_errors_are_diagnostics() {
        let err = format_file(&SourceFile::new("t.mqa", "let = 1")).unwrap_err();
        assert!(!err.0.is_empty());
    }
}
