//! A test's statements sorted by kind, with the structural checks: exactly
//! one `as_of` and one `account`, at most one `model`.

use mqa_syntax::ast::{self, Expectation, Fixture, Ident, Span, TestStmt, Timestamp};
use mqa_syntax::Diagnostic;

/// Code of a missing or repeated test statement (`as_of`, `account`, `model`).
pub(crate) const E_STRUCTURE: &str = "E0803";

/// The statements of one test, sorted by kind.
pub(crate) struct Parts<'a> {
    pub model: Option<&'a Ident>,
    pub as_of: Option<&'a Timestamp>,
    pub account: Option<&'a Fixture>,
    pub contacts: Vec<(&'a Ident, &'a Fixture)>,
    pub events: Vec<&'a Fixture>,
    pub signals: Vec<(&'a Ident, &'a Fixture)>,
    pub expects: Vec<(&'a Expectation, Span)>,
}

/// Sorts a test's statements; reports repeated and missing ones.
pub(crate) fn parts<'a>(test: &'a ast::Test, diags: &mut Vec<Diagnostic>) -> Parts<'a> {
    let mut p = Parts {
        model: None,
        as_of: None,
        account: None,
        contacts: Vec::new(),
        events: Vec::new(),
        signals: Vec::new(),
        expects: Vec::new(),
    };
    let mut firsts: [Option<Span>; 3] = [None; 3];
    let mut twice = |i: usize, what: &str, span: Span, diags: &mut Vec<Diagnostic>| -> bool {
        match firsts.get(i).copied().flatten() {
            Some(first) => {
                diags.push(
                    Diagnostic::error(
                        E_STRUCTURE,
                        span,
                        format!("a test has one `{what}`; this is the second"),
                    )
                    .with_related(first, "the first is here"),
                );
                true
            }
            None => {
                if let Some(slot) = firsts.get_mut(i) {
                    *slot = Some(span);
                }
                false
            }
        }
    };
    for st in &test.statements {
        match st {
            TestStmt::Model(m, s) => {
                if !twice(0, "model", *s, diags) {
                    p.model = Some(m);
                }
            }
            TestStmt::AsOf(t, s) => {
                if !twice(1, "as_of", *s, diags) {
                    p.as_of = Some(t);
                }
            }
            TestStmt::Account(f, s) => {
                if !twice(2, "account", *s, diags) {
                    p.account = Some(f);
                }
            }
            TestStmt::Contact(name, f, _) => p.contacts.push((name, f)),
            TestStmt::Event(f, _) => p.events.push(f),
            TestStmt::Signal(name, f, _) => p.signals.push((name, f)),
            TestStmt::Expect(e, s) => p.expects.push((e, *s)),
        }
    }
    if p.as_of.is_none() {
        diags.push(
            Diagnostic::error(E_STRUCTURE, test.name.span, "this test has no `as_of`")
                .with_hint("add the moment it scores at, e.g. `as_of 2026-11-01`"),
        );
    }
    if p.account.is_none() {
        diags.push(
            Diagnostic::error(E_STRUCTURE, test.name.span, "this test has no `account`").with_hint(
                "add the account it scores, e.g. `account { id: \"acme\", employees: 1200 }`",
            ),
        );
    }
    p
}
