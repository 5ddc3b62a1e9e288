//! Collections and aggregations: which collection a name denotes (`events`,
//! `contacts`, `engaged`, a source), the window a scan reads, and
//! aggregations (`count`, `sum`, `distinct`, ...) type-checked and lowered to
//! graph nodes.

use crate::expr::*;
use crate::graph::*;
use crate::types::article;
use mqa_syntax::ast::{self, AggFunc, Span};

impl<'a, 'f> ModelCtx<'a, 'f> {
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

    pub(crate) fn collection_names(&self) -> Vec<String> {
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

    pub(crate) fn aggregate(
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
}
