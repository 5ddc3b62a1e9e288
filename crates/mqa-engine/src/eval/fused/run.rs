//! The fused groups of one account: a group's windows' first rows (and
//! an events group's engaged-contact marks), then each member in a loop of
//! its own (see `member.rs`) over its window's records, and its value
//! written into its slot.

use super::{Acc, FusedScratch, Group, Marks, ModelPlan, State, Walk, NO_FACTOR};
use crate::eval::value::Value;
use crate::eval::Evaluator;
use mqa_compiler::graph::AggKind;

/// The times of a walk's records: `ats[row - base]` (none when untimed).
#[derive(Clone, Copy)]
pub(super) struct Times<'a> {
    pub(super) ats: &'a [i64],
    pub(super) base: usize,
}

impl Times<'_> {
    pub(super) const NONE: Times<'static> = Times { ats: &[], base: 0 };

    #[inline(always)]
    pub(super) fn at(self, row: usize) -> Option<i64> {
        row.checked_sub(self.base)
            .and_then(|i| self.ats.get(i))
            .copied()
    }
}

/// The decay factors of a group's records, computed once per record and
/// decay: `cache[d][row - first]`.
pub(super) struct Factors<'a> {
    pub(super) cache: &'a mut [Vec<f64>],
    pub(super) first: usize,
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
        for m in &g.members {
            let from = fs.starts.get(m.window).copied().unwrap_or(end);
            // No records: the starting state is the result.
            let st = if from < end {
                self.scan_range(
                    m,
                    m.start(),
                    from..end,
                    times,
                    g,
                    &mut factors,
                    &mut fs.keys,
                )
            } else {
                m.start()
            };
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
        for m in &g.members {
            let st = self.scan(
                m,
                m.start(),
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
