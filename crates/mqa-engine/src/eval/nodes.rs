//! The usual account-level nodes, compiled once per evaluator into [`Op`]s
//! and evaluated in place: their operands (slot indices, an account
//! column, a grade's labels as symbols) are in the op, inputs are read from
//! the slots by reference and the value is written straight into the
//! node's slot. A [`Value`] returned through the stack and copied whole
//! into a slot is read back (16 bytes at once) before its parts (a tag
//! byte, a payload) are stored: a store-forwarding stall per node, which
//! was most of the cost of these nodes. Each op computes exactly what
//! [`Evaluator::node`] does (the operators of `value.rs`); any other node,
//! or other operand types, goes to [`Evaluator::node`].

use super::value::Value;
use super::{ConstList, Evaluator, Scratch};
use crate::data::{Column, BOOL_MISSING};
use crate::intern::Sym;
use mqa_compiler::graph::*;

/// An account-level node compiled for in-place evaluation; `i` is the
/// node (and its slot), the other `u32`s the slots of its operands.
#[derive(Debug)]
pub(crate) enum Op<'e> {
    /// A number constant.
    Num {
        i: u32,
        x: f64,
    },
    /// A text list constant.
    Texts {
        i: u32,
        list: Box<[Sym]>,
    },
    /// `points when condition`.
    When {
        i: u32,
        condition: u32,
        points: f64,
    },
    /// A block's (or the score's) sum of its rules, clipped to `max`.
    Sum {
        i: u32,
        items: Box<[u32]>,
        max: Option<f64>,
    },
    FieldNum {
        i: u32,
        col: &'e [f64],
    },
    FieldBool {
        i: u32,
        col: &'e [u8],
    },
    FieldText {
        i: u32,
        col: &'e [Sym],
    },
    Not {
        i: u32,
        x: u32,
    },
    /// `==`, `!=`, `<`, `<=`, `>`, `>=` of two numbers.
    Cmp {
        i: u32,
        op: Bin,
        x: u32,
        y: u32,
    },
    /// `and` (`and: true`) or `or` of two truth values (Kleene).
    Logic {
        i: u32,
        and: bool,
        x: u32,
        y: u32,
    },
    /// A text `in` (`not: false`) or `not in` a text list.
    In {
        i: u32,
        not: bool,
        x: u32,
        y: u32,
    },
    Between {
        i: u32,
        v: u32,
        lo: u32,
        hi: u32,
    },
    /// A grade's bands with their labels as symbols.
    Grade {
        i: u32,
        value: u32,
        bands: Box<[(Sym, f64)]>,
        otherwise: Sym,
    },
    /// Any other node (and the fallback of the ops above).
    General {
        i: u32,
    },
}

