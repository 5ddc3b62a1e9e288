//! Turns pest's "expected rule X" into words a rule author knows: what was
//! wanted (grouped: "a model item", "an operator"), what was found (the
//! token itself), where (after the previous token when the line is
//! incomplete), which bracket is still open, and a hint for the usual slips.
//! Unterminated strings and bad escapes are caught here too, because pest
//! only sees "not a string" there.
//!
//! `words`: rules → phrases; `lex`: the raw text around the error; `hints`,
//! `literals`, `forms`: the hints, most specific first. The diagnostics
//! corpus (`tests/diagnostics/`) shows every message this module writes.

mod forms;
mod hints;
mod lex;
mod literals;
mod words;

use crate::ast::Span;
use crate::diagnostic::Diagnostic;
use crate::parser::Rule;
use hints::Ctx;
use pest::error::{Error, ErrorVariant, InputLocation};
use words::{join_or, wanted_phrases, STARTERS};

/// The first offset at or after `pos` that is not blank or a comment.
fn skip_blank(text: &str, mut pos: usize, end: usize) -> usize {
    loop {
        let rest = text.get(pos..end).unwrap_or("");
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if !trimmed.starts_with("//") {
            return pos;
        }
        pos += trimmed.find('\n').unwrap_or(trimmed.len());
    }
}

/// The grammar checks the next character before some groups of attempts
/// (`tail_start` and the like in `grammar/mqa.pest`); when that check fails,
/// pest reports the guard. These are the attempts it stands for, as pest
/// would have reported them without the guard.
const GUARDS: [(Rule, &[Rule]); 3] = [
    (
        Rule::tail_start,
        &[
            Rule::cmp_op,
            Rule::k_between,
            Rule::in_list,
            Rule::text_op,
            Rule::k_is,
        ],
    ),
    (Rule::logic_start, &[Rule::k_and, Rule::k_or]),
    (Rule::arith_start, &[Rule::mul_op, Rule::add_op]),
];

/// What pest reports when an operand fails to start: every way to start one.
/// The grammar's `unary` is silent (a pair per operand costs), so pest
/// lists these instead of the rule.
const OPERAND_STARTS: [Rule; 8] = [
    Rule::ident,
    Rule::number,
    Rule::string,
    Rule::k_true,
    Rule::k_false,
    Rule::lparen,
    Rule::lbrack,
    Rule::neg,
];

/// pest's positives as the words need them: every failed guard replaced by
/// what it guards, and a failed operand named as one (`unary`), in grammar
/// order (as pest sorts them).
fn as_written(positives: &[Rule]) -> Vec<Rule> {
    let mut out = Vec::with_capacity(positives.len());
    for r in positives {
        match GUARDS.iter().find(|(g, _)| g == r) {
            Some((_, rules)) => out.extend_from_slice(rules),
            None => out.push(*r),
        }
    }
    if OPERAND_STARTS.iter().all(|r| out.contains(r)) {
        out.retain(|r| !OPERAND_STARTS.contains(r));
        out.push(Rule::unary);
    }
    out.sort();
    out.dedup();
    out
}

fn closer_rule(open: char) -> Rule {
    match open {
        '(' => Rule::rparen,
        '[' => Rule::rbrack,
        _ => Rule::rbrace,
    }
}

