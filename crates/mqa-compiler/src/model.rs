//! Models: blocks, point rules, grades, gates, score and routes, lowered into
//! one [`ModelGraph`] per model.

use crate::context::FileCtx;
use crate::expr::{Memo, ModelCtx, Reported, Scope, Typed};
use crate::graph::*;
use mqa_syntax::ast::{self, ModelItem, RuleKind, Span};
use std::collections::HashMap;

const DEFAULT_WINDOW: i64 = 90 * 86_400;

/// Compiles one model; `None` when it has errors (already reported).
pub(crate) fn compile_model<'a>(f: &mut FileCtx<'a>, m: &'a ast::Model) -> Option<ModelGraph> {
    let errors_before = f.diags.iter().filter(|d| d.is_error()).count();
    let mut threshold: Option<(f64, Span)> = None;
    let mut dequalify: Option<(f64, Span)> = None;
    let mut window: Option<(i64, Span)> = None;
    let mut window_raw = "90d".to_string();
    for item in &m.items {
        match item {
            ModelItem::Threshold(n, s) => set_once(f, &mut threshold, (n.value, *s), "threshold"),
            ModelItem::Dequalify(n, s) => {
                set_once(f, &mut dequalify, (n.value, *s), "dequalify below")
            }
            ModelItem::Window(d, s) => {
                if d.seconds <= 0 {
                    f.error("E0211", d.span, "the model window must be longer than zero")
                        .hint = Some(
                        "write the longest look-back the model needs, e.g. `window 90d` (the default)"
                            .into(),
                    );
                }
                if window.is_none() {
                    window_raw = d.raw.clone();
                }
                set_once(f, &mut window, (d.seconds.max(1), *s), "window")
            }
            _ => {}
        }
    }
    if threshold.is_none() {
        f.error(
            "E0232",
            m.name.span,
            format!("the model `{}` has no threshold", m.name.name),
        )
        .hint =
            Some("add a line like `threshold 75`: the score an account needs to qualify".into());
    }
    let explicit = window.is_some();
    let (window, window_span) = window.unwrap_or((DEFAULT_WINDOW, m.name.span));
    let mut mc = ModelCtx::new(f, window, window_span, window_raw, explicit);

    // Declare named items (lets, blocks, grades), reporting duplicates.
    let mut names: HashMap<String, (Span, &'static str)> = HashMap::new();
    let mut declare = |mc: &mut ModelCtx<'a, '_>, id: &ast::Ident, what: &'static str| -> bool {
        if let Some((prev, pwhat)) = names.get(&id.name) {
            let prev = *prev;
            mc.f.error(
                "E0201",
                id.span,
                format!(
                    "`{}` is already defined as a {pwhat} in this model",
                    id.name
                ),
            )
            .related
            .push((prev, "first defined here".into()));
            return false;
        }
        if mc.file_lets.contains_key(&id.name) {
            let prev =
                mc.f.file_lets
                    .get(&id.name)
                    .map(|l| l.name.span)
                    .unwrap_or_default();
            mc.f.error(
                "E0201",
                id.span,
                format!("`{}` is already defined by a file-level `let`", id.name),
            )
            .related
            .push((prev, "defined here".into()));
            return false;
        }
        names.insert(id.name.clone(), (id.span, what));
        true
    };
    for item in &m.items {
        match item {
            ModelItem::Let(l) => {
                mc.f.check_let_name(&l.name);
                if declare(&mut mc, &l.name, "let") {
                    mc.lets.insert(l.name.name.clone(), Memo::Pending(l));
                }
            }
            ModelItem::Block(b) if declare(&mut mc, &b.name, "block") => {
                mc.blocks.insert(b.name.name.clone(), Memo::Pending(b));
            }
            ModelItem::Grade(g) if declare(&mut mc, &g.name, "grade") => {
                mc.grades.insert(g.name.name.clone(), Memo::Pending(g));
                let from = mc.f.text_of(g.from.span);
                mc.grade_from.insert(g.name.name.clone(), from);
            }
            _ => {}
        }
    }

    let applies = m.applies_when.as_ref().and_then(|c| {
        mc.expect(c, Scope::MODEL, Ty::Bool, "the `for` condition")
            .ok()
    });

    let mut blocks: Vec<BlockInfo> = Vec::new();
    let mut block_nodes: Vec<NodeId> = Vec::new();
    let mut grades = Vec::new();
    let mut gates: Vec<GateInfo> = Vec::new();
    let mut gate_spans: HashMap<String, (Span, bool)> = HashMap::new();
    let mut score: Option<NodeId> = None;
    let mut score_seen: Option<Span> = None;
    let mut routes = Vec::new();
    let mut open_route: Option<Span> = None;
    for item in &m.items {
        match item {
            ModelItem::Let(l) => {
                // Compiled even when unused, so its errors are reported.
                let _ = mc.resolve_let(&l.name.name, l.name.span, false);
            }
            ModelItem::Block(b) => {
                if let Ok((node, _)) = mc.resolve_block(&b.name.name, b.name.span) {
                    block_nodes.push(node);
                    if let Some(info) = mc.block_infos.get(&b.name.name).cloned() {
                        let bi = blocks.len();
                        for (ri, r) in info.rules.iter().enumerate() {
                            if r.required {
                                let span = b.rules.get(ri).map(|x| x.span).unwrap_or(b.span);
                                add_gate(
                                    &mut mc,
                                    &mut gates,
                                    &mut gate_spans,
                                    &r.label,
                                    span,
                                    r.condition,
                                    Some((bi, ri)),
                                );
                            }
                        }
                        blocks.push(info);
                    }
                }
            }
            ModelItem::Grade(g) => {
                if let Ok((node, _)) = mc.resolve_grade(&g.name.name, g.name.span) {
                    grades.push(GradeInfo {
                        name: g.name.name.clone(),
                        node,
                    });
                }
            }
            ModelItem::Gate(g) => {
                let cond = mc
                    .expect(&g.condition, Scope::MODEL, Ty::Bool, "a gate")
                    .ok();
                add_gate(
                    &mut mc,
                    &mut gates,
                    &mut gate_spans,
                    &g.name.name,
                    g.name.span,
                    cond,
                    None,
                );
            }
            ModelItem::Score(e, s) => {
                if let Some(prev) = score_seen {
                    let d = mc.f.error("E0201", *s, "the model already has a `score =`");
                    d.related.push((prev, "first defined here".into()));
                    d.hint =
                        Some("a model has one score: combine both into one `score =` line".into());
                }
                score_seen = Some(*s);
                score = mc.expect(e, Scope::MODEL, Ty::Number, "the score").ok();
            }
            ModelItem::Route(r) => {
                if let Some(prev) = open_route {
                    let d = mc.f.error(
                        "E0231",
                        r.span,
                        "this route can never be chosen: an earlier route has no `when` and takes every account",
                    );
                    d.related.push((prev, "the route without `when`".into()));
                    d.hint = Some(if r.condition.is_some() {
                        "routes are tried in order: move the route without `when` to the end".into()
                    } else {
                        "only one route may go without `when` (the last, for everyone else): give the other a `when`".into()
                    });
                }
                let condition = match &r.condition {
                    Some(c) => mc
                        .expect(c, Scope::MODEL, Ty::Bool, "a route condition")
                        .ok(),
                    None => {
                        open_route = Some(r.span);
                        None
                    }
                };
                if r.sla.seconds < 0 {
                    mc.f.error("E0211", r.sla.span, "an SLA cannot be negative");
                }
                routes.push(RouteInfo {
                    queue: r.queue.value.clone(),
                    sla: r.sla.seconds,
                    condition,
                });
            }
            ModelItem::Threshold(..) | ModelItem::Dequalify(..) | ModelItem::Window(..) => {}
        }
    }
    let score = match score {
        Some(s) => s,
        None if score_seen.is_some() => NodeId(0),
        None => {
            let label = blocks
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(" + ");
            mc.add(
                Node::Sum(block_nodes.clone()),
                if label.is_empty() { "0".into() } else { label },
            )
        }
    };
    let lets = {
        let mut v: Vec<(String, NodeId)> = Vec::new();
        for item in &m.items {
            if let ModelItem::Let(l) = item {
                if let Some(Memo::Done(Some((id, _)))) = mc.lets.get(&l.name.name) {
                    v.push((l.name.name.clone(), *id));
                }
            }
        }
        v
    };
    let graph = ModelGraph {
        name: m.name.name.clone(),
        threshold: threshold.map_or(0.0, |t| t.0),
        dequalify_below: dequalify.or(threshold).map_or(0.0, |t| t.0),
        window,
        nodes: std::mem::take(&mut mc.nodes),
        labels: std::mem::take(&mut mc.labels),
        applies,
        blocks,
        grades,
        gates,
        score,
        routes,
        lets,
    };
    let errors_after = f.diags.iter().filter(|d| d.is_error()).count();
    (errors_after == errors_before).then_some(graph)
}

