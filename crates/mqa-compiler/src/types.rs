//! Typing rules of operators, shared by account-level and record-level
//! expressions. Each returns the graph operator and the result type, or a
//! message and hint for the author.

use crate::graph::{Bin, Ty};
use mqa_syntax::ast::BinaryOp;

pub(crate) struct TypeError {
    pub message: String,
    pub hint: Option<String>,
}

fn err(message: String, hint: Option<&str>) -> TypeError {
    TypeError {
        message,
        hint: hint.map(str::to_string),
    }
}

fn same(a: Ty, b: Ty) -> bool {
    a == b || a == Ty::Unknown || b == Ty::Unknown
}

fn is(t: Ty, want: Ty) -> bool {
    t == want || t == Ty::Unknown
}

/// Result type of `l OP r`.
pub(crate) fn binary(op: BinaryOp, l: Ty, r: Ty) -> Result<(Bin, Ty), TypeError> {
    use BinaryOp as B;
    let sym = op.as_str();
    match op {
        B::And | B::Or => {
            if is(l, Ty::Bool) && is(r, Ty::Bool) {
                Ok((if op == B::And { Bin::And } else { Bin::Or }, Ty::Bool))
            } else {
                let bad = if is(l, Ty::Bool) { r } else { l };
                Err(err(
                    format!(
                        "`{sym}` combines conditions, but this side is {} (not a condition)",
                        article(bad)
                    ),
                    Some("write a comparison, e.g. `account.employees > 100`"),
                ))
            }
        }
        B::Eq | B::Ne => {
            if same(l, r) && !matches!(l, Ty::ListText | Ty::ListNumber) {
                Ok((if op == B::Eq { Bin::Eq } else { Bin::Ne }, Ty::Bool))
            } else {
                Err(mismatch(sym, l, r))
            }
        }
        B::Lt | B::Le | B::Gt | B::Ge => {
            let ok = same(l, r)
                && (is(l, Ty::Number) || is(l, Ty::Time))
                && (is(r, Ty::Number) || is(r, Ty::Time));
            if ok {
                let b = match op {
                    B::Lt => Bin::Lt,
                    B::Le => Bin::Le,
                    B::Gt => Bin::Gt,
                    _ => Bin::Ge,
                };
                Ok((b, Ty::Bool))
            } else if l == Ty::Text && r == Ty::Text {
                Err(err(
                    format!("`{sym}` orders numbers and times, not text"),
                    Some("compare text with `==`, `!=`, `in`, `starts_with` or `ends_with`"),
                ))
            } else {
                Err(mismatch(sym, l, r))
            }
        }
        B::Contains => match (l, r) {
            (Ty::ListText | Ty::Unknown, Ty::Text | Ty::Unknown)
            | (Ty::ListNumber | Ty::Unknown, Ty::Number | Ty::Unknown) => {
                Ok((Bin::Contains, Ty::Bool))
            }
            (Ty::Text, Ty::Text) => Err(err(
                "`contains` tests whether a list holds a value; both sides here are text"
                    .to_string(),
                Some("for text, use `starts_with`, `ends_with` or `==`"),
            )),
            (Ty::ListText | Ty::ListNumber, _) => Err(err(
                format!("`contains` looks for {} in a {}", article(r), l.name()),
                Some("the value and the list items must have the same type"),
            )),
            _ => Err(err(
                format!(
                    "`contains` needs a list on the left, found {}",
                    article(l)
                ),
                Some("`contains` works on `list<text>` and `list<number>` fields; to test a value against a list, write `VALUE in [..]`"),
            )),
        },
        B::StartsWith | B::EndsWith => {
            if is(l, Ty::Text) && is(r, Ty::Text) {
                Ok((
                    if op == B::StartsWith {
                        Bin::StartsWith
                    } else {
                        Bin::EndsWith
                    },
                    Ty::Bool,
                ))
            } else {
                Err(err(
                    format!(
                        "`{sym}` works on text, found {} and {}",
                        article(l),
                        article(r)
                    ),
                    Some(if l == Ty::Number || r == Ty::Number {
                        "compare numbers with `<`, `>`, `==` or `between`"
                    } else {
                        "both sides of `starts_with` and `ends_with` must be text"
                    }),
                ))
            }
        }
        B::Add | B::Sub | B::Mul | B::Div => {
            if is(l, Ty::Number) && is(r, Ty::Number) {
                let b = match op {
                    B::Add => Bin::Add,
                    B::Sub => Bin::Sub,
                    B::Mul => Bin::Mul,
                    _ => Bin::Div,
                };
                Ok((b, Ty::Number))
            } else {
                Err(err(
                    format!(
                        "`{sym}` works on numbers, found {} and {}",
                        article(l),
                        article(r)
                    ),
                    if l == Ty::Time || r == Ty::Time {
                        Some("for the age of a time, use `days_since(t)`")
                    } else if l == Ty::Text || r == Ty::Text {
                        Some("texts cannot be added or multiplied; if the text holds a number, declare the field as `int` or `number`")
                    } else {
                        None
                    },
                ))
            }
        }
    }
}

