#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The evaluation graph: shared nodes, topological order, serialization, DOT.

use mqa_compiler::graph::*;
use mqa_compiler::{compile, NoPlugins, Program};
use mqa_syntax::{parse, SourceFile};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn compile_text(text: &str) -> Program {
    let src = SourceFile::new("t.mqa", text);
    let ast = parse(&src).unwrap();
    let c = compile(&ast, text, &NoPlugins);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    c.program.unwrap()
}

fn children(n: &Node) -> Vec<NodeId> {
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
            _ => {}
        }
    }
    let mut v = Vec::new();
    match n {
        Node::Unary(_, a) => v.push(*a),
        Node::Binary(_, a, b) => v.extend([*a, *b]),
        Node::Between(a, b, c) => v.extend([*a, *b, *c]),
        Node::Aggregate { scan, field, .. } => {
            scan.filter.iter().for_each(|f| rec(f, &mut v));
            field.iter().for_each(|f| rec(f, &mut v));
        }
        Node::PerRecord { scan, .. } => scan.filter.iter().for_each(|f| rec(f, &mut v)),
        Node::When { condition, .. } => v.push(*condition),
        Node::BlockSum { rules, .. } => v.extend(rules),
        Node::Sum(x) => v.extend(x),
        Node::Grade { value, .. } => v.push(*value),
        _ => {}
    }
    v
}

const SHARED: &str = r#"
schema event { kind: text }
model m {
  threshold 10
  block a {
    10 when distinct(events.contact_id) >= 3
    5 when distinct(events.contact_id) >= 5
  }
  gate g: distinct(events.contact_id) >= 1
}
"#;

#[test]
fn a_repeated_aggregation_is_one_node() {
    let p = compile_text(SHARED);
    let g = &p.models[0];
    let n = g
        .nodes
        .iter()
        .filter(|n| {
            matches!(
                n,
                Node::Aggregate {
                    kind: AggKind::Distinct,
                    ..
                }
            )
        })
        .count();
    assert_eq!(n, 1, "distinct(events.contact_id) must compile to one node");
}

#[test]
fn nodes_are_topologically_ordered() {
    for f in ["enterprise.mqa", "regulated.mqa", "expansion.mqa"] {
        let text = std::fs::read_to_string(root().join("rules").join(f)).unwrap();
        let p = compile_text(&text);
        for g in &p.models {
            for (i, n) in g.nodes.iter().enumerate() {
                for c in children(n) {
                    assert!(
                        c.index() < i,
                        "{f}: node {i} refers to later node {}",
                        c.index()
                    );
                }
            }
            assert!(g.score.index() < g.nodes.len());
            assert_eq!(g.nodes.len(), g.labels.len());
        }
    }
}

#[test]
fn compared_strings_are_listed_for_interning() {
    let text = std::fs::read_to_string(root().join("rules/enterprise.mqa")).unwrap();
    let p = compile_text(&text);
    for s in [
        "demo_request",
        "decision_maker",
        "competitor:",
        "zero trust",
        "A",
        "B",
        "D",
    ] {
        assert!(
            p.strings.iter().any(|x| x == s),
            "missing string constant {s}"
        );
    }
}

#[test]
fn json_round_trips() {
    let text = std::fs::read_to_string(root().join("rules/enterprise.mqa")).unwrap();
    let p = compile_text(&text);
    let json = serde_json::to_string(&p).unwrap();
    let back: Program = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
}

