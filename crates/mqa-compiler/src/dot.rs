//! Graphviz DOT rendering of a model graph: nodes are labelled with their
//! rule text, blocks are clusters, roots (score, gates, grades, routes) are
//! highlighted.

use crate::graph::*;
use std::fmt::Write as _;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' | '>' | '{' | '}' | '|' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn shorten(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 70 {
        format!("{}…", one_line.chars().take(69).collect::<String>())
    } else {
        one_line
    }
}

fn kind(n: &Node) -> &'static str {
    match n {
        Node::Const(_) => "const",
        Node::AccountId | Node::AccountField(_) => "account field",
        Node::Unary(..) | Node::Binary(..) | Node::Between(..) => "expr",
        Node::Aggregate { .. } => "aggregate",
        Node::PerRecord { .. } => "per record",
        Node::When { .. } => "when",
        Node::BlockSum { .. } => "block",
        Node::Sum(_) => "sum",
        Node::Grade { .. } => "grade",
    }
}

fn children(n: &Node) -> Vec<NodeId> {
    let mut v = Vec::new();
    fn rec(e: &RecExpr, v: &mut Vec<NodeId>) {
        match e {
            RecExpr::Account(id) => v.push(*id),
            RecExpr::Unary(_, a) => rec(a, v),
            RecExpr::Binary(_, a, b) => {
                rec(a, v);
                rec(b, v);
            }
            RecExpr::Between(a, b, c) => {
                rec(a, v);
                rec(b, v);
                rec(c, v);
            }
            RecExpr::Field(_) | RecExpr::Const(_) => {}
        }
    }
    match n {
        Node::Unary(_, a) => v.push(*a),
        Node::Binary(_, a, b) => v.extend([*a, *b]),
        Node::Between(a, b, c) => v.extend([*a, *b, *c]),
        Node::Aggregate { scan, field, .. } => {
            if let Some(f) = &scan.filter {
                rec(f, &mut v);
            }
            if let Some(f) = field {
                rec(f, &mut v);
            }
        }
        Node::PerRecord { scan, .. } => {
            if let Some(f) = &scan.filter {
                rec(f, &mut v);
            }
        }
        Node::When { condition, .. } => v.push(*condition),
        Node::BlockSum { rules, .. } => v.extend(rules),
        Node::Sum(items) => v.extend(items),
        Node::Grade { value, .. } => v.push(*value),
        Node::Const(_) | Node::AccountId | Node::AccountField(_) => {}
    }
    v
}

/// Renders one model as a DOT digraph (edges point from inputs to users).
pub fn model_to_dot(g: &ModelGraph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", esc(&g.name));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(
        out,
        "  node [shape=box, fontname=\"Helvetica\", fontsize=10];"
    );
    let mut in_block = vec![None; g.nodes.len()];
    for (bi, b) in g.blocks.iter().enumerate() {
        for r in &b.rules {
            if let Some(slot) = in_block.get_mut(r.node.index()) {
                slot.get_or_insert(bi);
            }
        }
    }
    let node_line = |id: usize, n: &Node| {
        let label = g.labels.get(id).map_or(String::new(), |l| shorten(l));
        let style = match n {
            Node::BlockSum { .. } => ", style=filled, fillcolor=\"#dbe9f6\"",
            Node::Grade { .. } => ", style=filled, fillcolor=\"#e8f4d9\"",
            Node::Sum(_) => ", style=filled, fillcolor=\"#fde9c8\"",
            Node::Aggregate { .. } | Node::PerRecord { .. } => ", shape=component",
            Node::Const(_) => ", shape=plaintext",
            _ => "",
        };
        format!("n{id} [label=\"{}\\n({})\"{style}];", esc(&label), kind(n))
    };
    for (bi, b) in g.blocks.iter().enumerate() {
        let _ = writeln!(out, "  subgraph \"cluster_{}\" {{", esc(&b.name));
        let title = b.title.as_deref().unwrap_or(&b.name);
        let _ = writeln!(out, "    label=\"block {}: {}\";", esc(&b.name), esc(title));
        let _ = writeln!(out, "    style=rounded;");
        for (id, n) in g.nodes.iter().enumerate() {
            if in_block.get(id).copied().flatten() == Some(bi) {
                let _ = writeln!(out, "    {}", node_line(id, n));
            }
        }
        let _ = writeln!(out, "  }}");
    }
    for (id, n) in g.nodes.iter().enumerate() {
        if in_block.get(id).copied().flatten().is_none() {
            let _ = writeln!(out, "  {}", node_line(id, n));
        }
    }
    for (id, n) in g.nodes.iter().enumerate() {
        for c in children(n) {
            let _ = writeln!(out, "  n{} -> n{id};", c.index());
        }
    }
    // Roots.
    let _ = writeln!(
        out,
        "  score [shape=doubleoctagon, label=\"score\\nthreshold {}\"];",
        crate::analysis::fmt_num(g.threshold)
    );
    let _ = writeln!(out, "  n{} -> score;", g.score.index());
    for (i, gate) in g.gates.iter().enumerate() {
        let _ = writeln!(
            out,
            "  gate{i} [shape=octagon, label=\"gate {}\"];",
            esc(&shorten(&gate.name))
        );
        let _ = writeln!(out, "  n{} -> gate{i};", gate.condition.index());
        let _ = writeln!(out, "  gate{i} -> qualified;");
    }
    let _ = writeln!(out, "  qualified [shape=doubleoctagon];");
    let _ = writeln!(out, "  score -> qualified;");
    for (i, r) in g.routes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  route{i} [shape=cds, label=\"route {} (sla {}h)\"];",
            esc(&r.queue),
            crate::analysis::fmt_num(r.sla as f64 / 3600.0)
        );
        let _ = writeln!(out, "  qualified -> route{i};");
        if let Some(c) = r.condition {
            let _ = writeln!(out, "  n{} -> route{i};", c.index());
        }
    }
    if let Some(a) = g.applies {
        let _ = writeln!(out, "  applies [shape=diamond, label=\"for\"];");
        let _ = writeln!(out, "  n{} -> applies;", a.index());
        let _ = writeln!(out, "  applies -> qualified;");
    }
    let _ = writeln!(out, "}}");
    out
}
