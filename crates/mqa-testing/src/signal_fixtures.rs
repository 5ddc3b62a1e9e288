//! `signal NAME { ... }` fixtures: the source must be declared; `at` is
//! required and `account` defaults to the test's account; a key the rules
//! never read but that is one typo away from one they do is an error; values
//! must have the type the file's fixtures gave the field.

use crate::fixtures::{Checker, SignalRow};
use crate::values::{cell, Cell, E_VALUE};
use mqa_compiler::suggest::did_you_mean;
use mqa_syntax::ast::{Fixture, FixtureValue, Ident};
use mqa_syntax::{Diagnostic, FieldType};

/// Code of a `signal` naming an unknown source or field.
pub(crate) const E_SIGNAL: &str = crate::units::E_SIGNAL;

impl Checker<'_> {
    /// Checks one signal fixture: the source's index and the record.
    pub(crate) fn signal(
        &mut self,
        name: &Ident,
        f: &Fixture,
        account_id: &str,
    ) -> Option<(usize, SignalRow)> {
        let sources = &self.program.sources;
        let Some(si) = sources.iter().position(|s| s.name == name.name) else {
            let hint = match did_you_mean(&name.name, sources.iter().map(|s| s.name.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None if sources.is_empty() => format!("{} declares no `source`", self.rules_path),
                None => format!(
                    "the sources are {}",
                    sources
                        .iter()
                        .map(|s| format!("`{}`", s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.push(
                Diagnostic::error(
                    E_SIGNAL,
                    name.span,
                    format!("no source named `{}`", name.name),
                )
                .with_hint(hint),
            );
            return None;
        };
        let fields = sources
            .get(si)
            .map(|s| s.fields.clone())
            .unwrap_or_default();
        let used = self.used_signal_fields.get(si).cloned().unwrap_or_default();
        self.unique_keys(f);
        let mut account = account_id.to_string();
        let mut cells: Vec<Cell> = vec![None; fields.len()];
        for kv in &f.fields {
            match kv.key.name.as_str() {
                "at" => {}
                "account" => {
                    if let Some(a) = self.text_key(&kv.value, "a signal's `account`") {
                        account = a;
                    }
                }
                key => {
                    if !used.iter().any(|u| u == key) {
                        if let Some(s) = did_you_mean(key, used.iter().map(String::as_str)) {
                            self.push(
                                Diagnostic::error(
                                    E_SIGNAL,
                                    kv.key.span,
                                    format!("the rules never read `{key}` from `{}`", name.name),
                                )
                                .with_hint(format!("did you mean `{s}`?")),
                            );
                            continue;
                        }
                    }
                    match fields.iter().position(|x| x.name == key) {
                        Some(i) => {
                            let ty = fields.get(i).map_or(FieldType::Text, |x| x.ty);
                            let what = format!(
                                "the `{}` signal field `{key}` (typed by the first fixture that gives it)",
                                name.name
                            );
                            match cell(ty, &kv.value, &what) {
                                Ok(c) => {
                                    if let Some(slot) = cells.get_mut(i) {
                                        *slot = c;
                                    }
                                }
                                Err(d) => self.push(d),
                            }
                        }
                        // Only `missing` values leave a key untyped: nothing to store.
                        None if matches!(kv.value, FixtureValue::Missing(_)) => {}
                        None => self.push(
                            Diagnostic::error(
                                E_VALUE,
                                kv.value.span(),
                                format!("the value of `{key}` does not say its type"),
                            )
                            .with_hint(
                                "give a text, a number, a time, true/false or a non-empty list",
                            ),
                        ),
                    }
                }
            }
        }
        let at = self.time_key(f, "a signal")?;
        Some((si, SignalRow { account, at, cells }))
    }
}
