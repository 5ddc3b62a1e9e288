//! Expressions: name resolution, type checking and lowering to graph nodes
//! (account level) or record expressions (inside `where` and aggregated
//! fields).

use crate::context::{FileCtx, CONTACT_BUILTINS};
use crate::graph::*;
use crate::suggest::did_you_mean;
use crate::types::{self, article};
use mqa_syntax::ast::{self, AggFunc, Expr, ExprKind, Span};
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
    stack: Vec<String>,
    /// Compiling file-level lets on their own: model names are out of reach.
    pub file_scope: bool,
    /// Each grade's value expression as written (for hints).
    pub grade_from: HashMap<String, String>,
    pub nodes: Vec<Node>,
    pub labels: Vec<String>,
    dedup: HashMap<String, NodeId>,
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
            dedup: HashMap::new(),
            lets: HashMap::new(),
            file_lets,
            blocks: HashMap::new(),
            grades: HashMap::new(),
            block_infos: HashMap::new(),
        }
    }

    /// Adds a node, or returns the identical node already present.
    pub fn add(&mut self, node: Node, label: impl Into<String>) -> NodeId {
        let key = format!("{node:?}");
        if let Some(id) = self.dedup.get(&key) {
            return *id;
        }
        let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        self.nodes.push(node);
        self.labels.push(label.into());
        self.dedup.insert(key, id);
        id
    }

    fn type_error(&mut self, span: Span, e: types::TypeError) -> Fail {
        let d = self.f.error("E0210", span, e.message);
        d.hint = e.hint;
        Reported
    }

    /// `not X` where X is not a condition.
    fn not_error(&self, inner: &Expr, ty: Ty) -> types::TypeError {
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
    fn binary_error(
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
    fn function(&mut self, f: &ast::Ident, n: usize, span: Span) -> Result<(Un, Ty, Ty), Fail> {
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

    fn const_list(&mut self, items: &'a [Expr], span: Span) -> Result<(Const, Ty), Fail> {
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
    fn path(&mut self, path: &'a [ast::Ident], span: Span, scope: Scope) -> Typed {
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

    /// A bare name at account level: let, block, grade.
    fn named(&mut self, name: &'a ast::Ident, _scope: Scope) -> Typed {
        let n = name.name.as_str();
        if self.lets.contains_key(n) {
            return self.resolve_let(n, name.span, false);
        }
        if self.blocks.contains_key(n) {
            return self.resolve_block(n, name.span);
        }
        if self.grades.contains_key(n) {
            return self.resolve_grade(n, name.span);
        }
        if self.file_lets.contains_key(n) {
            return self.resolve_let(n, name.span, true);
        }
        if self.collection(n).is_some() {
            let d = self.f.error(
                "E0221",
                name.span,
                format!("`{n}` is a collection; aggregate it"),
            );
            d.hint = Some(format!("e.g. `count({n})` or `any({n} where ...)`"));
            return Err(Reported);
        }
        if self.f.account_field(n).is_some() || n == "id" {
            let d = self
                .f
                .error("E0222", name.span, format!("unknown name `{n}`"));
            d.hint = Some(format!("did you mean `account.{n}`?"));
            return Err(Reported);
        }
        if n == "account" {
            let d = self.f.error(
                "E0222",
                name.span,
                "`account` alone is not a value: name one of its fields",
            );
            d.hint = Some("write `account.NAME`, e.g. `account.id`".into());
            return Err(Reported);
        }
        if self.file_scope && self.f.model_names.contains(n) {
            let d = self.f.error(
                "E0222",
                name.span,
                format!("`{n}` is defined inside a model; a file-level `let` cannot use it"),
            );
            d.hint = Some(
                "file-level lets are constants (they may use `account.NAME` and other file-level lets); move this `let` into the model"
                    .into(),
            );
            return Err(Reported);
        }
        if let Some(coll) = self.record_field_owner(n) {
            let d = self.f.error(
                "E0222",
                name.span,
                format!("`{n}` is a field of each record of `{coll}`, not a value of the account"),
            );
            d.hint = Some(format!(
                "bare field names work inside `where`: e.g. `any({coll} where {n} == ...)` or `count({coll} where {n} == ...)`"
            ));
            return Err(Reported);
        }
        let mut cands: Vec<String> = self.lets.keys().cloned().collect();
        cands.extend(self.file_lets.keys().cloned());
        cands.extend(self.blocks.keys().cloned());
        cands.extend(self.grades.keys().cloned());
        cands.sort();
        let hint = self.f.suggest(n, cands.iter().map(String::as_str));
        let d = self
            .f
            .error("E0222", name.span, format!("unknown name `{n}`"));
        d.hint = Some(hint.unwrap_or_else(|| {
            "a bare name is a `let`, a block or a grade; account fields are written `account.NAME`".to_string()
        }));
        Err(Reported)
    }

    /// The collection whose records have a field `n` (events first), if any.
    fn record_field_owner(&self, n: &str) -> Option<String> {
        let event = crate::context::EVENT_BUILTINS.contains(&n)
            || self.f.schemas.event.iter().any(|f| f.name == n);
        if event {
            return Some("events".into());
        }
        if CONTACT_BUILTINS.contains(&n) || self.f.schemas.contact.iter().any(|f| f.name == n) {
            return Some("contacts".into());
        }
        self.f
            .sources
            .iter()
            .find(|s| s.fields.iter().any(|f| f.name == n))
            .map(|s| s.name.clone())
    }

    fn cycle(&mut self, what: &str, n: &str, span: Span) -> Fail {
        let start = self.stack.iter().rposition(|x| x == n).unwrap_or(0);
        let chain: Vec<String> = self
            .stack
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .chain(std::iter::once(&n.to_string()))
            .map(|x| format!("`{x}`"))
            .collect();
        let (message, hint) = if chain.len() <= 2 {
            (
                format!("the {what} `{n}` uses its own value"),
                if what == "block" {
                    "a block's rules cannot use the block's total; use it in another block, a gate or `score =`".to_string()
                } else {
                    format!("a {what} cannot be defined in terms of itself")
                },
            )
        } else {
            (
                format!("the {what} `{n}` depends on itself: {}", chain.join(" → ")),
                "break the cycle: one of these must be computed without the others".to_string(),
            )
        };
        self.f.error("E0223", span, message).hint = Some(hint);
        Reported
    }

    pub fn resolve_let(&mut self, n: &str, span: Span, file_level: bool) -> Typed {
        let map = if file_level {
            &mut self.file_lets
        } else {
            &mut self.lets
        };
        let Some(state) = map.get_mut(n) else {
            return Err(Reported);
        };
        match std::mem::replace(state, Memo::Visiting) {
            Memo::Done(r) => {
                *state = Memo::Done(r);
                r.ok_or(Reported)
            }
            Memo::Visiting => Err(self.cycle("let", n, span)),
            Memo::Pending(_) if file_level && self.f.failed_file_lets.contains(n) => {
                // Already reported by `FileCtx::check_file_lets`.
                self.file_lets.insert(n.to_string(), Memo::Done(None));
                Err(Reported)
            }
            Memo::Pending(l) => {
                self.stack.push(n.to_string());
                let r = if file_level && contains_aggregate(&l.value) {
                    self.f
                        .error(
                            "E0224",
                            l.value.span,
                            format!("the file-level `let {n}` uses an aggregation"),
                        )
                        .hint = Some("file-level lets are constants; move it into the model to compute it per account".into());
                    Err(Reported)
                } else {
                    // Lets are evaluated once per account, with the model window.
                    self.expr(&l.value, Scope::MODEL)
                };
                self.stack.pop();
                let map = if file_level {
                    &mut self.file_lets
                } else {
                    &mut self.lets
                };
                map.insert(n.to_string(), Memo::Done(r.ok()));
                r
            }
        }
    }

    pub fn resolve_block(&mut self, n: &str, span: Span) -> Typed {
        let Some(state) = self.blocks.get_mut(n) else {
            return Err(Reported);
        };
        match std::mem::replace(state, Memo::Visiting) {
            Memo::Done(r) => {
                *state = Memo::Done(r);
                r.ok_or(Reported)
            }
            Memo::Visiting => Err(self.cycle("block", n, span)),
            Memo::Pending(b) => {
                self.stack.push(n.to_string());
                let r = crate::model::compile_block(self, b);
                self.stack.pop();
                self.blocks.insert(n.to_string(), Memo::Done(r.ok()));
                r
            }
        }
    }

    pub fn resolve_grade(&mut self, n: &str, span: Span) -> Typed {
        let Some(state) = self.grades.get_mut(n) else {
            return Err(Reported);
        };
        match std::mem::replace(state, Memo::Visiting) {
            Memo::Done(r) => {
                *state = Memo::Done(r);
                r.ok_or(Reported)
            }
            Memo::Visiting => Err(self.cycle("grade", n, span)),
            Memo::Pending(g) => {
                self.stack.push(n.to_string());
                let r = crate::model::compile_grade(self, g);
                self.stack.pop();
                self.grades.insert(n.to_string(), Memo::Done(r.ok()));
                r
            }
        }
    }

    /// The collection a name denotes.
    pub fn collection(&self, name: &str) -> Option<Collection> {
        match name {
            "events" => Some(Collection::Events),
            "contacts" => Some(Collection::Contacts),
            "engaged" => Some(Collection::Engaged),
            _ => self
                .f
                .sources
                .iter()
                .position(|s| s.name == name)
                .map(|i| Collection::Source(u16::try_from(i).unwrap_or(u16::MAX))),
        }
    }

    /// Reports a name used as a collection that is not one. `field` is the
    /// field after it (`sum(account.revenue)`), `func` the aggregation.
    pub fn unknown_collection(
        &mut self,
        c: &ast::Ident,
        field: Option<&str>,
        func: Option<AggFunc>,
    ) -> Fail {
        let names = self.collection_names();
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let n = c.name.as_str();
        let what = if self.lets.contains_key(n) || self.file_lets.contains_key(n) {
            Some("a `let`")
        } else if self.blocks.contains_key(n) {
            Some("a block")
        } else if self.grades.contains_key(n) {
            Some("a grade")
        } else {
            None
        };
        let (message, hint) = if n == "account" {
            let f = field.unwrap_or("NAME");
            (
                "`account` is the account itself, a single record: there is nothing to aggregate"
                    .to_string(),
                match func {
                    Some(func) => format!(
                        "use `account.{f}` directly, without `{}(...)`",
                        func.as_str()
                    ),
                    None => format!("collections are {list}"),
                },
            )
        } else if let Some(what) = what {
            (
                format!("`{n}` is {what}, not a collection"),
                format!("collections are {list}"),
            )
        } else {
            let hint = self.f.suggest(n, names.iter().map(String::as_str));
            (
                format!("there is no collection `{n}`"),
                hint.unwrap_or_else(|| format!("collections are {list}")),
            )
        };
        self.f.error("E0225", c.span, message).hint = Some(hint);
        Reported
    }

    fn collection_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ["events", "contacts", "engaged"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(self.f.sources.iter().map(|s| s.name.clone()));
        v
    }

    /// The window in force for a scan: its own `within`, else the block's, else the model's.
    pub fn scan_window(&mut self, own: Option<&ast::Duration>, scope: Scope) -> i64 {
        match own {
            Some(d) => self.clip_window(d),
            None => scope.block_window.unwrap_or(self.window),
        }
    }

    fn aggregate(
        &mut self,
        agg: &'a ast::Aggregate,
        span: Span,
        scope: Scope,
        label: String,
    ) -> Typed {
        let Some(coll) = self.collection(&agg.collection.name) else {
            let field = agg.field.first().map(|f| f.name.as_str());
            return Err(self.unknown_collection(&agg.collection, field, Some(agg.func)));
        };
        let window = self.scan_window(agg.within.as_ref(), scope);
        if coll == Collection::Contacts {
            if let Some(w) = &agg.within {
                self.f
                    .warn(
                        "W0203",
                        w.span,
                        "`contacts` has no time: `within` does not change it",
                    )
                    .hint = Some("use `engaged` for contacts active in a window".into());
            }
        }
        let filter = match &agg.filter {
            Some(f) => Some(self.rec_condition(f, coll, scope)?),
            None => None,
        };
        let field = if agg.field.is_empty() {
            None
        } else {
            let fspan = agg.field.first().map(|a| a.span).unwrap_or(span).to(agg
                .field
                .last()
                .map(|a| a.span)
                .unwrap_or(span));
            let (rf, ty) = self.rec_path(&agg.field, coll, fspan, scope)?;
            let ok = match agg.func {
                AggFunc::Sum | AggFunc::Avg => matches!(ty, Ty::Number | Ty::Unknown),
                AggFunc::Min | AggFunc::Max => matches!(ty, Ty::Number | Ty::Time | Ty::Unknown),
                _ => !matches!(ty, Ty::ListText | Ty::ListNumber),
            };
            if !ok {
                let func = agg.func.as_str();
                let c = &agg.collection.name;
                let fname = agg.field.last().map_or("", |f| f.name.as_str());
                let shown = format!("{c}.{}", self.f.text_of(fspan));
                let needs = match agg.func {
                    AggFunc::Sum | AggFunc::Avg => "adds up numbers",
                    AggFunc::Min | AggFunc::Max => "takes numbers or times",
                    _ => "counts single values",
                };
                let hint = match (agg.func, ty) {
                    (AggFunc::Min | AggFunc::Max, Ty::Text) => format!(
                        "to test for a value, use `any({c} where {fname} == \"...\")`; to count different values, `distinct({shown})`"
                    ),
                    (AggFunc::Sum | AggFunc::Avg, Ty::Text) => format!(
                        "to count records use `count({c} where {fname} == \"...\")`; to count different values, `distinct({shown})`"
                    ),
                    (AggFunc::Sum | AggFunc::Avg, Ty::Time) => format!(
                        "for the age of the latest record, use `days_since(max({shown}))`"
                    ),
                    (_, Ty::Bool) => format!(
                        "to count the records where it is true, use `count({c} where {fname})`"
                    ),
                    (_, Ty::ListText | Ty::ListNumber) => format!(
                        "a list field holds several values; test it with `any({c} where {fname} contains ...)`"
                    ),
                    _ => format!("`{func}` {needs}"),
                };
                let d = self.f.error(
                    "E0226",
                    fspan,
                    format!("`{func}` {needs}, but `{shown}` is {}", article(ty)),
                );
                d.hint = Some(hint);
                return Err(Reported);
            }
            Some((rf, ty))
        };
        let kind = match agg.func {
            AggFunc::Count => AggKind::Count,
            AggFunc::Distinct => AggKind::Distinct,
            AggFunc::Sum => AggKind::Sum,
            AggFunc::Min => AggKind::Min,
            AggFunc::Max => AggKind::Max,
            AggFunc::Avg => AggKind::Avg,
            AggFunc::Any => AggKind::Any,
            AggFunc::All => AggKind::All,
        };
        let ty = match kind {
            AggKind::Count | AggKind::Distinct | AggKind::Sum | AggKind::Avg => Ty::Number,
            AggKind::Any | AggKind::All => Ty::Bool,
            AggKind::Min | AggKind::Max => field.as_ref().map_or(Ty::Number, |(_, t)| *t),
        };
        let node = Node::Aggregate {
            kind,
            scan: Scan {
                collection: coll,
                window,
                filter,
            },
            field: field.map(|(f, _)| f),
        };
        Ok((self.add(node, label), ty))
    }

    // ───────────────────────── record level ─────────────────────────

    /// A `where` condition over records of `coll`.
    pub fn rec_condition(
        &mut self,
        e: &'a Expr,
        coll: Collection,
        scope: Scope,
    ) -> Result<RecExpr, Fail> {
        let (r, ty) = self.rec(e, coll, scope)?;
        if ty != Ty::Bool && ty != Ty::Unknown {
            self.f
                .error(
                    "E0212",
                    e.span,
                    format!(
                        "a `where` condition must be true or false, but this is {}",
                        article(ty)
                    ),
                )
                .hint = Some("compare it with something, e.g. `kind == \"webinar\"`".into());
            return Err(Reported);
        }
        Ok(r)
    }

    /// A record-level expression.
    pub fn rec(&mut self, e: &'a Expr, coll: Collection, scope: Scope) -> RecTyped {
        match &e.kind {
            // Literals stay inside the record expression (no graph node).
            ExprKind::Number(n) => Ok((RecExpr::Const(Const::Number(n.value)), Ty::Number)),
            ExprKind::Str(st) => Ok((
                RecExpr::Const(Const::Text(self.f.intern(&st.value))),
                Ty::Text,
            )),
            ExprKind::Bool(b) => Ok((RecExpr::Const(Const::Bool(*b)), Ty::Bool)),
            ExprKind::List(_) | ExprKind::Aggregate(_) => {
                let (id, ty) = self.expr(e, scope)?;
                Ok((self.account_ref(id), ty))
            }
            ExprKind::Path(path) => self.rec_path(path, coll, e.span, scope),
            ExprKind::Unary(op, inner) => {
                let (r, ty) = self.rec(inner, coll, scope)?;
                let (un, want, out) = match op {
                    ast::UnaryOp::Not => (Un::Not, Ty::Bool, Ty::Bool),
                    ast::UnaryOp::Neg => (Un::Neg, Ty::Number, Ty::Number),
                };
                if ty != want && ty != Ty::Unknown {
                    let te = match op {
                        ast::UnaryOp::Not => self.not_error(inner, ty),
                        ast::UnaryOp::Neg => types::TypeError {
                            message: format!("`-` needs a number, but this is {}", article(ty)),
                            hint: None,
                        },
                    };
                    return Err(self.type_error(inner.span, te));
                }
                Ok((RecExpr::Unary(un, Box::new(r)), out))
            }
            ExprKind::Binary(op, l, r) => {
                let (a, b) = (self.rec(l, coll, scope), self.rec(r, coll, scope));
                let ((lr, lt), (rr, rt)) = (a?, b?);
                match types::binary(*op, lt, rt) {
                    Ok((bin, ty)) => Ok((RecExpr::Binary(bin, Box::new(lr), Box::new(rr)), ty)),
                    Err(te) => {
                        let (span, te) = self.binary_error(*op, (l, lt), (r, rt), e.span, te);
                        Err(self.type_error(span, te))
                    }
                }
            }
            ExprKind::Between(v, lo, hi) => {
                let (a, b, c) = (
                    self.rec(v, coll, scope),
                    self.rec(lo, coll, scope),
                    self.rec(hi, coll, scope),
                );
                let ((vr, vt), (lr, lt), (hr, ht)) = (a?, b?, c?);
                if let Err(te) = types::between(vt, lt, ht) {
                    return Err(self.type_error(e.span, te));
                }
                Ok((
                    RecExpr::Between(Box::new(vr), Box::new(lr), Box::new(hr)),
                    Ty::Bool,
                ))
            }
            ExprKind::IsMissing { value, negated } => {
                let (r, _) = self.rec(value, coll, scope)?;
                let op = if *negated {
                    Un::IsNotMissing
                } else {
                    Un::IsMissing
                };
                Ok((RecExpr::Unary(op, Box::new(r)), Ty::Bool))
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                let (a, b) = (self.rec(value, coll, scope), self.rec(list, coll, scope));
                let ((vr, vt), (lr, lt)) = (a?, b?);
                if let Err(te) = types::membership(vt, lt) {
                    return Err(self.type_error(e.span, te));
                }
                let op = if *negated { Bin::NotIn } else { Bin::In };
                Ok((RecExpr::Binary(op, Box::new(vr), Box::new(lr)), Ty::Bool))
            }
            ExprKind::Call { function, args } => {
                let (un, want, out) = self.function(function, args.len(), e.span)?;
                let Some(arg) = args.first() else {
                    return Err(Reported);
                };
                let (r, ty) = self.rec(arg, coll, scope)?;
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
                Ok((RecExpr::Unary(un, Box::new(r)), out))
            }
        }
    }

    /// An account-level value inside a record expression (constants stay constants).
    fn account_ref(&self, id: NodeId) -> RecExpr {
        match self.nodes.get(id.index()) {
            Some(Node::Const(c @ (Const::Number(_) | Const::Text(_) | Const::Bool(_)))) => {
                RecExpr::Const(c.clone())
            }
            // Lists stay account nodes: the engine prepares them once.
            _ => RecExpr::Account(id),
        }
    }

    /// The fields a record of `coll` has: (name, field, type).
    fn record_fields(&self, coll: Collection) -> Vec<(String, RecField, Ty)> {
        let mut v = Vec::new();
        let idx = |i: usize| u16::try_from(i).unwrap_or(u16::MAX);
        match coll {
            Collection::Events => {
                v.push(("id".to_string(), RecField::Id, Ty::Text));
                v.push(("account_id".to_string(), RecField::AccountKey, Ty::Text));
                v.push(("contact_id".to_string(), RecField::ContactId, Ty::Text));
                v.push(("at".to_string(), RecField::At, Ty::Time));
                for (i, f) in self.f.schemas.event.iter().enumerate() {
                    v.push((
                        f.name.clone(),
                        RecField::Field(idx(i)),
                        Ty::from_field(f.ty),
                    ));
                }
            }
            Collection::Contacts | Collection::Engaged => {
                v.push(("id".to_string(), RecField::Id, Ty::Text));
                v.push(("account_id".to_string(), RecField::AccountKey, Ty::Text));
                for (i, f) in self.f.schemas.contact.iter().enumerate() {
                    v.push((
                        f.name.clone(),
                        RecField::Field(idx(i)),
                        Ty::from_field(f.ty),
                    ));
                }
            }
            Collection::Source(s) => {
                v.push(("account".to_string(), RecField::AccountKey, Ty::Text));
                v.push(("at".to_string(), RecField::At, Ty::Time));
                if let Some(src) = self.f.sources.get(s as usize) {
                    let loose = self
                        .f
                        .loose_sources
                        .get(s as usize)
                        .copied()
                        .unwrap_or(false);
                    for (i, f) in src.fields.iter().enumerate() {
                        let ty = if loose {
                            Ty::Unknown
                        } else {
                            Ty::from_field(f.ty)
                        };
                        v.push((f.name.clone(), RecField::Field(idx(i)), ty));
                    }
                }
            }
        }
        v
    }

    /// A dotted path inside a record scope (or after an aggregated collection).
    pub fn rec_path(
        &mut self,
        path: &'a [ast::Ident],
        coll: Collection,
        span: Span,
        scope: Scope,
    ) -> RecTyped {
        let fields = self.record_fields(coll);
        match path {
            [name] => {
                if let Some((_, f, ty)) = fields.iter().find(|(n, _, _)| *n == name.name) {
                    return Ok((RecExpr::Field(*f), *ty));
                }
                // Lets, blocks and grades first: a loose source must not
                // take their names as new fields.
                if self.lets.contains_key(&name.name)
                    || self.file_lets.contains_key(&name.name)
                    || self.blocks.contains_key(&name.name)
                    || self.grades.contains_key(&name.name)
                {
                    let (id, ty) = self.named(name, scope)?;
                    return Ok((self.account_ref(id), ty));
                }
                if let Collection::Source(s) = coll {
                    if self
                        .f
                        .loose_sources
                        .get(s as usize)
                        .copied()
                        .unwrap_or(false)
                    {
                        // Plugin not available: accept the field, typed unknown.
                        let src = self.f.sources.get_mut(s as usize).ok_or(Reported)?;
                        src.fields.push(FieldDef {
                            name: name.name.clone(),
                            ty: mqa_syntax::FieldType::Text,
                        });
                        let i = u16::try_from(src.fields.len() - 1).unwrap_or(u16::MAX);
                        return Ok((RecExpr::Field(RecField::Field(i)), Ty::Unknown));
                    }
                }
                let what = self.collection_word(coll);
                let mut cands: Vec<String> = fields.iter().map(|(n, _, _)| n.clone()).collect();
                cands.extend(self.lets.keys().cloned());
                cands.extend(self.file_lets.keys().cloned());
                let hint = self.f.suggest(&name.name, cands.iter().map(String::as_str));
                let field_list = fields
                    .iter()
                    .map(|(n, _, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let is_account_field = self.f.account_field(&name.name).is_some();
                let near_let = did_you_mean(&name.name, cands.iter().map(String::as_str))
                    .is_some_and(|c| self.lets.contains_key(c) || self.file_lets.contains_key(c));
                let message = if near_let {
                    format!(
                        "there is no `let` named `{}`, and {what} has no such field",
                        name.name
                    )
                } else {
                    format!("{what} has no field `{}`", name.name)
                };
                let d = self.f.error("E0227", name.span, message);
                d.hint = Some(hint.unwrap_or_else(|| format!("its fields are {field_list}")));
                if is_account_field {
                    d.hint = Some(format!(
                        "the account's field is written `account.{}`",
                        name.name
                    ));
                }
                Err(Reported)
            }
            [first, field] if first.name == "account" => {
                let (id, ty) = self.path(path, span, scope)?;
                let _ = field;
                Ok((self.account_ref(id), ty))
            }
            [first, field] if first.name == "contact" && coll == Collection::Events => {
                if field.name == "id" {
                    return Ok((RecExpr::Field(RecField::ContactOwnId), Ty::Text));
                }
                if let Some(i) = self
                    .f
                    .schemas
                    .contact
                    .iter()
                    .position(|f| f.name == field.name)
                {
                    let ty = self
                        .f
                        .schemas
                        .contact
                        .get(i)
                        .map_or(Ty::Unknown, |f| Ty::from_field(f.ty));
                    return Ok((
                        RecExpr::Field(RecField::ContactField(
                            u16::try_from(i).unwrap_or(u16::MAX),
                        )),
                        ty,
                    ));
                }
                let names: Vec<String> = self
                    .f
                    .schemas
                    .contact
                    .iter()
                    .map(|f| f.name.clone())
                    .collect();
                let hint = self.f.suggest(
                    &field.name,
                    names.iter().map(String::as_str).chain(CONTACT_BUILTINS),
                );
                let d = self.f.error(
                    "E0227",
                    field.span,
                    format!("a contact has no field `{}`", field.name),
                );
                d.hint = Some(hint.unwrap_or_else(|| {
                    format!("declare it in `schema contact {{ {}: ... }}`", field.name)
                }));
                Err(Reported)
            }
            [first, field] if first.name == "contact" => {
                let (message, hint) = match coll {
                    Collection::Contacts | Collection::Engaged => (
                        format!(
                            "each record here already is a contact: write `{}`, not `contact.{}`",
                            field.name, field.name
                        ),
                        "`contact.NAME` reaches the contact of an event, inside `events where ...`"
                            .to_string(),
                    ),
                    _ => (
                        format!(
                            "{} has no contact: `contact.NAME` works inside `events` only",
                            self.collection_word(coll)
                        ),
                        "to use contacts, aggregate `contacts` or `engaged`".to_string(),
                    ),
                };
                self.f
                    .error("E0227", first.span.to(field.span), message)
                    .hint = Some(hint);
                Err(Reported)
            }
            [first, ..] => {
                let what = self.collection_word(coll);
                let d = self.f.error(
                    "E0227",
                    span,
                    format!(
                        "inside {what}, fields are named directly, not `{}.…`",
                        first.name
                    ),
                );
                d.hint = Some(format!(
                    "write the field name alone (e.g. `{}`), or `account.NAME` for the account",
                    path.last().map_or("kind", |p| p.name.as_str())
                ));
                Err(Reported)
            }
            [] => Err(Reported),
        }
    }

    fn collection_word(&self, coll: Collection) -> String {
        match coll {
            Collection::Events => "an event".to_string(),
            Collection::Contacts => "a contact".to_string(),
            Collection::Engaged => "an engaged contact".to_string(),
            Collection::Source(s) => format!(
                "a `{}` signal",
                self.f
                    .sources
                    .get(s as usize)
                    .map_or("?", |x| x.name.as_str())
            ),
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
fn kind_word(t: Ty) -> String {
    match t {
        Ty::Bool => "a condition (true or false)".to_string(),
        _ => article(t),
    }
}

/// Shown in hints: the author's own text when it is short, else a stand-in.
fn short(text: &str, fallback: &str) -> String {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 40 || t.contains('\n') {
        fallback.to_string()
    } else {
        t.to_string()
    }
}

/// A hint for a value of type `found` where `want` is needed.
fn wrong_kind_hint(want: Ty, found: Ty, text: &str) -> Option<String> {
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
fn function_usage(name: &str) -> &'static str {
    match name {
        "lower" => "`lower(TEXT)` lowercases one text, e.g. `lower(account.industry) == \"software\"`",
        _ => "`days_since(TIME)` gives the age of one time in days, e.g. `days_since(max(events.at)) < 7`",
    }
}
