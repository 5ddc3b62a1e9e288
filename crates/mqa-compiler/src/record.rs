//! Record-level expressions: what a `where` condition or an aggregated
//! field means for one record of a collection (events joined to their
//! contact, contacts, engaged contacts, signals).

use crate::context::CONTACT_BUILTINS;
use crate::expr::*;
use crate::graph::*;
use crate::suggest::did_you_mean;
use crate::types::{self, article};
use mqa_syntax::ast::{self, Expr, ExprKind, Span};

/// A built-in field of a record: name, field, type.
type Builtin = (&'static str, RecField, Ty);

impl<'a, 'f> ModelCtx<'a, 'f> {
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
    pub(crate) fn account_ref(&self, id: NodeId) -> RecExpr {
        match self.nodes.get(id.index()) {
            Some(Node::Const(c @ (Const::Number(_) | Const::Text(_) | Const::Bool(_)))) => {
                RecExpr::Const(c.clone())
            }
            // Lists stay account nodes: the engine prepares them once.
            _ => RecExpr::Account(id),
        }
    }

    /// The fields a record of `coll` has: (name, field, type).
    pub(crate) fn record_fields(&self, coll: Collection) -> Vec<(String, RecField, Ty)> {
        let mut v = Vec::new();
        self.visit_record_fields(coll, |name, field, ty| {
            v.push((name.to_string(), field, ty));
            false
        });
        v
    }

    /// The first field of a record of `coll` named `name` (as in [`Self::record_fields`]).
    fn record_field(&self, coll: Collection, name: &str) -> Option<(RecField, Ty)> {
        let mut found = None;
        self.visit_record_fields(coll, |n, field, ty| {
            if n == name {
                found = Some((field, ty));
            }
            found.is_some()
        });
        found
    }

    /// Calls `f(name, field, type)` for each field of a record of `coll` (the
    /// built-in ones first, then the declared ones) until it returns true.
    fn visit_record_fields(&self, coll: Collection, mut f: impl FnMut(&str, RecField, Ty) -> bool) {
        let idx = |i: usize| u16::try_from(i).unwrap_or(u16::MAX);
        let (builtins, declared, loose): (&[Builtin], &[FieldDef], bool) = match coll {
            Collection::Events => (
                &[
                    ("id", RecField::Id, Ty::Text),
                    ("account_id", RecField::AccountKey, Ty::Text),
                    ("contact_id", RecField::ContactId, Ty::Text),
                    ("at", RecField::At, Ty::Time),
                ],
                &self.f.schemas.event,
                false,
            ),
            Collection::Contacts | Collection::Engaged => (
                &[
                    ("id", RecField::Id, Ty::Text),
                    ("account_id", RecField::AccountKey, Ty::Text),
                ],
                &self.f.schemas.contact,
                false,
            ),
            Collection::Source(s) => (
                &[
                    ("account", RecField::AccountKey, Ty::Text),
                    ("at", RecField::At, Ty::Time),
                ],
                self.f
                    .sources
                    .get(s as usize)
                    .map_or(&[][..], |src| src.fields.as_slice()),
                self.f
                    .loose_sources
                    .get(s as usize)
                    .copied()
                    .unwrap_or(false),
            ),
        };
        for (name, field, ty) in builtins {
            if f(name, *field, *ty) {
                return;
            }
        }
        for (i, d) in declared.iter().enumerate() {
            let ty = if loose {
                Ty::Unknown
            } else {
                Ty::from_field(d.ty)
            };
            if f(&d.name, RecField::Field(idx(i)), ty) {
                return;
            }
        }
    }

    /// A dotted path inside a record scope (or after an aggregated collection).
    pub fn rec_path(
        &mut self,
        path: &'a [ast::Ident],
        coll: Collection,
        span: Span,
        scope: Scope,
    ) -> RecTyped {
        match path {
            [name] => {
                if let Some((f, ty)) = self.record_field(coll, &name.name) {
                    return Ok((RecExpr::Field(f), ty));
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
                let fields = self.record_fields(coll);
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

    pub(crate) fn collection_word(&self, coll: Collection) -> String {
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