fn set_once<T>(f: &mut FileCtx<'_>, slot: &mut Option<(T, Span)>, v: (T, Span), what: &str) {
    if let Some((_, prev)) = slot {
        let prev = *prev;
        f.error("E0201", v.1, format!("the model already has a `{what}`"))
            .related
            .push((prev, "first set here".into()));
    } else {
        *slot = Some(v);
    }
}

#[allow(clippy::too_many_arguments)]
fn add_gate(
    mc: &mut ModelCtx<'_, '_>,
    gates: &mut Vec<GateInfo>,
    spans: &mut HashMap<String, (Span, bool)>,
    name: &str,
    span: Span,
    cond: Option<NodeId>,
    from_rule: Option<(usize, usize)>,
) {
    if let Some((prev, prev_rule)) = spans.get(name) {
        let d = mc.f.error(
            "E0201",
            span,
            format!("there is already a gate named `{name}`"),
        );
        d.related.push((
            *prev,
            if *prev_rule {
                "a `required` rule is a gate named by its label: this one".into()
            } else {
                "first defined here".into()
            },
        ));
        if *prev_rule || from_rule.is_some() {
            d.hint = Some(
                "gates and the labels of `required` rules share one set of names: rename one of them"
                    .into(),
            );
        }
        return;
    }
    spans.insert(name.to_string(), (span, from_rule.is_some()));
    if let Some(condition) = cond {
        gates.push(GateInfo {
            name: name.to_string(),
            condition,
            from_rule,
        });
    }
}

