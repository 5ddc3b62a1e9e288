//! Hints for how things are spelled: durations (`90 days`, `1.5d`, `1y`),
//! numbers (`500K`, `10m`, `1,000`), dates without seconds, text without
//! double quotes, type names from other tools (`integer`, `string`) and
//! comments from other languages (`#`, `/* */`).

use super::hints::{hint, Ctx, Fix};
use super::lex::{self, is_word_char};
use crate::ast::Span;
use crate::parser::Rule;

/// `2026-10-31T10:00`: not a timestamp, so `2026` was read as a number.
pub(super) fn date_without_seconds(c: &Ctx<'_>) -> Option<Fix> {
    let year = c.prev.len() == 4 && c.prev.chars().all(|ch| ch.is_ascii_digit());
    (year && c.tok == "-")
        .then(|| {
            let start = c.at_tok - 4;
            let len = c.text.get(start..).unwrap_or("").chars().take_while(|ch| !ch.is_whitespace() && *ch != ',' && *ch != '}').map(char::len_utf8).sum::<usize>();
            Fix {
                code: Some("E0107"),
                message: Some(format!("{} is not a valid date or time", lex::show(c.text.get(start..start + len).unwrap_or("")))),
                span: Some(Span::new(start, start + len)),
                hint: "write a date as `2026-11-01` or a time as `2026-11-01T10:00:00Z` (with seconds, and `Z` or an offset like `+02:00`)".to_string(),
            }
        })
}

pub(super) fn comment_style(c: &Ctx<'_>) -> Option<Fix> {
    let (message, h) = match c.tok {
        "#" => (
            "`#` does not start a comment in mqa",
            "comments start with `//` and run to the end of the line",
        ),
        "/*" => (
            "`/* ... */` comments are not supported",
            "start each comment line with `//`",
        ),
        _ => return None,
    };
    Some(Fix {
        code: None,
        message: Some(message.to_string()),
        span: None,
        hint: h.to_string(),
    })
}

const UNITS: [(&str, i64, &str); 4] = [
    ("w", 604_800, "weeks"),
    ("d", 86_400, "days"),
    ("h", 3_600, "hours"),
    ("m", 60, "minutes"),
];

fn unit_letter(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "min" | "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" => "h",
        "day" | "days" => "d",
        "wk" | "wks" | "week" | "weeks" => "w",
        _ => return None,
    })
}

pub(super) fn duration_slip(c: &Ctx<'_>) -> Option<Fix> {
    if !c.wants(Rule::duration) || !c.tok.starts_with(|ch: char| ch.is_ascii_digit()) {
        return None;
    }
    let tok = c.tok;
    let digits_len = tok
        .chars()
        .take_while(|ch| ch.is_ascii_digit() || *ch == '.' || *ch == '_')
        .count();
    let (num, suffix) = tok.split_at(digits_len.min(tok.len()));
    let expected = |found: String, h: String, len: usize| {
        Some(Fix {
            code: None,
            message: Some(format!("expected a duration, found {found}")),
            span: Some(c.tok_span(len)),
            hint: h,
        })
    };
    if num.contains('.') {
        let value: f64 = num.replace('_', "").parse().ok()?;
        let unit = UNITS.iter().find(|(u, ..)| *u == suffix);
        let better = unit.and_then(|(_, secs, _)| {
            let total = value * *secs as f64;
            UNITS.iter().find_map(|(u, s, _)| {
                let n = total / *s as f64;
                (n >= 1.0 && n.fract() == 0.0).then(|| format!("{n}{u}"))
            })
        });
        let h = match better {
            Some(b) => format!("a duration is a whole number with a unit: write `{b}`"),
            None => "a duration is a whole number with a unit: use a smaller unit, like `36h` for a day and a half".to_string(),
        };
        return expected(lex::show(tok), h, tok.len());
    }
    if !suffix.is_empty() {
        let h = match suffix.to_ascii_lowercase().as_str() {
            "y" | "yr" | "yrs" | "year" | "years" => "mqa has no years: write `52w` or `365d`".to_string(),
            "mo" | "mon" | "month" | "months" => "mqa has no months: write `30d` or `4w`".to_string(),
            "s" | "sec" | "secs" | "second" | "seconds" => "the shortest unit is minutes: `1m`".to_string(),
            other => match unit_letter(other) {
                Some(u) => format!("write `{num}{u}`"),
                None => "a duration's unit is `m` (minutes), `h` (hours), `d` (days) or `w` (weeks), like `90d`".to_string(),
            },
        };
        return expected(lex::show(tok), h, tok.len());
    }
    // A number alone; maybe the unit follows as a word (`90 days`).
    let after = c.text.get(c.at_tok + tok.len()..).unwrap_or("");
    let next_word: String = after
        .trim_start_matches([' ', '\t'])
        .chars()
        .take_while(|ch| is_word_char(*ch))
        .collect();
    let h = match unit_letter(&next_word) {
        Some(u) => format!("write `{num}{u}`: the unit goes right after the number, without a space"),
        None => format!(
            "a duration needs a unit: `{num}d` (days), `{num}h` (hours), `{num}m` (minutes) or `{num}w` (weeks)"
        ),
    };
    expected(format!("the number `{num}`"), h, tok.len())
}

