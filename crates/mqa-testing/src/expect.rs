//! `expect` lines: resolved against the model before the test runs (a rule
//! label, block, gate, grade, grade value or route queue that the model does
//! not have is an error with "did you mean"), then checked against the
//! decision, giving the actual value in words when a check fails.

use mqa_compiler::analysis::fmt_num;
use mqa_compiler::graph::{ModelGraph, Node, Program};
use mqa_compiler::suggest::did_you_mean;
use mqa_engine::explain::Detail;
use mqa_syntax::ast::{BinaryOp, Expectation, NumCheck, RuleCheck, Span};
use mqa_syntax::Diagnostic;

/// Code of an `expect` naming something the model does not have.
pub(crate) const E_EXPECT: &str = "E0808";

/// Tolerance of `==` and `!=` on scores and points (the conformance tolerance).
pub(crate) const TOLERANCE: f64 = 1e-6;

/// What an `expect` checks, with names resolved to indices into the
/// decision's lists (which follow the model's declaration order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    Qualified(bool),
    NoDecision,
    Score(NumCheck),
    Grade {
        index: usize,
        value: String,
    },
    Gate {
        index: usize,
        passed: bool,
    },
    Route(Option<String>),
    Block {
        index: usize,
        check: NumCheck,
    },
    Rule {
        block: usize,
        rule: usize,
        check: RuleCheck,
    },
}

/// A resolved `expect`.
#[derive(Debug, Clone)]
pub(crate) struct Expect {
    pub check: Check,
    /// The expectation as written, without `expect` (`score >= 75`).
    pub text: String,
    pub span: Span,
}