/// Describes a pest error for the stretch `chunk_start..chunk_end` of `text`.
pub(crate) fn describe(
    e: &Error<Rule>,
    text: &str,
    chunk_start: usize,
    chunk_end: usize,
) -> Diagnostic {
    let rel = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = (chunk_start + rel).min(text.len());
    let positives: Vec<Rule> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => as_written(positives),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let at_tok = skip_blank(text, pos, chunk_end);
    let at_end = at_tok >= chunk_end;
    let tok = if at_end {
        ""
    } else {
        lex::token_at(text, at_tok)
    };

    // Strings first: pest only sees "not a string" there.
    if let Some(q) = lex::unterminated_string(text, pos) {
        let line_end = text
            .get(q..)
            .and_then(|r| r.find('\n'))
            .map_or(text.len(), |p| p + q);
        let earlier_quote = text
            .get(lex::line_start(text, q)..q)
            .is_some_and(|l| l.contains('"'));
        let hint = if earlier_quote {
            "check the quotes on this line: every text needs an opening and a closing `\"` (write `\\\"` for a quote inside a text)"
        } else {
            "add a closing `\"` before the end of the line (write `\\\"` for a quote inside the text)"
        };
        return Diagnostic::error("E0102", Span::new(q, line_end), "this text is not closed")
            .with_hint(hint);
    }
    if let Some((at, len, msg)) = lex::bad_escape(text, at_tok) {
        return Diagnostic::error("E0105", Span::new(at, at + len), msg)
            .with_hint("write `\\\\` for a backslash; the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`");
    }

    let mut wanted = wanted_phrases(&positives);
    let has_starters = wanted.iter().any(|w| STARTERS.contains(w));
    let prev_end = lex::prev_code_end(text, chunk_start, at_tok);
    let prev = prev_end.map_or("", |end| lex::token_before(text, end));
    let on_new_line = at_end || lex::starts_line(text, at_tok);
    let mut end_of = None;
    if on_new_line && has_starters {
        // A new line: what could start it, not what could have continued the last one.
        wanted.retain(|w| STARTERS.contains(w) || *w == "`}`");
    } else if !on_new_line && has_starters {
        // Mid-line: nothing new starts here.
        wanted.retain(|w| !STARTERS.contains(w));
        if wanted.iter().all(|w| *w == "`}`") {
            let rule = lex::line_word(text, at_tok).starts_with(|c: char| c.is_ascii_digit());
            end_of = Some(if rule { "the rule" } else { "the line" });
        }
    }
    let open = lex::open_brackets(text, chunk_start, at_tok);
    let brace_unclosed = lex::open_brackets(text, chunk_start, chunk_end)
        .iter()
        .any(|(_, b)| *b == '{');
    let innermost = open.last().copied();
    let closer_wanted = innermost.is_some_and(|(_, b)| positives.contains(&closer_rule(b)));
    // The line before is incomplete: point just after its last token.
    let moved = on_new_line && !has_starters && prev_end.is_some();
    let after_prev = prev_end.map(|p| Span::new(p, p + 1));

    let found = if at_end {
        if chunk_end >= text.len() {
            "the end of the file".to_string()
        } else {
            "the next top-level item".to_string()
        }
    } else {
        lex::show(tok)
    };

    // An unclosed bracket at the end of an item (or of an incomplete line).
    if let (Some((open_at, b)), Some(span)) = (innermost, after_prev) {
        if closer_wanted && (moved || (at_end && has_starters) || (at_end && wanted == ["`}`"])) {
            let c = lex::closer(b);
            return Diagnostic::error("E0101", span, format!("expected `{c}`, found {found}"))
                .with_related(
                    Span::new(open_at, open_at + 1),
                    format!("this `{b}` is never closed"),
                )
                .with_hint(format!("add the missing `{c}`"));
        }
    }

    let expected_text = if wanted.is_empty() {
        "something else".to_string()
    } else {
        join_or(&wanted)
    };
    let tok_len = tok.len().max(1);
    let mut d = match (end_of, moved, after_prev) {
        (Some(what), ..) => Diagnostic::error(
            "E0101",
            Span::new(at_tok, at_tok + tok_len),
            format!("expected the end of {what}, found {found}"),
        ),
        (None, true, Some(span)) => Diagnostic::error(
            "E0101",
            span,
            format!(
                "expected {expected_text} after {}, found {found}",
                lex::show(prev)
            ),
        ),
        _ => Diagnostic::error(
            "E0101",
            Span::new(at_tok, at_tok + tok_len),
            format!("expected {expected_text}, found {found}"),
        ),
    };

    let anchor = match (moved, prev_end) {
        (true, Some(p)) => p,
        _ => at_tok,
    };
    let ctx = Ctx {
        text,
        positives: &positives,
        wanted: &wanted,
        at_tok,
        tok,
        prev,
        anchor,
        open: &open,
        brace_unclosed,
        had_starters: has_starters,
    };
    if let Some(fix) = hints::find(&ctx) {
        if let Some(m) = fix.message {
            d.message = m;
        }
        if let Some(code) = fix.code {
            d.code = code;
        }
        if let Some(s) = fix.span {
            d.span = s;
        }
        return d.with_hint(fix.hint);
    }

    // A bracket left open: a `(` or `[` on this line, or a block or model
    // whose `}` is missing before the next item.
    if let Some((open_at, b)) = innermost {
        let word = ctx_word(tok);
        let higher = b == '{'
            && brace_unclosed
            && ((hints::MODEL_ITEM_WORDS.contains(&word)
                && lex::line_word(text, open_at) == "block")
                || ["schema", "source", "model", "use", "test"].contains(&word));
        if (closer_wanted && b != '{') || higher {
            let c = lex::closer(b);
            let where_ = if higher { " before this line" } else { "" };
            return d
                .with_related(
                    Span::new(open_at, open_at + 1),
                    format!("this `{b}` is still open"),
                )
                .with_hint(format!("add the missing `{c}`{where_}"));
        }
    }
    match forms::form(&ctx) {
        Some(f) => d.with_hint(f),
        None => d,
    }
}

fn ctx_word(tok: &str) -> &str {
    let len: usize = tok
        .chars()
        .take_while(|c| lex::is_word_char(*c))
        .map(char::len_utf8)
        .sum();
    tok.get(..len).unwrap_or("")
}