impl<'e> Evaluator<'e> {
    /// The op of node `i` (of a model).
    pub(crate) fn compile_op(&self, model: usize, i: usize, node: &Node) -> Op<'e> {
        let Ok(i) = u32::try_from(i) else {
            return Op::General { i: u32::MAX };
        };
        let at = |id: NodeId| id.0;
        match node {
            Node::Const(Const::Number(x)) => Op::Num { i, x: *x },
            Node::Const(Const::TextList(_)) => {
                match self.lists.get(model).and_then(|l| l.get(i as usize)) {
                    Some(ConstList::Texts(list)) => Op::Texts {
                        i,
                        list: list.clone(),
                    },
                    _ => Op::General { i },
                }
            }
            Node::When { points, condition } => Op::When {
                i,
                condition: at(*condition),
                points: *points,
            },
            Node::BlockSum { rules, max } => Op::Sum {
                i,
                items: rules.iter().map(|r| at(*r)).collect(),
                max: *max,
            },
            Node::Sum(items) => Op::Sum {
                i,
                items: items.iter().map(|r| at(*r)).collect(),
                max: None,
            },
            Node::AccountField(f) => match self.data.accounts.fields.get(*f as usize) {
                Some(Column::Number(col)) => Op::FieldNum { i, col },
                Some(Column::Bool(col)) => Op::FieldBool { i, col },
                Some(Column::Text(col)) => Op::FieldText { i, col },
                _ => Op::General { i },
            },
            Node::Unary(Un::Not, x) => Op::Not { i, x: at(*x) },
            Node::Binary(op, x, y) => {
                let (x, y) = (at(*x), at(*y));
                match op {
                    Bin::Eq | Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => {
                        Op::Cmp { i, op: *op, x, y }
                    }
                    Bin::And | Bin::Or => Op::Logic {
                        i,
                        and: *op == Bin::And,
                        x,
                        y,
                    },
                    Bin::In | Bin::NotIn => Op::In {
                        i,
                        not: *op == Bin::NotIn,
                        x,
                        y,
                    },
                    _ => Op::General { i },
                }
            }
            Node::Between(v, lo, hi) => Op::Between {
                i,
                v: at(*v),
                lo: at(*lo),
                hi: at(*hi),
            },
            Node::Grade {
                value,
                bands,
                otherwise,
            } => Op::Grade {
                i,
                value: at(*value),
                bands: bands.iter().map(|(l, b)| (self.sym(*l), *b)).collect(),
                otherwise: self.sym(*otherwise),
            },
            _ => Op::General { i },
        }
    }

    /// Evaluates `op` (of `model`) for account `a` into its slot.
    #[inline(always)]
    pub(crate) fn run_op(
        &'e self,
        model: usize,
        op: &'e Op<'e>,
        a: usize,
        scratch: &mut Scratch<'e>,
    ) {
        let slots = &mut scratch.slots;
        let i = match *op {
            Op::Num { i, x } => return set_num(slots, i, x),
            Op::Texts { i, ref list } => return set(slots, i, Value::Texts(list)),
            Op::When {
                i,
                condition,
                points,
            } => {
                let v = if is_true_at(slots, condition) {
                    points
                } else {
                    0.0
                };
                return set_num(slots, i, v);
            }
            Op::Sum { i, ref items, max } => {
                let mut s = 0.0;
                for r in items {
                    s += num_at(slots, *r).unwrap_or(0.0);
                }
                return set_num(slots, i, max.map_or(s, |m| s.min(m)));
            }
            Op::FieldNum { i, col } => {
                return match col.get(a) {
                    Some(x) if !x.is_nan() => set_num(slots, i, *x),
                    _ => set(slots, i, Value::Missing),
                }
            }
            Op::FieldBool { i, col } => {
                return match col.get(a) {
                    Some(b) if *b != BOOL_MISSING => set_bool(slots, i, *b == 1),
                    _ => set(slots, i, Value::Missing),
                }
            }
            Op::FieldText { i, col } => {
                return match col.get(a) {
                    Some(s) if !s.is_missing() => set(slots, i, Value::Text(*s)),
                    _ => set(slots, i, Value::Missing),
                }
            }
            // `not` of anything but a bool is unknown.
            Op::Not { i, x } => {
                return match slots.get(x as usize) {
                    Some(Value::Bool(b)) => {
                        let b = !*b;
                        set_bool(slots, i, b)
                    }
                    _ => set(slots, i, Value::Missing),
                }
            }
            Op::Cmp { i, op, x, y } => match (num_at(slots, x), num_at(slots, y)) {
                (Some(l), Some(r)) => return compare(slots, i, op, l, r),
                // Unknown when an operand is missing, as `binary`.
                _ if missing_at(slots, x) || missing_at(slots, y) => {
                    return set(slots, i, Value::Missing)
                }
                _ => i,
            },
            Op::Logic { i, and, x, y } => match (kleene_at(slots, x), kleene_at(slots, y)) {
                (Some(l), Some(r)) => {
                    // Kleene logic, as `binary`.
                    let v = match (and, l, r) {
                        (true, Some(false), _) | (true, _, Some(false)) => Some(false),
                        (true, Some(true), Some(true)) => Some(true),
                        (false, Some(true), _) | (false, _, Some(true)) => Some(true),
                        (false, Some(false), Some(false)) => Some(false),
                        _ => None,
                    };
                    return match v {
                        Some(b) => set_bool(slots, i, b),
                        None => set(slots, i, Value::Missing),
                    };
                }
                _ => i,
            },
            Op::In { i, not, x, y } => match (slots.get(x as usize), slots.get(y as usize)) {
                (Some(Value::Text(s)), Some(Value::Texts(l))) => {
                    let found = l.contains(s);
                    return set_bool(slots, i, found != not);
                }
                (Some(Value::Missing), _) | (_, Some(Value::Missing)) => {
                    return set(slots, i, Value::Missing)
                }
                _ => i,
            },
            Op::Between { i, v, lo, hi } => {
                match (num_at(slots, v), num_at(slots, lo), num_at(slots, hi)) {
                    (Some(x), Some(l), Some(h)) => return set_bool(slots, i, l <= x && x <= h),
                    // Unknown when any is missing, as `between`.
                    _ if missing_at(slots, v) || missing_at(slots, lo) || missing_at(slots, hi) => {
                        return set(slots, i, Value::Missing)
                    }
                    _ => i,
                }
            }
            Op::Grade {
                i,
                value,
                ref bands,
                otherwise,
            } => {
                let label = match num_at(slots, value) {
                    Some(v) => bands
                        .iter()
                        .find(|(_, bound)| v >= *bound)
                        .map_or(otherwise, |(l, _)| *l),
                    None => otherwise,
                };
                return set(slots, i, Value::Text(label));
            }
            Op::General { i } => i,
        };
        self.general(model, i as usize, a, scratch);
    }

    /// Node `i` of `model` the general way, into its slot.
    #[inline(never)]
    fn general(&'e self, model: usize, i: usize, a: usize, scratch: &mut Scratch<'e>) {
        let Some(node) = self.program.models.get(model).and_then(|g| g.nodes.get(i)) else {
            return;
        };
        let v = self.node(model, i, node, a, scratch);
        if let Some(s) = scratch.slots.get_mut(i) {
            *s = v;
        }
    }
}

