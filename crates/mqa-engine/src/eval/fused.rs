//! Fused scans: a model's aggregations and per-record rules whose condition
//! and field read columns only ([`Pred::is_plain`], [`Read::Text`],
//! [`Read::Num`]) are grouped by the records they walk — the account's
//! events, its contacts, its engaged contacts of one window, the signals of
//! one source. Per account, a group finds its windows' first rows once (an
//! events group also marks the engaged contacts), then computes each member
//! in its own tight loop over its window's records: a loop specialised to
//! what the member accumulates, that tests the condition's leading
//! `field == "constant"` (usually `kind == ".."`) before the rest. The
//! records of one account sit together, so the loops after the first read
//! them from the cache. A decay factor is computed once per record and
//! decay, not once per rule.
//!
//! Every result is computed with the operations, and in the order, of
//! [`Evaluator::aggregate`] and [`Evaluator::per_record`] (the same records
//! in the same order, `points × factor` per record, the same sums), so a
//! fused result is the interpreted one to the bit. Anything else stays with
//! the node-by-node evaluation.

mod member;
mod plan;
mod run;

use super::nodes::Op;
use super::pred::{Pred, Read};
use super::Evaluator;
use crate::intern::Sym;
use mqa_compiler::graph::*;
use plan::{add_member, mark_engaged};

/// How one model's nodes are evaluated: its constants, its fused scans
/// (groups) and its other nodes compiled into ops.
#[derive(Debug, Default)]
pub(crate) struct ModelPlan<'e> {
    /// The fused scans.
    groups: Vec<Group<'e>>,
    /// The constant nodes.
    pub(crate) consts: Vec<Op<'e>>,
    /// The other nodes, evaluated one by one in order.
    pub(crate) ops: Vec<Op<'e>>,
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

#[derive(Debug)]
struct Group<'e> {
    walk: Walk,
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
            marks: Vec::new(),
            windows: Vec::new(),
            decays: Vec::new(),
            members: Vec::new(),
        }
    }
}

#[derive(Debug)]
struct Member<'e> {
    /// The node the member computes.
    node: usize,
    /// Index into the group's `windows`.
    window: usize,
    /// The condition's leading `field == "constant"` (a text column and a
    /// symbol that is not [`Sym::MISSING`]), tested before the rest.
    key: Option<(&'e [Sym], Sym)>,
    /// The condition, or what follows its `key`.
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
    n: u64,
    sum: f64,
    best: Option<f64>,
    /// `any` found / `all` still holds.
    flag: bool,
}

impl Member<'_> {
    /// The member's state before a pass (its result when no record passes).
    #[inline]
    fn start(&self) -> State {
        State {
            flag: matches!(self.acc, Acc::All),
            ..State::default()
        }
    }
}

/// A decay factor not computed yet (a NaN no computation gives).
const NO_FACTOR: u64 = u64::MAX;

/// Working memory of the fused passes (one per thread, in [`super::Scratch`]).
#[derive(Debug, Default)]
pub(crate) struct FusedScratch {
    /// The distinct keys a `distinct` member found.
    keys: Vec<u64>,
    /// Per decay of the group, per record from the first of the longest
    /// window: its factor, or [`NO_FACTOR`]'s bits while not computed.
    factors: Vec<Vec<f64>>,
    /// The first row of each of the group's windows.
    starts: Vec<usize>,
    /// The engaged contacts' rows (engaged walks).
    rows: Vec<usize>,
    /// Per engaged window: which of the account's contacts are engaged.
    marks: Vec<Marks>,
}

/// Which of an account's contacts are engaged: by place among the
/// account's, one bit each when it has at most 64, else one `bool` each.
#[derive(Debug, Default)]
struct Marks {
    bits: u64,
    many: Vec<bool>,
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
                None if matches!(n, Node::Const(_)) => plan.consts.push(self.compile_op(m, i, n)),
                None => plan.ops.push(self.compile_op(m, i, n)),
            }
        }
        mark_engaged(&mut plan.groups);
        for g in &mut plan.groups {
            g.finish();
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
                key: None,
                pred: c.pred.clone(),
                acc,
            },
        ))
    }
}

#[cfg(test)]
#[path = "fused_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "fused/distinct_tests.rs"]
mod distinct_tests;
