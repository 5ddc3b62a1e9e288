//! mqa-syntax owns the rule language's surface: the pest grammar
//! (`grammar/mqa.pest`), the typed AST with byte spans, the source map
//! (byte offset → line/column), syntax diagnostics in words a rule author
//! knows, and the canonical formatter.

pub mod types;
pub use types::FieldType;
pub mod time;
