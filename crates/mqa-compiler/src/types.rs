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
            | (Ty::ListNumber, Ty::Number | Ty::Unknown) => Ok((Bin::Contains, Ty::Bool)),
            (Ty::Text, Ty::Text) => Err(err(
                "`contains` tests whether a list holds a value; both sides here are text"
                    .to_string(),
                Some("for text, use `starts_with`, `ends_with` or `==`"),
            )),
            _ => Err(err(
                format!(
                    "`contains` needs a list on the left and a value on the right, found {} and {}",
                    article(l),
                    article(r)
                ),
                None,
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
                    None,
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
        | (Ty::Number | Ty::Unknown, Ty::ListNumber) => Ok(()),
        (_, Ty::ListText | Ty::ListNumber) => Err(err(
            format!("`in` compares {} with a {}", article(value), list.name()),
            Some("the value and the list items must have the same type"),
        )),
        _ => Err(err(
            format!("`in` needs a list on the right, found {}", article(list)),
            Some("write a list like `[\"software\", \"fintech\"]` or name a `let` that holds one"),
        )),
    }
}

/// Type check of `value between lo and hi`.
pub(crate) fn between(v: Ty, lo: Ty, hi: Ty) -> Result<(), TypeError> {
    let ordered = |t: Ty| matches!(t, Ty::Number | Ty::Time | Ty::Unknown);
    if ordered(v) && same(v, lo) && same(v, hi) && same(lo, hi) {
        Ok(())
    } else {
        Err(err(
            format!(
                "`between` needs numbers or times of one type, found {}, {} and {}",
                article(v),
                article(lo),
                article(hi)
            ),
            None,
        ))
    }
}

fn mismatch(sym: &str, l: Ty, r: Ty) -> TypeError {
    let hint = match (l, r) {
        (Ty::Text, Ty::Number) | (Ty::Number, Ty::Text) => {
            Some("quote text values (`\"5000\"`) or compare a number field with a number")
        }
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
