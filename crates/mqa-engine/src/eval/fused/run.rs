//! The fused groups of one account: a group's windows' first rows (and
//! an events group's engaged-contact marks), then each member in a loop of
//! its own over its window's records, in their order, with the operations
//! of the interpreter.

use super::{Acc, FusedScratch, Group, Marks, Member, ModelPlan, State, Walk, NO_FACTOR};
use crate::eval::scan::{MICROS, SMALL_DISTINCT};
use crate::eval::value::Value;
use crate::eval::Evaluator;
use crate::intern::Sym;
use mqa_compiler::graph::{AggKind, DecayKind};
use std::ops::Range;

/// The times of a walk's records: `ats[row - base]` (none when untimed).
#[derive(Clone, Copy)]
struct Times<'a> {
    ats: &'a [i64],
    base: usize,
}

impl Times<'_> {
    const NONE: Times<'static> = Times { ats: &[], base: 0 };

    #[inline(always)]
    fn at(self, row: usize) -> Option<i64> {
        row.checked_sub(self.base)
            .and_then(|i| self.ats.get(i))
            .copied()
    }
}

/// The rows of a range whose value in a text column is a symbol, found
/// eight at a time (the eight values compared at once, then the rows of
/// the equal ones taken in order).
#[derive(Clone)]
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

/// The decay factors of a group's records, computed once per record and
/// decay: `cache[d][row - first]`.
struct Factors<'a> {
    cache: &'a mut [Vec<f64>],
    first: usize,
}