/// Type check of `value in list`.
pub(crate) fn membership(value: Ty, list: Ty) -> Result<(), TypeError> {
    match (value, list) {
        (Ty::Text | Ty::Unknown, Ty::ListText | Ty::Unknown)
        | (Ty::Number | Ty::Unknown, Ty::ListNumber | Ty::Unknown) => Ok(()),
        (_, Ty::ListText | Ty::ListNumber) => Err(err(
            format!("`in` looks for {} in a {}", article(value), list.name()),
            Some(if value == Ty::Number {
                "the value and the list items must have the same type: quote the items only if the value is a text"
            } else {
                "the value and the list items must have the same type"
            }),
        )),
        _ => Err(err(
            format!("`in` needs a list on the right, found {}", article(list)),
            Some(if list == Ty::Text {
                "to compare with one text use `==`; for several, write a list like `[\"software\", \"fintech\"]`"
            } else {
                "write a list like `[\"software\", \"fintech\"]` or name a `let` that holds one"
            }),
        )),
    }
}

/// Type check of `value between lo and hi`.
pub(crate) fn between(v: Ty, lo: Ty, hi: Ty) -> Result<(), TypeError> {
    let ordered = |t: Ty| matches!(t, Ty::Number | Ty::Time | Ty::Unknown);
    if ordered(v) && same(v, lo) && same(v, hi) && same(lo, hi) {
        return Ok(());
    }
    if !ordered(v) {
        return Err(err(
            format!(
                "`between` works on numbers and times, but the value is {}",
                article(v)
            ),
            Some(if v == Ty::Text {
                "to test text values, list them with `in [\"a\", \"b\"]` or use `starts_with`"
            } else {
                "`between A and B` tests a number or a time against two bounds"
            }),
        ));
    }
    let bad = if same(v, lo) { hi } else { lo };
    Err(err(
        format!(
            "`between` compares {} with bounds of another type ({})",
            article(v),
            bad.name()
        ),
        Some(if v == Ty::Number && bad == Ty::Text {
            "write the bounds as plain numbers, without quotes"
        } else {
            "the value and both bounds must have the same type"
        }),
    ))
}

fn mismatch(sym: &str, l: Ty, r: Ty) -> TypeError {
    let list = |t: Ty| matches!(t, Ty::ListText | Ty::ListNumber);
    if list(l) && list(r) {
        return err(
            format!("`{sym}` cannot compare two lists"),
            Some("to test whether a list holds a value, use `contains` or `in`"),
        );
    }
    let hint = match (l, r) {
        (Ty::Text, Ty::Number) | (Ty::Number, Ty::Text) => Some(
            "numbers are written without quotes (`500`), texts with them (`\"software\"`); both sides need the same type",
        ),
        (Ty::Time, Ty::Number) | (Ty::Number, Ty::Time) => {
            Some("to compare a time's age in days, use `days_since(...)`, e.g. `days_since(t) < 30`")
        }
        (Ty::Time, Ty::Text) | (Ty::Text, Ty::Time) => Some(
            "rule files have no date values; compare ages with `days_since(...)`, e.g. `days_since(t) < 30`",
        ),
        (Ty::Bool, _) | (_, Ty::Bool) => {
            Some("a condition is already true or false: use it directly, or `not` it")
        }
        (Ty::ListText | Ty::ListNumber, _) | (_, Ty::ListText | Ty::ListNumber) => {
            Some("to test list membership, use `in` or `contains`")
        }
        _ => None,
    };
    err(
        format!("`{sym}` compares {} with {}", article(l), article(r)),
        hint,
    )
}

/// "a number", "a text", "a list<text>"...
pub(crate) fn article(t: Ty) -> String {
    match t {
        Ty::Unknown => "a value of unknown type".to_string(),
        Ty::ListText | Ty::ListNumber => format!("a {}", t.name()),
        _ => format!("a {}", t.name()),
    }
}
