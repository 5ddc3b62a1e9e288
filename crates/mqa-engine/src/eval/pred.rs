//! Scans compiled against the columns of their collection: the usual
//! shapes of a `where` condition (a text field equal to a constant, in a
//! constant list, starting or ending with one; a number field compared
//! with a constant; `and`/`or` of these) and of an aggregated field (a
//! plain text or number field) read a column directly, with no expression
//! tree and no [`Value`] in between. Anything else is left to
//! `rec_eval`, so a compiled scan means exactly what the interpreted one
//! does; only `where` conditions are compiled to their truth (unknown
//! counts as false in a filter), never to a value.

use super::value::Value;
use super::{ConstList, Evaluator, Scratch};
use crate::data::Column;
use crate::eval::scan::Rec;
use crate::intern::{Interner, Sym};
use mqa_compiler::graph::*;

/// A compiled `where` condition: whether it holds for a record.
#[derive(Debug, Clone)]
pub(crate) enum Pred<'e> {
    /// A text column equals a symbol.
    TextEq(&'e [Sym], Sym),
    /// A text column's value is in a constant list.
    TextIn(&'e [Sym], Box<[Sym]>),
    /// A text column's value starts (`starts`) or ends with a constant text.
    TextAffix {
        col: &'e [Sym],
        affix: &'e str,
        starts: bool,
    },
    /// A number column compared with a constant.
    Num {
        col: &'e [f64],
        op: Bin,
        rhs: f64,
    },
    And(Box<Pred<'e>>, Box<Pred<'e>>),
    Or(Box<Pred<'e>>, Box<Pred<'e>>),
    /// Any other condition, evaluated as an expression.
    General(&'e RecExpr),
}

/// A compiled aggregated field: its value for a record.
#[derive(Debug, Clone)]
pub(crate) enum Read<'e> {
    Text(&'e [Sym]),
    Num(&'e [f64]),
    General(&'e RecExpr),
}

/// A scan node's compiled condition and field.
#[derive(Debug)]
pub(crate) struct CompiledScan<'e> {
    pub pred: Option<Pred<'e>>,
    pub read: Option<Read<'e>>,
}

impl Rec {
    /// The record's row in its table.
    #[inline]
    pub(crate) fn row(self) -> usize {
        match self {
            Rec::Event(r) | Rec::Contact(r) | Rec::Signal(_, r) => r,
        }
    }
}

impl<'e> Pred<'e> {
    /// Whether the condition holds (is known true) for `rec` of account `a`.
    #[inline]
    pub(crate) fn holds(
        &self,
        ev: &'e Evaluator<'e>,
        rec: Rec,
        a: usize,
        scratch: &Scratch<'e>,
    ) -> bool {
        match self {
            Pred::And(x, y) => x.holds(ev, rec, a, scratch) && y.holds(ev, rec, a, scratch),
            Pred::Or(x, y) => x.holds(ev, rec, a, scratch) || y.holds(ev, rec, a, scratch),
            Pred::General(e) => ev.rec_eval(e, rec, a, scratch).is_true(),
            _ => self.holds_row(ev.interner, rec.row()),
        }
    }

    /// Whether the condition reads columns only (no [`Pred::General`] part):
    /// then [`Pred::holds_row`] decides it from the row alone.
    pub(crate) fn is_plain(&self) -> bool {
        match self {
            Pred::General(_) => false,
            Pred::And(x, y) | Pred::Or(x, y) => x.is_plain() && y.is_plain(),
            _ => true,
        }
    }

    /// Whether a plain condition ([`Pred::is_plain`]) holds for a row of its
    /// collection. A [`Pred::General`] part needs the record's account and
    /// the account's values, which a row does not give: it never holds here.
    /// The usual tests of one column are inlined where this is called.
    #[inline(always)]
    pub(crate) fn holds_row(&self, interner: &Interner, row: usize) -> bool {
        match self {
            Pred::TextEq(col, s) => matches!(col.get(row), Some(x) if x == s && !x.is_missing()),
            Pred::TextIn(col, list) => {
                matches!(col.get(row), Some(x) if !x.is_missing() && list.contains(x))
            }
            Pred::Num { col, op, rhs } => match col.get(row) {
                Some(&x) if !x.is_nan() => match op {
                    Bin::Eq => x == *rhs,
                    Bin::Ne => x != *rhs,
                    Bin::Lt => x < *rhs,
                    Bin::Le => x <= *rhs,
                    Bin::Gt => x > *rhs,
                    _ => x >= *rhs,
                },
                _ => false,
            },
            _ => self.holds_row_other(interner, row),
        }
    }

    /// [`Pred::holds_row`] for the other conditions.
    #[inline(never)]
    fn holds_row_other(&self, interner: &Interner, row: usize) -> bool {
        match self {
            Pred::TextAffix { col, affix, starts } => match col.get(row) {
                Some(&x) if !x.is_missing() => {
                    let t = interner.resolve(x);
                    if *starts {
                        t.starts_with(affix)
                    } else {
                        t.ends_with(affix)
                    }
                }
                _ => false,
            },
            Pred::And(x, y) => x.holds_row(interner, row) && y.holds_row(interner, row),
            Pred::Or(x, y) => x.holds_row(interner, row) || y.holds_row(interner, row),
            Pred::TextEq(..) | Pred::TextIn(..) | Pred::Num { .. } => self.holds_row(interner, row),
            Pred::General(_) => false,
        }
    }
}

impl<'e> Read<'e> {
    /// The field's value for `rec` of account `a`.
    #[inline]
    pub(crate) fn value(
        &self,
        ev: &'e Evaluator<'e>,
        rec: Rec,
        a: usize,
        scratch: &Scratch<'e>,
    ) -> Value<'e> {
        match self {
            Read::Text(col) => match col.get(rec.row()) {
                Some(&s) if !s.is_missing() => Value::Text(s),
                _ => Value::Missing,
            },
            Read::Num(col) => match col.get(rec.row()) {
                Some(&x) if !x.is_nan() => Value::Num(x),
                _ => Value::Missing,
            },
            Read::General(e) => ev.rec_eval(e, rec, a, scratch),
        }
    }
}

impl<'e> Evaluator<'e> {
    /// Compiles the scans of every model's aggregation and per-record nodes.
    pub(crate) fn compile_scans(&self) -> Vec<Vec<Option<CompiledScan<'e>>>> {
        self.program
            .models
            .iter()
            .enumerate()
            .map(|(m, g)| {
                g.nodes
                    .iter()
                    .map(|n| match n {
                        Node::Aggregate { scan, field, .. } => Some(CompiledScan {
                            pred: scan
                                .filter
                                .as_ref()
                                .map(|f| self.pred(m, scan.collection, f)),
                            read: field.as_ref().map(|f| self.read(scan.collection, f)),
                        }),
                        Node::PerRecord { scan, .. } => Some(CompiledScan {
                            pred: scan
                                .filter
                                .as_ref()
                                .map(|f| self.pred(m, scan.collection, f)),
                            read: None,
                        }),
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    fn pred(&self, model: usize, coll: Collection, e: &'e RecExpr) -> Pred<'e> {
        let general = Pred::General(e);
        let RecExpr::Binary(op, x, y) = e else {
            return general;
        };
        match (op, &**x, &**y) {
            (Bin::And, x, y) => Pred::And(
                Box::new(self.pred(model, coll, x)),
                Box::new(self.pred(model, coll, y)),
            ),
            (Bin::Or, x, y) => Pred::Or(
                Box::new(self.pred(model, coll, x)),
                Box::new(self.pred(model, coll, y)),
            ),
            (Bin::Eq, RecExpr::Field(f), RecExpr::Const(Const::Text(s)))
            | (Bin::Eq, RecExpr::Const(Const::Text(s)), RecExpr::Field(f)) => {
                match self.text_column(coll, *f) {
                    Some(col) => Pred::TextEq(col, self.sym(*s)),
                    None => general,
                }
            }
            (Bin::In, RecExpr::Field(f), RecExpr::Account(node)) => {
                let list = self.lists.get(model).and_then(|l| l.get(node.index()));
                match (self.text_column(coll, *f), list) {
                    (Some(col), Some(ConstList::Texts(l))) => Pred::TextIn(col, l.clone()),
                    _ => general,
                }
            }
            (
                Bin::StartsWith | Bin::EndsWith,
                RecExpr::Field(f),
                RecExpr::Const(Const::Text(s)),
            ) => match self.text_column(coll, *f) {
                Some(col) => Pred::TextAffix {
                    col,
                    affix: self.interner.resolve(self.sym(*s)),
                    starts: *op == Bin::StartsWith,
                },
                None => general,
            },
            (
                Bin::Eq | Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge,
                RecExpr::Field(f),
                RecExpr::Const(Const::Number(rhs)),
            ) => match self.column(coll, *f) {
                Some(Column::Number(col)) => Pred::Num {
                    col,
                    op: *op,
                    rhs: *rhs,
                },
                _ => general,
            },
            _ => general,
        }
    }

    fn read(&self, coll: Collection, e: &'e RecExpr) -> Read<'e> {
        let RecExpr::Field(f) = e else {
            return Read::General(e);
        };
        if let Some(col) = self.text_column(coll, *f) {
            return Read::Text(col);
        }
        match self.column(coll, *f) {
            Some(Column::Number(col)) => Read::Num(col),
            _ => Read::General(e),
        }
    }

    /// The declared-field column a record field of `coll` reads.
    fn column(&self, coll: Collection, f: RecField) -> Option<&'e Column> {
        let RecField::Field(i) = f else {
            return None;
        };
        let d = self.data;
        match coll {
            Collection::Events => d.events.fields.get(i as usize),
            Collection::Contacts | Collection::Engaged => d.contacts.fields.get(i as usize),
            Collection::Source(s) => match self.sources.get(s as usize) {
                Some(Some(src)) => src.table.fields.get(i as usize),
                _ => None,
            },
        }
    }

    /// The text column a record field of `coll` reads (sentinel: [`Sym::MISSING`]).
    fn text_column(&self, coll: Collection, f: RecField) -> Option<&'e [Sym]> {
        match (coll, f) {
            (Collection::Events, RecField::ContactId) => Some(&self.data.events.contact_id),
            (Collection::Contacts | Collection::Engaged, RecField::Id) => {
                Some(&self.data.contacts.id)
            }
            _ => match self.column(coll, f) {
                Some(Column::Text(v)) => Some(v),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
#[path = "pred_tests.rs"]
mod tests;
