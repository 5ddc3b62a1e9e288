//! Expressions: name resolution, type checking and lowering to graph nodes
//! (account level) or record expressions (inside `where` and aggregated
//! fields).

use crate::context::FileCtx;
use crate::dedup::Dedup;
use crate::graph::*;
use crate::types::{self, article};
use mqa_syntax::ast::{self, Expr, ExprKind, Span};
use std::collections::HashMap;

/// A failed sub-expression (its diagnostic is already recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported;
pub(crate) type Fail = Reported;
pub(crate) type Typed = Result<(NodeId, Ty), Fail>;
pub(crate) type RecTyped = Result<(RecExpr, Ty), Fail>;

/// The state of a lazily compiled named item (let, block, grade).
pub(crate) enum Memo<T> {
    Pending(T),
    Visiting,
    Done(Option<(NodeId, Ty)>),
}

/// Where an expression sits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    /// The `within` of the enclosing block, if any.
    pub block_window: Option<i64>,
}

impl Scope {
    pub const MODEL: Scope = Scope { block_window: None };
}

pub(crate) struct ModelCtx<'a, 'f> {
    pub f: &'f mut FileCtx<'a>,
    pub window: i64,
    pub window_span: Span,
    /// The model window as written (`30d`), or the default.
    pub window_raw: String,
    /// Whether the model says `window` (else the default applies).
    pub window_explicit: bool,
    /// Names being resolved (lets, blocks, grades), innermost last: for cycle messages.
    pub(crate) stack: Vec<String>,
    /// Compiling file-level lets on their own: model names are out of reach.
    pub file_scope: bool,
    /// Each grade's value expression as written (for hints).
    pub grade_from: HashMap<String, String>,
    pub nodes: Vec<Node>,
    pub labels: Vec<String>,
    pub(crate) dedup: Dedup,
    pub lets: HashMap<String, Memo<&'a ast::Let>>,
    pub file_lets: HashMap<String, Memo<&'a ast::Let>>,
    pub blocks: HashMap<String, Memo<&'a ast::Block>>,
    pub grades: HashMap<String, Memo<&'a ast::Grade>>,
    /// Compiled blocks, by name (filled by the model compiler).
    pub block_infos: HashMap<String, BlockInfo>,
}

impl<'a, 'f> ModelCtx<'a, 'f> {
    pub fn new(
        f: &'f mut FileCtx<'a>,
        window: i64,
        window_span: Span,
        window_raw: String,
        window_explicit: bool,
    ) -> Self {
        let file_lets = f
            .file_lets
            .iter()
            .map(|(k, v)| (k.clone(), Memo::Pending(*v)))
            .collect();
        ModelCtx {
            f,
            window,
            window_span,
            window_raw,
            window_explicit,
            stack: Vec::new(),
            file_scope: false,
            grade_from: HashMap::new(),
            nodes: Vec::new(),
            labels: Vec::new(),
            dedup: Dedup::default(),
            lets: HashMap::new(),
            file_lets,
            blocks: HashMap::new(),
            grades: HashMap::new(),
            block_infos: HashMap::new(),
        }
    }

    /// Adds a node, or returns the identical node already present.
    pub fn add(&mut self, node: Node, label: impl Into<String>) -> NodeId {
        let (hash, found) = self.dedup.find(&self.nodes, &node);
        if let Some(id) = found {
            return id;
        }
        let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        self.nodes.push(node);
        self.labels.push(label.into());
        self.dedup.insert(hash, id);
        id
    }

    pub(crate) fn type_error(&mut self, span: Span, e: types::TypeError) -> Fail {
        let d = self.f.error("E0210", span, e.message);
        d.hint = e.hint;
        Reported
    }

    /// `not X` where X is not a condition.
    pub(crate) fn not_error(&self, inner: &Expr, ty: Ty) -> types::TypeError {
        let x = short(&self.f.text_of(inner.span), "...");
        types::TypeError {
            message: format!("`not` needs a condition, but this is {}", article(ty)),
            hint: Some(match ty {
                Ty::Number | Ty::Time | Ty::Text => format!(
                    "to test for no value, write `{x} is missing`; `not` needs a comparison, e.g. `not ({x} == ...)`"
                ),
                _ => "`not` turns true into false: give it a comparison, e.g. `not (x == y)`"
                    .to_string(),
            }),
        }
    }

