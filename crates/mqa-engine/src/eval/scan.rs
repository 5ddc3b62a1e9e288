//! Collection scans: which records of an account are in a window, the value
//! of a record-level expression for one record, aggregations and per-record
//! points with decay.

use super::value::{between, binary, unary, Value};
use super::{col_value, Evaluator, Scratch};
use mqa_compiler::graph::*;

/// One record of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rec {
    Event(usize),
    Contact(usize),
    Signal(u16, usize),
}

pub(crate) const MICROS: i64 = 1_000_000;

/// Distinct values `distinct` keeps by search before it sorts instead.
const SMALL_DISTINCT: usize = 32;

/// Adds `k` to the distinct values in `keys`. Few distinct values are
/// usual: they are kept distinct as they come (a search of a short list
/// beats sorting them all); past [`SMALL_DISTINCT`] of them, every value is
/// collected (`sorted` becomes true) and [`count_distinct`] sorts them.
#[inline(always)]
pub(crate) fn push_distinct<T: PartialEq>(keys: &mut Vec<T>, sorted: &mut bool, k: T) {
    if *sorted || keys.len() >= SMALL_DISTINCT {
        *sorted = true;
        keys.push(k);
    } else if !keys.contains(&k) {
        keys.push(k);
    }
}

/// How many distinct values [`push_distinct`] was given.
#[inline(always)]
pub(crate) fn count_distinct<T: Ord>(keys: &mut Vec<T>, sorted: bool) -> usize {
    if sorted {
        keys.sort_unstable();
        keys.dedup();
    }
    keys.len()
}

impl<'e> Evaluator<'e> {
    /// The lower bound (exclusive) of a window: `as_of − window`.
    pub(crate) fn window_floor(&self, window_secs: i64) -> i64 {
        self.as_of
            .saturating_sub(window_secs.saturating_mul(MICROS))
    }

    /// Rows of account `a`'s events with `as_of − window < at ≤ as_of`.
    pub(crate) fn event_rows(&self, a: usize, window_secs: i64) -> std::ops::Range<usize> {
        let r = self.data.events.of_account(a);
        let floor = self.window_floor(window_secs);
        let ats = self.data.events.at.get(r.clone()).unwrap_or(&[]);
        let start = r.start + ats.partition_point(|&t| t <= floor);
        let end = r.start + ats.partition_point(|&t| t <= self.as_of);
        start..end.max(start)
    }

    /// Rows of account `a`'s signals of source `s` in the window.
    pub(crate) fn signal_rows(&self, s: u16, a: usize, window_secs: i64) -> std::ops::Range<usize> {
        let Some(Some(src)) = self.sources.get(s as usize) else {
            return 0..0;
        };
        let r = src.table.of_account(a);
        let floor = self.window_floor(window_secs);
        let ats = src.table.at.get(r.clone()).unwrap_or(&[]);
        let start = r.start + ats.partition_point(|&t| t <= floor);
        let end = r.start + ats.partition_point(|&t| t <= self.as_of);
        start..end.max(start)
    }

    /// The contact row of event `row` (`u32::MAX` when it has none).
    #[inline]
    pub(crate) fn event_contact(&self, row: usize) -> usize {
        self.data
            .events
            .contact
            .get(row)
            .copied()
            .unwrap_or(u32::MAX) as usize
    }

    /// Marks which of account `a`'s contacts have an event in the window.
    pub(crate) fn engaged_marks(&self, a: usize, window_secs: i64, marks: &mut Vec<bool>) {
        let cr = self.data.contacts.of_account(a);
        marks.clear();
        marks.resize(cr.len(), false);
        for row in self.event_rows(a, window_secs) {
            let c = self.event_contact(row);
            if cr.contains(&c) {
                if let Some(m) = marks.get_mut(c - cr.start) {
                    *m = true;
                }
            }
        }
    }

