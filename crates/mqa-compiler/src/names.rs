//! Name resolution inside a model: bare names (lets, blocks, grades), with
//! lazy compilation of each named item and cycle detection.

use crate::context::CONTACT_BUILTINS;
use crate::expr::*;
use mqa_syntax::ast::{self, Span};

impl<'a, 'f> ModelCtx<'a, 'f> {
    /// A bare name at account level: let, block, grade.
    pub(crate) fn named(&mut self, name: &'a ast::Ident, _scope: Scope) -> Typed {
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
    pub(crate) fn record_field_owner(&self, n: &str) -> Option<String> {
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

    pub(crate) fn cycle(&mut self, what: &str, n: &str, span: Span) -> Fail {
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
}