fn quoted_list<'a>(items: impl Iterator<Item = &'a str>, quote: bool) -> String {
    items
        .map(|s| {
            if quote {
                format!("\"{s}\"")
            } else {
                format!("`{s}`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown(span: Span, what: String, name: &str, cands: &[&str], quote: bool) -> Diagnostic {
    let hint = match did_you_mean(name, cands.iter().copied()) {
        Some(s) if quote => format!("did you mean \"{s}\"?"),
        Some(s) => format!("did you mean `{s}`?"),
        None if cands.is_empty() => "the model has none".to_string(),
        None => format!("it has {}", quoted_list(cands.iter().copied(), quote)),
    };
    Diagnostic::error(E_EXPECT, span, what).with_hint(hint)
}

/// Resolves an `expect` against a model. `text` is the statement's source.
pub(crate) fn resolve(
    e: &Expectation,
    span: Span,
    text: &str,
    g: &ModelGraph,
    program: &Program,
) -> Result<Expect, Diagnostic> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let text = words.strip_prefix(&["expect"]).unwrap_or(&words).join(" ");
    let check = match e {
        Expectation::Qualified(q) => Check::Qualified(*q),
        Expectation::NoDecision => Check::NoDecision,
        Expectation::Score(c) => Check::Score(c.clone()),
        Expectation::Grade { grade, value } => {
            let names: Vec<&str> = g.grades.iter().map(|x| x.name.as_str()).collect();
            let Some(index) = g.grades.iter().position(|x| x.name == grade.name) else {
                return Err(unknown(
                    grade.span,
                    format!("the model `{}` has no grade `{}`", g.name, grade.name),
                    &grade.name,
                    &names,
                    false,
                ));
            };
            let labels: Vec<&str> = match g.grades.get(index).and_then(|x| g.node(x.node)) {
                Some(Node::Grade {
                    bands, otherwise, ..
                }) => bands
                    .iter()
                    .map(|(s, _)| program.string(*s))
                    .chain(std::iter::once(program.string(*otherwise)))
                    .collect(),
                _ => Vec::new(),
            };
            if !labels.is_empty() && !labels.contains(&value.value.as_str()) {
                return Err(Diagnostic::error(
                    E_EXPECT,
                    value.span,
                    format!("the grade `{}` has no band \"{}\"", grade.name, value.value),
                )
                .with_hint(format!(
                    "its values are {}",
                    quoted_list(labels.iter().copied(), true)
                )));
            }
            Check::Grade {
                index,
                value: value.value.clone(),
            }
        }
        Expectation::Gate { gate, passed } => {
            let names: Vec<&str> = g.gates.iter().map(|x| x.name.as_str()).collect();
            let Some(index) = g.gates.iter().position(|x| x.name == gate.value) else {
                return Err(unknown(
                    gate.span,
                    format!(
                        "the model `{}` has no gate `{}` (gates are `gate` lines and `required` rules, by label)",
                        g.name, gate.value
                    ),
                    &gate.value,
                    &names,
                    false,
                ));
            };
            Check::Gate {
                index,
                passed: *passed,
            }
        }
        Expectation::Route(q) => {
            if let Some(q) = q {
                let queues: Vec<&str> = g.routes.iter().map(|r| r.queue.as_str()).collect();
                if !queues.contains(&q.value.as_str()) {
                    return Err(unknown(
                        q.span,
                        format!("the model `{}` has no route \"{}\"", g.name, q.value),
                        &q.value,
                        &queues,
                        true,
                    ));
                }
            }
            Check::Route(q.as_ref().map(|s| s.value.clone()))
        }
        Expectation::Block { block, check } => {
            let names: Vec<&str> = g.blocks.iter().map(|b| b.name.as_str()).collect();
            let Some(index) = g.blocks.iter().position(|b| b.name == block.name) else {
                return Err(unknown(
                    block.span,
                    format!("the model `{}` has no block `{}`", g.name, block.name),
                    &block.name,
                    &names,
                    false,
                ));
            };
            Check::Block {
                index,
                check: check.clone(),
            }
        }
        Expectation::Rule { label, check } => {
            let hits: Vec<(usize, usize)> = g
                .blocks
                .iter()
                .enumerate()
                .flat_map(|(b, blk)| {
                    blk.rules
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.label == label.value)
                        .map(move |(r, _)| (b, r))
                })
                .collect();
            match hits.as_slice() {
                [(block, rule)] => Check::Rule {
                    block: *block,
                    rule: *rule,
                    check: check.clone(),
                },
                [] => {
                    let labels: Vec<&str> = g
                        .blocks
                        .iter()
                        .flat_map(|b| b.rules.iter().map(|r| r.label.as_str()))
                        .collect();
                    return Err(unknown(
                        label.span,
                        format!(
                            "the model `{}` has no rule labelled \"{}\"",
                            g.name, label.value
                        ),
                        &label.value,
                        &labels,
                        true,
                    ));
                }
                many => {
                    let blocks: Vec<&str> = many
                        .iter()
                        .filter_map(|(b, _)| g.blocks.get(*b).map(|x| x.name.as_str()))
                        .collect();
                    return Err(Diagnostic::error(
                        E_EXPECT,
                        label.span,
                        format!(
                            "{} rules are labelled \"{}\" (in blocks {})",
                            many.len(),
                            label.value,
                            quoted_list(blocks.into_iter(), false)
                        ),
                    )
                    .with_hint("give the rules different labels in the rule file"));
                }
            }
        }
    };
    Ok(Expect { check, text, span })
}

/// A number as failure messages show it (up to 6 decimals; missing for NaN).
pub(crate) fn show_num(v: f64) -> String {
    if v.is_nan() {
        "missing".to_string()
    } else {
        fmt_num(v)
    }
}

/// Whether `v` passes a numeric check. A missing value (NaN) passes none.
pub(crate) fn num_ok(c: &NumCheck, v: f64) -> bool {
    if v.is_nan() {
        return false;
    }
    match c {
        NumCheck::Compare(op, n) => {
            let n = n.value;
            match op {
                BinaryOp::Eq => (v - n).abs() <= TOLERANCE,
                BinaryOp::Ne => (v - n).abs() > TOLERANCE,
                BinaryOp::Lt => v < n,
                BinaryOp::Le => v <= n,
                BinaryOp::Gt => v > n,
                _ => v >= n,
            }
        }
        NumCheck::Between(lo, hi) => lo.value <= v && v <= hi.value,
    }
}

fn qualification(d: &Detail, g: &ModelGraph) -> String {
    let failed: Vec<&str> = d
        .gates
        .iter()
        .filter(|x| !x.passed)
        .map(|x| x.name.as_str())
        .collect();
    let score = show_num(d.score);
    let threshold = fmt_num(g.threshold);
    if d.qualified {
        return format!("qualified (score {score}, threshold {threshold}, every gate passed)");
    }
    let mut why = Vec::new();
    if d.score.is_nan() || d.score < g.threshold {
        why.push(format!("score {score} is below the threshold {threshold}"));
    }
    if !failed.is_empty() {
        why.push(format!("failed gates: {}", failed.join(", ")));
    }
    if why.is_empty() {
        "not qualified".to_string()
    } else {
        format!("not qualified ({})", why.join("; "))
    }
}

/// Checks one expectation; `Some(actual)` when it fails.
pub(crate) fn verify(e: &Expect, detail: Option<&Detail>, g: &ModelGraph) -> Option<String> {
    let Some(d) = detail else {
        return match e.check {
            Check::NoDecision => None,
            _ => Some(format!(
                "no decision (the model `{}` does not apply to this account: its `for` condition is not true)",
                g.name
            )),
        };
    };
    match &e.check {
        Check::NoDecision => Some(format!("a decision: {}", qualification(d, g))),
        Check::Qualified(want) => (d.qualified != *want).then(|| qualification(d, g)),
        Check::Score(c) => (!num_ok(c, d.score)).then(|| show_num(d.score)),
        Check::Grade { index, value } => {
            let got = d.grades.get(*index).map_or("", |x| x.value.as_str());
            (got != value).then(|| {
                if got.is_empty() {
                    "missing".to_string()
                } else {
                    format!("\"{got}\"")
                }
            })
        }
        Check::Gate { index, passed } => {
            let got = d.gates.get(*index).is_some_and(|x| x.passed);
            (got != *passed).then(|| if got { "passed" } else { "failed" }.to_string())
        }
        Check::Route(want) => {
            let got = d.route.as_ref().map(|r| r.queue.as_str());
            (got != want.as_deref()).then(|| match got {
                Some(q) => format!("\"{q}\""),
                None if !d.qualified => "none (not qualified)".to_string(),
                None => "none".to_string(),
            })
        }
        Check::Block { index, check } => {
            let got = d.blocks.get(*index).map_or(f64::NAN, |b| b.points);
            (!num_ok(check, got)).then(|| show_num(got))
        }
        Check::Rule { block, rule, check } => {
            let r = d.blocks.get(*block).and_then(|b| b.rules.get(*rule));
            match check {
                RuleCheck::Fired(want) => {
                    let got = r.is_some_and(|r| r.fired);
                    (got != *want).then(|| {
                        let pts = r.map_or(String::new(), |r| {
                            format!(" ({} points)", show_num(r.points))
                        });
                        if got {
                            format!("fired{pts}")
                        } else {
                            format!("not fired{pts}")
                        }
                    })
                }
                RuleCheck::Points(c) => {
                    let got = r.map_or(f64::NAN, |r| r.points);
                    (!num_ok(c, got)).then(|| show_num(got))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqa_syntax::ast::Number;

    fn n(v: f64) -> Number {
        Number {
            value: v,
            raw: v.to_string(),
            span: Span::default(),
        }
    }

    #[test]
    fn numeric_checks() {
        let ge = NumCheck::Compare(BinaryOp::Ge, n(75.0));
        assert!(num_ok(&ge, 75.0));
        assert!(!num_ok(&ge, 74.999_999_9));
        let eq = NumCheck::Compare(BinaryOp::Eq, n(50.0));
        assert!(num_ok(&eq, 50.000_000_5));
        assert!(!num_ok(&eq, 50.01));
        let ne = NumCheck::Compare(BinaryOp::Ne, n(50.0));
        assert!(!num_ok(&ne, 50.0) && num_ok(&ne, 51.0));
        let bt = NumCheck::Between(n(10.0), n(20.0));
        assert!(num_ok(&bt, 10.0) && num_ok(&bt, 20.0) && !num_ok(&bt, 20.1));
        assert!(!num_ok(&bt, f64::NAN));
        assert!(!num_ok(&ne, f64::NAN));
        assert_eq!(show_num(71.428_571_4), "71.428571");
        assert_eq!(show_num(f64::NAN), "missing");
    }
}
