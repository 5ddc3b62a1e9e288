//! The rule files a test file runs against: each `use "PATH"` (relative to
//! the test file's folder), and the test file itself when it declares models
//! of its own. Each is parsed once per test file and compiled by
//! [`crate::compile`]; a test's model is looked up among them.

use crate::suite::Diags;
use mqa_compiler::graph::Program;
use mqa_compiler::suggest::did_you_mean;
use mqa_syntax::ast::{self, Span};
use mqa_syntax::{Diagnostic, SourceFile};
use std::path::{Component, Path, PathBuf};

/// Code of a problem with the rule files of a test file.
pub(crate) const E_USE: &str = "E0801";
/// Code of a test whose model cannot be found or chosen.
pub(crate) const E_MODEL: &str = "E0802";
/// Code of signal fixtures whose types do not fit the rules.
pub(crate) const E_SIGNAL: &str = "E0807";

/// One rule file of a test file.
pub(crate) struct Unit {
    pub source: SourceFile,
    pub ast: ast::File,
    /// Model names in declaration order.
    pub models: Vec<String>,
    /// Declared sources: (name, plugin).
    pub sources: Vec<(String, String)>,
}

/// A compiled rule file.
pub(crate) struct CompiledUnit {
    pub program: Program,
    /// Per source (program order): the fields the rules read.
    pub used_signal_fields: Vec<Vec<String>>,
}

/// Removes `.` and `dir/..` from a path, for display.
fn clean(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn unit_of(source: SourceFile, ast: ast::File) -> Unit {
    let mut models = Vec::new();
    let mut sources = Vec::new();
    for item in &ast.items {
        match item {
            ast::Item::Model(m) => models.push(m.name.name.clone()),
            ast::Item::Source(s) => sources.push((s.name.name.clone(), s.plugin.value.clone())),
            _ => {}
        }
    }
    Unit {
        source,
        ast,
        models,
        sources,
    }
}

/// Loads the rule files of a test file. `None` when one of them cannot be
/// read or parsed (the diagnostics say why); an empty list is an error too.
pub(crate) fn load(
    test_path: &Path,
    test_src: &SourceFile,
    file: &ast::File,
    diags: &mut Diags,
) -> Option<Vec<Unit>> {
    let dir = test_path.parent().unwrap_or(Path::new(""));
    let mut units = Vec::new();
    let mut ok = true;
    let mut seen: Vec<(PathBuf, Span)> = Vec::new();
    let declares_rules = file
        .items
        .iter()
        .any(|i| matches!(i, ast::Item::Model(_) | ast::Item::Schema(_)));
    if declares_rules {
        units.push(unit_of(test_src.clone(), file.clone()));
    }
    for item in &file.items {
        let ast::Item::Use(u) = item else { continue };
        let path = clean(&dir.join(&u.path.value));
        if let Some((_, first)) = seen.iter().find(|(p, _)| *p == path) {
            diags.push(
                test_src,
                Diagnostic::error(E_USE, u.span, format!("`{}` is used twice", u.path.value))
                    .with_related(*first, "first used here"),
            );
            ok = false;
            continue;
        }
        seen.push((path.clone(), u.span));
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                diags.push(
                    test_src,
                    Diagnostic::error(
                        E_USE,
                        u.path.span,
                        format!("cannot read the rule file {}: {e}", path.display()),
                    )
                    .with_hint("`use` paths are relative to the folder of the test file"),
                );
                ok = false;
                continue;
            }
        };
        let src = match mqa_syntax::scan::decode(&path.display().to_string(), bytes) {
            Ok(s) => s,
            Err(e) => {
                let (s, d) = *e;
                diags.push(&s, d);
                ok = false;
                continue;
            }
        };
        match mqa_syntax::parse(&src) {
            Ok(ast) => units.push(unit_of(src, ast)),
            Err(ds) => {
                for d in ds.0 {
                    diags.push(&src, d);
                }
                ok = false;
            }
        }
    }
    if ok && units.is_empty() {
        let span = file
            .items
            .iter()
            .find(|i| matches!(i, ast::Item::Test(_)))
            .map_or(Span::default(), |i| i.span());
        diags.push(
            test_src,
            Diagnostic::error(E_USE, span, "this test file does not say which rules it tests")
                .with_hint("add a line `use \"enterprise.mqa\"` at the top (the path is relative to this file)"),
        );
        ok = false;
    }
    ok.then_some(units)
}

/// Which unit holds the model a test names (`model NAME`), or the only
/// model there is when the test names none.
pub(crate) fn resolve_model(
    units: &[Unit],
    named: Option<&ast::Ident>,
    test: &ast::Test,
) -> Result<(usize, String), Diagnostic> {
    let all: Vec<(usize, &String)> = units
        .iter()
        .enumerate()
        .flat_map(|(i, u)| u.models.iter().map(move |m| (i, m)))
        .collect();
    let list = |all: &[(usize, &String)]| {
        all.iter()
            .map(|(_, m)| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match named {
        Some(name) => {
            let hits: Vec<&(usize, &String)> =
                all.iter().filter(|(_, m)| **m == name.name).collect();
            match hits.as_slice() {
                [(u, m)] => Ok((*u, (*m).clone())),
                [] => {
                    let hint = match did_you_mean(&name.name, all.iter().map(|(_, m)| m.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if all.is_empty() => "the rule files declare no model".to_string(),
                        None => format!("the models are {}", list(&all)),
                    };
                    Err(Diagnostic::error(
                        E_MODEL,
                        name.span,
                        format!("no model named `{}` in the rules this file uses", name.name),
                    )
                    .with_hint(hint))
                }
                _ => Err(Diagnostic::error(
                    E_MODEL,
                    name.span,
                    format!(
                        "the model `{}` is declared in more than one used rule file",
                        name.name
                    ),
                )
                .with_hint("rename one of them, or test them from separate test files")),
            }
        }
        None => match all.as_slice() {
            [(u, m)] => Ok((*u, (*m).clone())),
            [] => Err(Diagnostic::error(
                E_MODEL,
                test.name.span,
                "the rules this file uses declare no model",
            )),
            _ => Err(Diagnostic::error(
                E_MODEL,
                test.name.span,
                format!(
                    "this test does not say which model it tests, and there are several: {}",
                    list(&all)
                ),
            )
            .with_hint(format!(
                "add a line `model {}` to the test",
                all.first().map_or("NAME", |(_, m)| m.as_str())
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_dot_and_parent() {
        assert_eq!(
            clean(Path::new("rules/./../rules/x.mqa")),
            PathBuf::from("rules/x.mqa")
        );
        assert_eq!(clean(Path::new("../x.mqa")), PathBuf::from("../x.mqa"));
        assert_eq!(clean(Path::new("./x.mqa")), PathBuf::from("x.mqa"));
    }
}
