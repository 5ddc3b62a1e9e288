//! Static analysis of compiled models: the range of every numeric node
//! (interval arithmetic from caps, `max` and rule points), the highest score
//! a model can reach, conditions that can never hold (`between 10 and 5`,
//! `x < 3 and x > 5`), and gates that make a model unqualifiable.

use crate::graph::*;
use mqa_syntax::ast::{self, Span};
use mqa_syntax::Diagnostic;
use std::collections::HashMap;

/// A closed interval of possible values (infinite bounds allowed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
}

impl Range {
    pub const ANY: Range = Range {
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
    };

    fn point(v: f64) -> Range {
        Range { lo: v, hi: v }
    }

    fn add(self, o: Range) -> Range {
        Range {
            lo: self.lo + o.lo,
            hi: self.hi + o.hi,
        }
    }

    fn mul(self, o: Range) -> Range {
        let c = [
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ];
        if c.iter().any(|x| x.is_nan()) {
            return Range::ANY;
        }
        Range {
            lo: c.iter().copied().fold(f64::INFINITY, f64::min),
            hi: c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    fn neg(self) -> Range {
        Range {
            lo: -self.hi,
            hi: -self.lo,
        }
    }
}

/// The possible range of each node of a model (numeric nodes; others are [`Range::ANY`]).
pub fn ranges(g: &ModelGraph) -> Vec<Range> {
    let mut r: Vec<Range> = Vec::with_capacity(g.nodes.len());
    for (i, n) in g.nodes.iter().enumerate() {
        let get = |id: NodeId| r.get(id.index()).copied().unwrap_or(Range::ANY);
        let v = match n {
            Node::Const(Const::Number(v)) => Range::point(*v),
            Node::When { points, condition } => {
                if never(g, &r, *condition) {
                    Range::point(0.0)
                } else {
                    Range {
                        lo: points.min(0.0),
                        hi: points.max(0.0),
                    }
                }
            }
            Node::PerRecord {
                points, cap, scan, ..
            } => {
                if scan.filter.as_ref().is_some_and(rec_never) {
                    Range::point(0.0)
                } else {
                    let base = if *points >= 0.0 {
                        Range {
                            lo: 0.0,
                            hi: if *points == 0.0 { 0.0 } else { f64::INFINITY },
                        }
                    } else {
                        Range {
                            lo: f64::NEG_INFINITY,
                            hi: 0.0,
                        }
                    };
                    clip(base, *cap)
                }
            }
            Node::BlockSum { rules, max } => {
                let s = rules
                    .iter()
                    .fold(Range::point(0.0), |acc, id| acc.add(get(*id)));
                clip(s, *max)
            }
            Node::Sum(items) => items
                .iter()
                .fold(Range::point(0.0), |acc, id| acc.add(get(*id))),
            Node::Unary(Un::Neg, a) => get(*a).neg(),
            Node::Unary(Un::DaysSince, _) => Range::ANY,
            Node::Binary(op, a, b) => {
                let (x, y) = (get(*a), get(*b));
                match op {
                    Bin::Add => x.add(y),
                    Bin::Sub => x.add(y.neg()),
                    Bin::Mul => x.mul(y),
                    Bin::Div => {
                        if y.lo > 0.0 || y.hi < 0.0 {
                            x.mul(Range {
                                lo: (1.0 / y.hi).min(1.0 / y.lo),
                                hi: (1.0 / y.hi).max(1.0 / y.lo),
                            })
                        } else {
                            Range::ANY
                        }
                    }
                    _ => Range::ANY,
                }
            }
            Node::Aggregate {
                kind: AggKind::Count | AggKind::Distinct,
                ..
            } => Range {
                lo: 0.0,
                hi: f64::INFINITY,
            },
            _ => Range::ANY,
        };
        let _ = i;
        r.push(v);
    }
    r
}

fn clip(r: Range, max: Option<f64>) -> Range {
    match max {
        Some(m) => Range {
            lo: r.lo.min(m),
            hi: r.hi.min(m),
        },
        None => r,
    }
}

/// The highest score a model can give (may be infinite when a per-record rule has no cap).
pub fn reachable_max(g: &ModelGraph) -> f64 {
    let r = ranges(g);
    r.get(g.score.index()).map_or(f64::INFINITY, |x| x.hi)
}

/// Constraints `X ∈ [lo, hi]` from a conjunction of comparisons with constants.
fn constraints(g: &ModelGraph, r: &[Range], id: NodeId, out: &mut HashMap<NodeId, Range>) {
    let Some(n) = g.node(id) else { return };
    let konst = |id: NodeId| match g.node(id) {
        Some(Node::Const(Const::Number(v))) => Some(*v),
        _ => None,
    };
    let mut put = |x: NodeId, c: Range| {
        let base = r.get(x.index()).copied().unwrap_or(Range::ANY);
        let e = out.entry(x).or_insert(base);
        e.lo = e.lo.max(c.lo);
        e.hi = e.hi.min(c.hi);
    };
    match n {
        Node::Binary(Bin::And, a, b) => {
            constraints(g, r, *a, out);
            constraints(g, r, *b, out);
        }
        Node::Binary(op @ (Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge | Bin::Eq), a, b) => {
            let (x, c, flip) = match (konst(*a), konst(*b)) {
                (None, Some(c)) => (*a, c, false),
                (Some(c), None) => (*b, c, true),
                _ => return,
            };
            let op = if flip {
                match op {
                    Bin::Lt => Bin::Gt,
                    Bin::Le => Bin::Ge,
                    Bin::Gt => Bin::Lt,
                    Bin::Ge => Bin::Le,
                    o => *o,
                }
            } else {
                *op
            };
            // Strict bounds are nudged so that `x > 5 and x < 5` is empty.
            let eps = c.abs().max(1.0) * 1e-12;
            let range = match op {
                Bin::Lt => Range {
                    lo: f64::NEG_INFINITY,
                    hi: c - eps,
                },
                Bin::Le => Range {
                    lo: f64::NEG_INFINITY,
                    hi: c,
                },
                Bin::Gt => Range {
                    lo: c + eps,
                    hi: f64::INFINITY,
                },
                Bin::Ge => Range {
                    lo: c,
                    hi: f64::INFINITY,
                },
                _ => Range::point(c),
            };
            put(x, range);
        }
        Node::Between(x, lo, hi) => {
            if let (Some(l), Some(h)) = (konst(*lo), konst(*hi)) {
                put(*x, Range { lo: l, hi: h });
            }
        }
        _ => {}
    }
}

/// Whether a condition node can never be true.
pub fn never(g: &ModelGraph, r: &[Range], id: NodeId) -> bool {
    match g.node(id) {
        Some(Node::Const(Const::Bool(false))) => true,
        Some(Node::Binary(Bin::Or, a, b)) => never(g, r, *a) && never(g, r, *b),
        Some(Node::Binary(Bin::And, a, b)) if never(g, r, *a) || never(g, r, *b) => true,
        Some(Node::Binary(Bin::In | Bin::Eq, a, b)) if grade_unreachable(g, r, *a, *b) => true,
        Some(_) => {
            let mut c = HashMap::new();
            constraints(g, r, id, &mut c);
            c.values().any(|x| x.lo > x.hi)
        }
        None => false,
    }
}

/// `grade in ["A", "B"]` / `grade == "A"` where none of the named bands can be reached.
fn grade_unreachable(g: &ModelGraph, r: &[Range], grade: NodeId, list: NodeId) -> bool {
    let Some(Node::Grade { otherwise, .. }) = g.node(grade) else {
        return false;
    };
    let wanted: Vec<StrId> = match g.node(list) {
        Some(Node::Const(Const::TextList(v))) => v.clone(),
        Some(Node::Const(Const::Text(s))) => vec![*s],
        _ => return false,
    };
    let mut reachable = reachable_bands(g, r, grade);
    reachable.push(*otherwise);
    !wanted.iter().any(|w| reachable.contains(w))
}

/// The bands (not `else`) of a grade node that some value can reach: band
/// `i` needs a value `v` with `bound_i <= v`, below every earlier bound (the
/// earlier bands are tried first), and within the value's possible range.
fn reachable_bands(g: &ModelGraph, r: &[Range], grade: NodeId) -> Vec<StrId> {
    let Some(Node::Grade { value, bands, .. }) = g.node(grade) else {
        return Vec::new();
    };
    let range = r.get(value.index()).copied().unwrap_or(Range::ANY);
    let mut below = f64::INFINITY;
    let mut out = Vec::new();
    for (label, bound) in bands {
        let least = bound.max(range.lo);
        if least <= range.hi && least < below {
            out.push(*label);
        }
        below = below.min(*bound);
    }
    out
}

/// Explains why a grade test can never hold (for a gate's hint).
fn grade_explanation(p: &Program, g: &ModelGraph, r: &[Range], id: NodeId) -> Option<String> {
    match g.node(id)? {
        Node::Binary(Bin::And, a, b) => {
            grade_explanation(p, g, r, *a).or_else(|| grade_explanation(p, g, r, *b))
        }
        Node::Binary(Bin::Or, a, _) => grade_explanation(p, g, r, *a),
        Node::Binary(Bin::In | Bin::Eq, grade, list) if grade_unreachable(g, r, *grade, *list) => {
            let Some(Node::Grade { value, bands, .. }) = g.node(*grade) else {
                return None;
            };
            let name = g.labels.get(grade.index())?;
            let from = g.labels.get(value.index())?;
            let hi = r.get(value.index()).map_or(f64::INFINITY, |x| x.hi);
            let reachable: Vec<&str> = reachable_bands(g, r, *grade)
                .into_iter()
                .map(|l| p.string(l))
                .collect();
            let wanted: Vec<String> = match g.node(*list) {
                Some(Node::Const(Const::TextList(v))) => {
                    v.iter().map(|s| format!("\"{}\"", p.string(*s))).collect()
                }
                Some(Node::Const(Const::Text(s))) => vec![format!("\"{}\"", p.string(*s))],
                _ => Vec::new(),
            };
            let needs = bands
                .iter()
                .filter(|(l, _)| wanted.contains(&format!("\"{}\"", p.string(*l))))
                .map(|(l, b)| format!("{} needs {}", p.string(*l), fmt_num(*b)))
                .collect::<Vec<_>>();
            let mut text = format!(
                "`{name}` can never be {}: `{from}` is at most {}",
                wanted.join(" or "),
                fmt_num(hi)
            );
            if !needs.is_empty() {
                text.push_str(&format!(" ({})", needs.join(", ")));
            }
            let mut can: Vec<&str> = reachable;
            if let Some(Node::Grade { otherwise, .. }) = g.node(*grade) {
                can.push(p.string(*otherwise));
            }
            text.push_str(&format!("; it can only be {}", can.join(" or ")));
            Some(text)
        }
        _ => None,
    }
}

/// Why a condition can never hold, in the author's terms, when it is a
/// bound the value cannot reach or two comparisons that contradict.
fn never_reason(g: &ModelGraph, r: &[Range], id: NodeId) -> Option<String> {
    match g.node(id)? {
        Node::Binary(Bin::Or, a, _) => never_reason(g, r, *a),
        Node::Binary(Bin::And, a, _) if never(g, r, *a) => never_reason(g, r, *a),
        Node::Binary(Bin::And, _, b) if never(g, r, *b) => never_reason(g, r, *b),
        _ => {
            let mut c = HashMap::new();
            constraints(g, r, id, &mut c);
            let mut empty: Vec<(NodeId, Range)> =
                c.into_iter().filter(|(_, x)| x.lo > x.hi).collect();
            empty.sort_by_key(|(x, _)| x.0);
            let (x, _) = empty.first()?;
            let label = g.labels.get(x.index())?;
            let base = r.get(x.index()).copied().unwrap_or(Range::ANY);
            // What the comparisons ask for, without the value's own range.
            let mut asked = HashMap::new();
            let unbounded: Vec<Range> = vec![Range::ANY; r.len()];
            constraints(g, &unbounded, id, &mut asked);
            let want = asked.get(x).copied().unwrap_or(Range::ANY);
            if want.lo <= want.hi {
                if base.hi.is_finite() && want.lo > base.hi {
                    return Some(format!(
                        "`{label}` is at most {}, so it never reaches {}",
                        fmt_num(base.hi),
                        fmt_num(want.lo)
                    ));
                }
                if base.lo.is_finite() && want.hi < base.lo {
                    return Some(format!("`{label}` is never below {}", fmt_num(base.lo)));
                }
            }
            Some(format!(
                "the comparisons on `{label}` contradict each other (like `x < 3 and x > 5`)"
            ))
        }
    }
}

/// Whether a condition holds a `between` whose constant bounds are reversed.
fn reversed_between(g: &ModelGraph, id: NodeId) -> Option<(f64, f64)> {
    let k = |id: NodeId| match g.node(id) {
        Some(Node::Const(Const::Number(v))) => Some(*v),
        _ => None,
    };
    match g.node(id)? {
        Node::Between(_, lo, hi) => match (k(*lo), k(*hi)) {
            (Some(l), Some(h)) if l > h => Some((l, h)),
            _ => None,
        },
        Node::Binary(Bin::And | Bin::Or, a, b) => {
            reversed_between(g, *a).or_else(|| reversed_between(g, *b))
        }
        Node::Unary(Un::Not, a) => reversed_between(g, *a),
        _ => None,
    }
}

/// The same for a record-level condition.
fn rec_reversed_between(e: &RecExpr) -> Option<(f64, f64)> {
    match e {
        RecExpr::Between(_, lo, hi) => match (lo.as_ref(), hi.as_ref()) {
            (RecExpr::Const(Const::Number(l)), RecExpr::Const(Const::Number(h))) if l > h => {
                Some((*l, *h))
            }
            _ => None,
        },
        RecExpr::Binary(Bin::And | Bin::Or, a, b) => {
            rec_reversed_between(a).or_else(|| rec_reversed_between(b))
        }
        RecExpr::Unary(Un::Not, a) => rec_reversed_between(a),
        _ => None,
    }
}

/// The highest value each block can reach, in declaration order.
pub fn block_maxima(g: &ModelGraph) -> Vec<(String, f64)> {
    let r = ranges(g);
    g.blocks
        .iter()
        .map(|b| {
            let hi = r.get(b.node.index()).map_or(f64::INFINITY, |x| x.hi);
            (b.name.clone(), hi)
        })
        .collect()
}

/// A record-level condition that can never hold (contradictory constant bounds).
fn rec_never(e: &RecExpr) -> bool {
    fn collect(e: &RecExpr, out: &mut HashMap<String, Range>) -> bool {
        let k = |e: &RecExpr| match e {
            RecExpr::Const(Const::Number(v)) => Some(*v),
            _ => None,
        };
        match e {
            RecExpr::Const(Const::Bool(false)) => true,
            RecExpr::Binary(Bin::And, a, b) => collect(a, out) | collect(b, out),
            RecExpr::Binary(Bin::Or, a, b) => {
                let mut o1 = HashMap::new();
                let mut o2 = HashMap::new();
                (collect(a, &mut o1) || o1.values().any(|x| x.lo > x.hi))
                    && (collect(b, &mut o2) || o2.values().any(|x| x.lo > x.hi))
            }
            RecExpr::Between(x, lo, hi) => {
                if let (Some(l), Some(h)) = (k(lo), k(hi)) {
                    let e = out.entry(format!("{x:?}")).or_insert(Range::ANY);
                    e.lo = e.lo.max(l);
                    e.hi = e.hi.min(h);
                }
                false
            }
            RecExpr::Binary(op @ (Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge), x, c) => {
                if let Some(c) = k(c) {
                    let eps = c.abs().max(1.0) * 1e-12;
                    let r = match op {
                        Bin::Lt => Range {
                            lo: f64::NEG_INFINITY,
                            hi: c - eps,
                        },
                        Bin::Le => Range {
                            lo: f64::NEG_INFINITY,
                            hi: c,
                        },
                        Bin::Gt => Range {
                            lo: c + eps,
                            hi: f64::INFINITY,
                        },
                        _ => Range {
                            lo: c,
                            hi: f64::INFINITY,
                        },
                    };
                    let e = out.entry(format!("{x:?}")).or_insert(Range::ANY);
                    e.lo = e.lo.max(r.lo);
                    e.hi = e.hi.min(r.hi);
                }
                false
            }
            _ => false,
        }
    }
    let mut out = HashMap::new();
    collect(e, &mut out) || out.values().any(|x| x.lo > x.hi)
}

/// Warnings for a whole program (spans come from the AST).
pub fn warnings(p: &Program, file: &ast::File) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in &file.items {
        let ast::Item::Model(m) = item else { continue };
        let Some(g) = p.model(&m.name.name) else {
            continue;
        };
        let r = ranges(g);
        // Rules that can never fire.
        let ast_blocks: Vec<&ast::Block> = m
            .items
            .iter()
            .filter_map(|i| match i {
                ast::ModelItem::Block(b) => Some(b),
                _ => None,
            })
            .collect();
        for b in &g.blocks {
            let Some(ab) = ast_blocks.iter().find(|x| x.name.name == b.name) else {
                continue;
            };
            for (ri, rule) in b.rules.iter().enumerate() {
                let span = ab.rules.get(ri).map_or(ab.span, |x| x.span);
                let (dead, reversed, reason) = match (rule.condition, g.node(rule.node)) {
                    (Some(c), _) => (
                        never(g, &r, c),
                        reversed_between(g, c),
                        never_reason(g, &r, c),
                    ),
                    (None, Some(Node::PerRecord { scan, .. })) => (
                        scan.filter.as_ref().is_some_and(rec_never),
                        scan.filter.as_ref().and_then(rec_reversed_between),
                        None,
                    ),
                    _ => (false, None, None),
                };
                if dead {
                    let hint = match (reversed, reason) {
                        (Some((l, h)), _) => format!(
                            "`between` takes the lower bound first: write `between {} and {}`",
                            fmt_num(h),
                            fmt_num(l)
                        ),
                        (None, Some(reason)) => reason,
                        (None, None) => "its comparisons on one field contradict each other (like `x < 3 and x > 5`)".to_string(),
                    };
                    out.push(
                        Diagnostic::warning(
                            "W0210",
                            span,
                            format!(
                                "the rule \"{}\" can never fire: its condition can never hold",
                                rule.label
                            ),
                        )
                        .with_hint(hint),
                    );
                }
            }
        }
        // Gates that can never pass.
        for gate in &g.gates {
            if never(g, &r, gate.condition) {
                let span = gate_span(m, g, gate).unwrap_or(m.name.span);
                let message = if gate.from_rule.is_some() {
                    format!(
                        "the `required` rule \"{}\" can never pass, so no account can qualify for `{}`",
                        gate.name, g.name
                    )
                } else {
                    format!(
                        "the gate `{}` can never pass, so no account can qualify for `{}`",
                        gate.name, g.name
                    )
                };
                let hint = grade_explanation(p, g, &r, gate.condition)
                    .or_else(|| {
                        never_reason(g, &r, gate.condition)
                            .map(|why| format!("{why}; every gate must pass to qualify"))
                    })
                    .unwrap_or_else(|| {
                        "every gate must be true for an account to qualify; loosen its condition"
                            .to_string()
                    });
                out.push(Diagnostic::warning("W0212", span, message).with_hint(hint));
            }
        }
        // A threshold above the reachable maximum.
        let max = r.get(g.score.index()).map_or(f64::INFINITY, |x| x.hi);
        if max < g.threshold {
            let span = m
                .items
                .iter()
                .find_map(|i| match i {
                    ast::ModelItem::Threshold(_, s) => Some(*s),
                    _ => None,
                })
                .unwrap_or(m.name.span);
            out.push(
                Diagnostic::warning(
                    "W0211",
                    span,
                    format!(
                        "no account can reach the threshold {}: the highest score `{}` can give is {}",
                        fmt_num(g.threshold),
                        g.name,
                        fmt_num(max)
                    ),
                )
                .with_hint(threshold_hint(g)),
            );
        }
    }
    out
}

/// Where a gate is written: its `gate` line, or its `required` rule.
fn gate_span(m: &ast::Model, g: &ModelGraph, gate: &GateInfo) -> Option<Span> {
    if let Some((bi, ri)) = gate.from_rule {
        let block = g.blocks.get(bi)?;
        return m.items.iter().find_map(|i| match i {
            ast::ModelItem::Block(b) if b.name.name == block.name => {
                b.rules.get(ri).map(|r| r.span)
            }
            _ => None,
        });
    }
    m.items.iter().find_map(|i| match i {
        ast::ModelItem::Gate(x) if x.name.name == gate.name => Some(x.span),
        _ => None,
    })
}

/// The hint of W0211: what each block can give.
fn threshold_hint(g: &ModelGraph) -> String {
    let blocks = block_maxima(g)
        .into_iter()
        .map(|(name, hi)| format!("{name} {}", fmt_num(hi)))
        .collect::<Vec<_>>();
    if blocks.is_empty() {
        "lower the threshold or add blocks of point rules".to_string()
    } else {
        format!(
            "the blocks give at most: {}; lower the threshold or raise rule points, caps or block maxima",
            blocks.join(", ")
        )
    }
}

/// Prints a number without a needless fraction (`75`, `12.5`, `unbounded`).
pub fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 {
            "unbounded".into()
        } else {
            "-unbounded".into()
        };
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
