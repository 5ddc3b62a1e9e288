//! Test files (`*.test.mqa`): `test` blocks, fixtures and expectations.

use super::*;

impl Builder {
    pub(super) fn test(&self, p: P<'_>) -> R<Test> {
        let span = self.span(&p);
        let mut it = inner(p).skip(1);
        let name = self.string(self.next(&mut it, span, "test")?)?;
        let mut statements = Vec::new();
        for st in it {
            statements.push(self.test_stmt(st)?);
        }
        Ok(Test {
            name,
            statements,
            span,
        })
    }

    pub(super) fn test_stmt(&self, p: P<'_>) -> R<TestStmt> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = inner(p).skip(1);
        Ok(match rule {
            Rule::t_model => TestStmt::Model(self.ident(self.next(&mut it, span, "model")?), span),
            Rule::t_as_of => {
                TestStmt::AsOf(self.timestamp(self.next(&mut it, span, "as_of")?)?, span)
            }
            Rule::t_account => {
                TestStmt::Account(self.fixture(self.next(&mut it, span, "account")?)?, span)
            }
            Rule::t_contact => {
                let id = self.ident(self.next(&mut it, span, "contact")?);
                TestStmt::Contact(
                    id,
                    self.fixture(self.next(&mut it, span, "contact")?)?,
                    span,
                )
            }
            Rule::t_event => {
                TestStmt::Event(self.fixture(self.next(&mut it, span, "event")?)?, span)
            }
            Rule::t_signal => {
                let src = self.ident(self.next(&mut it, span, "signal")?);
                TestStmt::Signal(
                    src,
                    self.fixture(self.next(&mut it, span, "signal")?)?,
                    span,
                )
            }
            Rule::t_expect => {
                TestStmt::Expect(self.expectation(self.next(&mut it, span, "expect")?)?, span)
            }
            _ => return Err(self.shape(span, "test statement")),
        })
    }

    pub(super) fn fixture(&self, p: P<'_>) -> R<Fixture> {
        let span = self.span(&p);
        let mut fields = Vec::new();
        for f in inner(p) {
            let fspan = self.span(&f);
            let mut fi = inner(f);
            let key = self.ident(self.next(&mut fi, fspan, "fixture key")?);
            let value = self.fixture_value(self.next(&mut fi, fspan, "fixture value")?)?;
            fields.push(FixtureField {
                key,
                value,
                span: fspan,
            });
        }
        Ok(Fixture { fields, span })
    }

    pub(super) fn fixture_value(&self, p: P<'_>) -> R<FixtureValue> {
        let span = self.span(&p);
        let v = if p.as_rule() == Rule::fixture_value {
            self.next(&mut inner(p), span, "fixture value")?
        } else {
            p
        };
        Ok(match v.as_rule() {
            Rule::timestamp => FixtureValue::Time(self.timestamp(v)?),
            Rule::signed_number => FixtureValue::Number(self.number(v)?),
            Rule::string => FixtureValue::Str(self.string(v)?),
            Rule::k_true => FixtureValue::Bool(true, span),
            Rule::k_false => FixtureValue::Bool(false, span),
            Rule::k_missing => FixtureValue::Missing(span),
            Rule::fixture_list => FixtureValue::List(
                inner(v).map(|x| self.fixture_value(x)).collect::<R<_>>()?,
                span,
            ),
            Rule::ident => FixtureValue::Name(self.ident(v)),
            _ => return Err(self.shape(span, "fixture value")),
        })
    }

    pub(super) fn num_check(&self, p: P<'_>) -> R<NumCheck> {
        let span = self.span(&p);
        let mut it = inner(p).filter(|x| !matches!(x.as_rule(), Rule::k_between | Rule::k_and));
        let first = self.next(&mut it, span, "check")?;
        if first.as_rule() == Rule::cmp_op {
            let op = match first.as_str() {
                "==" => BinaryOp::Eq,
                "!=" => BinaryOp::Ne,
                "<" => BinaryOp::Lt,
                "<=" => BinaryOp::Le,
                ">" => BinaryOp::Gt,
                _ => BinaryOp::Ge,
            };
            Ok(NumCheck::Compare(
                op,
                self.number(self.next(&mut it, span, "check")?)?,
            ))
        } else {
            let lo = self.number(first)?;
            let hi = self.number(self.next(&mut it, span, "between")?)?;
            Ok(NumCheck::Between(lo, hi))
        }
    }

    pub(super) fn expectation(&self, p: P<'_>) -> R<Expectation> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = inner(p);
        Ok(match rule {
            Rule::e_qualified => Expectation::Qualified(true),
            Rule::e_not_qualified => Expectation::Qualified(false),
            Rule::e_no_decision => Expectation::NoDecision,
            Rule::e_score => {
                Expectation::Score(self.num_check(self.next(&mut it.skip(1), span, "score")?)?)
            }
            Rule::e_grade => {
                let mut it = it.skip(1);
                let grade = self.ident(self.next(&mut it, span, "grade")?);
                let value = self.band_label(self.next(&mut it, span, "grade value")?)?;
                Expectation::Grade { grade, value }
            }
            Rule::e_gate => {
                let mut it = it.skip(1);
                let gate = self.band_label(self.next(&mut it, span, "gate")?)?;
                let state = self.next(&mut it, span, "gate state")?;
                Expectation::Gate {
                    gate,
                    passed: state.as_str() == "passed",
                }
            }
            Rule::e_route => {
                let v = self.next(&mut it.skip(1), span, "route")?;
                match v.as_rule() {
                    Rule::string => Expectation::Route(Some(self.string(v)?)),
                    _ => Expectation::Route(None),
                }
            }
            Rule::e_block => {
                let mut it = it.skip(1);
                let block = self.ident(self.next(&mut it, span, "block")?);
                let check = self.num_check(self.next(&mut it, span, "block check")?)?;
                Expectation::Block { block, check }
            }
            Rule::e_rule => {
                let mut it = it.skip(1);
                let label = self.string(self.next(&mut it, span, "rule")?)?;
                let rc = self.next(&mut it, span, "rule check")?;
                let rcspan = self.span(&rc);
                let c = self.next(&mut inner(rc), rcspan, "rule check")?;
                let check = match c.as_rule() {
                    Rule::rule_fired => RuleCheck::Fired(true),
                    Rule::rule_not_fired => RuleCheck::Fired(false),
                    _ => RuleCheck::Points(self.num_check(c)?),
                };
                Expectation::Rule { label, check }
            }
            _ => {
                let _ = it.next();
                return Err(self.shape(span, "expectation"));
            }
        })
    }
}
