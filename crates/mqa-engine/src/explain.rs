//! Full decisions and explanations (spec §7): per-rule points, gates, grades,
//! route, and the context packet for the salesperson (top activities, engaged
//! contacts, intent topics, account fields). Built only when the output needs
//! them: `jsonl` and `mqa explain` re-evaluate the account with slots kept.

use crate::eval::value::Value;
use crate::eval::{col_value, Decision, Evaluator, Scratch};
use crate::intern::Sym;
use crate::output::fmt_score;
use crate::run::{Session, SourceStatus};
use mqa_compiler::analysis::fmt_num;
use mqa_compiler::graph::*;
use mqa_syntax::time::format_timestamp;
use serde::Serialize;
use serde_json::{json, Value as Json};

mod render;

pub use render::{render_explanation, write_jsonl};

#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub label: String,
    pub points: f64,
    pub fired: bool,
    /// The values that decided the rule, in words.
    #[serde(skip)]
    pub because: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockResult {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub points: f64,
    pub rules: Vec<RuleResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub name: String,
    pub passed: bool,
    #[serde(skip)]
    pub because: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeResult {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteResult {
    pub queue: String,
    pub sla_due: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub at: String,
    pub contact: Option<String>,
    pub kind: Option<String>,
    pub points: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub top_activities: Vec<Activity>,
    pub engaged_contacts: Vec<serde_json::Map<String, Json>>,
    pub intent_topics: Vec<String>,
    pub account: serde_json::Map<String, Json>,
}

/// Everything about one decision (the `jsonl` object).
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub model: String,
    pub account: String,
    pub as_of: String,
    pub score: f64,
    pub qualified: bool,
    pub grades: Vec<GradeResult>,
    pub gates: Vec<GateResult>,
    pub blocks: Vec<BlockResult>,
    pub route: Option<RouteResult>,
    pub context: Context,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_sources: Vec<String>,
}

fn value_json(ev: &Evaluator<'_>, v: Value<'_>) -> Json {
    match v {
        Value::Missing => Json::Null,
        Value::Num(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Json::Number((x as i64).into()),
        Value::Num(x) => serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number),
        Value::Bool(b) => Json::Bool(b),
        Value::Text(s) => Json::String(ev.interner.resolve(s).to_string()),
        Value::Time(t) => Json::String(format_timestamp(t)),
        Value::Texts(l) => Json::Array(
            l.iter()
                .map(|s| Json::String(ev.interner.resolve(*s).to_string()))
                .collect(),
        ),
        Value::Nums(l) => json!(l),
    }
}

/// A value in words, for explanations.
pub fn value_text(ev: &Evaluator<'_>, v: Value<'_>) -> String {
    match v {
        Value::Missing => "missing".to_string(),
        Value::Num(x) => fmt_num(x),
        Value::Bool(b) => b.to_string(),
        Value::Text(s) => format!("\"{}\"", ev.interner.resolve(s)),
        Value::Time(t) => format_timestamp(t),
        Value::Texts(l) => format!(
            "[{}]",
            l.iter()
                .map(|s| format!("\"{}\"", ev.interner.resolve(*s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Nums(l) => format!(
            "[{}]",
            l.iter().map(|x| fmt_num(*x)).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn truth(v: Value<'_>) -> &'static str {
    match v {
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        _ => "unknown (counts as false)",
    }
}

/// The operands worth showing for a condition: non-constant leaves and aggregates.
fn operands(g: &ModelGraph, id: NodeId, out: &mut Vec<NodeId>, depth: usize) {
    if depth > 32 || out.len() > 8 {
        return;
    }
    match g.node(id) {
        Some(Node::Binary(_, a, b)) => {
            operands(g, *a, out, depth + 1);
            operands(g, *b, out, depth + 1);
        }
        Some(Node::Unary(_, a)) => operands(g, *a, out, depth + 1),
        Some(Node::Between(v, lo, hi)) => {
            operands(g, *v, out, depth + 1);
            operands(g, *lo, out, depth + 1);
            operands(g, *hi, out, depth + 1);
        }
        Some(Node::Const(_)) | None => {}
        Some(_) => {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
}

fn because(ev: &Evaluator<'_>, g: &ModelGraph, cond: NodeId, slots: &[Value<'_>]) -> String {
    let slot = |id: NodeId| slots.get(id.index()).copied().unwrap_or(Value::Missing);
    let mut ops = Vec::new();
    operands(g, cond, &mut ops, 0);
    ops.retain(|id| *id != cond);
    let parts: Vec<String> = ops
        .iter()
        .map(|id| {
            format!(
                "{} = {}",
                g.label(*id)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                value_text(ev, slot(*id))
            )
        })
        .collect();
    let cond_text = g
        .label(cond)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if parts.is_empty() {
        format!("{cond_text} → {}", truth(slot(cond)))
    } else {
        format!("{}; {cond_text} → {}", parts.join(", "), truth(slot(cond)))
    }
}

fn window_text(secs: i64) -> String {
    if secs % 86_400 == 0 {
        format!("{}d", secs / 86_400)
    } else if secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else {
        format!("{}m", secs / 60)
    }
}

fn coll_word(p: &Program, c: Collection, n: usize) -> String {
    let s = if n == 1 { "" } else { "s" };
    match c {
        Collection::Events => format!("event{s}"),
        Collection::Contacts => format!("contact{s}"),
        Collection::Engaged => format!("engaged contact{s}"),
        Collection::Source(i) => p
            .sources
            .get(i as usize)
            .map_or(format!("signal{s}"), |x| format!("{} signal{s}", x.name)),
    }
}

impl Session {
    /// The full decision of one model for one account (`None` when the model does not apply).
    pub fn detail(&self, model: usize, a: usize) -> Option<Detail> {
        let ev = self.evaluator();
        let mut scratch = Scratch::default();
        let d = ev.decide(model, a, &mut scratch)?;
        Some(self.detail_from(&ev, &d, &mut scratch))
    }

    fn detail_from<'e>(
        &'e self,
        ev: &'e Evaluator<'e>,
        d: &Decision,
        scratch: &mut Scratch<'e>,
    ) -> Detail {
        let model = d.model as usize;
        let a = d.account as usize;
        let Some(g) = self.program.models.get(model) else {
            return self.empty_detail(d);
        };
        let slots: Vec<Value<'e>> = scratch.slots.clone();
        let slot = |id: NodeId| slots.get(id.index()).copied().unwrap_or(Value::Missing);
        let mut blocks = Vec::new();
        // Per event contributions, for the top activities.
        let mut contrib: Vec<(usize, f64)> = Vec::new();
        for b in &g.blocks {
            let mut rules = Vec::new();
            for r in &b.rules {
                let points = slot(r.node).num().unwrap_or(0.0);
                let (fired, because_text) = match (r.condition, g.node(r.node)) {
                    (Some(c), _) => (slot(c).is_true(), because(ev, g, c, &slots)),
                    (
                        None,
                        Some(Node::PerRecord {
                            points: p,
                            scan,
                            decay,
                            cap,
                        }),
                    ) => {
                        let mut n = 0usize;
                        let sum = ev.per_record(*p, scan, *decay, a, scratch, |rec, pts| {
                            n += 1;
                            if let crate::eval::scan::Rec::Event(row) = rec {
                                contrib.push((row, pts));
                            }
                        });
                        let decay_text = match decay {
                            DecayKind::None => String::new(),
                            DecayKind::HalfLife(h) => {
                                format!(", half-life {}", window_text(*h as i64))
                            }
                            DecayKind::Linear(l) => {
                                format!(", linear over {}", window_text(*l as i64))
                            }
                        };
                        let cap_text =
                            cap.map_or(String::new(), |c| format!(", cap {}", fmt_num(c)));
                        (
                            n > 0,
                            format!(
                                "{n} matching {} in {}{decay_text}: sum {}{cap_text}",
                                coll_word(&self.program, scan.collection, n),
                                window_text(scan.window),
                                fmt_score(sum, 2)
                            ),
                        )
                    }
                    _ => (false, String::new()),
                };
                rules.push(RuleResult {
                    label: r.label.clone(),
                    points,
                    fired,
                    because: because_text,
                });
            }
            blocks.push(BlockResult {
                name: b.name.clone(),
                title: b.title.clone(),
                points: slot(b.node).num().unwrap_or(0.0),
                rules,
            });
        }
        let gates = g
            .gates
            .iter()
            .map(|gate| GateResult {
                name: gate.name.clone(),
                passed: slot(gate.condition).is_true(),
                because: because(ev, g, gate.condition, &slots),
            })
            .collect();
        let grades = g
            .grades
            .iter()
            .map(|gr| GradeResult {
                name: gr.name.clone(),
                value: match slot(gr.node) {
                    Value::Text(s) => self.interner.resolve(s).to_string(),
                    _ => String::new(),
                },
            })
            .collect();
        let route = d
            .route
            .and_then(|r| g.routes.get(r as usize))
            .map(|r| RouteResult {
                queue: r.queue.clone(),
                sla_due: self.sla_due(r),
            });
        let context = self.context(ev, g, a, &mut contrib, scratch);
        let skipped_sources = self
            .source_status
            .iter()
            .filter(|(_, s)| matches!(s, SourceStatus::Skipped(_)))
            .map(|(n, _)| n.clone())
            .collect();
        Detail {
            model: g.name.clone(),
            account: self.account_id(a).to_string(),
            as_of: format_timestamp(self.as_of),
            score: d.score,
            qualified: d.qualified,
            grades,
            gates,
            blocks,
            route,
            context,
            skipped_sources,
        }
    }

    fn empty_detail(&self, d: &Decision) -> Detail {
        Detail {
            model: String::new(),
            account: self.account_id(d.account as usize).to_string(),
            as_of: format_timestamp(self.as_of),
            score: d.score,
            qualified: d.qualified,
            grades: Vec::new(),
            gates: Vec::new(),
            blocks: Vec::new(),
            route: None,
            context: Context {
                top_activities: Vec::new(),
                engaged_contacts: Vec::new(),
                intent_topics: Vec::new(),
                account: serde_json::Map::new(),
            },
            skipped_sources: Vec::new(),
        }
    }

    pub fn account_id(&self, a: usize) -> &str {
        self.data
            .accounts
            .id
            .get(a)
            .map_or("", |s| self.interner.resolve(*s))
    }

    fn context<'e>(
        &'e self,
        ev: &'e Evaluator<'e>,
        g: &ModelGraph,
        a: usize,
        contrib: &mut Vec<(usize, f64)>,
        scratch: &mut Scratch<'e>,
    ) -> Context {
        let d = &self.data;
        // Top activities: events by total points over all per-record rules.
        contrib.sort_by_key(|(row, _)| *row);
        let mut merged: Vec<(usize, f64)> = Vec::new();
        for (row, p) in contrib.drain(..) {
            match merged.last_mut() {
                Some((r, q)) if *r == row => *q += p,
                _ => merged.push((row, p)),
            }
        }
        merged.sort_by(|x, y| {
            y.1.total_cmp(&x.1)
                .then_with(|| d.events.at.get(y.0).cmp(&d.events.at.get(x.0)))
        });
        let kind_col = self
            .program
            .schemas
            .event
            .iter()
            .position(|f| f.name == "kind");
        let top_activities = merged
            .iter()
            .take(5)
            .map(|(row, p)| Activity {
                at: d
                    .events
                    .at
                    .get(*row)
                    .map_or(String::new(), |t| format_timestamp(*t)),
                contact: d
                    .events
                    .contact_id
                    .get(*row)
                    .filter(|s| !s.is_missing())
                    .map(|s| self.interner.resolve(*s).to_string()),
                kind: kind_col.and_then(|c| d.events.fields.get(c)).and_then(|c| {
                    match col_value(c, *row) {
                        Value::Text(s) => Some(self.interner.resolve(s).to_string()),
                        _ => None,
                    }
                }),
                points: *p,
            })
            .collect();
        // Engaged contacts in the model window.
        let mut marks = Vec::new();
        ev.engaged_marks(a, g.window, &mut marks);
        let cr = d.contacts.of_account(a);
        let engaged_contacts = marks
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(i, _)| {
                let row = cr.start + i;
                let mut m = serde_json::Map::new();
                m.insert(
                    "id".into(),
                    Json::String(
                        d.contacts
                            .id
                            .get(row)
                            .map_or(String::new(), |s| self.interner.resolve(*s).to_string()),
                    ),
                );
                for (fi, f) in self.program.schemas.contact.iter().enumerate() {
                    let v = d
                        .contacts
                        .fields
                        .get(fi)
                        .map_or(Value::Missing, |c| col_value(c, row));
                    m.insert(f.name.clone(), value_json(ev, v));
                }
                m
            })
            .collect();
        // Intent topics: distinct `topic` values of sources, in the model window, latest first.
        let mut topics: Vec<(i64, Sym)> = Vec::new();
        for (si, def) in self.program.sources.iter().enumerate() {
            let Some(ti) = def.fields.iter().position(|f| f.name == "topic") else {
                continue;
            };
            let Some(Some(src)) = self.sources.get(si) else {
                continue;
            };
            let s = u16::try_from(si).unwrap_or(u16::MAX);
            for row in ev.signal_rows(s, a, g.window) {
                if let (Some(Value::Text(t)), Some(at)) = (
                    src.table.fields.get(ti).map(|c| col_value(c, row)),
                    src.table.at.get(row),
                ) {
                    topics.push((*at, t));
                }
            }
        }
        topics.sort_by_key(|x| std::cmp::Reverse(x.0));
        let mut intent_topics: Vec<String> = Vec::new();
        for (_, t) in topics {
            let name = self.interner.resolve(t).to_string();
            if !intent_topics.contains(&name) {
                intent_topics.push(name);
            }
        }
        let mut account = serde_json::Map::new();
        account.insert("id".into(), Json::String(self.account_id(a).to_string()));
        for (fi, f) in self.program.schemas.account.iter().enumerate() {
            let v = d
                .accounts
                .fields
                .get(fi)
                .map_or(Value::Missing, |c| col_value(c, a));
            account.insert(f.name.clone(), value_json(ev, v));
        }
        let _ = scratch;
        Context {
            top_activities,
            engaged_contacts,
            intent_topics,
            account,
        }
    }
}
