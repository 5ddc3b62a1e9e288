//! A test's fixtures, checked against one rule file: keys that the schemas
//! declare (with "did you mean"), values of the declared types, contacts
//! referenced by events that the test declares. The result is the test's
//! data as rows of cells, ready to be written as the data files. Signal
//! fixtures are checked in [`crate::signal_fixtures`].

use crate::statements::Parts;
use crate::values::{cell, Cell};
use mqa_compiler::graph::{FieldDef, Program};
use mqa_compiler::suggest::did_you_mean;
use mqa_syntax::ast::{Fixture, FixtureValue, Ident, Span};
use mqa_syntax::time::Micros;
use mqa_syntax::{Diagnostic, FieldType};

/// Code of a fixture key that is not a field.
pub(crate) const E_KEY: &str = "E0804";
/// Code of a contact problem (undeclared reference, repeated name, repeated event id).
pub(crate) const E_CONTACT: &str = "E0806";

/// A data row and the fixture it came from.
pub(crate) struct Row {
    pub span: Span,
    pub cells: Vec<Cell>,
}

/// One inline signal record.
pub(crate) struct SignalRow {
    pub account: String,
    pub at: Micros,
    /// Aligned with the source's fields in the program.
    pub cells: Vec<Cell>,
}

/// A test's data, as the data files will hold it.
pub(crate) struct TestData {
    pub account_id: String,
    /// `id` then the declared account fields.
    pub account: Row,
    /// `id, account_id`, then the declared contact fields.
    pub contacts: Vec<Row>,
    /// `id, account_id, contact_id, at`, then the declared event fields.
    pub events: Vec<Row>,
    /// Per source of the program.
    pub signals: Vec<Vec<SignalRow>>,
}

/// Checks fixtures against one rule file's schemas and sources.
pub(crate) struct Checker<'p> {
    pub program: &'p Program,
    /// The rule file's path (for hints).
    pub rules_path: &'p str,
    /// Per source: the fields the rules read.
    pub used_signal_fields: &'p [Vec<String>],
    pub diags: Vec<Diagnostic>,
}