pub(super) fn number_slip(c: &Ctx<'_>) -> Option<Fix> {
    if !c.wants_value() {
        return None;
    }
    // `1,000`: the error is at the comma.
    if c.tok == "," {
        let digits_before = c.prev.chars().all(|ch| ch.is_ascii_digit()) && !c.prev.is_empty();
        let after = c.text.get(c.at_tok + 1..).unwrap_or("");
        let three = after.chars().take_while(char::is_ascii_digit).count() == 3;
        return (digits_before && three)
            .then(|| hint("write numbers without thousands separators: `1000`, `1_000` or `1k`"))
            .flatten();
    }
    if !c.tok.starts_with(|ch: char| ch.is_ascii_digit()) {
        return None;
    }
    let n = c
        .tok
        .chars()
        .take_while(|ch| ch.is_ascii_digit() || *ch == '.' || *ch == '_')
        .count();
    let (num, suffix) = c.tok.split_at(n.min(c.tok.len()));
    let h = match suffix {
        "" => return None,
        "K" => format!("write `{num}k`: thousands are a lowercase `k`"),
        "m" => format!("`m` means minutes and only goes on durations; for millions write `{num}M`"),
        "mm" | "mn" | "mil" => format!("write `{num}M` for millions"),
        "b" | "bn" => format!("write `{num}B` for billions"),
        "d" | "h" | "w" => format!(
            "a duration like `{}` only goes after `within`, `window`, `sla`, `half_life` or `linear`; to compare with a time, use `days_since(...)`",
            c.tok
        ),
        _ => "numbers may end in `k` (thousands), `M` (millions) or `B` (billions), like `10M`".to_string(),
    };
    hint(h)
}

pub(super) fn type_synonym(c: &Ctx<'_>) -> Option<Fix> {
    if !c.wants(Rule::type_name) {
        return None;
    }
    let t = match c.word().to_ascii_lowercase().as_str() {
        "integer" | "long" | "bigint" | "int64" | "int32" => "int",
        "string" | "str" | "varchar" | "char" => "text",
        "float" | "double" | "decimal" | "real" | "numeric" | "money" | "currency" => "number",
        "boolean" => "bool",
        "date" | "datetime" | "timestamp" => "time",
        "list" | "array" => return hint("a list field is `list<text>` or `list<number>`"),
        _ => return None,
    };
    hint(format!("did you mean `{t}`?"))
}

pub(super) fn quote_text(c: &Ctx<'_>) -> Option<Fix> {
    let wants_text = c.wants(Rule::string) || c.wants(Rule::config_value);
    let first = c.tok.chars().next()?;
    if !wants_text || first == '"' || first.is_ascii_digit() || "{}[]()=:,-".contains(first) {
        return None;
    }
    let rest = c.text.get(c.at_tok..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("");
    let value = if let Some(r) = line.strip_prefix('\'') {
        r.split('\'').next().unwrap_or(r).to_string()
    } else if c.line_word() == "block" {
        // A title: the words up to `{` or the first block option.
        line.split_whitespace()
            .take_while(|w| {
                !["{", "within", "decay", "max"].contains(w) && w.chars().all(is_word_char)
            })
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        line.split([' ', '\t', ','])
            .next()
            .unwrap_or("")
            .to_string()
    };
    if value.is_empty() {
        return None;
    }
    let what = if c.line_word() == "block" {
        "a block title"
    } else {
        "text"
    };
    hint(format!("{what} is written in double quotes: `\"{value}\"`"))
}
