//! Calls: functions (`lower(x)`) and aggregations over a collection
//! (`count(events within 7d where kind == "webinar")`), checked for the
//! shape each aggregation needs.

use super::{inner, Builder, D, P, R};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::parser::Rule;

impl Builder {
    /// `function(args)`: `span` runs from the function's name to `)`.
    pub(super) fn call(&self, function: Ident, span: Span, p: P<'_>) -> R<D> {
        let it = inner(p);
        let mut args = Vec::new();
        let mut within: Option<(Duration, Span)> = None;
        let mut filter: Option<(Expr, Span)> = None;
        let mut depth = 0;
        for x in it {
            let xspan = self.span(&x);
            match x.as_rule() {
                Rule::agg_within => {
                    let d = self.duration(self.next(&mut inner(x).skip(1), xspan, "within")?)?;
                    within = Some((d, xspan));
                }
                Rule::agg_where => {
                    let (e, d) =
                        self.expr_d(self.next(&mut inner(x).skip(1), xspan, "where")?)?;
                    depth = depth.max(d);
                    filter = Some((e, xspan));
                }
                _ => {
                    let (e, d) = self.expr_d(x)?;
                    depth = depth.max(d);
                    args.push(e);
                }
            }
        }
        let Some(func) = AggFunc::parse(&function.name) else {
            let clause = within
                .as_ref()
                .map(|(_, s)| (*s, "within"))
                .or(filter.as_ref().map(|(_, s)| (*s, "where")));
            if let Some((s, word)) = clause {
                return Err(Diagnostic::error(
                    "E0111",
                    s,
                    format!("`{word}` only goes inside an aggregation, not in `{}(...)`", function.name),
                )
                .with_hint("aggregations are count, distinct, sum, min, max, avg, any and all: e.g. `count(events within 7d where kind == \"webinar\")`"));
            }
            return Ok((
                Expr {
                    kind: ExprKind::Call { function, args },
                    span,
                },
                depth + 1,
            ));
        };
        let fname = func.as_str();
        let mut args = args.into_iter();
        let (Some(arg), None) = (args.next(), args.next()) else {
            return Err(Diagnostic::error(
                "E0112",
                span,
                format!(
                    "`{fname}` takes one collection, like `{fname}({})`",
                    example_arg(func)
                ),
            ));
        };
        let ExprKind::Path(mut path) = arg.kind else {
            return Err(Diagnostic::error(
                "E0112",
                arg.span,
                format!(
                    "`{fname}` aggregates a collection, like `{fname}({})`",
                    example_arg(func)
                ),
            )
            .with_hint(
                "collections are `events`, `contacts`, `engaged` and the declared sources",
            ));
        };
        if path.is_empty() {
            return Err(self.shape(arg.span, "aggregation"));
        }
        let collection = path.remove(0);
        if func.takes_field() && path.is_empty() {
            return Err(Diagnostic::error(
                "E0112",
                arg.span,
                format!(
                    "`{fname}` needs a field of the collection, like `{fname}({})`",
                    example_arg(func)
                ),
            ));
        }
        if !func.takes_field() && !path.is_empty() {
            return Err(Diagnostic::error(
                "E0112",
                arg.span,
                format!(
                    "`{fname}` works on whole records: write `{fname}({})`",
                    collection.name
                ),
            )
            .with_hint(format!(
                "to test a field, use `where`: `{fname}({} where ...)`",
                collection.name
            )));
        }
        Ok((
            Expr {
                kind: ExprKind::Aggregate(Box::new(Aggregate {
                    func,
                    func_span: function.span,
                    collection,
                    field: path,
                    within: within.map(|(d, _)| d),
                    filter: filter.map(|(e, _)| e),
                })),
                span,
            },
            depth + 1,
        ))
    }
}

fn example_arg(f: AggFunc) -> &'static str {
    match f {
        AggFunc::Count | AggFunc::Any | AggFunc::All => "events",
        AggFunc::Distinct => "events.contact_id",
        _ => "intent.score",
    }
}