fn field_list(builtins: &[&str], fields: &[FieldDef]) -> String {
    builtins
        .iter()
        .map(|s| format!("`{s}`"))
        .chain(fields.iter().map(|f| format!("`{}`", f.name)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Checker<'_> {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Reports keys given twice; true when the fixture has none.
    pub(crate) fn unique_keys(&mut self, f: &Fixture) -> bool {
        let mut ok = true;
        for (i, a) in f.fields.iter().enumerate() {
            if let Some(first) = f.fields.iter().take(i).find(|b| b.key.name == a.key.name) {
                self.push(
                    Diagnostic::error(
                        E_KEY,
                        a.key.span,
                        format!("`{}` is given twice", a.key.name),
                    )
                    .with_related(first.key.span, "first given here"),
                );
                ok = false;
            }
        }
        ok
    }

    fn unknown_key(&mut self, table: &str, key: &Ident, builtins: &[&str], fields: &[FieldDef]) {
        let cands: Vec<&str> = builtins
            .iter()
            .copied()
            .chain(fields.iter().map(|f| f.name.as_str()))
            .collect();
        let hint = match did_you_mean(&key.name, cands.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the {table} fields are {}; a new field must first be declared in `schema {table}` in {}",
                field_list(builtins, fields),
                self.rules_path
            ),
        };
        self.push(
            Diagnostic::error(
                E_KEY,
                key.span,
                format!("the {table} schema has no field `{}`", key.name),
            )
            .with_hint(hint),
        );
    }

    /// Cells of the declared fields from a fixture's remaining keys.
    fn declared_cells(
        &mut self,
        table: &str,
        fields: &[FieldDef],
        fixture: &Fixture,
        builtins: &[&str],
    ) -> Vec<Cell> {
        let mut cells: Vec<Cell> = vec![None; fields.len()];
        for kv in &fixture.fields {
            if builtins.contains(&kv.key.name.as_str()) {
                continue;
            }
            match fields.iter().position(|f| f.name == kv.key.name) {
                Some(i) => {
                    let ty = fields.get(i).map_or(FieldType::Text, |f| f.ty);
                    let what = format!("the {table} field `{}`", kv.key.name);
                    match cell(ty, &kv.value, &what) {
                        Ok(c) => {
                            if let Some(slot) = cells.get_mut(i) {
                                *slot = c;
                            }
                        }
                        Err(d) => self.push(d),
                    }
                }
                None => self.unknown_key(table, &kv.key, builtins, fields),
            }
        }
        cells
    }

    pub(crate) fn text_key(&mut self, v: &FixtureValue, what: &str) -> Option<String> {
        match cell(FieldType::Text, v, what) {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                self.push(
                    Diagnostic::error(E_KEY, v.span(), format!("{what} cannot be missing"))
                        .with_hint("give it a value in quotes, or leave the key out"),
                );
                None
            }
            Err(d) => {
                self.push(d);
                None
            }
        }
    }

    pub(crate) fn time_key(&mut self, fixture: &Fixture, what: &str) -> Option<Micros> {
        let Some(kv) = fixture.fields.iter().find(|kv| kv.key.name == "at") else {
            self.push(
                Diagnostic::error(E_KEY, fixture.span, format!("{what} needs `at`, its time"))
                    .with_hint("add e.g. `at: 2026-10-31T10:00:00Z`"),
            );
            return None;
        };
        match &kv.value {
            FixtureValue::Time(t) => Some(t.micros),
            v => {
                let d = match cell(FieldType::Time, v, &format!("`at` of {what}")) {
                    Err(d) => d,
                    Ok(_) => Diagnostic::error(
                        E_KEY,
                        v.span(),
                        format!("`at` of {what} cannot be missing"),
                    )
                    .with_hint("give it a time, e.g. `at: 2026-10-31T10:00:00Z`"),
                };
                self.push(d);
                None
            }
        }
    }

    fn reject_key(&mut self, key: &Ident, message: String, hint: &str) {
        self.push(Diagnostic::error(E_KEY, key.span, message).with_hint(hint));
    }

    /// Checks every fixture of a test; `None` when any is wrong.
    pub(crate) fn data(&mut self, p: &Parts<'_>) -> Option<TestData> {
        let before = self.diags.len();
        let schemas = &self.program.schemas;
        let account = p.account?;
        // The account.
        self.unique_keys(account);
        let mut account_id = "test-account".to_string();
        for kv in &account.fields {
            if kv.key.name == "id" {
                if let Some(id) = self.text_key(&kv.value, "the account's `id`") {
                    account_id = id;
                }
            }
        }
        let mut acells = vec![Some(account_id.clone())];
        acells.extend(self.declared_cells("account", &schemas.account, account, &["id"]));
        let account_row = Row {
            span: account.span,
            cells: acells,
        };
        // Contacts.
        let mut contacts = Vec::new();
        for (i, (name, f)) in p.contacts.iter().enumerate() {
            if let Some((first, _)) = p.contacts.iter().take(i).find(|(n, _)| n.name == name.name) {
                self.push(
                    Diagnostic::error(
                        E_CONTACT,
                        name.span,
                        format!("the contact `{}` is declared twice", name.name),
                    )
                    .with_related(first.span, "first declared here"),
                );
            }
            self.unique_keys(f);
            for kv in &f.fields {
                match kv.key.name.as_str() {
                    "id" => self.reject_key(
                        &kv.key,
                        "a contact's id is its name".into(),
                        "write `contact ann { ... }`: `ann` is the id",
                    ),
                    "account_id" => self.reject_key(
                        &kv.key,
                        "a test's contacts all belong to its account".into(),
                        "remove `account_id`",
                    ),
                    _ => {}
                }
            }
            let mut cells = vec![Some(name.name.clone()), Some(account_id.clone())];
            cells.extend(self.declared_cells(
                "contact",
                &schemas.contact,
                f,
                &["id", "account_id"],
            ));
            contacts.push(Row {
                span: f.span,
                cells,
            });
        }
        // Events.
        let explicit: Vec<String> = p
            .events
            .iter()
            .flat_map(|f| f.fields.iter())
            .filter(|kv| kv.key.name == "id")
            .filter_map(|kv| match &kv.value {
                FixtureValue::Str(s) => Some(s.value.clone()),
                _ => None,
            })
            .collect();
        let mut next_auto = 1usize;
        let mut seen_ids: Vec<(String, Span)> = Vec::new();
        let mut events = Vec::new();
        for f in &p.events {
            self.unique_keys(f);
            let mut id = None;
            let mut contact_id: Cell = None;
            for kv in &f.fields {
                match kv.key.name.as_str() {
                    "id" => {
                        if let Some(s) = self.text_key(&kv.value, "an event's `id`") {
                            if let Some((_, first)) = seen_ids.iter().find(|(x, _)| *x == s) {
                                let first = *first;
                                self.push(
                                    Diagnostic::error(
                                        E_CONTACT,
                                        kv.value.span(),
                                        format!("two events have the id \"{s}\""),
                                    )
                                    .with_related(first, "first used here"),
                                );
                            }
                            seen_ids.push((s.clone(), kv.value.span()));
                            id = Some(s);
                        }
                    }
                    "contact" => contact_id = self.contact_ref(&kv.value, p),
                    "account_id" => self.reject_key(
                        &kv.key,
                        "a test's events all belong to its account".into(),
                        "remove `account_id`",
                    ),
                    "contact_id" => self.reject_key(
                        &kv.key,
                        "an event names its contact with `contact`".into(),
                        "write `contact: ann` (a contact declared in this test)",
                    ),
                    _ => {}
                }
            }
            let at = self.time_key(f, "an event");
            let id = id.unwrap_or_else(|| loop {
                let cand = format!("e{next_auto}");
                next_auto += 1;
                if !explicit.contains(&cand) {
                    break cand;
                }
            });
            let mut cells = vec![
                Some(id),
                Some(account_id.clone()),
                contact_id,
                at.map(crate::values::format_time),
            ];
            cells.extend(self.declared_cells(
                "event",
                &schemas.event,
                f,
                &["id", "account_id", "contact_id", "contact", "at"],
            ));
            events.push(Row {
                span: f.span,
                cells,
            });
        }
        // Signals.
        let mut signals: Vec<Vec<SignalRow>> = (0..self.program.sources.len())
            .map(|_| Vec::new())
            .collect();
        for (name, f) in &p.signals {
            if let Some((i, row)) = self.signal(name, f, &account_id) {
                if let Some(list) = signals.get_mut(i) {
                    list.push(row);
                }
            }
        }
        (self.diags.len() == before).then_some(TestData {
            account_id,
            account: account_row,
            contacts,
            events,
            signals,
        })
    }

    /// The `contact_id` cell of an event's `contact:` value.
    fn contact_ref(&mut self, v: &FixtureValue, p: &Parts<'_>) -> Cell {
        match v {
            FixtureValue::Name(n) => {
                if p.contacts.iter().any(|(c, _)| c.name == n.name) {
                    return Some(n.name.clone());
                }
                let hint = match did_you_mean(&n.name, p.contacts.iter().map(|(c, _)| c.name.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declare it in this test: `contact {} {{ role: \"...\" }}`; for an id that is not one of the account's contacts, write it in quotes",
                        n.name
                    ),
                };
                self.push(
                    Diagnostic::error(
                        E_CONTACT,
                        n.span,
                        format!("the contact `{}` is not declared in this test", n.name),
                    )
                    .with_hint(hint),
                );
                None
            }
            FixtureValue::Missing(_) => None,
            FixtureValue::Str(_) => self.text_key(v, "an event's `contact`"),
            other => {
                self.push(
                    Diagnostic::error(
                        E_CONTACT,
                        other.span(),
                        "`contact` names one of the test's contacts",
                    )
                    .with_hint("write `contact: ann`; leave `contact` out for an anonymous event"),
                );
                None
            }
        }
    }
}
