//! The evaluator: runs a compiled model graph for one account at `as_of`.
//!
//! Nodes are evaluated in their (topological) order into a slot array, so
//! every node is computed once per account. Scans walk the account's slice of
//! a collection — events and signals are sorted by time within an account, so
//! a window is a binary search plus a contiguous suffix.

pub mod value;

pub use decision::Decision;

mod decision;
mod fused;
mod nodes;
mod pred;
pub(crate) mod scan;
#[cfg(test)]
mod test_setup;

use crate::data::{Column, DataRef, SignalTable, BOOL_MISSING, TIME_MISSING};
use crate::intern::{Interner, Sym};
use crate::signals::JoinKey;
use mqa_compiler::graph::*;
use mqa_syntax::time::Micros;
use value::{between, binary, unary, Value};

/// Signals of one declared source, joined to accounts.
#[derive(Debug, Clone)]
pub struct SourceData {
    pub table: SignalTable,
    pub join: JoinKey,
}

/// String constants of a program as interned symbols, and the lowercase map
/// when the program uses `lower`.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub strs: Vec<Sym>,
    pub lower: Vec<Sym>,
}

/// Interns a program's constants (before data is shared across threads).
pub fn prepare(program: &Program, interner: &mut Interner) -> Prepared {
    let strs = program.strings.iter().map(|s| interner.intern(s)).collect();
    let lower = if uses_lower(program) {
        let n = interner.len();
        let mut map = Vec::with_capacity(n);
        for i in 0..n {
            let s = interner
                .resolve(Sym(u32::try_from(i).unwrap_or(u32::MAX)))
                .to_lowercase();
            map.push(interner.intern(&s));
        }
        map
    } else {
        Vec::new()
    };
    Prepared { strs, lower }
}

/// Whether a rule of `program` uses `lower` (which maps every text
/// interned when the program is prepared, so the data must be loaded first).
pub(crate) fn uses_lower(program: &Program) -> bool {
    program.models.iter().any(|m| {
        m.nodes.iter().any(|n| match n {
            Node::Unary(Un::Lower, _) => true,
            Node::Aggregate { scan, field, .. } => {
                scan.filter.as_ref().is_some_and(rec_uses_lower)
                    || field.as_ref().is_some_and(rec_uses_lower)
            }
            Node::PerRecord { scan, .. } => scan.filter.as_ref().is_some_and(rec_uses_lower),
            _ => false,
        })
    })
}

/// Whether a rule of `program` reads an event's own `id` (the loader does
/// not intern event ids unless one does).
pub fn reads_event_ids(program: &Program) -> bool {
    fn uses_id(e: &RecExpr) -> bool {
        match e {
            RecExpr::Field(RecField::Id) => true,
            RecExpr::Unary(_, a) => uses_id(a),
            RecExpr::Binary(_, a, b) => uses_id(a) || uses_id(b),
            RecExpr::Between(a, b, c) => uses_id(a) || uses_id(b) || uses_id(c),
            _ => false,
        }
    }
    let scan_uses = |scan: &Scan, field: Option<&RecExpr>| {
        scan.collection == Collection::Events
            && (scan.filter.as_ref().is_some_and(uses_id) || field.is_some_and(uses_id))
    };
    program.models.iter().any(|m| {
        m.nodes.iter().any(|n| match n {
            Node::Aggregate { scan, field, .. } => scan_uses(scan, field.as_ref()),
            Node::PerRecord { scan, .. } => scan_uses(scan, None),
            _ => false,
        })
    })
}

fn rec_uses_lower(e: &RecExpr) -> bool {
    match e {
        RecExpr::Unary(Un::Lower, _) => true,
        RecExpr::Unary(_, a) => rec_uses_lower(a),
        RecExpr::Binary(_, a, b) => rec_uses_lower(a) || rec_uses_lower(b),
        RecExpr::Between(a, b, c) => rec_uses_lower(a) || rec_uses_lower(b) || rec_uses_lower(c),
        _ => false,
    }
}

/// Per-thread working memory.
#[derive(Debug, Default)]
pub struct Scratch<'e> {
    pub slots: Vec<Value<'e>>,
    /// The model whose constants `slots` hold (they are the same for every
    /// account: written once, not per account).
    consts_of: Option<usize>,
    engaged: Vec<bool>,
    /// The account and window `engaged` was marked for.
    engaged_for: Option<(usize, i64)>,
    keys: Vec<(u8, u64)>,
    fused: fused::FusedScratch,
}