    /// Refines a binary type error: `and`/`or` point at the side that is not
    /// a condition; comparisons with a grade explain that grades are texts.
    pub(crate) fn binary_error(
        &self,
        op: ast::BinaryOp,
        (l, lt): (&Expr, Ty),
        (r, rt): (&Expr, Ty),
        whole: Span,
        mut te: types::TypeError,
    ) -> (Span, types::TypeError) {
        use ast::BinaryOp as B;
        if matches!(op, B::And | B::Or) {
            let (bad, bt) = if lt == Ty::Bool || lt == Ty::Unknown {
                (r, rt)
            } else {
                (l, lt)
            };
            te.hint = wrong_kind_hint(Ty::Bool, bt, &self.f.text_of(bad.span));
            return (bad.span, te);
        }
        let grade = [l, r].into_iter().find_map(|x| match &x.kind {
            ExprKind::Path(p) if p.len() == 1 => p
                .first()
                .and_then(|n| self.grade_from.get(&n.name).map(|f| (n.name.clone(), f))),
            _ => None,
        });
        if let Some((name, from)) = grade {
            if lt == Ty::Text || rt == Ty::Text {
                te.hint = Some(format!(
                    "`{name}` is a grade: its value is a band label such as \"A\"; write `{name} in [\"A\", \"B\"]`, or compare the value it grades (`{}`) instead",
                    short(from, "...")
                ));
            }
        }
        (whole, te)
    }

    /// A window given with `within`, clipped to the model window (with a warning).
    pub fn clip_window(&mut self, d: &ast::Duration) -> i64 {
        if d.seconds > self.window {
            let model = self.window_span;
            let note = if self.window_explicit {
                "the model window".to_string()
            } else {
                format!(
                    "this model has no `window`, so the default {} applies",
                    self.window_raw
                )
            };
            let hint = format!(
                "shorten this `within`, or lengthen the model's window (`window {}`)",
                d.raw
            );
            let msg = format!(
                "`within {}` is longer than the model's window ({}); only the last {} are used",
                d.raw, self.window_raw, self.window_raw
            );
            let w = self.f.warn("W0202", d.span, msg);
            w.hint = Some(hint);
            w.related.push((model, note));
            self.window
        } else if d.seconds <= 0 {
            self.f
                .error("E0211", d.span, "a window must be longer than zero")
                .hint = Some("write a length like `30d`, `12h` or `2w`".into());
            self.window
        } else {
            d.seconds
        }
    }

    /// Compiles an account-level expression that must have type `want`.
    pub fn expect(
        &mut self,
        e: &'a Expr,
        scope: Scope,
        want: Ty,
        what: &str,
    ) -> Result<NodeId, Fail> {
        let (id, ty) = self.expr(e, scope)?;
        if ty != want && ty != Ty::Unknown {
            let text = self.f.text_of(e.span);
            let hint = wrong_kind_hint(want, ty, &text);
            let d = self.f.error(
                "E0212",
                e.span,
                format!(
                    "{what} must be {}, but this is {}",
                    if want == Ty::Bool {
                        "true or false".to_string()
                    } else {
                        article(want)
                    },
                    kind_word(ty)
                ),
            );
            d.hint = hint;
            return Err(Reported);
        }
        Ok(id)
    }