    /// Calls `f` for each record of the scan's collection in its window (in
    /// (at, id) order for events, time order for signals, file order for contacts).
    pub(crate) fn for_each_record(
        &'e self,
        scan: &Scan,
        a: usize,
        scratch: &mut Scratch<'e>,
        mut f: impl FnMut(Rec, &Scratch<'e>),
    ) {
        match scan.collection {
            Collection::Events => {
                for row in self.event_rows(a, scan.window) {
                    f(Rec::Event(row), scratch);
                }
            }
            Collection::Contacts => {
                for row in self.data.contacts.of_account(a) {
                    f(Rec::Contact(row), scratch);
                }
            }
            Collection::Engaged => {
                let mut marks = std::mem::take(&mut scratch.engaged);
                // Several rules of a model often read the same engaged contacts.
                if scratch.engaged_for != Some((a, scan.window)) {
                    self.engaged_marks(a, scan.window, &mut marks);
                    scratch.engaged_for = Some((a, scan.window));
                }
                let start = self.data.contacts.of_account(a).start;
                for (i, m) in marks.iter().enumerate() {
                    if *m {
                        f(Rec::Contact(start + i), scratch);
                    }
                }
                scratch.engaged = marks;
            }
            Collection::Source(s) => {
                for row in self.signal_rows(s, a, scan.window) {
                    f(Rec::Signal(s, row), scratch);
                }
            }
        }
    }

    /// Whether a record passes the scan's filter (unknown counts as false).
    #[inline]
    pub(crate) fn passes(
        &'e self,
        scan: &'e Scan,
        rec: Rec,
        a: usize,
        scratch: &Scratch<'e>,
    ) -> bool {
        scan.filter
            .as_ref()
            .is_none_or(|f| self.rec_eval(f, rec, a, scratch).is_true())
    }

    /// The value of a record field.
    pub(crate) fn field(&'e self, f: RecField, rec: Rec, a: usize) -> Value<'e> {
        let d = self.data;
        let text = |s: Option<&crate::intern::Sym>| match s {
            Some(s) if !s.is_missing() => Value::Text(*s),
            _ => Value::Missing,
        };
        match rec {
            Rec::Event(row) => match f {
                // Event ids are interned by the session when a rule reads them
                // (`reads_event_ids`); otherwise only an id that equals an
                // interned text has a symbol.
                RecField::Id => match d.events.id.sym(row) {
                    Some(s) => text(Some(&s)),
                    None => self
                        .interner
                        .get(d.events.id.get(row))
                        .map_or(Value::Missing, Value::Text),
                },
                RecField::AccountKey => text(d.accounts.id.get(a)),
                RecField::ContactId => text(d.events.contact_id.get(row)),
                RecField::At => d
                    .events
                    .at
                    .get(row)
                    .map_or(Value::Missing, |t| Value::Time(*t)),
                RecField::Field(i) => d
                    .events
                    .fields
                    .get(i as usize)
                    .map_or(Value::Missing, |c| col_value(c, row)),
                RecField::ContactField(i) => {
                    let c = d.events.contact.get(row).copied().unwrap_or(u32::MAX);
                    if c == u32::MAX {
                        Value::Missing
                    } else {
                        d.contacts
                            .fields
                            .get(i as usize)
                            .map_or(Value::Missing, |col| col_value(col, c as usize))
                    }
                }
                RecField::ContactOwnId => {
                    let c = d.events.contact.get(row).copied().unwrap_or(u32::MAX);
                    if c == u32::MAX {
                        Value::Missing
                    } else {
                        text(d.contacts.id.get(c as usize))
                    }
                }
            },
            Rec::Contact(row) => match f {
                RecField::Id => text(d.contacts.id.get(row)),
                RecField::AccountKey => text(d.accounts.id.get(a)),
                RecField::Field(i) => d
                    .contacts
                    .fields
                    .get(i as usize)
                    .map_or(Value::Missing, |c| col_value(c, row)),
                _ => Value::Missing,
            },
            Rec::Signal(s, row) => {
                let Some(Some(src)) = self.sources.get(s as usize) else {
                    return Value::Missing;
                };
                match f {
                    RecField::At => src
                        .table
                        .at
                        .get(row)
                        .map_or(Value::Missing, |t| Value::Time(*t)),
                    RecField::Field(i) => src
                        .table
                        .fields
                        .get(i as usize)
                        .map_or(Value::Missing, |c| col_value(c, row)),
                    RecField::AccountKey => match src.join {
                        crate::signals::JoinKey::Id => text(d.accounts.id.get(a)),
                        crate::signals::JoinKey::Domain => self
                            .domain_col
                            .and_then(|c| d.accounts.fields.get(c))
                            .map_or(Value::Missing, |c| col_value(c, a)),
                    },
                    _ => Value::Missing,
                }
            }
        }
    }

    /// Evaluates a record-level expression for one record.
    pub(crate) fn rec_eval(
        &'e self,
        e: &'e RecExpr,
        rec: Rec,
        a: usize,
        scratch: &Scratch<'e>,
    ) -> Value<'e> {
        match e {
            RecExpr::Field(f) => self.field(*f, rec, a),
            RecExpr::Account(id) => scratch
                .slots
                .get(id.index())
                .copied()
                .unwrap_or(Value::Missing),
            RecExpr::Const(c) => match c {
                Const::Number(v) => Value::Num(*v),
                Const::Text(s) => Value::Text(self.sym(*s)),
                Const::Bool(b) => Value::Bool(*b),
                // Constant lists inside `where` are hoisted to account nodes by
                // the compiler; a literal here is evaluated via its node.
                Const::TextList(_) | Const::NumberList(_) => Value::Missing,
            },
            RecExpr::Unary(op, x) => unary(
                *op,
                self.rec_eval(x, rec, a, scratch),
                self.as_of,
                &self.prepared.lower,
            ),
            RecExpr::Binary(op, x, y) => {
                // Short-circuit where Kleene logic allows it.
                let l = self.rec_eval(x, rec, a, scratch);
                match (op, l) {
                    (Bin::And, Value::Bool(false)) => return Value::Bool(false),
                    (Bin::Or, Value::Bool(true)) => return Value::Bool(true),
                    _ => {}
                }
                binary(*op, l, self.rec_eval(y, rec, a, scratch), self.interner)
            }
            RecExpr::Between(v, lo, hi) => between(
                self.rec_eval(v, rec, a, scratch),
                self.rec_eval(lo, rec, a, scratch),
                self.rec_eval(hi, rec, a, scratch),
            ),
        }
    }

    /// An aggregation over the records of a scan.
    pub(crate) fn aggregate(
        &'e self,
        kind: AggKind,
        scan: &'e Scan,
        field: Option<&'e RecExpr>,
        a: usize,
        scratch: &mut Scratch<'e>,
    ) -> Value<'e> {
        self.aggregate_by(
            kind,
            scan,
            field.is_some(),
            a,
            scratch,
            |rec, s| self.passes(scan, rec, a, s),
            |rec, s| field.map_or(Value::Missing, |f| self.rec_eval(f, rec, a, s)),
        )
    }

