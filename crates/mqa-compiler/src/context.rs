//! File-level compile state: schemas, sources, file lets, string constants,
//! diagnostics, and the plugin schemas the compiler is given.

use crate::expr::ModelCtx;
use crate::graph::{FieldDef, Schemas, SourceDef, StrId};
use crate::suggest::did_you_mean;
use mqa_syntax::ast::{self, Span};
use mqa_syntax::{Diagnostic, FieldType};
use std::collections::{HashMap, HashSet};

/// Where the compiler learns a plugin's signal fields. The plugin host
/// supplies one from the loaded plugins; without it, sources are checked
/// loosely (see [`NoPlugins`]).
pub trait SourceSchemas {
    /// The signal fields a plugin declares, or `None` when it is not available.
    fn fields(&self, plugin: &str) -> Option<Vec<(String, FieldType)>>;
}

/// No plugin is available: every source's fields are accepted unchecked.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPlugins;

impl SourceSchemas for NoPlugins {
    fn fields(&self, _plugin: &str) -> Option<Vec<(String, FieldType)>> {
        None
    }
}

impl SourceSchemas for HashMap<String, Vec<(String, FieldType)>> {
    fn fields(&self, plugin: &str) -> Option<Vec<(String, FieldType)>> {
        self.get(plugin).cloned()
    }
}

/// Built-in fields of each table.
pub const ACCOUNT_BUILTINS: [&str; 1] = ["id"];
pub const CONTACT_BUILTINS: [&str; 2] = ["id", "account_id"];
pub const EVENT_BUILTINS: [&str; 4] = ["id", "account_id", "contact_id", "at"];
pub const SIGNAL_BUILTINS: [&str; 2] = ["account", "at"];

pub(crate) struct FileCtx<'a> {
    pub text: &'a str,
    pub diags: Vec<Diagnostic>,
    pub schemas: Schemas,
    pub sources: Vec<SourceDef>,
    pub source_spans: Vec<Span>,
    pub file_lets: HashMap<String, &'a ast::Let>,
    pub strings: Vec<String>,
    string_ids: HashMap<String, StrId>,
    /// Sources whose plugin was not available: fields are added as they are used.
    pub loose_sources: Vec<bool>,
    /// Byte offset of each line's start (for rule line numbers).
    pub line_starts: Vec<usize>,
    /// Names declared inside models (lets, blocks, grades): out of reach of file-level lets.
    pub model_names: HashSet<String>,
    /// File-level lets whose check failed (already reported once for the file).
    pub failed_file_lets: HashSet<String>,
}

