//! A model's decision for one account, read off its evaluated slots:
//! score, gates, qualification, route and grades.

use super::value::Value;
use super::{Evaluator, Scratch};
use crate::intern::Sym;
use mqa_compiler::graph::NodeId;

/// The outcome of one model for one account (what `csv` output needs).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub model: u16,
    pub account: u32,
    /// NaN when a custom `score =` is missing for this account.
    pub score: f64,
    pub qualified: bool,
    /// Values of the model's grades, in declaration order.
    pub grades: Vec<Sym>,
    /// Indices (into the model's gates) of failed gates, in declaration order.
    pub failed_gates: Vec<u16>,
    /// Index of the chosen route (only when qualified).
    pub route: Option<u16>,
}

impl<'e> Evaluator<'e> {
    /// Scores one account with one model; `None` when the model's `for` does not hold.
    pub fn decide(&'e self, model: usize, a: usize, scratch: &mut Scratch<'e>) -> Option<Decision> {
        self.run_nodes(model, a, scratch);
        self.decision_from_slots(model, a, scratch)
    }

    /// Builds the decision from evaluated slots.
    pub fn decision_from_slots(
        &self,
        model: usize,
        a: usize,
        scratch: &Scratch<'e>,
    ) -> Option<Decision> {
        let g = self.program.models.get(model)?;
        let slot = |id: NodeId| {
            scratch
                .slots
                .get(id.index())
                .copied()
                .unwrap_or(Value::Missing)
        };
        if let Some(app) = g.applies {
            if !slot(app).is_true() {
                return None;
            }
        }
        let score = match slot(g.score) {
            Value::Num(v) => v,
            _ => f64::NAN,
        };
        let mut failed_gates = Vec::new();
        for (i, gate) in g.gates.iter().enumerate() {
            if !slot(gate.condition).is_true() {
                failed_gates.push(u16::try_from(i).unwrap_or(u16::MAX));
            }
        }
        let qualified = score >= g.threshold && failed_gates.is_empty();
        let route = if qualified {
            g.routes
                .iter()
                .position(|r| r.condition.is_none_or(|c| slot(c).is_true()))
                .map(|i| u16::try_from(i).unwrap_or(u16::MAX))
        } else {
            None
        };
        let grades = g
            .grades
            .iter()
            .map(|gr| match slot(gr.node) {
                Value::Text(s) => s,
                _ => Sym::MISSING,
            })
            .collect();
        Some(Decision {
            model: u16::try_from(model).unwrap_or(u16::MAX),
            account: u32::try_from(a).unwrap_or(u32::MAX),
            score,
            qualified,
            grades,
            failed_gates,
            route,
        })
    }
}