/// A small checker for the DOT subset we emit (statements, attribute lists,
/// edges, subgraphs, balanced braces, quoted strings), used when Graphviz is
/// not installed.
fn check_dot_syntax(dot: &str) -> Result<(), String> {
    #[derive(Debug, PartialEq)]
    enum Tok {
        Id(String),
        Sym(char),
        Arrow,
    }
    let mut toks = Vec::new();
    let mut it = dot.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            c if c.is_whitespace() => {}
            '"' => {
                let mut s = String::new();
                loop {
                    match it.next() {
                        Some('\\') => {
                            s.push('\\');
                            s.push(it.next().ok_or("unterminated escape")?);
                        }
                        Some('"') => break,
                        Some(ch) => s.push(ch),
                        None => return Err("unterminated string".into()),
                    }
                }
                toks.push(Tok::Id(s));
            }
            '-' if it.peek() == Some(&'>') => {
                it.next();
                toks.push(Tok::Arrow);
            }
            '{' | '}' | '[' | ']' | '=' | ';' | ',' => toks.push(Tok::Sym(c)),
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '#' => {
                let mut s = c.to_string();
                while let Some(&n) = it.peek() {
                    if n.is_alphanumeric() || n == '_' || n == '.' {
                        s.push(n);
                        it.next();
                    } else {
                        break;
                    }
                }
                toks.push(Tok::Id(s));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    let mut i = 0;
    let id = |i: &mut usize, toks: &[Tok]| -> Result<(), String> {
        match toks.get(*i) {
            Some(Tok::Id(_)) => {
                *i += 1;
                Ok(())
            }
            t => Err(format!("expected an id at token {i}, found {t:?}")),
        }
    };
    // digraph ID {
    if toks.first() != Some(&Tok::Id("digraph".into())) {
        return Err("must start with `digraph`".into());
    }
    i += 1;
    id(&mut i, &toks)?;
    if toks.get(i) != Some(&Tok::Sym('{')) {
        return Err("expected `{`".into());
    }
    i += 1;
    let mut depth = 1;
    while depth > 0 {
        match toks.get(i) {
            None => return Err("unbalanced braces".into()),
            Some(Tok::Sym('}')) => {
                depth -= 1;
                i += 1;
            }
            Some(Tok::Id(s)) if s == "subgraph" => {
                i += 1;
                id(&mut i, &toks)?;
                if toks.get(i) != Some(&Tok::Sym('{')) {
                    return Err("expected `{` after subgraph".into());
                }
                i += 1;
                depth += 1;
            }
            Some(Tok::Id(_)) => {
                i += 1;
                // ID = ID ;   |   ID [attrs] ;   |   ID -> ID [attrs] ;
                if toks.get(i) == Some(&Tok::Sym('=')) {
                    i += 1;
                    id(&mut i, &toks)?;
                } else {
                    while toks.get(i) == Some(&Tok::Arrow) {
                        i += 1;
                        id(&mut i, &toks)?;
                    }
                    if toks.get(i) == Some(&Tok::Sym('[')) {
                        i += 1;
                        while toks.get(i) != Some(&Tok::Sym(']')) {
                            id(&mut i, &toks)?;
                            if toks.get(i) != Some(&Tok::Sym('=')) {
                                return Err(format!("expected `=` in attribute list at token {i}"));
                            }
                            i += 1;
                            id(&mut i, &toks)?;
                            if toks.get(i) == Some(&Tok::Sym(',')) {
                                i += 1;
                            }
                        }
                        i += 1;
                    }
                }
                if toks.get(i) != Some(&Tok::Sym(';')) {
                    return Err(format!(
                        "expected `;` at token {i}, found {:?}",
                        toks.get(i)
                    ));
                }
                i += 1;
            }
            t => return Err(format!("unexpected token {t:?} at {i}")),
        }
    }
    if i != toks.len() {
        return Err("text after the closing `}`".into());
    }
    Ok(())
}

#[test]
fn the_dot_checker_rejects_broken_dot() {
    assert!(check_dot_syntax("digraph g { a -> b; }").is_ok());
    assert!(check_dot_syntax("digraph g { a -> b; ").is_err());
    assert!(check_dot_syntax("digraph g { a [label=\"x]; }").is_err());
    assert!(check_dot_syntax("digraph g { a [label] ; }").is_err());
}

#[test]
fn dot_of_enterprise_matches_the_snapshot_and_is_valid() {
    let text = std::fs::read_to_string(root().join("rules/enterprise.mqa")).unwrap();
    let p = compile_text(&text);
    let dot = mqa_compiler::dot::model_to_dot(&p.models[0]);
    let snap = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/enterprise.dot");
    if std::env::var_os("UPDATE_EXPECT").is_some() || !snap.exists() {
        std::fs::write(&snap, &dot).unwrap();
    }
    let expected = std::fs::read_to_string(&snap).unwrap();
    assert_eq!(
        dot, expected,
        "DOT changed; rerun with UPDATE_EXPECT=1 after checking it"
    );
    check_dot_syntax(&dot).unwrap();
    // Graphviz itself, when installed.
    if let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dot.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "dot failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    } else {
        eprintln!(
            "graphviz `dot` not installed: checked the DOT syntax with the built-in checker only"
        );
    }
}