impl<'a> FileCtx<'a> {
    pub fn new(text: &'a str) -> FileCtx<'a> {
        FileCtx {
            text,
            diags: Vec::new(),
            schemas: Schemas::default(),
            sources: Vec::new(),
            source_spans: Vec::new(),
            file_lets: HashMap::new(),
            strings: Vec::new(),
            string_ids: HashMap::new(),
            loose_sources: Vec::new(),
            line_starts: std::iter::once(0)
                .chain(
                    text.bytes()
                        .enumerate()
                        .filter(|(_, b)| *b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect(),
            model_names: HashSet::new(),
            failed_file_lets: HashSet::new(),
        }
    }

    pub fn error(
        &mut self,
        code: &'static str,
        span: Span,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, span, msg));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    pub fn warn(
        &mut self,
        code: &'static str,
        span: Span,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::warning(code, span, msg));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    pub fn text_of(&self, span: Span) -> String {
        self.text.get(span.range()).unwrap_or("").to_string()
    }

    pub fn intern(&mut self, s: &str) -> StrId {
        if let Some(id) = self.string_ids.get(s) {
            return *id;
        }
        let id = StrId(u32::try_from(self.strings.len()).unwrap_or(u32::MAX));
        self.strings.push(s.to_string());
        self.string_ids.insert(s.to_string(), id);
        id
    }

    /// Collects schemas, sources and file-level lets; reports duplicates.
    pub fn declare(&mut self, file: &'a ast::File, plugins: &dyn SourceSchemas) {
        let mut seen_schema: HashMap<ast::SchemaKind, Span> = HashMap::new();
        for item in &file.items {
            match item {
                ast::Item::Schema(s) => {
                    if let Some(prev) = seen_schema.insert(s.kind, s.kind_span) {
                        self.error(
                            "E0201",
                            s.kind_span,
                            format!("the `{}` schema is declared twice", s.kind.as_str()),
                        )
                        .related
                        .push((prev, "first declared here".into()));
                    }
                    let builtins: &[&str] = match s.kind {
                        ast::SchemaKind::Account => &ACCOUNT_BUILTINS,
                        ast::SchemaKind::Contact => &CONTACT_BUILTINS,
                        ast::SchemaKind::Event => &EVENT_BUILTINS,
                    };
                    let mut fields: Vec<FieldDef> = Vec::new();
                    let mut spans: Vec<Span> = Vec::new();
                    for f in &s.fields {
                        if builtins.contains(&f.name.name.as_str()) {
                            self.error(
                                "E0202",
                                f.name.span,
                                format!(
                                    "`{}` is a built-in {} field and is always present",
                                    f.name.name,
                                    s.kind.as_str()
                                ),
                            )
                            .hint = Some(format!(
                                "remove this line: every {} has `{}`",
                                s.kind.as_str(),
                                f.name.name
                            ));
                            continue;
                        }
                        if let Some(i) = fields.iter().position(|x| x.name == f.name.name) {
                            let prev = spans.get(i).copied().unwrap_or_default();
                            self.error(
                                "E0201",
                                f.name.span,
                                format!("the field `{}` is declared twice", f.name.name),
                            )
                            .related
                            .push((prev, "first declared here".into()));
                            continue;
                        }
                        fields.push(FieldDef {
                            name: f.name.name.clone(),
                            ty: f.ty,
                        });
                        spans.push(f.name.span);
                    }
                    let target = match s.kind {
                        ast::SchemaKind::Account => &mut self.schemas.account,
                        ast::SchemaKind::Contact => &mut self.schemas.contact,
                        ast::SchemaKind::Event => &mut self.schemas.event,
                    };
                    target.extend(fields);
                }
                ast::Item::Source(src) => self.declare_source(src, plugins),
                ast::Item::Let(l) => {
                    if let Some(prev) = self.file_lets.get(&l.name.name) {
                        let prev_span = prev.name.span;
                        self.error(
                            "E0201",
                            l.name.span,
                            format!("`{}` is already defined", l.name.name),
                        )
                        .related
                        .push((prev_span, "first defined here".into()));
                    } else {
                        self.file_lets.insert(l.name.name.clone(), l);
                    }
                }
                ast::Item::Model(_) | ast::Item::Use(_) | ast::Item::Test(_) => {}
            }
        }
        // A let may not shadow a field name (it would make bare names in `where` ambiguous).
        let lets: Vec<&ast::Let> = self.file_lets.values().copied().collect();
        for l in lets {
            self.check_let_name(&l.name);
        }
        for item in &file.items {
            if let ast::Item::Model(m) = item {
                for i in &m.items {
                    let name = match i {
                        ast::ModelItem::Let(l) => &l.name,
                        ast::ModelItem::Block(b) => &b.name,
                        ast::ModelItem::Grade(g) => &g.name,
                        _ => continue,
                    };
                    self.model_names.insert(name.name.clone());
                }
            }
        }
        self.check_file_lets(file);
    }

    /// Compiles every file-level let once, on its own, so that its errors are
    /// reported once for the file (not once per model, and also when no model
    /// uses it). The nodes are thrown away: each model compiles the lets it
    /// uses into its own graph; lets that failed here are skipped there.
    fn check_file_lets(&mut self, file: &'a ast::File) {
        let saved = (self.strings.clone(), self.string_ids.clone());
        let order: Vec<&'a ast::Let> = file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Let(l) => Some(l),
                _ => None,
            })
            .filter(|l| {
                self.file_lets
                    .get(&l.name.name)
                    .is_some_and(|x| std::ptr::eq(*x, *l))
            })
            .collect();
        let mut failed = Vec::new();
        {
            let mut mc = ModelCtx::new(self, 1, Span::default(), String::new(), false);
            mc.file_scope = true;
            for l in order {
                if mc.resolve_let(&l.name.name, l.name.span, true).is_err() {
                    failed.push(l.name.name.clone());
                }
            }
        }
        self.failed_file_lets.extend(failed);
        (self.strings, self.string_ids) = saved;
    }

