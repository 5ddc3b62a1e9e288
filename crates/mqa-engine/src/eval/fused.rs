//! Fused scans: a model's aggregations and per-record rules whose condition
//! and field read columns only ([`Pred::is_plain`], [`Read::Text`],
//! [`Read::Num`]) are grouped by the records they walk — the account's
//! events, its contacts, its engaged contacts of one window, the signals of
//! one source — and each group is computed in one pass per account. The
//! members of a group may have different windows: the pass walks the
//! longest, each member from its own first row. A decay factor is computed
//! once per record and decay, not once per rule.
//!
//! Every result is computed with the operations, and in the order, of
//! [`Evaluator::aggregate`] and [`Evaluator::per_record`] (the same records
//! in the same order, `points × factor` per record, the same sums), so a
//! fused result is the interpreted one to the bit. Anything else stays with
//! the node-by-node evaluation.

use super::pred::{Pred, Read};
use super::scan::{MICROS, SMALL_DISTINCT};
use super::value::Value;
use super::Evaluator;
use crate::intern::Sym;
use mqa_compiler::graph::*;

/// The fused scans of one model.
#[derive(Debug, Default)]
pub(crate) struct ModelPlan<'e> {
    groups: Vec<Group<'e>>,
    /// The constant nodes.
    pub(crate) consts: Vec<usize>,
    /// The other nodes left to the node-by-node evaluation, in order.
    pub(crate) steps: Vec<usize>,
}

/// The records a group walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    Events,
    Contacts,
    /// Engaged contacts, by the window of the events that engage them.
    Engaged(i64),
    Source(u16),
}

/// Members of one group at most (one bit each in a row's mask).
const MAX_MEMBERS: usize = 64;

#[derive(Debug)]
struct Group<'e> {
    walk: Walk,
    /// The text column most members' conditions start with `== constant`
    /// on, and per constant the mask of those members: a record goes to
    /// those members whose constant its value is, and to the `always` ones.
    key: Option<Key<'e>>,
    /// Members every record goes to.
    always: u64,
    /// The members' distinct windows in seconds (timed walks; one unused
    /// entry otherwise).
    windows: Vec<i64>,
    /// The per-record members' distinct decays (timed walks only).
    decays: Vec<DecayKind>,
    members: Vec<Member<'e>>,
}

/// A group's key column, and per constant the members it goes to.
#[derive(Debug)]
struct Key<'e> {
    col: &'e [Sym],
    table: Vec<(Sym, u64)>,
}

#[derive(Debug)]
struct Member<'e> {
    /// The node the member computes.
    node: usize,
    /// Index into the group's `windows`.
    window: usize,
    /// The condition (what of it the group's key does not already test).
    pred: Option<Pred<'e>>,
    acc: Acc<'e>,
}

