//! From text to AST: runs the pest grammar over each top-level stretch of
//! the file and builds typed nodes with absolute byte spans. Syntax errors
//! become [`Diagnostic`]s in user words (see `expected.rs`); one broken item
//! does not stop the others from being checked.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile};
use crate::expected;
use crate::scan;
use crate::FieldType;
use pest::iterators::Pair;
use pest::Parser as _;

mod call;
mod expr;
mod items;
mod literals;
mod test_file;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/mqa.pest"]
pub(crate) struct MqaParser;

type P<'i> = Pair<'i, Rule>;
type R<T> = Result<T, Diagnostic>;
/// An expression and its tree depth (see `expr.rs`).
type D = (Expr, usize);

/// Parses a whole file. On failure, returns every syntax error found (at
/// least one per broken top-level item).
pub fn parse(source: &SourceFile) -> Result<File, Diagnostics> {
    let text = source.text.as_str();
    let ranges = scan::split_items_checked(text).map_err(|d| Diagnostics(vec![d]))?;
    // pest recurses per rule call; the nesting check above bounds depth, the
    // call limit bounds total work on pathological input.
    pest::set_call_limit(std::num::NonZeroUsize::new(50_000_000));
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for range in ranges {
        let chunk = text.get(range.clone()).unwrap_or("");
        let b = Builder {
            offset: range.start,
        };
        match MqaParser::parse(Rule::chunk, chunk) {
            Ok(mut pairs) => {
                let Some(top) = pairs.next() else { continue };
                for p in top.into_inner() {
                    if p.as_rule() == Rule::EOI {
                        continue;
                    }
                    match b.item(p) {
                        Ok(item) => items.push(item),
                        Err(d) => errors.push(d),
                    }
                }
            }
            Err(e) => errors.push(expected::describe(&e, text, range.start, range.end)),
        }
    }
    if errors.is_empty() {
        Ok(File { items })
    } else {
        Err(Diagnostics(errors))
    }
}

/// Parses a single expression (used by tests and tools). Spans are offsets
/// into `let __e = TEXT`, i.e. shifted by 10 bytes.
pub fn parse_expr(text: &str) -> Result<Expr, Diagnostic> {
    if let Some(d) = scan::check_nesting(text) {
        return Err(d);
    }
    let wrapped = format!("let __e = {text}");
    let src = SourceFile::new("<expr>", wrapped);
    match parse(&src) {
        Ok(File { items }) => match items.into_iter().next() {
            Some(Item::Let(l)) => Ok(l.value),
            _ => Err(Diagnostic::error(
                "E0101",
                Span::default(),
                "expected an expression",
            )),
        },
        Err(Diagnostics(mut d)) => Err(d.remove(0)),
    }
}

struct Builder {
    offset: usize,
}

/// Punctuation pairs carry no meaning for the AST.
fn is_punct(r: Rule) -> bool {
    matches!(
        r,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbrack
            | Rule::rbrack
            | Rule::colon
            | Rule::comma
            | Rule::assign
            | Rule::dot
            | Rule::band_ge
    )
}

fn inner(p: P<'_>) -> impl Iterator<Item = P<'_>> {
    p.into_inner().filter(|p| !is_punct(p.as_rule()))
}

impl Builder {
    /// The pair's span, without the whitespace and comments pest may have
    /// consumed at its end (so carets stop at the last token).
    fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        let end = token_end(p.get_input(), s.start(), s.end());
        Span::new(s.start() + self.offset, end + self.offset)
    }

    fn err(&self, p: &P<'_>, code: &'static str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, self.span(p), msg)
    }

    /// Internal consistency: the grammar guarantees the shape, but a bug must
    /// not become a panic.
    fn shape(&self, span: Span, what: &str) -> Diagnostic {
        Diagnostic::error(
            "E0100",
            span,
            format!("internal parser error: unexpected shape of {what}"),
        )
        .with_hint("please report this file to the mqa project")
    }

    fn next<'i>(&self, it: &mut impl Iterator<Item = P<'i>>, span: Span, what: &str) -> R<P<'i>> {
        it.next().ok_or_else(|| self.shape(span, what))
    }

    fn item(&self, p: P<'_>) -> R<Item> {
        Ok(match p.as_rule() {
            Rule::schema => Item::Schema(self.schema(p)?),
            Rule::source => Item::Source(self.source(p)?),
            Rule::let_item => Item::Let(self.let_item(p)?),
            Rule::model => Item::Model(self.model(p)?),
            Rule::use_item => {
                let span = self.span(&p);
                let mut it = inner(p).skip(1);
                Item::Use(Use {
                    path: self.string(self.next(&mut it, span, "use")?)?,
                    span,
                })
            }
            Rule::test => Item::Test(self.test(p)?),
            _ => return Err(self.shape(self.span(&p), "item")),
        })
    }

    fn ident(&self, p: P<'_>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }
}