    fn declare_source(&mut self, src: &'a ast::Source, plugins: &dyn SourceSchemas) {
        if let Some(i) = self.sources.iter().position(|s| s.name == src.name.name) {
            let prev = self.source_spans.get(i).copied().unwrap_or_default();
            self.error(
                "E0201",
                src.name.span,
                format!("the source `{}` is declared twice", src.name.name),
            )
            .related
            .push((prev, "first declared here".into()));
            return;
        }
        let n = src.name.name.as_str();
        let taken = match n {
            "events" | "contacts" | "engaged" => Some("a built-in collection"),
            "account" => Some("the account (`account.NAME`)"),
            "contact" => Some("an event's contact (`contact.NAME`)"),
            "event" => Some("the event table (`schema event`)"),
            _ => None,
        };
        if let Some(taken) = taken {
            self.error(
                "E0203",
                src.name.span,
                format!("`{n}` already names {taken}; a source needs a name of its own"),
            )
            .hint = Some(format!(
                "rename the source, e.g. `source {n}_feed = plugin ...`, and use that name in the rules"
            ));
            return;
        }
        let mut config = serde_json::Map::new();
        for e in &src.config {
            config.insert(e.key.name.clone(), config_json(&e.value));
        }
        let (fields, known) = match plugins.fields(&src.plugin.value) {
            Some(f) => (
                f.into_iter()
                    .map(|(name, ty)| FieldDef { name, ty })
                    .collect(),
                true,
            ),
            None => {
                self.warn(
                    "W0201",
                    src.plugin.span,
                    format!(
                        "plugin `{}` is not available here: the fields of `{}` are accepted without type checks",
                        src.plugin.value, src.name.name
                    ),
                )
                .hint = Some("build or install the plugin (see `mqa plugins list`) to check uses of its fields".into());
                (Vec::new(), false)
            }
        };
        self.sources.push(SourceDef {
            name: src.name.name.clone(),
            plugin: src.plugin.value.clone(),
            config: serde_json::Value::Object(config),
            fields,
            schema_known: known,
        });
        self.source_spans.push(src.name.span);
        self.loose_sources.push(!known);
    }

    /// Reports a let whose name is also a field name somewhere.
    pub fn check_let_name(&mut self, name: &ast::Ident) {
        let n = name.name.as_str();
        let mut owner = None;
        if self.schemas.account.iter().any(|f| f.name == n) || ACCOUNT_BUILTINS.contains(&n) {
            owner = Some("account");
        } else if self.schemas.contact.iter().any(|f| f.name == n) || CONTACT_BUILTINS.contains(&n)
        {
            owner = Some("contact");
        } else if self.schemas.event.iter().any(|f| f.name == n) || EVENT_BUILTINS.contains(&n) {
            owner = Some("event");
        } else if SIGNAL_BUILTINS.contains(&n)
            || self
                .sources
                .iter()
                .any(|s| s.fields.iter().any(|f| f.name == n))
        {
            owner = Some("signal");
        }
        if let Some(o) = owner {
            self.error(
                "E0204",
                name.span,
                format!(
                    "the name `{n}` is already {} {o} field; a `let` may not shadow a field",
                    if o == "account" || o == "event" {
                        "an"
                    } else {
                        "a"
                    }
                ),
            )
            .hint = Some(format!("rename it, e.g. `{n}_value`"));
        }
    }

    /// Suggestion text for an unknown name among candidates.
    pub fn suggest<'c>(
        &self,
        name: &str,
        candidates: impl IntoIterator<Item = &'c str>,
    ) -> Option<String> {
        did_you_mean(name, candidates).map(|s| format!("did you mean `{s}`?"))
    }

    pub fn account_field(&self, name: &str) -> Option<(usize, FieldType)> {
        self.schemas
            .account
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| self.schemas.account.get(i).map(|f| (i, f.ty)))
    }
}

fn config_json(v: &ast::ConfigValue) -> serde_json::Value {
    match v {
        ast::ConfigValue::Str(s) => serde_json::Value::String(s.value.clone()),
        ast::ConfigValue::Number(n) => serde_json::Number::from_f64(n.value)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        ast::ConfigValue::Bool(b, _) => serde_json::Value::Bool(*b),
        ast::ConfigValue::List(items, _) => {
            serde_json::Value::Array(items.iter().map(config_json).collect())
        }
    }
}
