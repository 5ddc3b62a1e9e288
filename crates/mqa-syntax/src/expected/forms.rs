//! How each item is written, for the hint of last resort, and the slip
//! where a line is left unfinished so that the next line's first word is
//! read as its end (`gate x: a or` + `route "sdr" ...`).

use super::hints::{Ctx, Fix};
use super::lex;
use crate::ast::Span;
use crate::parser::Rule;

/// Words that start a line of their own (items and test statements).
const LINE_WORDS: [&str; 19] = [
    "threshold",
    "dequalify",
    "window",
    "block",
    "let",
    "grade",
    "gate",
    "score",
    "route",
    "model",
    "as_of",
    "account",
    "contact",
    "event",
    "signal",
    "expect",
    "schema",
    "source",
    "test",
];

/// `gate x: a or` + next line `route "sdr" ...`: the next line's first word
/// was read as the end of the unfinished line above.
pub(super) fn unfinished_line_above(c: &Ctx<'_>) -> Option<Fix> {
    let prev_end = lex::prev_code_end(c.text, 0, c.at_tok)?;
    let prev_start = prev_end.checked_sub(c.prev.len())?;
    let same_line = !lex::starts_line(c.text, c.at_tok);
    let continuing = c.had_starters
        || [Rule::k_and, Rule::k_or, Rule::add_op, Rule::cmp_op]
            .iter()
            .any(|r| c.wants(*r));
    if !same_line
        || !continuing
        || !lex::starts_line(c.text, prev_start)
        || !LINE_WORDS.contains(&c.prev)
    {
        return None;
    }
    let above_end = lex::prev_code_end(c.text, 0, prev_start)?;
    let last = lex::token_before(c.text, above_end);
    let dangling = [
        "and", "or", "not", "in", "between", "when", "where", "==", "!=", "<", "<=", ">", ">=",
        "+", "-", "*", "/",
    ];
    let span = Some(Span::new(above_end, above_end + 1));
    if dangling.contains(&last) {
        return Some(Fix {
            code: None,
            message: Some(format!("this line ends with `{last}`, so its condition is not finished")),
            span,
            hint: format!(
                "`{}` on the next line was read as part of the condition: finish the condition or remove `{last}`",
                c.prev
            ),
        });
    }
    let above = Ctx {
        anchor: above_end,
        ..*c
    };
    Some(Fix {
        code: None,
        message: Some(format!(
            "this line is not finished, so `{}` on the next line was read as part of it",
            c.prev
        )),
        span,
        hint: form(&above).unwrap_or("finish this line").to_string(),
    })
}

/// How the item on the anchor line (or the one whose `{` is open) is written.
pub(super) fn form(c: &Ctx<'_>) -> Option<&'static str> {
    let word = c.line_word();
    if word.starts_with(|ch: char| ch.is_ascii_digit()) {
        let line = lex::code_part(
            c.text
                .get(lex::line_start(c.text, c.anchor)..)
                .unwrap_or(""),
        );
        let line = line.split('\n').next().unwrap_or("");
        let words: Vec<&str> = line.split_whitespace().collect();
        return Some(if words.contains(&"per") {
            "a per-record rule is written `POINTS per COLLECTION [within D] [where CONDITION] [cap N] [\"Label\"]`, in this order"
        } else if words.contains(&"when") {
            "a rule is written `POINTS when CONDITION [\"Label\"] [required]`, like `25 when account.tier == 1 \"Top tier\"`"
        } else {
            "a rule is written `POINTS when CONDITION ...` or `POINTS per COLLECTION ...`, like `25 when account.tier == 1`"
        });
    }
    if let Some(f) = form_of(word) {
        return Some(f);
    }
    // A line inside a `{ ... }`: the form of what the brace belongs to.
    let (brace, _) = c.open.iter().rev().find(|(_, ch)| *ch == '{')?;
    match lex::line_word(c.text, *brace) {
        "schema" => Some("a schema field is written `name: type`, like `employees: int`"),
        "source" => Some("a setting is written `key: value`, like `path: \"${data}/intent.csv\"`"),
        w => form_of(w),
    }
}

fn form_of(word: &str) -> Option<&'static str> {
    Some(match word {
        "threshold" => "write `threshold N`, like `threshold 75`",
        "dequalify" => "write `dequalify below N`, like `dequalify below 60`",
        "window" => "write `window D`, like `window 90d`",
        "block" => "a block is written `block NAME [\"Title\"] [within D] [decay KIND] [max N] { RULES }`, in this order",
        "grade" => "a grade is written `grade NAME from VALUE { A >= 40, B >= 25, else C }`",
        "gate" => "a gate is written `gate NAME: CONDITION`, like `gate good_fit: account.tier <= 2`",
        "score" => "write `score = EXPRESSION`, like `score = fit + depth`",
        "route" => "a route is written `route \"QUEUE\" sla D [when CONDITION]`, like `route \"sdr\" sla 48h`",
        "let" => "write `let NAME = VALUE`, like `let icp_industries = [\"software\", \"fintech\"]`",
        "model" => "a model is written `model NAME [for CONDITION] { ... }`",
        "source" => "a source is written `source NAME = plugin \"PLUGIN\" { key: value ... }`",
        "schema" => "a schema is written `schema account { name: type ... }` (or `contact`, `event`)",
        "use" => "write `use \"path/to/rules.mqa\"`",
        "test" => "a test is written `test \"what it checks\" { ... }`",
        "as_of" => "write `as_of 2026-11-01` or `as_of 2026-11-01T10:00:00Z`",
        "account" | "event" => "write fields as `name: value`, separated by commas: `account { id: \"acme\", employees: 1200 }`",
        "contact" => "write `contact NAME { role: \"champion\" }`; events refer to the contact by its NAME",
        "signal" => "write `signal SOURCE { topic: \"siem\", at: 2026-10-27 }`",
        "expect" => "an expectation is `qualified`, `not qualified`, `no decision`, `score >= N`, `grade NAME X`, `gate NAME passed`, `route \"QUEUE\"`, `block NAME >= N` or `rule \"Label\" fired`",
        _ => return None,
    })
}
