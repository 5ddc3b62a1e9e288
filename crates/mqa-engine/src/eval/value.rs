//! Runtime values and the operators of spec §6/§9: Kleene logic with missing
//! values, numeric comparisons of int and number alike, exact case-sensitive
//! text comparison on interned symbols, division by zero as missing.

use crate::intern::{Interner, Sym};
use mqa_compiler::graph::{Bin, Un};
use mqa_syntax::time::Micros;

/// A value during evaluation. Lists borrow from the data or the prepared constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Missing,
    Num(f64),
    Bool(bool),
    Text(Sym),
    Time(Micros),
    Texts(&'a [Sym]),
    Nums(&'a [f64]),
}

impl<'a> Value<'a> {
    /// Whether a condition holds: unknown (missing) counts as false.
    #[inline]
    pub fn is_true(self) -> bool {
        matches!(self, Value::Bool(true))
    }

    #[inline]
    pub fn num(self) -> Option<f64> {
        match self {
            Value::Num(v) => Some(v),
            _ => None,
        }
    }

    /// A key for `distinct`: equal values give equal keys (None for missing).
    #[inline]
    pub fn distinct_key(self) -> Option<(u8, u64)> {
        match self {
            Value::Missing => None,
            Value::Num(v) => Some((0, if v == 0.0 { 0 } else { v.to_bits() })),
            Value::Bool(b) => Some((1, u64::from(b))),
            Value::Text(s) => Some((2, u64::from(s.0))),
            Value::Time(t) => Some((3, t as u64)),
            Value::Texts(_) | Value::Nums(_) => None,
        }
    }
}

/// Evaluates a unary operator.
#[inline]
pub fn unary<'a>(op: Un, v: Value<'a>, as_of: Micros, lower: &[Sym]) -> Value<'a> {
    match op {
        Un::Not => match v {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Missing,
        },
        Un::Neg => match v {
            Value::Num(x) => Value::Num(-x),
            _ => Value::Missing,
        },
        Un::IsMissing => Value::Bool(matches!(v, Value::Missing)),
        Un::IsNotMissing => Value::Bool(!matches!(v, Value::Missing)),
        Un::Lower => match v {
            Value::Text(s) => lower
                .get(s.index())
                .map_or(Value::Text(s), |l| Value::Text(*l)),
            _ => Value::Missing,
        },
        Un::DaysSince => match v {
            Value::Time(t) => Value::Num((as_of - t) as f64 / 86_400_000_000.0),
            _ => Value::Missing,
        },
    }
}

/// Evaluates a binary operator (And/Or are Kleene; every other operator is
/// unknown when an operand is missing).
#[inline]
pub fn binary<'a>(op: Bin, a: Value<'a>, b: Value<'a>, interner: &Interner) -> Value<'a> {
    use Value as V;
    match op {
        Bin::And => match (a, b) {
            (V::Bool(false), _) | (_, V::Bool(false)) => V::Bool(false),
            (V::Bool(true), V::Bool(true)) => V::Bool(true),
            _ => V::Missing,
        },
        Bin::Or => match (a, b) {
            (V::Bool(true), _) | (_, V::Bool(true)) => V::Bool(true),
            (V::Bool(false), V::Bool(false)) => V::Bool(false),
            _ => V::Missing,
        },
        _ if matches!(a, V::Missing) || matches!(b, V::Missing) => V::Missing,
        Bin::Eq | Bin::Ne => {
            let eq = match (a, b) {
                (V::Num(x), V::Num(y)) => x == y,
                (V::Text(x), V::Text(y)) => x == y,
                (V::Bool(x), V::Bool(y)) => x == y,
                (V::Time(x), V::Time(y)) => x == y,
                _ => return V::Missing,
            };
            V::Bool(if op == Bin::Eq { eq } else { !eq })
        }
        Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => {
            let ord = match (a, b) {
                (V::Num(x), V::Num(y)) => x.partial_cmp(&y),
                (V::Time(x), V::Time(y)) => Some(x.cmp(&y)),
                _ => None,
            };
            let Some(o) = ord else { return V::Missing };
            V::Bool(match op {
                Bin::Lt => o.is_lt(),
                Bin::Le => o.is_le(),
                Bin::Gt => o.is_gt(),
                _ => o.is_ge(),
            })
        }
        Bin::In | Bin::NotIn => {
            let found = match (a, b) {
                (V::Text(x), V::Texts(l)) => l.contains(&x),
                (V::Num(x), V::Nums(l)) => l.contains(&x),
                _ => return V::Missing,
            };
            V::Bool(if op == Bin::In { found } else { !found })
        }
        Bin::Contains => match (a, b) {
            (V::Texts(l), V::Text(x)) => V::Bool(l.contains(&x)),
            (V::Nums(l), V::Num(x)) => V::Bool(l.contains(&x)),
            _ => V::Missing,
        },
        Bin::StartsWith | Bin::EndsWith => match (a, b) {
            (V::Text(x), V::Text(y)) => {
                let (s, p) = (interner.resolve(x), interner.resolve(y));
                V::Bool(if op == Bin::StartsWith {
                    s.starts_with(p)
                } else {
                    s.ends_with(p)
                })
            }
            _ => V::Missing,
        },
        Bin::Add | Bin::Sub | Bin::Mul | Bin::Div => match (a, b) {
            (V::Num(x), V::Num(y)) => match op {
                Bin::Add => V::Num(x + y),
                Bin::Sub => V::Num(x - y),
                Bin::Mul => V::Num(x * y),
                _ => {
                    if y == 0.0 {
                        V::Missing
                    } else {
                        V::Num(x / y)
                    }
                }
            },
            _ => V::Missing,
        },
    }
}