    /// [`Evaluator::aggregate`] with the scan's condition (`passes`) and its
    /// field (`value`, when `has_field`) given as functions.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn aggregate_by(
        &'e self,
        kind: AggKind,
        scan: &'e Scan,
        has_field: bool,
        a: usize,
        scratch: &mut Scratch<'e>,
        passes: impl Fn(Rec, &Scratch<'e>) -> bool,
        value: impl Fn(Rec, &Scratch<'e>) -> Value<'e>,
    ) -> Value<'e> {
        match kind {
            AggKind::Count => {
                let mut n = 0u64;
                self.for_each_record(scan, a, scratch, |rec, s| {
                    if passes(rec, s) {
                        n += 1;
                    }
                });
                Value::Num(n as f64)
            }
            AggKind::Any => {
                let mut any = false;
                self.for_each_record(scan, a, scratch, |rec, s| {
                    if !any && passes(rec, s) {
                        any = true;
                    }
                });
                Value::Bool(any)
            }
            AggKind::All => {
                let mut all = true;
                self.for_each_record(scan, a, scratch, |rec, s| {
                    if all && !passes(rec, s) {
                        all = false;
                    }
                });
                Value::Bool(all)
            }
            AggKind::Distinct => {
                if !has_field {
                    return Value::Missing;
                }
                let mut keys = std::mem::take(&mut scratch.keys);
                keys.clear();
                let mut sorted = false;
                self.for_each_record(scan, a, scratch, |rec, s| {
                    if passes(rec, s) {
                        if let Some(k) = value(rec, s).distinct_key() {
                            push_distinct(&mut keys, &mut sorted, k);
                        }
                    }
                });
                let n = count_distinct(&mut keys, sorted);
                scratch.keys = keys;
                Value::Num(n as f64)
            }
            AggKind::Sum | AggKind::Avg | AggKind::Min | AggKind::Max => {
                if !has_field {
                    return Value::Missing;
                }
                let mut sum = 0.0;
                let mut n = 0u64;
                let mut best: Option<Value<'e>> = None;
                self.for_each_record(scan, a, scratch, |rec, s| {
                    if !passes(rec, s) {
                        return;
                    }
                    let v = value(rec, s);
                    match v {
                        Value::Num(x) => {
                            sum += x;
                            n += 1;
                        }
                        Value::Time(_) => n += 1,
                        _ => return,
                    }
                    best = Some(match (best, v) {
                        (None, v) => v,
                        (Some(Value::Num(b)), Value::Num(x)) => {
                            Value::Num(if kind == AggKind::Min {
                                b.min(x)
                            } else {
                                b.max(x)
                            })
                        }
                        (Some(Value::Time(b)), Value::Time(x)) => {
                            Value::Time(if kind == AggKind::Min {
                                b.min(x)
                            } else {
                                b.max(x)
                            })
                        }
                        (Some(b), _) => b,
                    });
                });
                match kind {
                    AggKind::Sum => Value::Num(sum),
                    AggKind::Avg => {
                        if n == 0 {
                            Value::Missing
                        } else {
                            Value::Num(sum / n as f64)
                        }
                    }
                    _ => best.unwrap_or(Value::Missing),
                }
            }
        }
    }

