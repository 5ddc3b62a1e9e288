//! The fused pass of one group for one account: the records of the
//! group's walk in their order, each given to the members its key value
//! (and the `always` mask) names, with the operations of the interpreter.

use super::{Acc, FusedScratch, Group, ModelPlan, State, Walk};
use crate::eval::scan::{MICROS, SMALL_DISTINCT};
use crate::eval::value::Value;
use crate::eval::Evaluator;
use mqa_compiler::graph::{AggKind, DecayKind};

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
            self.run_group(g, a, fs);
            for (m, st) in g.members.iter().zip(&fs.states) {
                let keys = fs.keys.get(m.node).map_or(0, Vec::len);
                if let Some(slot) = slots.get_mut(m.node) {
                    write_result(&m.acc, st, keys, slot);
                }
            }
        }
    }

    /// One pass over the group's records of account `a`.
    fn run_group(&self, g: &Group<'e>, a: usize, fs: &mut FusedScratch) {
        // Reset in place (a `State` built whole and copied in costs a
        // store-forwarding stall per member).
        fs.states.resize(g.members.len(), State::default());
        for (st, m) in fs.states.iter_mut().zip(&g.members) {
            st.start = 0;
            st.n = 0;
            st.sum = 0.0;
            st.best = None;
            st.flag = matches!(m.acc, Acc::All);
            st.sorted = false;
        }
        for m in &g.members {
            if matches!(m.acc, Acc::DistinctText(_) | Acc::DistinctNum(_)) {
                if fs.keys.len() <= m.node {
                    fs.keys.resize_with(m.node + 1, Vec::new);
                }
                if let Some(k) = fs.keys.get_mut(m.node) {
                    k.clear();
                }
            }
        }
        fs.factors.clear();
        fs.factors.resize(g.decays.len(), (usize::MAX, 0.0));
        match g.walk {
            Walk::Events => {
                let r = self.data.events.of_account(a);
                let ats = self.data.events.at.get(r.clone()).unwrap_or(&[]);
                if g.marks.is_empty() {
                    self.walk_timed(g, r.start, ats, fs);
                } else {
                    self.walk_events_marking(g, a, r.start, ats, fs);
                }
            }
            Walk::Source(s) => {
                if let Some(Some(src)) = self.sources.get(s as usize) {
                    let r = src.table.of_account(a);
                    let ats = src.table.at.get(r.clone()).unwrap_or(&[]);
                    self.walk_timed(g, r.start, ats, fs);
                }
            }
            Walk::Contacts => {
                for row in self.data.contacts.of_account(a) {
                    self.feed(g, row, None, fs);
                }
            }
            Walk::Engaged(_) => {
                // Marked by the events walk, which goes first.
                let slot = g.marks.first().map_or(usize::MAX, |m| m.1);
                let marks = match fs.marks.get_mut(slot) {
                    Some(m) => std::mem::take(m),
                    None => Vec::new(),
                };
                let start = self.data.contacts.of_account(a).start;
                for (i, m) in marks.iter().enumerate() {
                    if *m {
                        self.feed(g, start + i, None, fs);
                    }
                }
                if let Some(m) = fs.marks.get_mut(slot) {
                    *m = marks;
                }
            }
        }
        for (m, st) in g.members.iter().zip(&fs.states) {
            if st.sorted {
                if let Some(k) = fs.keys.get_mut(m.node) {
                    k.sort_unstable();
                    k.dedup();
                }
            }
        }
    }

    /// Walks the timed records `base..` (times `ats`) in the longest window;
    /// each member from the first row of its own window
    /// (`as_of − window < at ≤ as_of`, as [`Evaluator::event_rows`]).
    fn walk_timed(&self, g: &Group<'e>, base: usize, ats: &[i64], fs: &mut FusedScratch) {
        let end = self.window_starts(g, base, ats, fs);
        let first = fs.starts.iter().copied().min().unwrap_or(end);
        for row in first..end {
            let at = ats.get(row - base).copied();
            self.feed(g, row, at, fs);
        }
    }

    /// The first row of each of the group's windows into `fs.starts` and
    /// each member's state; returns the end of the rows (`at ≤ as_of`).
    fn window_starts(
        &self,
        g: &Group<'e>,
        base: usize,
        ats: &[i64],
        fs: &mut FusedScratch,
    ) -> usize {
        // Records after `as_of` are not loaded: the last record usually
        // answers (one load, not a binary search's chain of them).
        let end = base
            + if ats.last().is_none_or(|&t| t <= self.as_of) {
                ats.len()
            } else {
                ats.partition_point(|&t| t <= self.as_of)
            };
        fs.starts.clear();
        for &w in &g.windows {
            let floor = self.window_floor(w);
            fs.starts.push(base + ats.partition_point(|&t| t <= floor));
        }
        for (st, m) in fs.states.iter_mut().zip(&g.members) {
            st.start = fs.starts.get(m.window).copied().unwrap_or(usize::MAX);
        }
        end
    }

    /// [`Self::walk_timed`] over the account's events that also marks, per
    /// engaged window, the account's contacts with an event in it (as
    /// [`Evaluator::engaged_marks`]).
    fn walk_events_marking(
        &self,
        g: &Group<'e>,
        a: usize,
        base: usize,
        ats: &[i64],
        fs: &mut FusedScratch,
    ) {
        let cr = self.data.contacts.of_account(a);
        if fs.marks.len() < g.marks.len() {
            fs.marks.resize_with(g.marks.len(), Vec::new);
        }
        for m in &mut fs.marks {
            m.clear();
            m.resize(cr.len(), false);
        }
        let end = self.window_starts(g, base, ats, fs);
        let first = fs.starts.iter().copied().min().unwrap_or(end);
        for row in first..end {
            let at = ats.get(row - base).copied();
            self.feed(g, row, at, fs);
            let c = self.event_contact(row);
            if !cr.contains(&c) {
                continue;
            }
            for &(window, slot) in &g.marks {
                if fs.starts.get(window).is_some_and(|&s| row >= s) {
                    if let Some(m) = fs.marks.get_mut(slot).and_then(|m| m.get_mut(c - cr.start)) {
                        *m = true;
                    }
                }
            }
        }
    }

    /// Gives one record (row `row`, time `at` when timed) to every member.
    #[inline(always)]
    fn feed(&self, g: &Group<'e>, row: usize, at: Option<i64>, fs: &mut FusedScratch) {
        let FusedScratch {
            states,
            keys,
            factors,
            ..
        } = fs;
        let mut mask = g.always;
        if let Some(key) = &g.key {
            if let Some(&k) = key.col.get(row) {
                for &(s, bits) in &key.table {
                    if k == s {
                        mask |= bits;
                    }
                }
            }
        }
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let (Some(m), Some(st)) = (g.members.get(i), states.get_mut(i)) else {
                continue;
            };
            if row < st.start {
                continue;
            }
            match m.acc {
                // `any` stops testing once true, `all` once false.
                Acc::Any if st.flag => continue,
                Acc::All if !st.flag => continue,
                _ => {}
            }
            let pass = m
                .pred
                .as_ref()
                .is_none_or(|p| p.holds_row(self.interner, row));
            if !pass {
                if let Acc::All = m.acc {
                    st.flag = false;
                }
                continue;
            }
            match m.acc {
                Acc::Count => st.n += 1,
                Acc::Any => st.flag = true,
                Acc::All => {}
                Acc::DistinctText(col) => {
                    if let Some(&s) = col.get(row) {
                        if !s.is_missing() {
                            add_key(st, keys.get_mut(m.node), u64::from(s.0));
                        }
                    }
                }
                Acc::DistinctNum(col) => {
                    if let Some(&x) = col.get(row) {
                        if !x.is_nan() {
                            let k = if x == 0.0 { 0 } else { x.to_bits() };
                            add_key(st, keys.get_mut(m.node), k);
                        }
                    }
                }
                Acc::Numbers(kind, col) => {
                    if let Some(&x) = col.get(row) {
                        if !x.is_nan() {
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
                Acc::Points { points, decay, .. } => {
                    let p = match (decay, at) {
                        (Some(d), Some(at)) => match factors.get_mut(d) {
                            Some(f) => {
                                if f.0 != row {
                                    let kind = g.decays.get(d).copied().unwrap_or(DecayKind::None);
                                    *f = (row, self.decay_factor(kind, at));
                                }
                                points * f.1
                            }
                            None => points,
                        },
                        _ => points,
                    };
                    st.sum += p;
                }
            }
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

/// Adds a distinct key as `aggregate` does: searched while few, else
/// collected for sorting.
#[inline]
fn add_key(st: &mut State, keys: Option<&mut Vec<u64>>, k: u64) {
    let Some(keys) = keys else {
        return;
    };
    if st.sorted || keys.len() >= SMALL_DISTINCT {
        st.sorted = true;
        keys.push(k);
    } else if !keys.contains(&k) {
        keys.push(k);
    }
}

/// Writes a member's value after the pass (`keys`: how many distinct
/// keys it found) into its slot, in place (see `nodes.rs`).
#[inline(always)]
fn write_result(acc: &Acc<'_>, st: &State, keys: usize, slot: &mut Value<'_>) {
    match acc {
        Acc::Count => *slot = Value::Num(st.n as f64),
        Acc::Any | Acc::All => *slot = Value::Bool(st.flag),
        Acc::DistinctText(_) | Acc::DistinctNum(_) => *slot = Value::Num(keys as f64),
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
