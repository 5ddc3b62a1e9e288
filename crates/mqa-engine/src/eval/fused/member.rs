//! One member of a fused group over its records, in their order, with the
//! operations of the interpreter: a loop specialised to what the member
//! accumulates and to its condition (a keyed member's rows picked from its
//! key column first), its decay factors cached per record.

use super::run::{Factors, Times};
use super::{Acc, Group, Member, State, NO_FACTOR};
use crate::eval::scan::{count_distinct, push_distinct, MICROS};
use crate::eval::Evaluator;
use crate::intern::Sym;
use mqa_compiler::graph::{AggKind, DecayKind};
use std::ops::Range;

/// The rows of a range whose value in a text column is a symbol, found
/// eight at a time (the eight values compared at once, then the rows of
/// the equal ones taken in order).
struct KeyRows<'a> {
    /// The column from the range's start; the next values to compare
    /// start at `next`.
    col: &'a [Sym],
    s: Sym,
    start: usize,
    next: usize,
    /// The equal values among the eight before `next`, by place.
    found: u32,
}

impl<'a> KeyRows<'a> {
    fn new(col: &'a [Sym], s: Sym, rows: Range<usize>) -> KeyRows<'a> {
        // Rows past the column have no value: never the symbol.
        let from = rows.start.min(col.len());
        let to = rows.end.min(col.len()).max(from);
        KeyRows {
            col: col.get(from..to).unwrap_or(&[]),
            s,
            start: from,
            next: 0,
            found: 0,
        }
    }
}

impl Iterator for KeyRows<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        loop {
            if self.found != 0 {
                let j = self.found.trailing_zeros() as usize;
                self.found &= self.found - 1;
                // The eight compared last start 8 before `next` (or at a
                // multiple of 8 for the shorter last ones).
                return Some(self.start + (self.next - 1) / 8 * 8 + j);
            }
            let rest = self.col.get(self.next..)?;
            let s = self.s;
            self.found = match <&[Sym; 8]>::try_from(rest.get(..8).unwrap_or(&[])) {
                Ok(eight) => eight
                    .iter()
                    .enumerate()
                    .fold(0, |f, (j, x)| f | (u32::from(*x == s) << j)),
                Err(_) if rest.is_empty() => return None,
                Err(_) => rest
                    .iter()
                    .enumerate()
                    .fold(0, |f, (j, x)| f | (u32::from(*x == s) << j)),
            };
            self.next += rest.len().min(8);
        }
    }
}