/// The label of a rule: its own, or its source text (without `required`).
fn rule_label(mc: &ModelCtx<'_, '_>, r: &ast::PointRule) -> String {
    if let Some(l) = &r.label {
        return l.value.clone();
    }
    let text = mc.f.text_of(r.span);
    let text = text.trim();
    text.strip_suffix("required")
        .map_or(text, str::trim_end)
        .to_string()
}

pub(crate) fn compile_block<'a>(mc: &mut ModelCtx<'a, '_>, b: &'a ast::Block) -> Typed {
    let block_window = b.within.as_ref().map(|d| mc.clip_window(d));
    let scope = Scope { block_window };
    let decay = match b.decay.as_ref().map(|(d, _)| d) {
        Some(ast::Decay::HalfLife(d)) => {
            positive_decay(mc, d, "half_life").map(|s| DecayKind::HalfLife(s as f64))
        }
        Some(ast::Decay::Linear(d)) => {
            positive_decay(mc, d, "linear").map(|s| DecayKind::Linear(s as f64))
        }
        Some(ast::Decay::None) | None => Some(DecayKind::None),
    }
    .unwrap_or(DecayKind::None);
    let mut rules = Vec::new();
    let mut infos = Vec::new();
    let mut failed = false;
    let mut labels: HashMap<String, Span> = HashMap::new();
    for r in &b.rules {
        let label = rule_label(mc, r);
        if let Some(prev) = labels.insert(label.clone(), r.span) {
            let d = mc.f.warn(
                "W0204",
                r.span,
                format!("two rules of this block are labelled \"{label}\""),
            );
            d.related.push((prev, "the other rule".into()));
            d.hint = Some(
                "the score breakdown and `expect rule` name rules by label: give each rule its own"
                    .into(),
            );
        }
        let line = line_of(&mc.f.line_starts, r.span);
        match &r.kind {
            RuleKind::When {
                condition,
                required,
            } => match mc.expect(condition, scope, Ty::Bool, "a rule's condition") {
                Ok(cond) => {
                    let text = mc.f.text_of(r.span);
                    let node = mc.add(
                        Node::When {
                            points: r.points.value,
                            condition: cond,
                        },
                        text,
                    );
                    rules.push(node);
                    infos.push(RuleInfo {
                        label,
                        node,
                        condition: Some(cond),
                        points: r.points.value,
                        required: *required,
                        line,
                    });
                }
                Err(Reported) => failed = true,
            },
            RuleKind::Per {
                collection,
                within,
                filter,
                cap,
            } => {
                let Some(coll) = mc.collection(&collection.name) else {
                    mc.unknown_collection(collection, None, None);
                    failed = true;
                    continue;
                };
                if let (Collection::Contacts, Some(w)) = (coll, within) {
                    mc.f.warn(
                        "W0203",
                        w.span,
                        "`contacts` has no time: `within` does not change it",
                    )
                    .hint = Some("use `engaged` for contacts active in a window".into());
                }
                let window = mc.scan_window(within.as_ref(), scope);
                let filt = match filter {
                    Some(e) => match mc.rec_condition(e, coll, scope) {
                        Ok(x) => Some(x),
                        Err(Reported) => {
                            failed = true;
                            continue;
                        }
                    },
                    None => None,
                };
                let rule_decay = if coll.is_timed() {
                    decay
                } else {
                    DecayKind::None
                };
                let text = mc.f.text_of(r.span);
                let node = mc.add(
                    Node::PerRecord {
                        points: r.points.value,
                        scan: Scan {
                            collection: coll,
                            window,
                            filter: filt,
                        },
                        decay: rule_decay,
                        cap: cap.as_ref().map(|c| c.value),
                    },
                    text,
                );
                rules.push(node);
                infos.push(RuleInfo {
                    label,
                    node,
                    condition: None,
                    points: r.points.value,
                    required: false,
                    line,
                });
            }
        }
    }
    if failed {
        return Err(Reported);
    }
    let max = b.max.as_ref().map(|n| n.value);
    let node = mc.add(Node::BlockSum { rules, max }, b.name.name.clone());
    mc.block_infos.insert(
        b.name.name.clone(),
        BlockInfo {
            name: b.name.name.clone(),
            title: b.title.as_ref().map(|t| t.value.clone()),
            node,
            max,
            rules: infos,
        },
    );
    Ok((node, Ty::Number))
}