/// What a member accumulates over the records that pass its condition.
#[derive(Debug)]
enum Acc<'e> {
    Count,
    Any,
    All,
    DistinctText(&'e [Sym]),
    DistinctNum(&'e [f64]),
    /// `sum`, `avg`, `min` or `max` of a number column.
    Numbers(AggKind, &'e [f64]),
    /// Per-record points; `decay` indexes the group's `decays`.
    Points {
        points: f64,
        decay: Option<usize>,
        cap: Option<f64>,
    },
}

/// A member's running state during a pass.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    /// First row of the member's window.
    start: usize,
    n: u64,
    sum: f64,
    best: Option<f64>,
    /// `any` found / `all` still holds.
    flag: bool,
    /// The distinct keys are collected for sorting (past `SMALL_DISTINCT`).
    sorted: bool,
}

/// Working memory of the fused passes (one per thread, in [`super::Scratch`]).
#[derive(Debug, Default)]
pub(crate) struct FusedScratch {
    states: Vec<State>,
    keys: Vec<Vec<u64>>,
    starts: Vec<usize>,
    /// Per decay of the group: the row its factor was computed for, and the factor.
    factors: Vec<(usize, f64)>,
    marks: Vec<bool>,
}

impl<'e> Evaluator<'e> {
    /// Groups every model's plain scans (after `compile_scans`).
    pub(crate) fn plan_fusion(&self) -> Vec<ModelPlan<'e>> {
        (0..self.program.models.len())
            .map(|m| self.plan_model(m))
            .collect()
    }

    /// How many nodes of model `m` the fused passes compute.
    #[cfg(test)]
    pub(crate) fn fused_nodes(&self, m: usize) -> usize {
        self.plans
            .get(m)
            .map_or(0, |p| p.groups.iter().map(|g| g.members.len()).sum())
    }

    /// How many fused passes model `m` makes per account.
    #[cfg(test)]
    pub(crate) fn fused_groups(&self, m: usize) -> usize {
        self.plans.get(m).map_or(0, |p| p.groups.len())
    }

    fn plan_model(&self, m: usize) -> ModelPlan<'e> {
        let mut plan = ModelPlan::default();
        let Some(g) = self.program.models.get(m) else {
            return plan;
        };
        for (i, n) in g.nodes.iter().enumerate() {
            match self.member(m, i, n) {
                Some((scan, decay, member)) => add_member(&mut plan.groups, scan, decay, member),
                None if matches!(n, Node::Const(_)) => plan.consts.push(i),
                None => plan.steps.push(i),
            }
        }
        for g in &mut plan.groups {
            g.dispatch();
        }
        plan
    }

    /// The fused member for node `i` of model `m`, with its scan and decay,
    /// when the node is a scan whose condition and field read columns only.
    fn member(&self, m: usize, i: usize, n: &'e Node) -> Option<(&'e Scan, DecayKind, Member<'e>)> {
        let c = self.compiled(m, i)?;
        if !c.pred.as_ref().is_none_or(Pred::is_plain) {
            return None;
        }
        let (scan, decay, acc) = match n {
            Node::Aggregate { kind, scan, .. } => {
                let acc = match (kind, &c.read) {
                    (AggKind::Count, _) => Acc::Count,
                    (AggKind::Any, _) => Acc::Any,
                    (AggKind::All, _) => Acc::All,
                    (AggKind::Distinct, Some(Read::Text(col))) => Acc::DistinctText(col),
                    (AggKind::Distinct, Some(Read::Num(col))) => Acc::DistinctNum(col),
                    (
                        AggKind::Sum | AggKind::Avg | AggKind::Min | AggKind::Max,
                        Some(Read::Num(col)),
                    ) => Acc::Numbers(*kind, col),
                    _ => return None,
                };
                (scan, DecayKind::None, acc)
            }
            Node::PerRecord {
                points,
                scan,
                decay,
                cap,
            } => (
                scan,
                *decay,
                Acc::Points {
                    points: *points,
                    decay: None,
                    cap: *cap,
                },
            ),
            _ => return None,
        };
        Some((
            scan,
            decay,
            Member {
                node: i,
                window: 0,
                pred: c.pred.clone(),
                acc,
            },
        ))
    }
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
                self.walk_timed(g, r.start, ats, fs);
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
            Walk::Engaged(window) => {
                let mut marks = std::mem::take(&mut fs.marks);
                self.engaged_marks(a, window, &mut marks);
                let start = self.data.contacts.of_account(a).start;
                for (i, m) in marks.iter().enumerate() {
                    if *m {
                        self.feed(g, start + i, None, fs);
                    }
                }
                fs.marks = marks;
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
        let end = base + ats.partition_point(|&t| t <= self.as_of);
        fs.starts.clear();
        for &w in &g.windows {
            let floor = self.window_floor(w);
            fs.starts.push(base + ats.partition_point(|&t| t <= floor));
        }
        for (st, m) in fs.states.iter_mut().zip(&g.members) {
            st.start = fs.starts.get(m.window).copied().unwrap_or(usize::MAX);
        }
        let first = fs.starts.iter().copied().min().unwrap_or(end);
        for row in first..end {
            let at = ats.get(row - base).copied();
            self.feed(g, row, at, fs);
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

/// Adds a member to the group of its walk (a new group for a new walk).
fn add_member<'e>(groups: &mut Vec<Group<'e>>, scan: &Scan, decay: DecayKind, mut m: Member<'e>) {
    let walk = match scan.collection {
        Collection::Events => Walk::Events,
        Collection::Contacts => Walk::Contacts,
        Collection::Engaged => Walk::Engaged(scan.window),
        Collection::Source(s) => Walk::Source(s),
    };
    let g = match groups
        .iter()
        .position(|g| g.walk == walk && g.members.len() < MAX_MEMBERS)
    {
        Some(i) => i,
        None => {
            groups.push(Group {
                walk,
                key: None,
                always: 0,
                windows: Vec::new(),
                decays: Vec::new(),
                members: Vec::new(),
            });
            groups.len() - 1
        }
    };
    let Some(g) = groups.get_mut(g) else {
        return;
    };
    let timed = scan.collection.is_timed();
    let window = if timed { scan.window } else { 0 };
    m.window = index_of(&mut g.windows, window);
    if let Acc::Points { decay: d, .. } = &mut m.acc {
        if timed && decay != DecayKind::None {
            *d = Some(index_of(&mut g.decays, decay));
        }
    }
    g.members.push(m);
}

/// The text column and constant a condition starts with (`col == s`, or
/// `col == s and …`), and the rest of it.
fn leading_eq<'p, 'e>(p: &'p Pred<'e>) -> Option<(&'e [Sym], Sym, Option<&'p Pred<'e>>)> {
    match p {
        Pred::TextEq(col, s) if !s.is_missing() => Some((col, *s, None)),
        Pred::And(x, y) => match &**x {
            Pred::TextEq(col, s) if !s.is_missing() => Some((col, *s, Some(&**y))),
            _ => None,
        },
        _ => None,
    }
}

fn same_column(a: &[Sym], b: &[Sym]) -> bool {
    std::ptr::eq(a, b)
}

impl Group<'_> {
    /// Chooses the key column (the one most members test first) and splits
    /// those members' conditions into the key's constant and the rest.
    fn dispatch(&mut self) {
        let mut cols: Vec<(&[Sym], usize)> = Vec::new();
        for m in &self.members {
            if matches!(m.acc, Acc::All) {
                continue;
            }
            if let Some((col, _, _)) = m.pred.as_ref().and_then(leading_eq) {
                match cols.iter_mut().find(|(c, _)| same_column(c, col)) {
                    Some((_, n)) => *n += 1,
                    None => cols.push((col, 1)),
                }
            }
        }
        let key = cols.iter().max_by_key(|(_, n)| *n).map(|(c, _)| *c);
        let mut table: Vec<(Sym, u64)> = Vec::new();
        self.always = 0;
        for (i, m) in self.members.iter_mut().enumerate() {
            let bit = 1u64 << i;
            let split = match (key, m.pred.as_ref().and_then(leading_eq)) {
                (Some(k), Some((col, s, rest))) if !matches!(m.acc, Acc::All) => {
                    same_column(k, col).then(|| (s, rest.cloned()))
                }
                _ => None,
            };
            match split {
                Some((s, rest)) => {
                    match table.iter_mut().find(|(x, _)| *x == s) {
                        Some((_, mask)) => *mask |= bit,
                        None => table.push((s, bit)),
                    }
                    m.pred = rest;
                }
                None => self.always |= bit,
            }
        }
        self.key = key.map(|col| Key { col, table });
    }
}

/// The index of `x` in `v`, added when absent.
fn index_of<T: PartialEq>(v: &mut Vec<T>, x: T) -> usize {
    match v.iter().position(|y| *y == x) {
        Some(i) => i,
        None => {
            v.push(x);
            v.len() - 1
        }
    }
}

#[cfg(test)]
#[path = "fused_tests.rs"]
mod tests;
