//! A model's decision for one account, read off its evaluated slots:
//! score, gates, qualification, route and grades.

use super::value::Value;
use super::{Evaluator, Scratch};
use crate::intern::Sym;
use mqa_compiler::graph::NodeId;

/// The outcome of one model for one account (what `csv` output needs).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub model: u16,
    pub account: u32,
    /// NaN when a custom `score =` is missing for this account.
    pub score: f64,
    pub qualified: bool,
    /// Values of the model's grades, in declaration order.
    pub grades: InlineList<Sym, 4>,
    /// Indices (into the model's gates) of failed gates, in declaration order.
    pub failed_gates: InlineList<u16, 8>,
    /// Index of the chosen route (only when qualified).
    pub route: Option<u16>,
}

/// A short list kept inside the decision: up to `N` values need no
/// allocation (the usual case: a model has a few grades and gates), more
/// go to the heap. Reads as a slice (`iter`, `first`, `len`, indexing).
#[derive(Clone)]
pub struct InlineList<T: Copy, const N: usize>(Repr<T, N>);

#[derive(Clone)]
enum Repr<T, const N: usize> {
    Empty,
    /// The first `.0` values are the list's.
    Inline(u8, [T; N]),
    Heap(Box<[T]>),
}

impl<T: Copy, const N: usize> InlineList<T, N> {
    /// An empty list.
    #[inline]
    pub fn new() -> Self {
        InlineList(Repr::Empty)
    }

    /// Appends a value.
    #[inline]
    pub fn push(&mut self, x: T) {
        match &mut self.0 {
            Repr::Empty if N == 0 => self.0 = Repr::Heap(Box::new([x])),
            Repr::Empty => self.0 = Repr::Inline(1, [x; N]),
            Repr::Inline(len, items) => match items.get_mut(usize::from(*len)) {
                Some(slot) => {
                    *slot = x;
                    *len += 1;
                }
                None => {
                    let mut v = items.to_vec();
                    v.push(x);
                    self.0 = Repr::Heap(v.into_boxed_slice());
                }
            },
            // Past `N` (rare): a copy per value.
            Repr::Heap(b) => {
                let mut v = std::mem::take(b).into_vec();
                v.push(x);
                *b = v.into_boxed_slice();
            }
        }
    }
}

impl<T: Copy, const N: usize> Default for InlineList<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const N: usize> std::ops::Deref for InlineList<T, N> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match &self.0 {
            Repr::Empty => &[],
            Repr::Inline(len, items) => items.get(..usize::from(*len)).unwrap_or(&[]),
            Repr::Heap(v) => v,
        }
    }
}

impl<'a, T: Copy, const N: usize> IntoIterator for &'a InlineList<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Copy, const N: usize> FromIterator<T> for InlineList<T, N> {
    #[inline]
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut l = Self::new();
        for x in iter {
            l.push(x);
        }
        l
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for InlineList<T, N> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// Shown as the list it holds (as a `Vec` would be).
impl<T: Copy + std::fmt::Debug, const N: usize> std::fmt::Debug for InlineList<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'e> Evaluator<'e> {
    /// Scores one account with one model; `None` when the model's `for` does not hold.
    pub fn decide(&'e self, model: usize, a: usize, scratch: &mut Scratch<'e>) -> Option<Decision> {
        self.run_nodes(model, a, scratch);
        self.decision_from_slots(model, a, scratch)
    }

    /// Builds the decision from evaluated slots.
    pub fn decision_from_slots(
        &self,
        model: usize,
        a: usize,
        scratch: &Scratch<'e>,
    ) -> Option<Decision> {
        let g = self.program.models.get(model)?;
        let slot = |id: NodeId| {
            scratch
                .slots
                .get(id.index())
                .copied()
                .unwrap_or(Value::Missing)
        };
        if let Some(app) = g.applies {
            if !slot(app).is_true() {
                return None;
            }
        }
        let score = match slot(g.score) {
            Value::Num(v) => v,
            _ => f64::NAN,
        };
        let mut failed_gates = InlineList::new();
        for (i, gate) in g.gates.iter().enumerate() {
            if !slot(gate.condition).is_true() {
                failed_gates.push(u16::try_from(i).unwrap_or(u16::MAX));
            }
        }
        let qualified = score >= g.threshold && failed_gates.is_empty();
        let route = if qualified {
            g.routes
                .iter()
                .position(|r| r.condition.is_none_or(|c| slot(c).is_true()))
                .map(|i| u16::try_from(i).unwrap_or(u16::MAX))
        } else {
            None
        };
        let grades = g
            .grades
            .iter()
            .map(|gr| match slot(gr.node) {
                Value::Text(s) => s,
                _ => Sym::MISSING,
            })
            .collect();
        Some(Decision {
            model: u16::try_from(model).unwrap_or(u16::MAX),
            account: u32::try_from(a).unwrap_or(u32::MAX),
            score,
            qualified,
            grades,
            failed_gates,
            route,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::InlineList;

    #[test]
    fn a_decision_is_no_larger_than_with_two_vecs() {
        assert!(std::mem::size_of::<super::Decision>() <= 72);
    }

    #[test]
    fn inline_list_reads_as_the_values_pushed_past_its_capacity() {
        for n in 0..12u16 {
            let mut none: InlineList<u16, 0> = InlineList::new();
            let mut l: InlineList<u16, 4> = InlineList::new();
            let mut v = Vec::new();
            for x in 0..n {
                l.push(x * 3);
                none.push(x * 3);
                v.push(x * 3);
                assert_eq!(&*l, v.as_slice());
                assert_eq!(&*none, v.as_slice());
            }
            assert_eq!(format!("{l:?}"), format!("{v:?}"));
            assert_eq!(l, v.iter().copied().collect::<InlineList<u16, 4>>());
            assert_eq!(l.is_empty(), n == 0);
        }
    }
}