fn positive_decay(mc: &mut ModelCtx<'_, '_>, d: &ast::Duration, kind: &str) -> Option<i64> {
    if d.seconds <= 0 {
        mc.f.error("E0211", d.span, "a decay period must be longer than zero")
            .hint = Some(format!(
            "write a period like `decay {kind} 14d`, or `decay none` for no decay"
        ));
        None
    } else {
        Some(d.seconds)
    }
}

fn line_of(line_starts: &[usize], span: Span) -> u32 {
    let line = line_starts.partition_point(|&s| s <= span.start as usize);
    u32::try_from(line.max(1)).unwrap_or(u32::MAX)
}

pub(crate) fn compile_grade<'a>(mc: &mut ModelCtx<'a, '_>, g: &'a ast::Grade) -> Typed {
    let value = mc.expect(&g.from, Scope::MODEL, Ty::Number, "a grade's value");
    let Some(otherwise) = &g.otherwise else {
        mc.f.error(
            "E0230",
            g.name.span,
            format!("the grade `{}` has no `else` band", g.name.name),
        )
        .hint = Some(format!(
            "add a last band like `else {}`: it takes values below every bound, and missing values",
            next_band_label(g)
        ));
        return Err(Reported);
    };
    let value = value?;
    let mut bands = Vec::new();
    let mut prev: Option<(f64, Span)> = None;
    for b in &g.bands {
        if let Some((p, ps)) = prev {
            if b.bound.value >= p {
                let d = mc.f.warn(
                    "W0205",
                    b.span,
                    format!("the band `{}` can never be reached: an earlier band has a lower or equal bound", b.label.value),
                );
                d.related.push((ps, "the earlier band, tried first".into()));
                d.hint = Some(
                    "bands are tried in order and the first one reached wins: list them from the highest bound down"
                        .into(),
                );
            }
        }
        prev = Some((b.bound.value, b.span));
        bands.push((mc.f.intern(&b.label.value), b.bound.value));
    }
    let otherwise = mc.f.intern(&otherwise.value);
    let node = mc.add(
        Node::Grade {
            value,
            bands,
            otherwise,
        },
        g.name.name.clone(),
    );
    Ok((node, Ty::Text))
}

/// A label for a missing `else` band: the letter after the last band's
/// (`A, B` → `C`), else `D`.
fn next_band_label(g: &ast::Grade) -> String {
    let last = g.bands.last().map(|b| b.label.value.as_str()).unwrap_or("");
    let mut chars = last.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_uppercase() && c < 'Z' => char::from(c as u8 + 1).to_string(),
        _ => "D".to_string(),
    }
}