    /// Compiles an account-level expression.
    pub fn expr(&mut self, e: &'a Expr, scope: Scope) -> Typed {
        let label = self.f.text_of(e.span);
        match &e.kind {
            ExprKind::Number(n) => Ok((
                self.add(Node::Const(Const::Number(n.value)), label),
                Ty::Number,
            )),
            ExprKind::Str(s) => {
                let id = self.f.intern(&s.value);
                Ok((self.add(Node::Const(Const::Text(id)), label), Ty::Text))
            }
            ExprKind::Bool(b) => Ok((self.add(Node::Const(Const::Bool(*b)), label), Ty::Bool)),
            ExprKind::List(items) => {
                let (c, ty) = self.const_list(items, e.span)?;
                Ok((self.add(Node::Const(c), label), ty))
            }
            ExprKind::Path(path) => self.path(path, e.span, scope),
            ExprKind::Unary(op, inner) => {
                let (id, ty) = self.expr(inner, scope)?;
                match op {
                    ast::UnaryOp::Not => {
                        if ty != Ty::Bool && ty != Ty::Unknown {
                            let te = self.not_error(inner, ty);
                            return Err(self.type_error(inner.span, te));
                        }
                        Ok((self.add(Node::Unary(Un::Not, id), label), Ty::Bool))
                    }
                    ast::UnaryOp::Neg => {
                        if ty != Ty::Number && ty != Ty::Unknown {
                            return Err(self.type_error(
                                inner.span,
                                types::TypeError {
                                    message: format!(
                                        "`-` needs a number, but this is {}",
                                        article(ty)
                                    ),
                                    hint: None,
                                },
                            ));
                        }
                        Ok((self.add(Node::Unary(Un::Neg, id), label), Ty::Number))
                    }
                }
            }
            ExprKind::Binary(op, l, r) => {
                let lt = self.expr(l, scope);
                let rt = self.expr(r, scope);
                let ((li, lty), (ri, rty)) = (lt?, rt?);
                match types::binary(*op, lty, rty) {
                    Ok((bin, ty)) => Ok((self.add(Node::Binary(bin, li, ri), label), ty)),
                    Err(te) => {
                        let (span, te) = self.binary_error(*op, (l, lty), (r, rty), e.span, te);
                        Err(self.type_error(span, te))
                    }
                }
            }
            ExprKind::Between(v, lo, hi) => {
                let (a, b, c) = (
                    self.expr(v, scope),
                    self.expr(lo, scope),
                    self.expr(hi, scope),
                );
                let ((vi, vt), (li, lt), (hi_, ht)) = (a?, b?, c?);
                if let Err(te) = types::between(vt, lt, ht) {
                    return Err(self.type_error(e.span, te));
                }
                Ok((self.add(Node::Between(vi, li, hi_), label), Ty::Bool))
            }
            ExprKind::IsMissing { value, negated } => {
                let (id, _) = self.expr(value, scope)?;
                let op = if *negated {
                    Un::IsNotMissing
                } else {
                    Un::IsMissing
                };
                Ok((self.add(Node::Unary(op, id), label), Ty::Bool))
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                let (a, b) = (self.expr(value, scope), self.expr(list, scope));
                let ((vi, vt), (li, lt)) = (a?, b?);
                if let Err(te) = types::membership(vt, lt) {
                    return Err(self.type_error(e.span, te));
                }
                let op = if *negated { Bin::NotIn } else { Bin::In };
                Ok((self.add(Node::Binary(op, vi, li), label), Ty::Bool))
            }
            ExprKind::Call { function, args } => {
                let (un, want, out) = self.function(function, args.len(), e.span)?;
                let Some(arg) = args.first() else {
                    return Err(Reported);
                };
                let (id, ty) = self.expr(arg, scope)?;
                if ty != want && ty != Ty::Unknown {
                    return Err(self.type_error(
                        arg.span,
                        types::TypeError {
                            message: format!(
                                "`{}` needs {}, but this is {}",
                                function.name,
                                article(want),
                                article(ty)
                            ),
                            hint: Some(function_usage(&function.name).to_string()),
                        },
                    ));
                }
                Ok((self.add(Node::Unary(un, id), label), out))
            }
            ExprKind::Aggregate(agg) => self.aggregate(agg, e.span, scope, label),
        }
    }

    /// Checks a function call's name and arity: (operator, argument type, result type).
    pub(crate) fn function(
        &mut self,
        f: &ast::Ident,
        n: usize,
        span: Span,
    ) -> Result<(Un, Ty, Ty), Fail> {
        let (un, want, out) = match f.name.as_str() {
            "lower" => (Un::Lower, Ty::Text, Ty::Text),
            "days_since" => (Un::DaysSince, Ty::Time, Ty::Number),
            other => {
                let hint = self.f.suggest(
                    other,
                    [
                        "lower",
                        "days_since",
                        "count",
                        "distinct",
                        "sum",
                        "min",
                        "max",
                        "avg",
                        "any",
                        "all",
                    ],
                );
                let d = self
                    .f
                    .error("E0213", f.span, format!("there is no function `{other}`"));
                d.hint = Some(hint.unwrap_or_else(|| {
                    "functions are `lower(text)` and `days_since(time)`; aggregations are count, distinct, sum, min, max, avg, any, all".to_string()
                }));
                return Err(Reported);
            }
        };
        if n != 1 {
            self.f
                .error(
                    "E0214",
                    span,
                    format!("`{}` takes exactly one value, found {n}", f.name),
                )
                .hint = Some(function_usage(&f.name).to_string());
            return Err(Reported);
        }
        Ok((un, want, out))
    }

