//! mqa-syntax owns the rule language's surface: the pest grammar
//! (`grammar/mqa.pest`), the typed AST with byte spans ([`ast`]), the source
//! map and diagnostics ([`diagnostic`]), syntax errors in words a rule author
//! knows, the nesting limits that keep hostile input from overflowing the
//! stack ([`scan`]), timestamps ([`time`]) and the canonical formatter.
//!
//! Entry point: [`parse`] a [`SourceFile`] into an [`ast::File`].

pub mod ast;
pub mod diagnostic;
mod expected;
pub mod parser;
pub mod scan;
pub mod time;
pub mod types;

pub use diagnostic::{Diagnostic, Diagnostics, Severity, SourceFile};
pub use parser::{parse, parse_expr};
pub use types::FieldType;
pub mod format;
