//! The usual account-level nodes evaluated in place: their inputs are read
//! from the slots by reference and their value is written straight into
//! their slot. A [`Value`] returned through the stack and copied whole into
//! a slot is read back (16 bytes at once) before its parts (a tag byte, a
//! payload) are stored: a store-forwarding stall per node, which was most
//! of the cost of these nodes. Each path computes exactly what
//! [`Evaluator::node`] does (the operators of `value.rs`); any other node,
//! or other operand types, goes to [`Evaluator::node`].

use super::value::Value;
use super::{Evaluator, Scratch};
use crate::data::{Column, BOOL_MISSING};
use mqa_compiler::graph::*;

impl<'e> Evaluator<'e> {
    /// Evaluates node `i` of `model` for account `a` into its slot.
    #[inline(always)]
    pub(crate) fn step(
        &'e self,
        model: usize,
        i: usize,
        node: &'e Node,
        a: usize,
        scratch: &mut Scratch<'e>,
    ) {
        let slots = &mut scratch.slots;
        let done = match node {
            Node::When { points, condition } => {
                let v = if is_true_at(slots, *condition) {
                    *points
                } else {
                    0.0
                };
                set_num(slots, i, v);
                true
            }
            Node::BlockSum { rules, max } => {
                let mut s = 0.0;
                for r in rules {
                    s += num_at(slots, *r).unwrap_or(0.0);
                }
                set_num(slots, i, max.map_or(s, |m| s.min(m)));
                true
            }
            Node::Sum(items) => {
                let mut s = 0.0;
                for r in items {
                    s += num_at(slots, *r).unwrap_or(0.0);
                }
                set_num(slots, i, s);
                true
            }
            Node::AccountField(f) => match self.data.accounts.fields.get(*f as usize) {
                Some(Column::Number(v)) => {
                    match v.get(a) {
                        Some(x) if !x.is_nan() => set_num(slots, i, *x),
                        _ => set(slots, i, Value::Missing),
                    }
                    true
                }
                Some(Column::Bool(v)) => {
                    match v.get(a) {
                        Some(b) if *b != BOOL_MISSING => set_bool(slots, i, *b == 1),
                        _ => set(slots, i, Value::Missing),
                    }
                    true
                }
                Some(Column::Text(v)) => {
                    match v.get(a) {
                        Some(s) if !s.is_missing() => set(slots, i, Value::Text(*s)),
                        _ => set(slots, i, Value::Missing),
                    }
                    true
                }
                _ => false,
            },
            Node::Unary(Un::Not, x) => {
                // `not` of anything but a bool is unknown.
                match slots.get(x.index()) {
                    Some(Value::Bool(b)) => {
                        let b = !*b;
                        set_bool(slots, i, b);
                    }
                    _ => set(slots, i, Value::Missing),
                }
                true
            }
            Node::Binary(op, x, y) => self.binary_in_place(*op, *x, *y, i, slots),
            Node::Between(v, lo, hi) => {
                match (num_at(slots, *v), num_at(slots, *lo), num_at(slots, *hi)) {
                    (Some(x), Some(l), Some(h)) => {
                        set_bool(slots, i, l <= x && x <= h);
                        true
                    }
                    _ => false,
                }
            }
            Node::Grade {
                value,
                bands,
                otherwise,
            } => {
                let label = match num_at(slots, *value) {
                    Some(v) => bands
                        .iter()
                        .find(|(_, bound)| v >= *bound)
                        .map_or(*otherwise, |(l, _)| *l),
                    None => *otherwise,
                };
                let s = self.sym(label);
                set(slots, i, Value::Text(s));
                true
            }
            _ => false,
        };
        if !done {
            let v = self.node(model, i, node, a, scratch);
            set(&mut scratch.slots, i, v);
        }
    }

    /// A binary node on numbers (comparisons), bools (`and`, `or`) or a
    /// text and a text list (`in`, `not in`), in place; `false` for other
    /// operands (left to [`Evaluator::node`]).
    #[inline(always)]
    fn binary_in_place(
        &self,
        op: Bin,
        x: NodeId,
        y: NodeId,
        i: usize,
        slots: &mut [Value<'e>],
    ) -> bool {
        match op {
            Bin::Eq | Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => {
                let (Some(l), Some(r)) = (num_at(slots, x), num_at(slots, y)) else {
                    return false;
                };
                match op {
                    // As `binary`: `==` and `!=` by `==`, an order by
                    // `partial_cmp` (unknown when unordered).
                    Bin::Eq => set_bool(slots, i, l == r),
                    Bin::Ne => set_bool(slots, i, l != r),
                    _ => match l.partial_cmp(&r) {
                        Some(o) => set_bool(
                            slots,
                            i,
                            match op {
                                Bin::Lt => o.is_lt(),
                                Bin::Le => o.is_le(),
                                Bin::Gt => o.is_gt(),
                                _ => o.is_ge(),
                            },
                        ),
                        None => set(slots, i, Value::Missing),
                    },
                }
                true
            }
            Bin::And | Bin::Or => {
                let (Some(l), Some(r)) = (kleene_at(slots, x), kleene_at(slots, y)) else {
                    return false;
                };
                // Kleene logic, as `binary`.
                let v = match (op, l, r) {
                    (Bin::And, Some(false), _) | (Bin::And, _, Some(false)) => Some(false),
                    (Bin::And, Some(true), Some(true)) => Some(true),
                    (Bin::Or, Some(true), _) | (Bin::Or, _, Some(true)) => Some(true),
                    (Bin::Or, Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                match v {
                    Some(b) => set_bool(slots, i, b),
                    None => set(slots, i, Value::Missing),
                }
                true
            }
            Bin::In | Bin::NotIn => {
                let found = match (slots.get(x.index()), slots.get(y.index())) {
                    (Some(Value::Text(s)), Some(Value::Texts(l))) => l.contains(s),
                    _ => return false,
                };
                set_bool(slots, i, if op == Bin::In { found } else { !found });
                true
            }
            _ => false,
        }
    }
}

/// Whether a slot holds `true` (read in place).
#[inline(always)]
pub(crate) fn is_true_at(slots: &[Value<'_>], id: NodeId) -> bool {
    matches!(slots.get(id.index()), Some(Value::Bool(true)))
}

/// A slot's number (read in place).
#[inline(always)]
pub(crate) fn num_at(slots: &[Value<'_>], id: NodeId) -> Option<f64> {
    match slots.get(id.index()) {
        Some(Value::Num(x)) => Some(*x),
        _ => None,
    }
}

/// A slot as a truth value: `Some(Some(b))` for a bool, `Some(None)` for
/// missing, `None` for any other value.
#[inline(always)]
fn kleene_at(slots: &[Value<'_>], id: NodeId) -> Option<Option<bool>> {
    match slots.get(id.index()) {
        Some(Value::Bool(b)) => Some(Some(*b)),
        Some(Value::Missing) => Some(None),
        _ => None,
    }
}

#[inline(always)]
pub(crate) fn set<'e>(slots: &mut [Value<'e>], i: usize, v: Value<'e>) {
    if let Some(s) = slots.get_mut(i) {
        *s = v;
    }
}

#[inline(always)]
pub(crate) fn set_num(slots: &mut [Value<'_>], i: usize, x: f64) {
    if let Some(s) = slots.get_mut(i) {
        *s = Value::Num(x);
    }
}

#[inline(always)]
pub(crate) fn set_bool(slots: &mut [Value<'_>], i: usize, b: bool) {
    if let Some(s) = slots.get_mut(i) {
        *s = Value::Bool(b);
    }
}
