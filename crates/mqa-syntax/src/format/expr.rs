//! Expressions and literals in their canonical spelling: single spaces
//! around binary operators, parentheses only where precedence needs them,
//! literals as the author wrote them (`10M`, `2w`), strings re-escaped.

use crate::ast::*;
use std::fmt::Write as _;

// Binding strength, low to high (matches `BinaryOp::precedence`).
const NOT: u8 = 3;
const CMP: u8 = 4;
const ADD: u8 = 5;
const NEG: u8 = 7;
const ATOM: u8 = 8;

/// How tightly an expression's top operator binds.
fn strength(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, _, _) => op.precedence(),
        ExprKind::Unary(UnaryOp::Not, _) => NOT,
        ExprKind::Unary(UnaryOp::Neg, _) => NEG,
        ExprKind::Between(..) | ExprKind::In { .. } | ExprKind::IsMissing { .. } => CMP,
        _ => ATOM,
    }
}

/// An expression on one line, in canonical form.
pub fn print_expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, 0);
    out
}

/// Writes `e`, parenthesised when it binds more loosely than `min`.
fn write_expr(out: &mut String, e: &Expr, min: u8) {
    if strength(e) < min {
        out.push('(');
        write_bare(out, e);
        out.push(')');
    } else {
        write_bare(out, e);
    }
}

fn write_bare(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Number(n) => out.push_str(&n.raw),
        ExprKind::Str(s) => out.push_str(&quote(&s.value)),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, x, 0);
            }
            out.push(']');
        }
        ExprKind::Path(parts) => write_path(out, parts),
        ExprKind::Unary(UnaryOp::Not, x) => {
            out.push_str("not ");
            write_expr(out, x, NOT);
        }
        ExprKind::Unary(UnaryOp::Neg, x) => {
            out.push('-');
            if matches!(x.kind, ExprKind::Unary(UnaryOp::Neg, _)) {
                out.push(' ');
            }
            write_expr(out, x, NEG);
        }
        ExprKind::Binary(op, l, r) => {
            let p = op.precedence();
            // Comparisons do not chain: both operands sit one level up.
            // Other operators are left-associative: an equal right operand needs parentheses.
            let (lmin, rmin) = if p == CMP { (ADD, ADD) } else { (p, p + 1) };
            write_expr(out, l, lmin);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_expr(out, r, rmin);
        }
        ExprKind::Between(v, lo, hi) => {
            write_expr(out, v, ADD);
            out.push_str(" between ");
            write_expr(out, lo, ADD);
            out.push_str(" and ");
            write_expr(out, hi, ADD);
        }
        ExprKind::IsMissing { value, negated } => {
            write_expr(out, value, ADD);
            out.push_str(if *negated {
                " is not missing"
            } else {
                " is missing"
            });
        }
        ExprKind::In {
            value,
            list,
            negated,
        } => {
            write_expr(out, value, ADD);
            out.push_str(if *negated { " not in " } else { " in " });
            write_expr(out, list, ADD);
        }
        ExprKind::Aggregate(a) => {
            out.push_str(a.func.as_str());
            out.push('(');
            out.push_str(&a.collection.name);
            for f in &a.field {
                out.push('.');
                out.push_str(&f.name);
            }
            if let Some(d) = &a.within {
                out.push_str(" within ");
                out.push_str(&d.raw);
            }
            if let Some(w) = &a.filter {
                out.push_str(" where ");
                write_expr(out, w, 0);
            }
            out.push(')');
        }
        ExprKind::Call { function, args } => {
            out.push_str(&function.name);
            out.push('(');
            for (i, x) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, x, 0);
            }
            out.push(')');
        }
    }
}

fn write_path(out: &mut String, parts: &[Ident]) {
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&p.name);
    }
}

/// A string literal with canonical escapes: `\"`, `\\`, `\n`, `\t`, and
/// `\u{..}` (lower-case hex) for every other control character.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A grade label or gate reference: a bare name or a quoted string.
pub(crate) fn band_label(l: &BandLabel) -> String {
    if l.quoted {
        quote(&l.value)
    } else {
        l.value.clone()
    }
}

