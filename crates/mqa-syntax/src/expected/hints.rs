//! Hints for the usual slips, each recognised from the token found, the
//! token before it and what the grammar wanted there: `=` for `==`, `&&` for
//! `and`, a label before the condition, `within` after `where`, a misspelled
//! keyword. Spelling slips live in `literals.rs`, item forms in `forms.rs`.

use super::forms::unfinished_line_above;
use super::lex::{self, is_word_char};
use super::literals::{
    comment_style, date_without_seconds, duration_slip, number_slip, quote_text, type_synonym,
};
use crate::ast::Span;
use crate::parser::Rule;

/// What the describer knows about one syntax error.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub text: &'a str,
    pub positives: &'a [Rule],
    /// What was wanted, in words (after grouping).
    pub wanted: &'a [&'static str],
    /// Start of the token found, and its text (empty at the end).
    pub at_tok: usize,
    pub tok: &'a str,
    /// The token before the error.
    pub prev: &'a str,
    /// An offset on the line whose item the error is in.
    pub anchor: usize,
    /// Brackets still open, outermost first.
    pub open: &'a [(usize, char)],
    /// Whether some `{` of the item is never closed at all.
    pub brace_unclosed: bool,
    /// Whether a new item or line could have started here.
    pub had_starters: bool,
}

/// A better message, span or hint for one slip.
#[derive(Default)]
pub(super) struct Fix {
    /// A code other than the generic E0101.
    pub code: Option<&'static str>,
    pub message: Option<String>,
    pub span: Option<Span>,
    pub hint: String,
}

pub(super) fn hint(h: impl Into<String>) -> Option<Fix> {
    Some(Fix {
        hint: h.into(),
        ..Fix::default()
    })
}

/// Words that expressions reserve; they cannot name things.
pub(super) const RESERVED: [&str; 19] = [
    "and",
    "or",
    "not",
    "in",
    "between",
    "contains",
    "starts_with",
    "ends_with",
    "is",
    "missing",
    "when",
    "per",
    "where",
    "within",
    "cap",
    "required",
    "true",
    "false",
    "else",
];

const OPERATOR_WORDS: [&str; 9] = [
    "contains",
    "starts_with",
    "ends_with",
    "between",
    "in",
    "is",
    "and",
    "or",
    "not",
];

/// Words that start a model item; met inside a block, they mean the block was not closed.
pub(super) const MODEL_ITEM_WORDS: [&str; 9] = [
    "threshold",
    "dequalify",
    "window",
    "block",
    "let",
    "grade",
    "gate",
    "score",
    "route",
];

impl Ctx<'_> {
    pub(super) fn wants(&self, r: Rule) -> bool {
        self.positives.contains(&r)
    }

    pub(super) fn wants_value(&self) -> bool {
        self.positives.iter().any(|r| {
            matches!(
                r,
                Rule::expr | Rule::unary | Rule::number | Rule::signed_number
            )
        })
    }

    /// The found token's first word (`account` for `account.tier`).
    pub(super) fn word(&self) -> &str {
        let len: usize = self
            .tok
            .chars()
            .take_while(|c| is_word_char(*c))
            .map(char::len_utf8)
            .sum();
        self.tok.get(..len).unwrap_or("")
    }

    pub(super) fn tok_span(&self, len: usize) -> Span {
        Span::new(self.at_tok, self.at_tok + len.max(1))
    }

    pub(super) fn line_word(&self) -> &str {
        lex::line_word(self.text, self.anchor)
    }

    /// The code of the anchor line before the found token.
    pub(super) fn line_before(&self) -> &str {
        let start = lex::line_start(self.text, self.at_tok);
        lex::code_part(self.text.get(start..self.at_tok).unwrap_or(""))
    }
}

