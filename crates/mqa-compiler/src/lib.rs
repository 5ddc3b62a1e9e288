//! mqa-compiler turns a parsed rule file into the typed evaluation graph the
//! engine runs: schemas and types, name resolution (fields, lets, blocks,
//! grades, collections, sources), type checking with "did you mean"
//! suggestions, static analysis (the highest reachable score, rules and gates
//! that can never pass), and lowering to [`graph::Program`] — a flat,
//! topologically ordered node list per model with shared sub-expressions.
//! It also renders graphs as DOT and JSON. It knows nothing of files or data.

pub mod analysis;
mod context;
mod dedup;
pub mod dot;
mod expr;
pub mod graph;
mod model;
mod names;
mod record;
mod scan;
pub mod suggest;
mod types;

pub use context::{NoPlugins, SourceSchemas};
pub use graph::Program;

use mqa_syntax::ast;
use mqa_syntax::Diagnostic;

/// The result of compiling a file: the program (when there is no error) and
/// every diagnostic (errors and warnings), in source order.
#[derive(Debug)]
pub struct Compiled {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Compiles a parsed rule file. `text` is the file's source (for rule labels
/// and node labels); `plugins` supplies the signal schemas of sources.
pub fn compile(file: &ast::File, text: &str, plugins: &dyn SourceSchemas) -> Compiled {
    let mut f = context::FileCtx::new(text);
    f.declare(file, plugins);
    let mut models = Vec::new();
    let mut names: std::collections::HashMap<&str, ast::Span> = std::collections::HashMap::new();
    for item in &file.items {
        if let ast::Item::Model(m) = item {
            if let Some(prev) = names.insert(&m.name.name, m.name.span) {
                f.error(
                    "E0201",
                    m.name.span,
                    format!("the model `{}` is declared twice", m.name.name),
                )
                .related
                .push((prev, "first declared here".into()));
                continue;
            }
            if let Some(g) = model::compile_model(&mut f, m) {
                models.push(g);
            }
        }
    }
    let has_errors = f.diags.iter().any(Diagnostic::is_error);
    let program = Program {
        schemas: f.schemas.clone(),
        sources: f.sources.clone(),
        models,
        strings: f.strings.clone(),
    };
    if !has_errors {
        f.diags.extend(analysis::warnings(&program, file));
    }
    let mut diagnostics = f.diags;
    diagnostics.sort_by_key(|d| d.span.start);
    Compiled {
        program: (!has_errors).then_some(program),
        diagnostics,
    }
}