/// Blanks as the grammar's WHITESPACE knows them.
fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t'..=b'\r')
}

/// The end of the last token of `text[start..end]`: a pair may end with the
/// blanks and `//` comments that pest skipped after its last token.
fn token_end(text: &str, start: usize, end: usize) -> usize {
    let b = text.as_bytes();
    let mut e = end;
    while e > start && b.get(e - 1).copied().is_some_and(is_blank) {
        e -= 1;
    }
    // A skipped comment runs to the end of its line, and the skip goes on
    // over that line break: without a line break (or the end of the text)
    // after `e`, nothing before `e` is a comment.
    let line_break = b.get(e..end).is_some_and(|t| t.contains(&b'\n'));
    if !line_break && end < b.len() {
        return e;
    }
    // Even then, only a last line with a `/` can end in one.
    let body = text.get(start..e).unwrap_or("");
    let last_line = body
        .rfind('\n')
        .map_or(body, |p| body.get(p..).unwrap_or(""));
    if !last_line.as_bytes().contains(&b'/') {
        return e;
    }
    start + trimmed_len(body)
}

/// Length of `s` without trailing whitespace and trailing `//` comments.
fn trimmed_len(s: &str) -> usize {
    let mut t = s.trim_end();
    loop {
        let line_start = t.rfind('\n').map_or(0, |p| p + 1);
        let line = t.get(line_start..).unwrap_or("");
        match comment_start(line) {
            Some(c) => t = t.get(..line_start + c).unwrap_or("").trim_end(),
            None => return t.len(),
        }
    }
}

/// Where a `//` comment starts on a line (outside strings).
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `42`, `1_000`, `3.5`, `10M`, `1.2k`, `-5` → value.
pub fn parse_number(raw: &str) -> Option<f64> {
    let (neg, body) = match raw.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, raw),
    };
    let (digits, exp) = match body.as_bytes().last() {
        Some(b'k') => (body.get(..body.len() - 1)?, 3),
        Some(b'M') => (body.get(..body.len() - 1)?, 6),
        Some(b'B') => (body.get(..body.len() - 1)?, 9),
        _ => (body, 0),
    };
    let plain = |d: &str| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    let v: f64 = if exp == 0 && !digits.contains('_') {
        // The usual `25` or `3.5`: no copy needed.
        if !plain(digits) {
            return None;
        }
        digits.parse().ok()?
    } else {
        let clean: String = digits.chars().filter(|c| *c != '_').collect();
        if !plain(&clean) {
            return None;
        }
        format!("{clean}e{exp}").parse().ok()?
    };
    if !v.is_finite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// `90m`, `24h`, `14d`, `2w` → seconds.
pub fn parse_duration(raw: &str) -> Option<i64> {
    let unit = raw.as_bytes().last()?;
    let n: i64 = raw.get(..raw.len() - 1)?.parse().ok()?;
    let mult = match unit {
        b'm' => 60,
        b'h' => 3600,
        b'd' => 86_400,
        b'w' => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Unescapes a string body; on error, the byte offset of the bad escape and a message.
fn unescape(body: &str) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'u')) => {
                let rest = body.get(i + 2..).unwrap_or("");
                let hex: String = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .map(|(h, _)| h.to_string())
                    .unwrap_or_default();
                let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                match ch {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..hex.len() + 2 {
                            chars.next();
                        }
                    }
                    None => return Err((i, format!("`\\u{{{hex}}}` is not a Unicode character"))),
                }
            }
            Some((_, other)) => return Err((i, format!("`\\{other}` is not a known escape"))),
            None => return Err((i, "a string cannot end with a lone `\\`".to_string())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_suffixes() {
        assert_eq!(parse_number("10M"), Some(10_000_000.0));
        assert_eq!(parse_number("1.2k"), Some(1200.0));
        assert_eq!(parse_number("1_000_000"), Some(1_000_000.0));
        assert_eq!(parse_number("1B"), Some(1e9));
        assert_eq!(parse_number("-5"), Some(-5.0));
        assert_eq!(parse_number("3.5"), Some(3.5));
    }

    #[test]
    fn durations_in_seconds() {
        assert_eq!(parse_duration("90m"), Some(5400));
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("2w"), Some(1_209_600));
        assert_eq!(parse_duration("99999999999999999d"), None);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            unescape(r#"a\"b\\c\nd\te\u{e9}"#).unwrap(),
            "a\"b\\c\nd\te\u{e9}"
        );
        assert!(unescape(r"\q").is_err());
        assert!(unescape(r"\u{110000}").is_err());
    }
}