/// Runs compiled models over a loaded data set.
pub struct Evaluator<'e> {
    pub program: &'e Program,
    pub data: DataRef<'e>,
    pub interner: &'e Interner,
    pub sources: &'e [Option<SourceData>],
    pub as_of: Micros,
    prepared: &'e Prepared,
    /// Constant lists per model and node.
    lists: Vec<Vec<ConstList>>,
    /// Column of the account's `domain` field (for signals joined by domain).
    domain_col: Option<usize>,
    /// Compiled scans per model and node (aggregations and per-record rules).
    compiled: Vec<Vec<Option<pred::CompiledScan<'e>>>>,
    /// Fused scans per model (built from `compiled`).
    plans: Vec<fused::ModelPlan<'e>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) enum ConstList {
    #[default]
    None,
    Texts(Box<[Sym]>),
    Nums(Box<[f64]>),
}

impl<'e> Evaluator<'e> {
    pub fn new(
        program: &'e Program,
        data: DataRef<'e>,
        interner: &'e Interner,
        prepared: &'e Prepared,
        sources: &'e [Option<SourceData>],
        as_of: Micros,
    ) -> Evaluator<'e> {
        let sym = |id: StrId| {
            prepared
                .strs
                .get(id.0 as usize)
                .copied()
                .unwrap_or(Sym::MISSING)
        };
        let lists = program
            .models
            .iter()
            .map(|m| {
                m.nodes
                    .iter()
                    .map(|n| match n {
                        Node::Const(Const::TextList(v)) => {
                            ConstList::Texts(v.iter().map(|s| sym(*s)).collect())
                        }
                        Node::Const(Const::NumberList(v)) => {
                            ConstList::Nums(v.clone().into_boxed_slice())
                        }
                        _ => ConstList::None,
                    })
                    .collect()
            })
            .collect();
        let domain_col = program
            .schemas
            .account
            .iter()
            .position(|f| f.name == "domain");
        let mut ev = Evaluator {
            program,
            data,
            interner,
            sources,
            as_of,
            prepared,
            lists,
            domain_col,
            compiled: Vec::new(),
            plans: Vec::new(),
        };
        ev.compiled = ev.compile_scans();
        ev.plans = ev.plan_fusion();
        ev
    }

    fn compiled(&self, model: usize, node: usize) -> Option<&pred::CompiledScan<'e>> {
        self.compiled.get(model)?.get(node)?.as_ref()
    }

    pub fn sym(&self, id: StrId) -> Sym {
        self.prepared
            .strs
            .get(id.0 as usize)
            .copied()
            .unwrap_or(Sym::MISSING)
    }

    fn const_value(&self, model: usize, node: usize, c: &Const) -> Value<'_> {
        match c {
            Const::Number(v) => Value::Num(*v),
            Const::Text(s) => Value::Text(self.sym(*s)),
            Const::Bool(b) => Value::Bool(*b),
            Const::TextList(_) | Const::NumberList(_) => {
                match self.lists.get(model).and_then(|l| l.get(node)) {
                    Some(ConstList::Texts(v)) => Value::Texts(v),
                    Some(ConstList::Nums(v)) => Value::Nums(v),
                    _ => Value::Missing,
                }
            }
        }
    }

    /// Evaluates every node of `model` for account row `a` into `scratch.slots`:
    /// the constants, then the fused scans (they read no other node), then
    /// the other nodes' ops in order.
    pub fn run_nodes(&'e self, model: usize, a: usize, scratch: &mut Scratch<'e>) {
        let (Some(g), Some(plan)) = (self.program.models.get(model), self.plans.get(model)) else {
            return;
        };
        // Every slot is written below (each node is a constant, a fused
        // scan or an op) before it is read: no reset between accounts.
        if scratch.slots.len() != g.nodes.len() {
            scratch.slots.clear();
            scratch.slots.resize(g.nodes.len(), Value::Missing);
            scratch.consts_of = None;
        }
        if scratch.consts_of != Some(model) {
            for op in &plan.consts {
                self.run_op(model, op, a, scratch);
            }
            scratch.consts_of = Some(model);
        }
        self.run_fused(plan, a, &mut scratch.fused, &mut scratch.slots);
        for op in &plan.ops {
            self.run_op(model, op, a, scratch);
        }
    }

    /// A node's value (the general way; see `nodes.rs` for the usual ones).
    #[inline]
    fn node(
        &'e self,
        model: usize,
        i: usize,
        node: &'e Node,
        a: usize,
        scratch: &mut Scratch<'e>,
    ) -> Value<'e> {
        let slot = |s: &Scratch<'e>, id: NodeId| {
            s.slots.get(id.index()).copied().unwrap_or(Value::Missing)
        };
        match node {
            Node::Const(c) => self.const_value(model, i, c),
            Node::AccountId => self
                .data
                .accounts
                .id
                .get(a)
                .map_or(Value::Missing, |s| Value::Text(*s)),
            Node::AccountField(f) => self
                .data
                .accounts
                .fields
                .get(*f as usize)
                .map_or(Value::Missing, |c| col_value(c, a)),
            Node::Unary(op, x) => unary(*op, slot(scratch, *x), self.as_of, &self.prepared.lower),
            Node::Binary(op, x, y) => {
                binary(*op, slot(scratch, *x), slot(scratch, *y), self.interner)
            }
            Node::Between(v, lo, hi) => {
                between(slot(scratch, *v), slot(scratch, *lo), slot(scratch, *hi))
            }
            Node::Aggregate { kind, scan, field } => match self.compiled(model, i) {
                Some(c) => self.aggregate_by(
                    *kind,
                    scan,
                    field.is_some(),
                    a,
                    scratch,
                    |rec, s| c.pred.as_ref().is_none_or(|p| p.holds(self, rec, a, s)),
                    |rec, s| {
                        c.read
                            .as_ref()
                            .map_or(Value::Missing, |r| r.value(self, rec, a, s))
                    },
                ),
                None => self.aggregate(*kind, scan, field.as_ref(), a, scratch),
            },
            Node::PerRecord {
                points,
                scan,
                decay,
                cap,
            } => {
                let sum = match self.compiled(model, i) {
                    Some(c) => self.per_record_by(*points, scan, *decay, a, scratch, |rec, s| {
                        c.pred.as_ref().is_none_or(|p| p.holds(self, rec, a, s))
                    }),
                    None => self.per_record(*points, scan, *decay, a, scratch, |_, _| {}),
                };
                Value::Num(cap.map_or(sum, |c| sum.min(c)))
            }
            Node::When { points, condition } => {
                Value::Num(if slot(scratch, *condition).is_true() {
                    *points
                } else {
                    0.0
                })
            }
            Node::BlockSum { rules, max } => {
                let mut s = 0.0;
                for r in rules {
                    s += slot(scratch, *r).num().unwrap_or(0.0);
                }
                Value::Num(max.map_or(s, |m| s.min(m)))
            }
            Node::Sum(items) => {
                let mut s = 0.0;
                for r in items {
                    s += slot(scratch, *r).num().unwrap_or(0.0);
                }
                Value::Num(s)
            }
            Node::Grade {
                value,
                bands,
                otherwise,
            } => {
                let label = match slot(scratch, *value) {
                    Value::Num(v) => bands
                        .iter()
                        .find(|(_, bound)| v >= *bound)
                        .map_or(*otherwise, |(l, _)| *l),
                    _ => *otherwise,
                };
                Value::Text(self.sym(label))
            }
        }
    }
}

/// The value of a column cell (sentinels become [`Value::Missing`]).
#[inline]
pub fn col_value(c: &Column, row: usize) -> Value<'_> {
    match c {
        Column::Text(v) => match v.get(row) {
            Some(s) if !s.is_missing() => Value::Text(*s),
            _ => Value::Missing,
        },
        Column::Number(v) => match v.get(row) {
            Some(x) if !x.is_nan() => Value::Num(*x),
            _ => Value::Missing,
        },
        Column::Bool(v) => match v.get(row) {
            Some(b) if *b != BOOL_MISSING => Value::Bool(*b == 1),
            _ => Value::Missing,
        },
        Column::Time(v) => match v.get(row) {
            Some(t) if *t != TIME_MISSING => Value::Time(*t),
            _ => Value::Missing,
        },
        Column::ListText(v) => match v.get(row) {
            Some(Some(l)) => Value::Texts(l),
            _ => Value::Missing,
        },
        Column::ListNumber(v) => match v.get(row) {
            Some(Some(l)) => Value::Nums(l),
            _ => Value::Missing,
        },
    }
}