    pub(crate) fn const_list(
        &mut self,
        items: &'a [Expr],
        span: Span,
    ) -> Result<(Const, Ty), Fail> {
        let mut texts = Vec::new();
        let mut nums = Vec::new();
        for it in items {
            match &it.kind {
                ExprKind::Str(s) => texts.push(self.f.intern(&s.value)),
                ExprKind::Number(n) => nums.push(n.value),
                ExprKind::Unary(ast::UnaryOp::Neg, inner)
                    if matches!(inner.kind, ExprKind::Number(_)) =>
                {
                    if let ExprKind::Number(n) = &inner.kind {
                        nums.push(-n.value);
                    }
                }
                _ => {
                    self.f
                        .error(
                            "E0215",
                            it.span,
                            "list items must be plain texts or numbers",
                        )
                        .hint = Some(
                        "a list holds fixed values, e.g. `[\"software\", \"fintech\"]`; to compare with a field, use `==` and `or`".into(),
                    );
                    return Err(Reported);
                }
            }
        }
        if !texts.is_empty() && !nums.is_empty() {
            let is_text = |e: &Expr| matches!(e.kind, ExprKind::Str(_));
            let first_text = items.first().is_some_and(is_text);
            let odd = items
                .iter()
                .find(|e| is_text(e) != first_text)
                .map_or(span, |e| e.span);
            let odd_text = self.f.text_of(odd);
            let (first, other) = if first_text {
                ("texts", "a number")
            } else {
                ("numbers", "a text")
            };
            let hint = if first_text {
                format!("a list holds only texts or only numbers; to make it a text, put it in quotes: `\"{odd_text}\"`")
            } else {
                "a list holds only texts or only numbers; remove the quotes from numbers written as text".to_string()
            };
            self.f
                .error(
                    "E0215",
                    odd,
                    format!("this list holds {first}, but this item is {other}"),
                )
                .hint = Some(hint);
            return Err(Reported);
        }
        if nums.is_empty() {
            Ok((Const::TextList(texts), Ty::ListText))
        } else {
            Ok((Const::NumberList(nums), Ty::ListNumber))
        }
    }

    /// A name or dotted path at account level.
    pub(crate) fn path(&mut self, path: &'a [ast::Ident], span: Span, scope: Scope) -> Typed {
        let label = self.f.text_of(span);
        match path {
            [name] => self.named(name, scope),
            [first, field] if first.name == "account" => {
                if field.name == "id" {
                    return Ok((self.add(Node::AccountId, label), Ty::Text));
                }
                match self.f.account_field(&field.name) {
                    Some((i, ty)) => Ok((
                        self.add(
                            Node::AccountField(u16::try_from(i).unwrap_or(u16::MAX)),
                            label,
                        ),
                        Ty::from_field(ty),
                    )),
                    None => {
                        let names: Vec<String> = self
                            .f
                            .schemas
                            .account
                            .iter()
                            .map(|f| f.name.clone())
                            .collect();
                        let hint = self
                            .f
                            .suggest(&field.name, names.iter().map(String::as_str).chain(["id"]));
                        let owner = self.record_field_owner(&field.name);
                        let f = &field.name;
                        let d = self.f.error(
                            "E0220",
                            field.span,
                            format!("the account has no field `{f}`"),
                        );
                        d.hint = Some(match (hint, owner) {
                            (Some(h), _) => h,
                            (None, Some(c)) => format!(
                                "`{f}` is a field of each record of `{c}`: e.g. `any({c} where {f} == ...)`"
                            ),
                            (None, None) => format!("declare it in `schema account {{ {f}: ... }}`"),
                        });
                        Err(Reported)
                    }
                }
            }
            [first, rest @ ..] if self.collection(&first.name).is_some() => {
                let coll = self.collection(&first.name).unwrap_or(Collection::Events);
                let field = rest.first().map_or("", |f| f.name.as_str());
                let ty = self
                    .record_fields(coll)
                    .into_iter()
                    .find(|(n, _, _)| n == field)
                    .map(|(_, _, t)| t);
                let c = &first.name;
                let per = self.collection_word(coll);
                let per = per
                    .strip_prefix("an ")
                    .or_else(|| per.strip_prefix("a "))
                    .unwrap_or(&per);
                let d = self.f.error(
                    "E0221",
                    span,
                    format!(
                        "`{label}` has one value per {per}, not one for the account: aggregate it"
                    ),
                );
                d.hint = Some(match ty {
                    Some(Ty::Number) => format!(
                        "e.g. `max({label})`, `sum({label})` or `any({c} where {field} > ...)`"
                    ),
                    Some(Ty::Time) => format!(
                        "e.g. `max({label})` (the latest) or `days_since(max({label})) < 30`"
                    ),
                    Some(Ty::Text) => format!(
                        "e.g. `any({c} where {field} == \"...\")`, `count({c} where {field} == \"...\")` or `distinct({label})`"
                    ),
                    _ => format!("e.g. `any({c} where ...)` or `count({c} where ...)`"),
                });
                Err(Reported)
            }
            [first, field] if first.name == "contact" => {
                let d = self.f.error(
                    "E0222",
                    first.span,
                    format!(
                        "`contact.{}` is the contact of an event: it only exists inside `events where ...`",
                        field.name
                    ),
                );
                d.hint = Some(format!(
                    "e.g. `any(events where contact.{0} == ...)`, or for the account's contacts `any(contacts where {0} == ...)`",
                    field.name
                ));
                Err(Reported)
            }
            [first, ..] if first.name == "account" => {
                let d = self
                    .f
                    .error("E0220", span, format!("`{label}` is not an account field"));
                d.hint = Some(
                    "an account field is written `account.NAME`, with one name after the dot"
                        .into(),
                );
                Err(Reported)
            }
            [first, ..] => {
                let hint = self.f.suggest(&first.name, ["account"]);
                let d = self.f.error(
                    "E0222",
                    first.span,
                    format!("unknown name `{}`", first.name),
                );
                d.hint = Some(hint.unwrap_or_else(|| {
                    "dotted names start with `account.` (or a collection inside an aggregation)"
                        .to_string()
                }));
                Err(Reported)
            }
            [] => Err(Reported),
        }
    }
}