    /// Σ points × decay(age) over matching records, calling `each(rec, points)`
    /// for every contributing record (for explanations).
    pub(crate) fn per_record(
        &'e self,
        points: f64,
        scan: &'e Scan,
        decay: DecayKind,
        a: usize,
        scratch: &mut Scratch<'e>,
        mut each: impl FnMut(Rec, f64),
    ) -> f64 {
        let mut sum = 0.0;
        self.for_each_record(scan, a, scratch, |rec, s| {
            if !self.passes(scan, rec, a, s) {
                return;
            }
            let p = self.decayed(points, decay, rec);
            sum += p;
            each(rec, p);
        });
        sum
    }

    /// [`Evaluator::per_record`] with the scan's condition given as a function.
    #[inline]
    pub(crate) fn per_record_by(
        &'e self,
        points: f64,
        scan: &'e Scan,
        decay: DecayKind,
        a: usize,
        scratch: &mut Scratch<'e>,
        passes: impl Fn(Rec, &Scratch<'e>) -> bool,
    ) -> f64 {
        let mut sum = 0.0;
        self.for_each_record(scan, a, scratch, |rec, s| {
            if passes(rec, s) {
                sum += self.decayed(points, decay, rec);
            }
        });
        sum
    }

    /// `points` decayed by the age of a record.
    #[inline]
    fn decayed(&self, points: f64, decay: DecayKind, rec: Rec) -> f64 {
        match (decay, self.record_at(rec)) {
            (DecayKind::None, _) | (_, None) => points,
            (DecayKind::HalfLife(h), Some(at)) => {
                let age = (self.as_of - at) as f64 / MICROS as f64;
                points * 0.5f64.powf(age / h)
            }
            (DecayKind::Linear(d), Some(at)) => {
                let age = (self.as_of - at) as f64 / MICROS as f64;
                points * (1.0 - age / d).max(0.0)
            }
        }
    }

    /// The time of a timed record.
    pub(crate) fn record_at(&self, rec: Rec) -> Option<i64> {
        match rec {
            Rec::Event(row) => self.data.events.at.get(row).copied(),
            Rec::Signal(s, row) => match self.sources.get(s as usize) {
                Some(Some(src)) => src.table.at.get(row).copied(),
                _ => None,
            },
            Rec::Contact(_) => None,
        }
    }
}