/// `v between lo and hi` (inclusive); unknown when any is missing.
#[inline]
pub fn between<'a>(v: Value<'a>, lo: Value<'a>, hi: Value<'a>) -> Value<'a> {
    match (v, lo, hi) {
        (Value::Num(x), Value::Num(l), Value::Num(h)) => Value::Bool(l <= x && x <= h),
        (Value::Time(x), Value::Time(l), Value::Time(h)) => Value::Bool(l <= x && x <= h),
        _ => Value::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i() -> Interner {
        Interner::new()
    }

    #[test]
    fn kleene_logic() {
        let (t, f, m) = (Value::Bool(true), Value::Bool(false), Value::Missing);
        let it = i();
        assert_eq!(binary(Bin::Or, m, t, &it), t);
        assert_eq!(binary(Bin::Or, m, f, &it), m);
        assert_eq!(binary(Bin::And, m, f, &it), f);
        assert_eq!(binary(Bin::And, m, t, &it), m);
        assert_eq!(unary(Un::Not, m, 0, &[]), m);
        assert!(!m.is_true());
    }

    #[test]
    fn comparisons_with_missing_are_unknown() {
        let it = i();
        assert_eq!(
            binary(Bin::Gt, Value::Missing, Value::Num(1.0), &it),
            Value::Missing
        );
        assert_eq!(
            binary(Bin::Eq, Value::Num(2.0), Value::Num(2.0), &it),
            Value::Bool(true)
        );
        assert_eq!(
            between(Value::Num(5.0), Value::Num(5.0), Value::Num(6.0)),
            Value::Bool(true)
        );
        assert_eq!(
            between(Value::Missing, Value::Num(5.0), Value::Num(6.0)),
            Value::Missing
        );
    }

    #[test]
    fn division_by_zero_is_missing() {
        let it = i();
        assert_eq!(
            binary(Bin::Div, Value::Num(1.0), Value::Num(0.0), &it),
            Value::Missing
        );
        assert_eq!(
            binary(Bin::Div, Value::Num(1.0), Value::Num(4.0), &it),
            Value::Num(0.25)
        );
    }

    #[test]
    fn days_since_is_fractional_and_signed() {
        let day = 86_400_000_000;
        assert_eq!(
            unary(Un::DaysSince, Value::Time(0), day * 3 / 2, &[]),
            Value::Num(1.5)
        );
        assert_eq!(
            unary(Un::DaysSince, Value::Time(day), 0, &[]),
            Value::Num(-1.0)
        );
        assert_eq!(unary(Un::DaysSince, Value::Missing, 0, &[]), Value::Missing);
    }

    #[test]
    fn text_tests_are_case_sensitive() {
        let mut it = i();
        let a = it.intern("competitor:acme");
        let p = it.intern("competitor:");
        let q = it.intern("Competitor:");
        assert_eq!(
            binary(Bin::StartsWith, Value::Text(a), Value::Text(p), &it),
            Value::Bool(true)
        );
        assert_eq!(
            binary(Bin::StartsWith, Value::Text(a), Value::Text(q), &it),
            Value::Bool(false)
        );
    }
}
