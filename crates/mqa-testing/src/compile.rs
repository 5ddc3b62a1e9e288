//! Compiling a rule file for tests. Tests never load plugins, so the signal
//! fields of a `source` are typed from the test file's `signal` fixtures (a
//! number makes a `number` field, a text a `text` field, a time a `time`
//! field, `true`/`false` a `bool`; the first fixture giving a field decides).
//! A field the rules read that no fixture gives is missing in every record,
//! so its type cannot change a result; it is given the first type under
//! which the rule file compiles. A source no fixture mentions stays empty in
//! every test.

use crate::suite::Diags;
use crate::units::{CompiledUnit, Unit, E_SIGNAL};
use crate::values::value_type;
use mqa_compiler::{NoPlugins, SourceSchemas};
use mqa_syntax::ast::{self, Span, TestStmt};
use mqa_syntax::{Diagnostic, FieldType, SourceFile};
use std::collections::BTreeMap;

/// Names of lets, blocks and grades (file and model level).
fn declared_names(file: &ast::File) -> Vec<String> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            ast::Item::Let(l) => out.push(l.name.name.clone()),
            ast::Item::Model(m) => {
                for mi in &m.items {
                    match mi {
                        ast::ModelItem::Let(l) => out.push(l.name.name.clone()),
                        ast::ModelItem::Block(b) => out.push(b.name.name.clone()),
                        ast::ModelItem::Grade(g) => out.push(g.name.name.clone()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Signal field types inferred from fixtures, by plugin.
#[derive(Default)]
struct FixtureSchemas(BTreeMap<String, Vec<(String, FieldType)>>);

impl SourceSchemas for FixtureSchemas {
    fn fields(&self, plugin: &str) -> Option<Vec<(String, FieldType)>> {
        self.0.get(plugin).cloned()
    }
}

fn error_count(c: &mqa_compiler::Compiled) -> usize {
    c.diagnostics.iter().filter(|d| d.is_error()).count()
}

/// Compiles a unit with its signal fields typed from the fixtures of `tests`.
/// `None` when it has errors (reported).
pub(crate) fn compile(
    unit: &Unit,
    tests: &[&ast::Test],
    test_src: &SourceFile,
    diags: &mut Diags,
) -> Option<CompiledUnit> {
    let loose = mqa_compiler::compile(&unit.ast, &unit.source.text, &NoPlugins);
    let Some(loose_program) = loose.program else {
        for d in loose.diagnostics.into_iter().filter(Diagnostic::is_error) {
            diags.push(&unit.source, d);
        }
        return None;
    };
    // Without plugin schemas the compiler takes any unknown name read from a
    // source as one of its fields, even a `let` (or block, grade) used in a
    // `where`; those are not signal fields.
    let names = declared_names(&unit.ast);
    let used_signal_fields: Vec<Vec<String>> = loose_program
        .sources
        .iter()
        .map(|s| {
            s.fields
                .iter()
                .map(|f| f.name.clone())
                .filter(|n| !names.contains(n))
                .collect()
        })
        .collect();

    // The types the fixtures give, by plugin, in the order first seen.
    let mut given = FixtureSchemas::default();
    let mut first_fixture: BTreeMap<String, Span> = BTreeMap::new();
    for t in tests {
        for st in &t.statements {
            let TestStmt::Signal(name, fixture, span) = st else {
                continue;
            };
            let Some((_, plugin)) = unit.sources.iter().find(|(n, _)| *n == name.name) else {
                continue;
            };
            first_fixture.entry(plugin.clone()).or_insert(*span);
            let fields = given.0.entry(plugin.clone()).or_default();
            for f in &fixture.fields {
                if matches!(f.key.name.as_str(), "account" | "at")
                    || fields.iter().any(|(n, _)| *n == f.key.name)
                {
                    continue;
                }
                if let Some(ty) = value_type(&f.value) {
                    fields.push((f.key.name.clone(), ty));
                }
            }
        }
    }
    if given.0.is_empty() {
        return Some(CompiledUnit {
            program: loose_program,
            used_signal_fields,
        });
    }
    // Fields the rules read that no fixture types.
    let mut free: Vec<(String, usize)> = Vec::new();
    for (plugin, fields) in &mut given.0 {
        for (i, (_, p)) in unit.sources.iter().enumerate() {
            if p != plugin {
                continue;
            }
            for u in used_signal_fields.get(i).into_iter().flatten() {
                if !fields.iter().any(|(n, _)| n == u) {
                    fields.push((u.clone(), FieldType::Number));
                    free.push((plugin.clone(), fields.len() - 1));
                }
            }
        }
    }
    let mut best = mqa_compiler::compile(&unit.ast, &unit.source.text, &given);
    for (plugin, i) in &free {
        if !best.has_errors() {
            break;
        }
        for ty in [
            FieldType::Text,
            FieldType::Bool,
            FieldType::Time,
            FieldType::ListText,
            FieldType::ListNumber,
        ] {
            let Some(slot) = given.0.get_mut(plugin).and_then(|f| f.get_mut(*i)) else {
                break;
            };
            let before = slot.1;
            slot.1 = ty;
            let c = mqa_compiler::compile(&unit.ast, &unit.source.text, &given);
            if error_count(&c) < error_count(&best) {
                best = c;
            } else if let Some(slot) = given.0.get_mut(plugin).and_then(|f| f.get_mut(*i)) {
                slot.1 = before;
            }
        }
    }
    match best.program {
        Some(program) => Some(CompiledUnit {
            program,
            used_signal_fields,
        }),
        None => {
            // The rule file compiles without types for its sources, so the
            // fixtures' value types are what does not fit.
            for d in best.diagnostics.into_iter().filter(Diagnostic::is_error) {
                diags.push(&unit.source, d);
            }
            let span = first_fixture.values().next().copied().unwrap_or_default();
            let typed: Vec<String> = given
                .0
                .iter()
                .flat_map(|(p, f)| f.iter().map(move |(n, t)| format!("{p}: {n} as {t}")))
                .collect();
            diags.push(
                test_src,
                Diagnostic::error(
                    E_SIGNAL,
                    span,
                    format!(
                        "the values in this file's `signal` fixtures do not have the types {} expects (see its errors)",
                        unit.source.path
                    ),
                )
                .with_hint(format!(
                    "signal fields are typed by the first fixture that gives them ({}); write numbers without quotes and texts in quotes",
                    typed.join(", ")
                )),
            );
            None
        }
    }
}
