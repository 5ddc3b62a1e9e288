//! Test setup shared by the evaluator's tests: a rule text compiled, and a
//! data directory loaded for it as of [`AS_OF`].

use super::{prepare, Prepared};
use crate::data::{load_dataset, Dataset, LoadOptions, MemoryRejects};
use crate::intern::Interner;
use crate::run::data_schema;
use mqa_compiler::graph::Program;
use mqa_syntax::time::Micros;
use std::collections::HashMap;

/// The moment the tests score at.
pub(crate) const AS_OF: &str = "2026-11-01";

pub(crate) fn as_of() -> Micros {
    mqa_syntax::time::parse_timestamp(AS_OF).unwrap()
}

/// `rules` compiled (no plugins); panics with the diagnostics on an error.
pub(crate) fn compile(rules: &str) -> Program {
    let file = mqa_syntax::SourceFile::new("t.mqa", rules.to_string());
    let ast = mqa_syntax::parse(&file).unwrap();
    let plugins: HashMap<String, Vec<(String, mqa_syntax::FieldType)>> = HashMap::new();
    let compiled = mqa_compiler::compile(&ast, rules, &plugins);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    compiled.program.unwrap()
}

/// The data in `dir` loaded for `program`, its interner, and the program
/// prepared against that interner.
pub(crate) fn load(program: &Program, dir: &std::path::Path) -> (Dataset, Interner, Prepared) {
    let mut interner = Interner::new();
    let data = load_dataset(
        dir,
        &data_schema(program),
        &LoadOptions::new(as_of()),
        &mut interner,
        &mut MemoryRejects::new(),
    )
    .unwrap();
    let prepared = prepare(program, &mut interner);
    (data, interner, prepared)
}