/// A plugin configuration value.
pub(crate) fn config_value(v: &ConfigValue) -> String {
    match v {
        ConfigValue::Str(s) => quote(&s.value),
        ConfigValue::Number(n) => n.raw.clone(),
        ConfigValue::Bool(b, _) => b.to_string(),
        ConfigValue::List(items, _) => {
            let parts: Vec<String> = items.iter().map(config_value).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// A test fixture, inline: `{ id: "acme", employees: 1200 }`.
pub(crate) fn fixture(f: &Fixture) -> String {
    if f.fields.is_empty() {
        return "{}".to_string();
    }
    let parts: Vec<String> = f
        .fields
        .iter()
        .map(|x| format!("{}: {}", x.key.name, fixture_value(&x.value)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn fixture_value(v: &FixtureValue) -> String {
    match v {
        FixtureValue::Str(s) => quote(&s.value),
        FixtureValue::Number(n) => n.raw.clone(),
        FixtureValue::Bool(b, _) => b.to_string(),
        FixtureValue::Time(t) => t.raw.clone(),
        FixtureValue::Missing(_) => "missing".to_string(),
        FixtureValue::List(items, _) => {
            let parts: Vec<String> = items.iter().map(fixture_value).collect();
            format!("[{}]", parts.join(", "))
        }
        FixtureValue::Name(i) => i.name.clone(),
    }
}

/// `>= 75` or `between 150 and 180`.
pub(crate) fn num_check(c: &NumCheck) -> String {
    match c {
        NumCheck::Compare(op, n) => format!("{} {}", op.as_str(), n.raw),
        NumCheck::Between(lo, hi) => format!("between {} and {}", lo.raw, hi.raw),
    }
}

/// What follows `expect`.
pub(crate) fn expectation(e: &Expectation) -> String {
    match e {
        Expectation::Qualified(true) => "qualified".to_string(),
        Expectation::Qualified(false) => "not qualified".to_string(),
        Expectation::NoDecision => "no decision".to_string(),
        Expectation::Score(c) => format!("score {}", num_check(c)),
        Expectation::Grade { grade, value } => {
            format!("grade {} {}", grade.name, band_label(value))
        }
        Expectation::Gate { gate, passed } => {
            format!(
                "gate {} {}",
                band_label(gate),
                if *passed { "passed" } else { "failed" }
            )
        }
        Expectation::Route(Some(q)) => format!("route {}", quote(&q.value)),
        Expectation::Route(None) => "route none".to_string(),
        Expectation::Block { block, check } => format!("block {} {}", block.name, num_check(check)),
        Expectation::Rule { label, check } => {
            let c = match check {
                RuleCheck::Fired(true) => "fired".to_string(),
                RuleCheck::Fired(false) => "not fired".to_string(),
                RuleCheck::Points(c) => num_check(c),
            };
            format!("rule {} {c}", quote(&label.value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_expr;

    fn canon(src: &str) -> String {
        print_expr(&parse_expr(src).unwrap())
    }

    #[test]
    fn parentheses_only_where_needed() {
        assert_eq!(canon("(a and b) or c"), "a and b or c");
        assert_eq!(canon("a and (b or c)"), "a and (b or c)");
        assert_eq!(canon("a - (b - c)"), "a - (b - c)");
        assert_eq!(canon("(a - b) - c"), "a - b - c");
        assert_eq!(canon("(a + b) * c"), "(a + b) * c");
        assert_eq!(canon("not (a and b)"), "not (a and b)");
        assert_eq!(canon("(a == b) == c"), "(a == b) == c");
        assert_eq!(canon("-(a * b)"), "-(a * b)");
        assert_eq!(canon("- - a"), "- -a");
        assert_eq!(canon("((x))   in   [1,2 ,3]"), "x in [1, 2, 3]");
    }

    #[test]
    fn strings_are_reescaped() {
        assert_eq!(
            quote("a\"b\\c\nd\te\u{1}\u{e9}"),
            "\"a\\\"b\\\\c\\nd\\te\\u{1}\u{e9}\""
        );
    }
}