impl<'e> Evaluator<'e> {
    /// [`Self::scan`] over consecutive rows: the rows whose value of the
    /// member's key column is its constant are picked first, in a loop over
    /// the column (not for `all`, which fails at a row without it).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn scan_range(
        &self,
        m: &Member<'e>,
        st: State,
        rows: Range<usize>,
        times: Times<'_>,
        g: &Group<'e>,
        factors: &mut Factors<'_>,
        keys: &mut Vec<u64>,
    ) -> State {
        let Some((col, s)) = m.key.filter(|_| !matches!(m.acc, Acc::All)) else {
            return self.scan(m, st, rows, times, g, factors, keys);
        };
        let keyed = KeyRows::new(col, s, rows);
        match &m.pred {
            None => self.scan_by(&m.acc, st, keyed, times, g, factors, keys, |_| true),
            Some(p) => self.scan_by(&m.acc, st, keyed, times, g, factors, keys, |row| {
                p.holds_row(self.interner, row)
            }),
        }
    }

    /// Member `m` over `rows` (in order), from its starting state `st`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn scan(
        &self,
        m: &Member<'e>,
        st: State,
        rows: impl Iterator<Item = usize>,
        times: Times<'_>,
        g: &Group<'e>,
        factors: &mut Factors<'_>,
        keys: &mut Vec<u64>,
    ) -> State {
        let i = self.interner;
        // The condition as `Pred::holds_row` tests it: the leading
        // `field == "constant"` first (its constant is not missing).
        match (m.key, &m.pred) {
            (None, None) => self.scan_by(&m.acc, st, rows, times, g, factors, keys, |_| true),
            (Some((col, s)), None) => {
                self.scan_by(&m.acc, st, rows, times, g, factors, keys, |row| {
                    col.get(row) == Some(&s)
                })
            }
            (None, Some(p)) => self.scan_by(&m.acc, st, rows, times, g, factors, keys, |row| {
                p.holds_row(i, row)
            }),
            (Some((col, s)), Some(p)) => {
                self.scan_by(&m.acc, st, rows, times, g, factors, keys, |row| {
                    col.get(row) == Some(&s) && p.holds_row(i, row)
                })
            }
        }
    }

    /// [`Self::scan`] with the member's condition given as `holds`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn scan_by(
        &self,
        acc: &Acc<'e>,
        mut st: State,
        mut rows: impl Iterator<Item = usize>,
        times: Times<'_>,
        g: &Group<'e>,
        factors: &mut Factors<'_>,
        keys: &mut Vec<u64>,
        holds: impl Fn(usize) -> bool,
    ) -> State {
        match *acc {
            Acc::Count => {
                for row in rows {
                    if holds(row) {
                        st.n += 1;
                    }
                }
            }
            // `any` stops at the first record that passes, `all` at the
            // first that fails.
            Acc::Any => st.flag = rows.any(holds),
            Acc::All => st.flag = rows.all(holds),
            Acc::DistinctText(col) => {
                let keyed = rows.filter_map(|row| match col.get(row) {
                    Some(&s) if !s.is_missing() && holds(row) => Some(s),
                    _ => None,
                });
                st.n = distinct_syms(keyed, keys);
            }
            Acc::DistinctNum(col) => {
                let keyed = rows.filter_map(|row| match col.get(row) {
                    Some(&x) if !x.is_nan() && holds(row) => {
                        Some(if x == 0.0 { 0 } else { x.to_bits() })
                    }
                    _ => None,
                });
                st.n = distinct(keyed, keys);
            }
            Acc::Numbers(kind, col) => {
                for row in rows {
                    if let Some(&x) = col.get(row) {
                        if !x.is_nan() && holds(row) {
                            st.sum += x;
                            st.n += 1;
                            st.best = Some(match st.best {
                                None => x,
                                Some(b) if kind == AggKind::Min => b.min(x),
                                Some(b) => b.max(x),
                            });
                        }
                    }
                }
            }
            Acc::Points { points, decay, .. } => {
                for row in rows {
                    if holds(row) {
                        st.sum += match (decay, times.at(row)) {
                            (Some(d), Some(at)) => points * self.factor(g, factors, d, row, at),
                            _ => points,
                        };
                    }
                }
            }
        }
        st
    }

    /// Decay `d`'s factor for record `row` at `at`, computed once per record.
    #[inline(always)]
    fn factor(
        &self,
        g: &Group<'e>,
        factors: &mut Factors<'_>,
        d: usize,
        row: usize,
        at: i64,
    ) -> f64 {
        let kind = || g.decays.get(d).copied().unwrap_or(DecayKind::None);
        let first = factors.first;
        match factors
            .cache
            .get_mut(d)
            .and_then(|c| c.get_mut(row.wrapping_sub(first)))
        {
            Some(f) => {
                if f.to_bits() == NO_FACTOR {
                    *f = self.decay_factor(kind(), at);
                }
                *f
            }
            None => self.decay_factor(kind(), at),
        }
    }

    /// The factor of a decay for a record at `at` (`points × factor` is what
    /// [`Evaluator::per_record`] adds). Not inlined: a record's age is then
    /// only computed for a record that has points.
    #[inline(never)]
    fn decay_factor(&self, decay: DecayKind, at: i64) -> f64 {
        let age = (self.as_of - at) as f64 / MICROS as f64;
        match decay {
            DecayKind::None => 1.0,
            DecayKind::HalfLife(h) => 0.5f64.powf(age / h),
            DecayKind::Linear(d) => (1.0 - age / d).max(0.0),
        }
    }
}

/// Distinct symbols [`distinct_syms`] keeps in an array.
const FEW: usize = 8;

/// How many distinct symbols (none missing) `values` has: the first
/// [`FEW`] kept in an array that is compared with each value at once (no
/// search), the others by [`distinct`].
#[inline(always)]
fn distinct_syms(mut values: impl Iterator<Item = Sym>, keys: &mut Vec<u64>) -> u64 {
    // Free places hold `Sym::MISSING`, which no value is.
    let mut few = [Sym::MISSING.0; FEW];
    let mut n = 0;
    while let Some(s) = values.next() {
        if few.iter().fold(false, |seen, &x| seen | (x == s.0)) {
            continue;
        }
        match few.get_mut(n) {
            Some(place) => {
                *place = s.0;
                n += 1;
            }
            None => {
                keys.clear();
                keys.extend(few.iter().map(|&x| u64::from(x)));
                let rest = values.map(|s| u64::from(s.0));
                return distinct_more(std::iter::once(u64::from(s.0)).chain(rest), keys);
            }
        }
    }
    n as u64
}

/// How many distinct values `values` has, as `aggregate` counts them: kept
/// distinct by search while few, past a few dozen collected and sorted
/// ([`push_distinct`]).
#[inline(always)]
fn distinct(values: impl Iterator<Item = u64>, keys: &mut Vec<u64>) -> u64 {
    keys.clear();
    distinct_more(values, keys)
}

/// [`distinct`] with the distinct values found so far in `keys`.
#[inline(always)]
fn distinct_more(values: impl Iterator<Item = u64>, keys: &mut Vec<u64>) -> u64 {
    let mut sorted = false;
    for k in values {
        push_distinct(keys, &mut sorted, k);
    }
    count_distinct(keys, sorted) as u64
}