/// A comparison of two numbers, as `binary`: `==` and `!=` by `==`, an
/// order by `partial_cmp` (unknown when unordered).
#[inline(always)]
fn compare(slots: &mut [Value<'_>], i: u32, op: Bin, l: f64, r: f64) {
    match op {
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
}

/// Whether a slot holds `true` (read in place).
#[inline(always)]
fn is_true_at(slots: &[Value<'_>], id: u32) -> bool {
    matches!(slots.get(id as usize), Some(Value::Bool(true)))
}

/// A slot's number (read in place).
#[inline(always)]
fn num_at(slots: &[Value<'_>], id: u32) -> Option<f64> {
    match slots.get(id as usize) {
        Some(Value::Num(x)) => Some(*x),
        _ => None,
    }
}

/// Whether a slot is missing (read in place).
#[inline(always)]
fn missing_at(slots: &[Value<'_>], id: u32) -> bool {
    matches!(slots.get(id as usize), Some(Value::Missing))
}

/// A slot as a truth value: `Some(Some(b))` for a bool, `Some(None)` for
/// missing, `None` for any other value.
#[inline(always)]
fn kleene_at(slots: &[Value<'_>], id: u32) -> Option<Option<bool>> {
    match slots.get(id as usize) {
        Some(Value::Bool(b)) => Some(Some(*b)),
        Some(Value::Missing) => Some(None),
        _ => None,
    }
}

#[inline(always)]
fn set<'e>(slots: &mut [Value<'e>], i: u32, v: Value<'e>) {
    if let Some(s) = slots.get_mut(i as usize) {
        *s = v;
    }
}

#[inline(always)]
fn set_num(slots: &mut [Value<'_>], i: u32, x: f64) {
    if let Some(s) = slots.get_mut(i as usize) {
        *s = Value::Num(x);
    }
}

#[inline(always)]
fn set_bool(slots: &mut [Value<'_>], i: u32, b: bool) {
    if let Some(s) = slots.get_mut(i as usize) {
        *s = Value::Bool(b);
    }
}