impl<'e> Evaluator<'e> {
    /// Computes the fused nodes of `plan` for account `a` into `slots`.
    pub(crate) fn run_fused(
        &self,
        plan: &ModelPlan<'e>,
        a: usize,
        fs: &mut FusedScratch,
        slots: &mut [Value<'e>],
    ) {
        for g in &plan.groups {
            match g.walk {
                Walk::Events => {
                    let r = self.data.events.of_account(a);
                    let ats = self.data.events.at.get(r.clone()).unwrap_or(&[]);
                    let times = Times { ats, base: r.start };
                    let end = self.window_starts(g, times, &mut fs.starts);
                    if !g.marks.is_empty() {
                        self.mark_engaged(g, a, end, fs);
                    }
                    self.run_timed(g, times, end, fs, slots);
                }
                Walk::Source(s) => {
                    if let Some(Some(src)) = self.sources.get(s as usize) {
                        let r = src.table.of_account(a);
                        let ats = src.table.at.get(r.clone()).unwrap_or(&[]);
                        let times = Times { ats, base: r.start };
                        let end = self.window_starts(g, times, &mut fs.starts);
                        self.run_timed(g, times, end, fs, slots);
                    } else {
                        self.run_untimed(g, 0..0, fs, slots);
                    }
                }
                Walk::Contacts => {
                    self.run_untimed(g, self.data.contacts.of_account(a), fs, slots);
                }
                Walk::Engaged(_) => {
                    // Marked by the events walk, which goes first.
                    let slot = g.marks.first().map_or(usize::MAX, |m| m.1);
                    let contacts = self.data.contacts.of_account(a);
                    let mut rows = std::mem::take(&mut fs.rows);
                    rows.clear();
                    match fs.marks.get(slot) {
                        Some(m) if contacts.len() <= 64 => {
                            let mut bits = m.bits;
                            while bits != 0 {
                                rows.push(contacts.start + bits.trailing_zeros() as usize);
                                bits &= bits - 1;
                            }
                        }
                        Some(m) => {
                            let marked = m.many.iter().enumerate().filter(|(_, m)| **m);
                            rows.extend(marked.map(|(i, _)| contacts.start + i));
                        }
                        None => {}
                    }
                    self.run_untimed(g, rows.iter().copied(), fs, slots);
                    fs.rows = rows;
                }
            }
        }
    }

    /// The first row of each of the group's windows into `starts`; returns
    /// the end of the rows (`at ≤ as_of`): a window's rows are
    /// `as_of − window < at ≤ as_of`, as [`Evaluator::event_rows`].
    fn window_starts(&self, g: &Group<'e>, times: Times<'_>, starts: &mut Vec<usize>) -> usize {
        let ats = times.ats;
        // Records after `as_of` are not loaded: the last record usually
        // answers (one load, not a binary search's chain of them).
        let end = times.base
            + if ats.last().is_none_or(|&t| t <= self.as_of) {
                ats.len()
            } else {
                ats.partition_point(|&t| t <= self.as_of)
            };
        starts.clear();
        for &w in &g.windows {
            let floor = self.window_floor(w);
            starts.push(times.base + ats.partition_point(|&t| t <= floor));
        }
        end
    }

    /// Marks, per engaged window, which of account `a`'s contacts have an
    /// event in it (as [`Evaluator::engaged_marks`]); the events end at `end`.
    fn mark_engaged(&self, g: &Group<'e>, a: usize, end: usize, fs: &mut FusedScratch) {
        let contacts = self.data.contacts.of_account(a);
        if fs.marks.len() < g.marks.len() {
            fs.marks.resize_with(g.marks.len(), Marks::default);
        }
        let col = &self.data.events.contact;
        let n = contacts.len();
        for &(w, slot) in &g.marks {
            let from = fs.starts.get(w).copied().unwrap_or(end);
            let Some(marks) = fs.marks.get_mut(slot) else {
                continue;
            };
            let of = col
                .get(from.min(col.len())..end.min(col.len()))
                .unwrap_or(&[]);
            // The event's contact's place among the account's: one before
            // the first wraps past the end (as does `u32::MAX`, no contact
            // of the account).
            let place = |c: u32| (c as usize).wrapping_sub(contacts.start);
            if n <= 64 {
                let mut bits = 0u64;
                for &c in of {
                    let i = place(c);
                    if i < n {
                        bits |= 1 << i;
                    }
                }
                marks.bits = bits;
            } else {
                marks.many.clear();
                marks.many.resize(n, false);
                for &c in of {
                    if let Some(m) = marks.many.get_mut(place(c)) {
                        *m = true;
                    }
                }
            }
        }
    }

    /// Each member of a timed group over its window's rows (up to `end`).
    fn run_timed(
        &self,
        g: &Group<'e>,
        times: Times<'_>,
        end: usize,
        fs: &mut FusedScratch,
        slots: &mut [Value<'e>],
    ) {
        let first = fs.starts.iter().copied().min().unwrap_or(end);
        if fs.factors.len() < g.decays.len() {
            fs.factors.resize_with(g.decays.len(), Vec::new);
        }
        for f in fs.factors.iter_mut().take(g.decays.len()) {
            f.clear();
            f.resize(end.saturating_sub(first), f64::from_bits(NO_FACTOR));
        }
        let mut factors = Factors {
            cache: &mut fs.factors,
            first,
        };
        for (m, init) in g.members.iter().zip(&g.init) {
            let from = fs.starts.get(m.window).copied().unwrap_or(end);
            let st = self.scan_range(m, *init, from..end, times, g, &mut factors, &mut fs.keys);
            if let Some(slot) = slots.get_mut(m.node) {
                write_result(&m.acc, &st, slot);
            }
        }
    }

    /// Each member of an untimed group (contacts, engaged contacts) over `rows`.
    fn run_untimed(
        &self,
        g: &Group<'e>,
        rows: impl Iterator<Item = usize> + Clone,
        fs: &mut FusedScratch,
        slots: &mut [Value<'e>],
    ) {
        let mut factors = Factors {
            cache: &mut [],
            first: 0,
        };
        for (m, init) in g.members.iter().zip(&g.init) {
            let st = self.scan(
                m,
                *init,
                rows.clone(),
                Times::NONE,
                g,
                &mut factors,
                &mut fs.keys,
            );
            if let Some(slot) = slots.get_mut(m.node) {
                write_result(&m.acc, &st, slot);
            }
        }
    }

    /// [`Self::scan`] over consecutive rows: the rows whose value of the
    /// member's key column is its constant are picked first, in a loop over
    /// the column (not for `all`, which fails at a row without it).
    #[allow(clippy::too_many_arguments)]
    fn scan_range(
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
    fn scan(
        &self,
        m: &Member<'e>,
        st: State,
        rows: impl Iterator<Item = usize> + Clone,
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
        mut rows: impl Iterator<Item = usize> + Clone,
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
/// distinct by search while few, past `SMALL_DISTINCT` collected and sorted.
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
        if sorted || keys.len() >= SMALL_DISTINCT {
            sorted = true;
            keys.push(k);
        } else if !keys.contains(&k) {
            keys.push(k);
        }
    }
    if sorted {
        keys.sort_unstable();
        keys.dedup();
    }
    keys.len() as u64
}

/// Writes a member's value (from its state after the scan) into its slot,
/// in place (see `nodes.rs`).
#[inline(always)]
fn write_result(acc: &Acc<'_>, st: &State, slot: &mut Value<'_>) {
    match acc {
        Acc::Count | Acc::DistinctText(_) | Acc::DistinctNum(_) => *slot = Value::Num(st.n as f64),
        Acc::Any | Acc::All => *slot = Value::Bool(st.flag),
        Acc::Numbers(kind, _) => match kind {
            AggKind::Sum => *slot = Value::Num(st.sum),
            AggKind::Avg => {
                if st.n == 0 {
                    *slot = Value::Missing;
                } else {
                    *slot = Value::Num(st.sum / st.n as f64);
                }
            }
            _ => match st.best {
                Some(b) => *slot = Value::Num(b),
                None => *slot = Value::Missing,
            },
        },
        Acc::Points { cap, .. } => *slot = Value::Num(cap.map_or(st.sum, |c| st.sum.min(c))),
    }
}
