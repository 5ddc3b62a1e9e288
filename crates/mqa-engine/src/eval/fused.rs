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

mod run;

use super::pred::{Pred, Read};
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
    /// Events walks: which contacts the records of a window engage, as
    /// (index into `windows`, index of the marks in [`FusedScratch`]).
    /// Engaged walks: the index of their marks.
    marks: Vec<(usize, usize)>,
    /// The per-record members' distinct decays (timed walks only).
    decays: Vec<DecayKind>,
    members: Vec<Member<'e>>,
}

impl Group<'_> {
    /// A group with no members yet.
    fn new(walk: Walk) -> Self {
        Group {
            walk,
            key: None,
            always: 0,
            marks: Vec::new(),
            windows: Vec::new(),
            decays: Vec::new(),
            members: Vec::new(),
        }
    }
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
    /// Per engaged window: which of the account's contacts are engaged.
    marks: Vec<Vec<bool>>,
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
        mark_engaged(&mut plan.groups);
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
            groups.push(Group::new(walk));
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

/// Has the (first) events walk mark the contacts each engaged walk reads,
/// so that the account's events are walked once; the events walk goes
/// first.
fn mark_engaged(groups: &mut Vec<Group<'_>>) {
    let windows: Vec<i64> = groups
        .iter()
        .filter_map(|g| match g.walk {
            Walk::Engaged(w) => Some(w),
            _ => None,
        })
        .collect();
    if windows.is_empty() {
        return;
    }
    let events = match groups.iter().position(|g| g.walk == Walk::Events) {
        Some(i) => i,
        None => {
            groups.push(Group::new(Walk::Events));
            groups.len() - 1
        }
    };
    let first = groups.remove(events);
    groups.insert(0, first);
    let mut slots: Vec<i64> = Vec::new();
    for g in groups.iter_mut().skip(1) {
        if let Walk::Engaged(w) = g.walk {
            g.marks = vec![(0, index_of(&mut slots, w))];
        }
    }
    if let Some(ev) = groups.first_mut() {
        for (slot, w) in slots.into_iter().enumerate() {
            let window = index_of(&mut ev.windows, w);
            ev.marks.push((window, slot));
        }
    }
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