/// The first matching hint, most specific first.
pub(super) fn find(c: &Ctx<'_>) -> Option<Fix> {
    let rules: [fn(&Ctx<'_>) -> Option<Fix>; 24] = [
        single_equals,
        within_after_where,
        list_in_parentheses,
        unfinished_line_above,
        item_inside_block,
        score_check,
        gate_state,
        date_without_seconds,
        foreign_operator,
        chained_comparison,
        comment_style,
        duration_slip,
        number_slip,
        required_on_per,
        label_first,
        points_first,
        between_without_and,
        is_without_missing,
        after_previous,
        reserved_word,
        type_synonym,
        did_you_mean,
        quote_text,
        stray_brace,
    ];
    rules.iter().find_map(|r| r(c))
}

fn single_equals(c: &Ctx<'_>) -> Option<Fix> {
    (c.tok == "=" && (c.wants(Rule::cmp_op) || c.wants(Rule::compare))).then(|| Fix {
        code: None,
        message: Some("expected `==` to compare, found `=`".to_string()),
        span: None,
        hint: "use `==` to compare two values (`=` only appears in `let` and `score =`)"
            .to_string(),
    })
}

fn within_after_where(c: &Ctx<'_>) -> Option<Fix> {
    let in_call = c.open.last().is_some_and(|(_, b)| *b == '(');
    let after_where = c.line_before().split_whitespace().any(|w| w == "where");
    (c.word() == "within" && in_call && after_where)
        .then(|| hint("in an aggregation, `within` comes before `where`: `count(events within 7d where kind == \"webinar\")`"))
        .flatten()
}

fn list_in_parentheses(c: &Ctx<'_>) -> Option<Fix> {
    let (open_at, b) = c.open.last()?;
    let before = c.text.get(..*open_at).unwrap_or("").trim_end();
    let called =
        before.ends_with(is_word_char) && !before.ends_with(" in") && !before.ends_with("(in");
    (c.tok == "," && *b == '(' && !called)
        .then(|| hint("a list is written in square brackets: `[\"software\", \"fintech\"]`"))
        .flatten()
}

fn item_inside_block(c: &Ctx<'_>) -> Option<Fix> {
    let (brace, b) = c.open.last()?;
    let w = c.word();
    let in_block = *b == '{' && lex::line_word(c.text, *brace) == "block";
    (in_block
        && !c.brace_unclosed
        && MODEL_ITEM_WORDS.contains(&w)
        && lex::starts_line(c.text, c.at_tok))
    .then(|| {
        hint(format!(
            "a block holds only rules (`25 when ...`); `{w}` goes in the model, outside the block"
        ))
    })
    .flatten()
}

fn score_check(c: &Ctx<'_>) -> Option<Fix> {
    (c.wants(Rule::num_check) && c.tok.starts_with(|ch: char| ch.is_ascii_digit()))
        .then(|| {
            let n = c.tok;
            hint(format!(
                "say how to compare: `== {n}`, `>= {n}`, or a range like `between {n} and ...`"
            ))
        })
        .flatten()
}

fn gate_state(c: &Ctx<'_>) -> Option<Fix> {
    c.wants(Rule::gate_state)
        .then(|| {
            hint(format!(
                "write `expect gate {p} passed` or `expect gate {p} failed`",
                p = c.prev
            ))
        })
        .flatten()
}

fn foreign_operator(c: &Ctx<'_>) -> Option<Fix> {
    // `a <> b` fails at `>`: `<` was read as "less than".
    let after_lt = c.tok == ">" && c.at_tok > 0 && c.text.get(c.at_tok - 1..c.at_tok) == Some("<");
    let (op, start) = if after_lt {
        ("<>", c.at_tok - 1)
    } else {
        (c.tok, c.at_tok)
    };
    let instead = match op {
        "<>" => "`!=` for \"is not equal to\"",
        "&&" => "`and`",
        "||" => "`or`",
        "=>" => "`>=`",
        "=<" => "`<=`",
        "!" => "`not`",
        _ => return None,
    };
    Some(Fix {
        code: None,
        message: Some(format!("`{op}` is not an mqa operator")),
        span: Some(Span::new(start, start + op.len())),
        hint: format!("write {instead}"),
    })
}

fn chained_comparison(c: &Ctx<'_>) -> Option<Fix> {
    let is_cmp = ["==", "!=", "<=", ">=", "<", ">"].contains(&c.tok);
    (is_cmp && !c.wants(Rule::cmp_op) && c.wants(Rule::k_and)).then(|| Fix {
        code: None,
        message: Some(format!("expected `and` or `or` before another comparison, found `{}`", c.tok)),
        span: None,
        hint: "comparisons cannot be chained: write `200 <= x and x <= 5000`, or `x between 200 and 5000`".to_string(),
    })
}

fn required_on_per(c: &Ctx<'_>) -> Option<Fix> {
    let per_rule = c.line_word().starts_with(|ch: char| ch.is_ascii_digit())
        && lex::code_part(c.line_before())
            .split_whitespace()
            .any(|w| w == "per");
    (c.word() == "required" && per_rule)
        .then(|| hint("only `when` rules can be `required`: a `per` rule adds points per record and is not a gate"))
        .flatten()
}

fn label_first(c: &Ctx<'_>) -> Option<Fix> {
    (c.tok.starts_with('"') && c.wants(Rule::k_when) && c.wants(Rule::k_per))
        .then(|| hint("the label comes last: `25 when CONDITION \"Label\"` or `10 per events where CONDITION \"Label\"`"))
        .flatten()
}

fn points_first(c: &Ctx<'_>) -> Option<Fix> {
    (["when", "per"].contains(&c.word()) && c.wants(Rule::signed_number))
        .then(|| hint("a rule starts with its points: `25 when ...` or `10 per events ...`"))
        .flatten()
}

fn between_without_and(c: &Ctx<'_>) -> Option<Fix> {
    if !c.wants(Rule::k_and) || c.wants(Rule::cmp_op) {
        return None;
    }
    let line = c.line_before();
    let after = line.rfind("between").map(|i| line.get(i..).unwrap_or(""))?;
    (!after.split_whitespace().any(|w| w == "and"))
        .then(|| hint("`between` takes two bounds joined by `and`, like `between 200 and 5000`"))
        .flatten()
}

fn is_without_missing(c: &Ctx<'_>) -> Option<Fix> {
    c.wants(Rule::k_missing)
        .then(|| hint("to test for an empty value, write `is missing` (or `is not missing`)"))
        .flatten()
}

fn after_previous(c: &Ctx<'_>) -> Option<Fix> {
    let p = c.prev;
    let h = match p {
        "in" => "`in` needs a list after it, like `in [\"software\", \"fintech\"]`, or the name of a `let` holding one".to_string(),
        "between" => "`between` needs two bounds, like `between 200 and 5000`".to_string(),
        "and" | "or" | "not" if c.wants_value() => format!("`{p}` needs a condition after it"),
        "+" | "-" | "*" | "/" | "==" | "!=" | "<" | "<=" | ">" | ">=" if c.wants_value() || c.wants(Rule::signed_number) => {
            format!("`{p}` needs a value after it")
        }
        "when" => "`when` needs a condition, like `when account.tier == 1`".to_string(),
        "where" => "`where` needs a condition on the records, like `where kind == \"download\"`".to_string(),
        "for" => "`for` needs a condition saying which accounts the model scores, like `for account.regulated`".to_string(),
        "per" => "`per` needs the collection whose records earn points: `events`, `contacts`, `engaged` or a source's name".to_string(),
        "cap" => "`cap` needs the most points the rule can give, like `cap 30`".to_string(),
        "max" if c.wants(Rule::signed_number) => "`max` needs the most points the block can give, like `max 50`".to_string(),
        "threshold" => "`threshold` needs the qualifying score, like `threshold 75`".to_string(),
        "below" => "write `dequalify below N`, like `dequalify below 60`".to_string(),
        "within" | "window" | "half_life" | "linear" => format!("`{p}` needs a duration, like `{p} 30d`"),
        "sla" => "`sla` needs a duration, like `sla 24h`".to_string(),
        "from" => "`from` needs the value to grade, like `from fit` (a block's name)".to_string(),
        "as_of" => "`as_of` needs a date, like `as_of 2026-11-01`".to_string(),
        "none" if c.line_before().trim_end().ends_with("decay none") => {
            "`decay none` takes no duration; to decay over time, write `decay half_life 14d` or `decay linear 30d`".to_string()
        }
        _ => return None,
    };
    hint(h)
}

fn reserved_word(c: &Ctx<'_>) -> Option<Fix> {
    let w = c.word();
    (c.wants(Rule::ident) && RESERVED.contains(&w))
        .then(|| {
            hint(format!(
                "`{w}` is a reserved word and cannot be used as a name"
            ))
        })
        .flatten()
}

/// Keywords named in `phrase` (every word in backticks).
fn backticked(phrase: &str) -> impl Iterator<Item = &str> {
    phrase
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|w| w.split(' ').next())
        .filter(|w| !w.is_empty() && w.chars().all(is_word_char))
}

fn did_you_mean(c: &Ctx<'_>) -> Option<Fix> {
    let word = c.word();
    if !word.starts_with(|ch: char| ch.is_alphabetic()) {
        return None;
    }
    let operators = c.wanted.iter().any(|w| w.contains("operator"));
    let candidates = c
        .wanted
        .iter()
        .flat_map(|p| backticked(p))
        .chain(OPERATOR_WORDS.into_iter().filter(|_| operators));
    let (_, best) = candidates
        .map(|k| (lex::edit_distance(word, k), k))
        .filter(|(d, k)| *d > 0 && *d <= (k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)?;
    hint(format!("did you mean `{best}`?"))
}

fn stray_brace(c: &Ctx<'_>) -> Option<Fix> {
    (c.tok == "}" && !c.wants(Rule::rbrace) && !c.open.iter().any(|(_, b)| *b == '{'))
        .then(|| hint("this `}` has no `{` to close: remove it"))
        .flatten()
}
