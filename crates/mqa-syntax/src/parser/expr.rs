//! Expressions. The grammar gives an expression as one flat run of tokens
//! (`not`s, operands, arithmetic operators, one comparison tail per operand,
//! `and`/`or`); this module applies the precedence, one level at a time:
//!
//! ```text
//! or  >  and  >  not  >  comparison  >  + -  >  * /  >  unary -  >  operand
//! ```
//!
//! Each level is a loop over a slice of the run, so only brackets recurse
//! (and `scan::MAX_NESTING` bounds them). Every level also tracks the tree
//! depth; a chain or a run of prefixes longer than [`scan::MAX_EXPR_DEPTH`]
//! stops there and becomes an E0103 error before any recursive consumer
//! (compiler, formatter) sees the tree.

use super::{inner, Builder, D, P, R};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::parser::Rule;
use crate::scan;

/// A token of an expression's run, with its rule read once (each level
/// looks at it again).
struct Tok<'i> {
    rule: Rule,
    p: P<'i>,
}

fn tokens(p: P<'_>) -> Vec<Tok<'_>> {
    p.into_inner()
        .map(|p| Tok {
            rule: p.as_rule(),
            p,
        })
        .collect()
}

fn is_tail(r: Rule) -> bool {
    matches!(
        r,
        Rule::compare | Rule::between | Rule::in_list | Rule::text_test | Rule::is_missing
    )
}

impl Builder {
    pub(super) fn expr(&self, p: P<'_>) -> R<Expr> {
        let (e, depth) = self.expr_d(p)?;
        if depth > scan::MAX_EXPR_DEPTH {
            return Err(Diagnostic::error(
                "E0103",
                e.span,
                format!(
                    "this expression chains more than {} operators",
                    scan::MAX_EXPR_DEPTH
                ),
            )
            .with_hint("split it into several `let` names"));
        }
        Ok(e)
    }

    /// Builds an `expr` pair and returns its tree depth (bounded before any
    /// recursive consumer sees it).
    pub(super) fn expr_d(&self, p: P<'_>) -> R<D> {
        let span = self.span(&p);
        let toks = tokens(p);
        self.chain(&toks, span, Rule::k_or, &|b, t| {
            b.chain(t, span, Rule::k_and, &|b, t| b.not_level(t, span))
        })
    }

    /// A left-associative chain: operands of the next level split at `op`
    /// tokens (`and`, `or`). A chain deeper than the limit stops there.
    fn chain<'i>(
        &self,
        toks: &[Tok<'i>],
        span: Span,
        op: Rule,
        sub: &dyn Fn(&Self, &[Tok<'i>]) -> R<D>,
    ) -> R<D> {
        let mut parts = toks.split(|t| t.rule == op);
        let first = parts.next().ok_or_else(|| self.shape(span, "operand"))?;
        let (mut acc, mut depth) = sub(self, first)?;
        let bop = if op == Rule::k_or {
            BinaryOp::Or
        } else {
            BinaryOp::And
        };
        for part in parts {
            let (rhs, d) = sub(self, part)?;
            depth = depth.max(d) + 1;
            if depth > scan::MAX_EXPR_DEPTH {
                return Ok((acc, depth));
            }
            acc = binary(bop, acc, rhs);
        }
        Ok((acc, depth))
    }

    /// `not not x == y`: the `not`s apply to the comparison.
    fn not_level(&self, toks: &[Tok<'_>], span: Span) -> R<D> {
        let nots = toks.iter().take_while(|t| t.rule == Rule::k_not).count();
        let (prefix, rest) = toks.split_at(nots);
        let (e, depth) = self.cmp_level(rest, span)?;
        Ok(self.prefixes(prefix, UnaryOp::Not, e, depth))
    }

    /// Applies prefix operators, innermost (last) first.
    fn prefixes(&self, ops: &[Tok<'_>], op: UnaryOp, mut e: Expr, mut depth: usize) -> D {
        for o in ops.iter().rev() {
            depth += 1;
            if depth > scan::MAX_EXPR_DEPTH {
                return (e, depth);
            }
            let s = self.span(&o.p).to(e.span);
            e = Expr {
                kind: ExprKind::Unary(op, Box::new(e)),
                span: s,
            };
        }
        (e, depth)
    }

    /// Arithmetic, then at most one comparison tail.
    fn cmp_level(&self, toks: &[Tok<'_>], span: Span) -> R<D> {
        let (tail, arith) = match toks.split_last() {
            Some((t, rest)) if is_tail(t.rule) => (Some(t), rest),
            _ => (None, toks),
        };
        let (lhs, d0) = self.arith(arith, span)?;
        let Some(tail) = tail else {
            return Ok((lhs, d0));
        };
        let tspan = self.span(&tail.p);
        let full = lhs.span.to(tspan);
        let ti = tokens(tail.p.clone());
        let (kind, d) = match (tail.rule, ti.split_first()) {
            (Rule::compare, Some((op, rest))) => {
                let bop = match op.p.as_str() {
                    "==" => BinaryOp::Eq,
                    "!=" => BinaryOp::Ne,
                    "<" => BinaryOp::Lt,
                    "<=" => BinaryOp::Le,
                    ">" => BinaryOp::Gt,
                    _ => BinaryOp::Ge,
                };
                let (rhs, d) = self.arith(rest, tspan)?;
                (ExprKind::Binary(bop, Box::new(lhs), Box::new(rhs)), d)
            }
            (Rule::text_test, Some((op, rest))) => {
                let bop = match op.p.as_str() {
                    "contains" => BinaryOp::Contains,
                    "starts_with" => BinaryOp::StartsWith,
                    _ => BinaryOp::EndsWith,
                };
                let (rhs, d) = self.arith(rest, tspan)?;
                (ExprKind::Binary(bop, Box::new(lhs), Box::new(rhs)), d)
            }
            (Rule::between, Some((_, rest))) => {
                // `between LO and HI`: the `and` is the only top-level one.
                let mut bounds = rest.splitn(2, |t| t.rule == Rule::k_and);
                let lo = bounds.next().ok_or_else(|| self.shape(tspan, "between"))?;
                let hi = bounds.next().ok_or_else(|| self.shape(tspan, "between"))?;
                let (lo, d1) = self.arith(lo, tspan)?;
                let (hi, d2) = self.arith(hi, tspan)?;
                (
                    ExprKind::Between(Box::new(lhs), Box::new(lo), Box::new(hi)),
                    d1.max(d2),
                )
            }
            (Rule::in_list, Some(_)) => {
                let negated = ti.first().is_some_and(|t| t.rule == Rule::k_not);
                let at = ti
                    .iter()
                    .position(|t| t.rule == Rule::k_in)
                    .ok_or_else(|| self.shape(tspan, "in"))?;
                let (list, d) = self.arith(ti.get(at + 1..).unwrap_or(&[]), tspan)?;
                (
                    ExprKind::In {
                        value: Box::new(lhs),
                        list: Box::new(list),
                        negated,
                    },
                    d,
                )
            }
            (Rule::is_missing, _) => {
                let negated = ti.iter().any(|x| x.rule == Rule::k_not);
                (
                    ExprKind::IsMissing {
                        value: Box::new(lhs),
                        negated,
                    },
                    0,
                )
            }
            _ => return Err(self.shape(tspan, "comparison")),
        };
        Ok((Expr { kind, span: full }, d0.max(d) + 1))
    }

    /// `+ -` over `* /` over unary operands, both left-associative.
    fn arith(&self, toks: &[Tok<'_>], span: Span) -> R<D> {
        let mut terms = toks.split(|t| t.rule == Rule::add_op);
        let ops = toks.iter().filter(|t| t.rule == Rule::add_op);
        let first = terms.next().ok_or_else(|| self.shape(span, "operand"))?;
        let (mut acc, mut depth) = self.term(first, span)?;
        for (op, part) in ops.zip(terms) {
            let bop = if op.p.as_str() == "+" {
                BinaryOp::Add
            } else {
                BinaryOp::Sub
            };
            let (rhs, d) = self.term(part, span)?;
            depth = depth.max(d) + 1;
            if depth > scan::MAX_EXPR_DEPTH {
                return Ok((acc, depth));
            }
            acc = binary(bop, acc, rhs);
        }
        Ok((acc, depth))
    }

    /// `a * b / c`: operands split at `*` and `/`.
    fn term(&self, toks: &[Tok<'_>], span: Span) -> R<D> {
        let mut parts = toks.split(|t| t.rule == Rule::mul_op);
        let ops = toks.iter().filter(|t| t.rule == Rule::mul_op);
        let first = parts.next().ok_or_else(|| self.shape(span, "operand"))?;
        let (mut acc, mut depth) = self.unary(first, span)?;
        for (op, part) in ops.zip(parts) {
            let bop = if op.p.as_str() == "*" {
                BinaryOp::Mul
            } else {
                BinaryOp::Div
            };
            let (rhs, d) = self.unary(part, span)?;
            depth = depth.max(d) + 1;
            if depth > scan::MAX_EXPR_DEPTH {
                return Ok((acc, depth));
            }
            acc = binary(bop, acc, rhs);
        }
        Ok((acc, depth))
    }

    /// `-`s, then one operand: a name and what follows it, or a single pair.
    fn unary(&self, toks: &[Tok<'_>], span: Span) -> R<D> {
        let negs = toks.iter().take_while(|t| t.rule == Rule::neg).count();
        let (prefix, rest) = toks.split_at(negs);
        let (e, depth) = match rest {
            [first, tail @ ..] if first.rule == Rule::ident => self.name(&first.p, tail)?,
            [only] => self.primary(only.p.clone())?,
            _ => return Err(self.shape(span, "operand")),
        };
        Ok(self.prefixes(prefix, UnaryOp::Neg, e, depth))
    }

    /// A name and what follows it: a `call` pair, or the words of a dotted path.
    fn name(&self, first: &P<'_>, tail: &[Tok<'_>]) -> R<D> {
        let first = self.ident(first.clone());
        let mut span = first.span;
        if let Some(args) = tail.first().filter(|x| x.rule == Rule::call) {
            let span = span.to(self.span(&args.p));
            return self.call(first, span, args.p.clone());
        }
        let mut path = Vec::with_capacity(1 + tail.len() / 2);
        path.push(first);
        for x in tail.iter().filter(|x| x.rule == Rule::any_word) {
            let word = self.ident(x.p.clone());
            span = span.to(word.span);
            path.push(word);
        }
        Ok((
            Expr {
                kind: ExprKind::Path(path),
                span,
            },
            0,
        ))
    }

    fn primary(&self, p: P<'_>) -> R<D> {
        let span = self.span(&p);
        let leaf = |kind| Ok((Expr { kind, span }, 0));
        match p.as_rule() {
            Rule::paren => {
                let (mut e, d) = self.expr_d(self.next(&mut inner(p), span, "parenthesis")?)?;
                // The span of a parenthesised expression includes its parentheses.
                e.span = span;
                Ok((e, d + 1))
            }
            Rule::list => {
                let mut items = Vec::new();
                let mut depth = 0;
                for x in inner(p) {
                    let (e, d) = self.expr_d(x)?;
                    depth = depth.max(d);
                    items.push(e);
                }
                Ok((
                    Expr {
                        kind: ExprKind::List(items),
                        span,
                    },
                    depth + 1,
                ))
            }
            Rule::number => leaf(ExprKind::Number(self.number(p)?)),
            Rule::string => leaf(ExprKind::Str(self.string(p)?)),
            Rule::k_true => leaf(ExprKind::Bool(true)),
            Rule::k_false => leaf(ExprKind::Bool(false)),
            _ => Err(self.shape(span, "expression")),
        }
    }
}

fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
        span,
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::{Expr, ExprKind};
    use crate::parse_expr;

    /// The tree as an S-expression: `(And (Not (Eq a 1)) b)`.
    fn tree(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number(n) => n.raw.clone(),
            ExprKind::Str(s) => format!("{:?}", s.value),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Path(p) => p
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
            ExprKind::List(items) => {
                format!("[{}]", items.iter().map(tree).collect::<Vec<_>>().join(" "))
            }
            ExprKind::Unary(op, x) => format!("({op:?} {})", tree(x)),
            ExprKind::Binary(op, a, b) => format!("({op:?} {} {})", tree(a), tree(b)),
            ExprKind::Between(x, lo, hi) => {
                format!("(Between {} {} {})", tree(x), tree(lo), tree(hi))
            }
            ExprKind::IsMissing { value, negated } => format!(
                "(IsMissing{} {})",
                if *negated { "Not" } else { "" },
                tree(value)
            ),
            ExprKind::In {
                value,
                list,
                negated,
            } => format!(
                "(In{} {} {})",
                if *negated { "Not" } else { "" },
                tree(value),
                tree(list)
            ),
            ExprKind::Aggregate(a) => format!("({:?} {})", a.func, a.collection.name),
            ExprKind::Call { function, args } => format!(
                "({} {})",
                function.name,
                args.iter().map(tree).collect::<Vec<_>>().join(" ")
            ),
        }
    }

    fn t(src: &str) -> String {
        tree(&parse_expr(src).unwrap())
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(t("a or b and c"), "(Or a (And b c))");
        assert_eq!(
            t("a and b or c and d or e"),
            "(Or (Or (And a b) (And c d)) e)"
        );
        assert_eq!(
            t("not a == 1 and not not b"),
            "(And (Not (Eq a 1)) (Not (Not b)))"
        );
        assert_eq!(t("a - b - c"), "(Sub (Sub a b) c)");
        assert_eq!(t("a + b * c - d / e"), "(Sub (Add a (Mul b c)) (Div d e))");
        assert_eq!(t("-a * --b"), "(Mul (Neg a) (Neg (Neg b)))");
        assert_eq!(t("(a + b) * c"), "(Mul (Add a b) c)");
        assert_eq!(t("x + 1 >= y * 2"), "(Ge (Add x 1) (Mul y 2))");
    }

    #[test]
    fn comparison_tails() {
        // `between`'s `and` is not the boolean one; the bounds are arithmetic.
        assert_eq!(
            t("x between 1 + 1 and 2 * 3 and y"),
            "(And (Between x (Add 1 1) (Mul 2 3)) y)"
        );
        assert_eq!(
            t("x not in [1, 2] or y in l"),
            "(Or (InNot x [1 2]) (In y l))"
        );
        assert_eq!(t("not x is not missing"), "(Not (IsMissingNot x))");
        assert_eq!(
            t("lower(a.b) starts_with \"x\""),
            "(StartsWith (lower a.b) \"x\")"
        );
        assert_eq!(
            t("count(events where kind == \"w\") > 2"),
            "(Gt (Count events) 2)"
        );
    }

    #[test]
    fn spans_cover_operands_and_operators() {
        // Spans are offsets into `let __e = TEXT` (10 bytes of prefix).
        let e = parse_expr("not  a.b  ==  1 // c").unwrap();
        assert_eq!((e.span.start, e.span.end), (10, 25));
        let e = parse_expr("(a + b) * c").unwrap();
        let ExprKind::Binary(_, lhs, _) = &e.kind else {
            panic!("{e:?}")
        };
        assert_eq!((lhs.span.start, lhs.span.end), (10, 17));
    }

    #[test]
    fn comparisons_do_not_chain() {
        let d = parse_expr("a == b == c").unwrap_err();
        assert_eq!(d.code, "E0101");
        assert!(
            d.message.contains("before another comparison"),
            "{}",
            d.message
        );
    }

    #[test]
    fn long_chains_and_prefix_runs_are_errors_not_overflows() {
        for src in [
            format!("{}true", "not ".repeat(10_000)),
            format!("{}1", "-".repeat(10_000)),
            format!("1{}", " + 1".repeat(10_000)),
            format!("1{}", " * 1".repeat(10_000)),
            format!("a{}", " and a".repeat(10_000)),
        ] {
            let d = parse_expr(&src).unwrap_err();
            assert_eq!(d.code, "E0103", "{}", d.message);
        }
        // Just within the limit: a chain of 256 operators.
        assert!(parse_expr(&format!("1{}", " + 1".repeat(256))).is_ok());
        assert!(parse_expr(&format!("1{}", " + 1".repeat(257))).is_err());
    }
}
