//! mqa-engine owns the data side of scoring: typed columnar tables and their
//! readers (CSV/JSONL/gzip, rejects with reasons), string interning, the
//! evaluator that runs a compiled graph per account, decisions and their
//! explanations, and the [`signals::SignalSource`] view of plugins.

pub mod data;
pub mod eval;
pub mod explain;
pub mod intern;
pub mod output;
pub mod run;
pub mod signals;