/// Whether an expression holds an aggregation anywhere.
pub(crate) fn contains_aggregate(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Aggregate(_) => true,
        ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Path(_) => false,
        ExprKind::List(items) => items.iter().any(contains_aggregate),
        ExprKind::Unary(_, x) => contains_aggregate(x),
        ExprKind::Binary(_, a, b) => contains_aggregate(a) || contains_aggregate(b),
        ExprKind::Between(a, b, c) => {
            contains_aggregate(a) || contains_aggregate(b) || contains_aggregate(c)
        }
        ExprKind::IsMissing { value, .. } => contains_aggregate(value),
        ExprKind::In { value, list, .. } => contains_aggregate(value) || contains_aggregate(list),
        ExprKind::Call { args, .. } => args.iter().any(contains_aggregate),
    }
}

/// "true or false", "a number", ... for messages about what a place needs.
pub(crate) fn kind_word(t: Ty) -> String {
    match t {
        Ty::Bool => "a condition (true or false)".to_string(),
        _ => article(t),
    }
}

/// Shown in hints: the author's own text when it is short, else a stand-in.
pub(crate) fn short(text: &str, fallback: &str) -> String {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 40 || t.contains('\n') {
        fallback.to_string()
    } else {
        t.to_string()
    }
}

/// A hint for a value of type `found` where `want` is needed.
pub(crate) fn wrong_kind_hint(want: Ty, found: Ty, text: &str) -> Option<String> {
    let x = short(text, "...");
    match (want, found) {
        (Ty::Bool, Ty::Number) => Some(format!(
            "compare it with something, e.g. `{x} > 0`, or test for a value with `{x} is not missing`"
        )),
        (Ty::Bool, Ty::Text) => Some(format!(
            "compare it with something, e.g. `{x} == \"software\"`"
        )),
        (Ty::Bool, Ty::Time) => Some(format!(
            "compare its age, e.g. `days_since({x}) < 30`, or test it with `{x} is not missing`"
        )),
        (Ty::Bool, Ty::ListText | Ty::ListNumber) => Some(format!(
            "test what it holds, e.g. `{x} contains ...`"
        )),
        (Ty::Number, Ty::Bool) => Some(
            "a condition is true or false, not a number; to turn it into points, use a rule in a block: `10 when CONDITION`"
                .to_string(),
        ),
        _ => None,
    }
}

/// How a function is used (for hints).
pub(crate) fn function_usage(name: &str) -> &'static str {
    match name {
        "lower" => "`lower(TEXT)` lowercases one text, e.g. `lower(account.industry) == \"software\"`",
        _ => "`days_since(TIME)` gives the age of one time in days, e.g. `days_since(max(events.at)) < 7`",
    }
}
