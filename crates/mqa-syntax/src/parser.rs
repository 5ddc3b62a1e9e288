//! From text to AST: runs the pest grammar over each top-level stretch of
//! the file and builds typed nodes with absolute byte spans. Syntax errors
//! become [`Diagnostic`]s in user words (see `expected.rs`); one broken item
//! does not stop the others from being checked.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile};
use crate::expected;
use crate::scan;
use crate::FieldType;
use pest::iterators::Pair;
use pest::Parser as _;

mod call;
mod expr;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/mqa.pest"]
pub(crate) struct MqaParser;

type P<'i> = Pair<'i, Rule>;
type R<T> = Result<T, Diagnostic>;
/// An expression and its tree depth (see `expr.rs`).
type D = (Expr, usize);

/// Parses a whole file. On failure, returns every syntax error found (at
/// least one per broken top-level item).
pub fn parse(source: &SourceFile) -> Result<File, Diagnostics> {
    let text = source.text.as_str();
    let ranges = scan::split_items_checked(text).map_err(|d| Diagnostics(vec![d]))?;
    // pest recurses per rule call; the nesting check above bounds depth, the
    // call limit bounds total work on pathological input.
    pest::set_call_limit(std::num::NonZeroUsize::new(50_000_000));
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for range in ranges {
        let chunk = text.get(range.clone()).unwrap_or("");
        let b = Builder {
            offset: range.start,
        };
        match MqaParser::parse(Rule::chunk, chunk) {
            Ok(mut pairs) => {
                let Some(top) = pairs.next() else { continue };
                for p in top.into_inner() {
                    if p.as_rule() == Rule::EOI {
                        continue;
                    }
                    match b.item(p) {
                        Ok(item) => items.push(item),
                        Err(d) => errors.push(d),
                    }
                }
            }
            Err(e) => errors.push(expected::describe(&e, text, range.start, range.end)),
        }
    }
    if errors.is_empty() {
        Ok(File { items })
    } else {
        Err(Diagnostics(errors))
    }
}

/// Parses a single expression (used by tests and tools). Spans are offsets
/// into `let __e = TEXT`, i.e. shifted by 10 bytes.
pub fn parse_expr(text: &str) -> Result<Expr, Diagnostic> {
    if let Some(d) = scan::check_nesting(text) {
        return Err(d);
    }
    let wrapped = format!("let __e = {text}");
    let src = SourceFile::new("<expr>", wrapped);
    match parse(&src) {
        Ok(File { items }) => match items.into_iter().next() {
            Some(Item::Let(l)) => Ok(l.value),
            _ => Err(Diagnostic::error(
                "E0101",
                Span::default(),
                "expected an expression",
            )),
        },
        Err(Diagnostics(mut d)) => Err(d.remove(0)),
    }
}

struct Builder {
    offset: usize,
}

/// Punctuation pairs carry no meaning for the AST.
fn is_punct(r: Rule) -> bool {
    matches!(
        r,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbrack
            | Rule::rbrack
            | Rule::colon
            | Rule::comma
            | Rule::assign
            | Rule::dot
            | Rule::band_ge
    )
}

fn inner(p: P<'_>) -> impl Iterator<Item = P<'_>> {
    p.into_inner().filter(|p| !is_punct(p.as_rule()))
}

impl Builder {
    /// The pair's span, without the whitespace and comments pest may have
    /// consumed at its end (so carets stop at the last token).
    fn span(&self, p: &P<'_>) -> Span {
        let s = p.as_span();
        let end = token_end(p.get_input(), s.start(), s.end());
        Span::new(s.start() + self.offset, end + self.offset)
    }

    fn err(&self, p: &P<'_>, code: &'static str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, self.span(p), msg)
    }

    /// Internal consistency: the grammar guarantees the shape, but a bug must
    /// not become a panic.
    fn shape(&self, span: Span, what: &str) -> Diagnostic {
        Diagnostic::error(
            "E0100",
            span,
            format!("internal parser error: unexpected shape of {what}"),
        )
        .with_hint("please report this file to the mqa project")
    }

    fn next<'i>(&self, it: &mut impl Iterator<Item = P<'i>>, span: Span, what: &str) -> R<P<'i>> {
        it.next().ok_or_else(|| self.shape(span, what))
    }

    fn item(&self, p: P<'_>) -> R<Item> {
        Ok(match p.as_rule() {
            Rule::schema => Item::Schema(self.schema(p)?),
            Rule::source => Item::Source(self.source(p)?),
            Rule::let_item => Item::Let(self.let_item(p)?),
            Rule::model => Item::Model(self.model(p)?),
            Rule::use_item => {
                let span = self.span(&p);
                let mut it = inner(p).skip(1);
                Item::Use(Use {
                    path: self.string(self.next(&mut it, span, "use")?)?,
                    span,
                })
            }
            Rule::test => Item::Test(self.test(p)?),
            _ => return Err(self.shape(self.span(&p), "item")),
        })
    }

    fn ident(&self, p: P<'_>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn schema(&self, p: P<'_>) -> R<Schema> {
        let span = self.span(&p);
        let mut it = inner(p).skip(1);
        let kind_pair = self.next(&mut it, span, "schema")?;
        let kind = match kind_pair.as_str() {
            "account" => SchemaKind::Account,
            "contact" => SchemaKind::Contact,
            "event" => SchemaKind::Event,
            other => {
                return Err(self
                    .err(&kind_pair, "E0108", format!("there is no `{other}` table to declare a schema for"))
                    .with_hint("a schema declares `account`, `contact` or `event` fields; signals get their fields from their plugin"))
            }
        };
        let mut fields = Vec::new();
        for f in it {
            let fspan = self.span(&f);
            let mut fi = inner(f);
            let name = self.ident(self.next(&mut fi, fspan, "field")?);
            let ty_pair = self.next(&mut fi, fspan, "field type")?;
            let ty = FieldType::parse(ty_pair.as_str())
                .ok_or_else(|| self.shape(self.span(&ty_pair), "field type"))?;
            fields.push(FieldDecl {
                name,
                ty,
                ty_span: self.span(&ty_pair),
                span: fspan,
            });
        }
        Ok(Schema {
            kind,
            kind_span: self.span(&kind_pair),
            fields,
            span,
        })
    }

    fn source(&self, p: P<'_>) -> R<Source> {
        let span = self.span(&p);
        let mut it = inner(p).filter(|p| !matches!(p.as_rule(), Rule::k_source | Rule::k_plugin));
        let name = self.ident(self.next(&mut it, span, "source")?);
        let plugin = self.string(self.next(&mut it, span, "source plugin")?)?;
        let mut config = Vec::new();
        if let Some(block) = it.next() {
            for e in inner(block) {
                let espan = self.span(&e);
                let mut ei = inner(e);
                let key = self.ident(self.next(&mut ei, espan, "config key")?);
                let value = self.config_value(self.next(&mut ei, espan, "config value")?)?;
                config.push(ConfigEntry {
                    key,
                    value,
                    span: espan,
                });
            }
        }
        Ok(Source {
            name,
            plugin,
            config,
            span,
        })
    }

    fn config_value(&self, p: P<'_>) -> R<ConfigValue> {
        let span = self.span(&p);
        let v = if p.as_rule() == Rule::config_value {
            self.next(&mut inner(p), span, "config value")?
        } else {
            p
        };
        Ok(match v.as_rule() {
            Rule::string => ConfigValue::Str(self.string(v)?),
            Rule::signed_number => ConfigValue::Number(self.number(v)?),
            Rule::k_true => ConfigValue::Bool(true, span),
            Rule::k_false => ConfigValue::Bool(false, span),
            Rule::config_list => ConfigValue::List(
                inner(v).map(|x| self.config_value(x)).collect::<R<_>>()?,
                span,
            ),
            _ => return Err(self.shape(span, "config value")),
        })
    }

    fn let_item(&self, p: P<'_>) -> R<Let> {
        let span = self.span(&p);
        let mut it = inner(p).skip(1);
        let name = self.ident(self.next(&mut it, span, "let")?);
        let value = self.expr(self.next(&mut it, span, "let value")?)?;
        Ok(Let { name, value, span })
    }

    fn model(&self, p: P<'_>) -> R<Model> {
        let span = self.span(&p);
        let mut it = inner(p).skip(1).peekable();
        let name = self.ident(self.next(&mut it, span, "model")?);
        let mut applies_when = None;
        if it.peek().is_some_and(|p| p.as_rule() == Rule::model_for) {
            let f = self.next(&mut it, span, "model for")?;
            let fspan = self.span(&f);
            applies_when = Some(self.expr(self.next(&mut inner(f).skip(1), fspan, "for")?)?);
        }
        let mut items = Vec::new();
        for mi in it {
            items.push(self.model_item(mi)?);
        }
        Ok(Model {
            name,
            applies_when,
            items,
            span,
        })
    }

    fn model_item(&self, p: P<'_>) -> R<ModelItem> {
        let span = self.span(&p);
        Ok(match p.as_rule() {
            Rule::threshold => ModelItem::Threshold(
                self.number(self.next(&mut inner(p).skip(1), span, "threshold")?)?,
                span,
            ),
            Rule::dequalify => ModelItem::Dequalify(
                self.number(self.next(&mut inner(p).skip(2), span, "dequalify")?)?,
                span,
            ),
            Rule::window => ModelItem::Window(
                self.duration(self.next(&mut inner(p).skip(1), span, "window")?)?,
                span,
            ),
            Rule::block => ModelItem::Block(self.block(p)?),
            Rule::let_item => ModelItem::Let(self.let_item(p)?),
            Rule::grade => ModelItem::Grade(self.grade(p)?),
            Rule::gate => {
                let mut it = inner(p).skip(1);
                let name = self.ident(self.next(&mut it, span, "gate")?);
                let condition = self.expr(self.next(&mut it, span, "gate condition")?)?;
                ModelItem::Gate(Gate {
                    name,
                    condition,
                    span,
                })
            }
            Rule::score_item => ModelItem::Score(
                self.expr(self.next(&mut inner(p).skip(1), span, "score")?)?,
                span,
            ),
            Rule::route => {
                let mut it =
                    inner(p).filter(|p| !matches!(p.as_rule(), Rule::k_route | Rule::k_sla));
                let queue = self.string(self.next(&mut it, span, "route")?)?;
                let sla = self.duration(self.next(&mut it, span, "route sla")?)?;
                let condition = match it.next() {
                    Some(w) => {
                        let wspan = self.span(&w);
                        Some(self.expr(self.next(&mut inner(w).skip(1), wspan, "route when")?)?)
                    }
                    None => None,
                };
                ModelItem::Route(Route {
                    queue,
                    sla,
                    condition,
                    span,
                })
            }
            _ => return Err(self.shape(span, "model item")),
        })
    }

    fn block(&self, p: P<'_>) -> R<Block> {
        let span = self.span(&p);
        let mut it = inner(p).skip(1);
        let name = self.ident(self.next(&mut it, span, "block")?);
        let mut block = Block {
            name,
            title: None,
            within: None,
            decay: None,
            max: None,
            rules: Vec::new(),
            span,
        };
        for x in it {
            let xspan = self.span(&x);
            match x.as_rule() {
                Rule::string => block.title = Some(self.string(x)?),
                Rule::block_within => {
                    if block.within.is_some() {
                        return Err(self
                            .err(&x, "E0109", "this block already has a `within` window")
                            .with_hint("remove one of them"));
                    }
                    block.within =
                        Some(self.duration(self.next(&mut inner(x).skip(1), xspan, "within")?)?)
                }
                Rule::block_decay => {
                    if block.decay.is_some() {
                        return Err(self
                            .err(&x, "E0109", "this block already has a `decay`")
                            .with_hint("remove one of them"));
                    }
                    let kind = self.next(&mut inner(x).skip(1), xspan, "decay")?;
                    let k = self.next(&mut inner(kind), xspan, "decay kind")?;
                    let kspan = self.span(&k);
                    let decay = match k.as_rule() {
                        Rule::decay_half_life => Decay::HalfLife(self.duration(self.next(
                            &mut inner(k).skip(1),
                            kspan,
                            "half_life",
                        )?)?),
                        Rule::decay_linear => Decay::Linear(self.duration(self.next(
                            &mut inner(k).skip(1),
                            kspan,
                            "linear",
                        )?)?),
                        _ => Decay::None,
                    };
                    block.decay = Some((decay, xspan));
                }
                Rule::block_max => {
                    if block.max.is_some() {
                        return Err(self
                            .err(&x, "E0109", "this block already has a `max`")
                            .with_hint("remove one of them"));
                    }
                    block.max =
                        Some(self.number(self.next(&mut inner(x).skip(1), xspan, "max")?)?)
                }
                Rule::point_rule => block.rules.push(self.point_rule(x)?),
                _ => return Err(self.shape(xspan, "block")),
            }
        }
        Ok(block)
    }

    fn point_rule(&self, p: P<'_>) -> R<PointRule> {
        let span = self.span(&p);
        let mut it = inner(p);
        let points = self.number(self.next(&mut it, span, "rule points")?)?;
        let body = self.next(&mut it, span, "rule body")?;
        let bspan = self.span(&body);
        let mut label = None;
        let kind = match body.as_rule() {
            Rule::when_rule => {
                let mut bi = inner(body).skip(1);
                let condition = self.expr(self.next(&mut bi, bspan, "when")?)?;
                let mut required = false;
                for x in bi {
                    match x.as_rule() {
                        Rule::string => label = Some(self.string(x)?),
                        Rule::k_required => required = true,
                        _ => return Err(self.shape(bspan, "when rule")),
                    }
                }
                RuleKind::When {
                    condition,
                    required,
                }
            }
            Rule::per_rule => {
                let mut bi = inner(body).skip(1);
                let collection = self.ident(self.next(&mut bi, bspan, "per")?);
                let (mut within, mut filter, mut cap) = (None, None, None);
                for x in bi {
                    let xspan = self.span(&x);
                    match x.as_rule() {
                        Rule::per_within => {
                            within = Some(self.duration(self.next(
                                &mut inner(x).skip(1),
                                xspan,
                                "within",
                            )?)?)
                        }
                        Rule::per_where => {
                            filter = Some(self.expr(self.next(
                                &mut inner(x).skip(1),
                                xspan,
                                "where",
                            )?)?)
                        }
                        Rule::per_cap => {
                            cap = Some(self.number(self.next(
                                &mut inner(x).skip(1),
                                xspan,
                                "cap",
                            )?)?)
                        }
                        Rule::string => label = Some(self.string(x)?),
                        _ => return Err(self.shape(xspan, "per rule")),
                    }
                }
                RuleKind::Per {
                    collection,
                    within,
                    filter,
                    cap,
                }
            }
            _ => return Err(self.shape(bspan, "rule")),
        };
        Ok(PointRule {
            points,
            kind,
            label,
            span,
        })
    }

    fn grade(&self, p: P<'_>) -> R<Grade> {
        let span = self.span(&p);
        let mut it = inner(p).filter(|p| !matches!(p.as_rule(), Rule::k_grade | Rule::k_from));
        let name = self.ident(self.next(&mut it, span, "grade")?);
        let from = self.expr(self.next(&mut it, span, "grade from")?)?;
        let mut bands = Vec::new();
        let mut otherwise: Option<BandLabel> = None;
        for x in it {
            let xspan = self.span(&x);
            if let Some(prev) = &otherwise {
                return Err(Diagnostic::error(
                    "E0110",
                    xspan,
                    "nothing may follow `else` in a grade",
                )
                .with_related(prev.span, "the `else` band")
                .with_hint("`else` is the last band: move it to the end"));
            }
            match x.as_rule() {
                Rule::grade_band => {
                    let mut bi = inner(x);
                    let label = self.band_label(self.next(&mut bi, xspan, "band")?)?;
                    let bound = self.number(self.next(&mut bi, xspan, "band bound")?)?;
                    bands.push(GradeBand {
                        label,
                        bound,
                        span: xspan,
                    });
                }
                Rule::grade_else => {
                    otherwise = Some(self.band_label(self.next(
                        &mut inner(x).skip(1),
                        xspan,
                        "else",
                    )?)?);
                }
                _ => return Err(self.shape(xspan, "grade")),
            }
        }
        Ok(Grade {
            name,
            from,
            bands,
            otherwise,
            span,
        })
    }

    fn band_label(&self, p: P<'_>) -> R<BandLabel> {
        let span = self.span(&p);
        let v = if p.as_rule() == Rule::band_label {
            self.next(&mut inner(p), span, "grade label")?
        } else {
            p
        };
        Ok(match v.as_rule() {
            Rule::string => BandLabel {
                value: self.string(v)?.value,
                quoted: true,
                span,
            },
            _ => BandLabel {
                value: v.as_str().to_string(),
                quoted: false,
                span,
            },
        })
    }

    // ───────────────────────── literals ─────────────────────────

    fn number(&self, p: P<'_>) -> R<Number> {
        let raw = p.as_str();
        let span = self.span(&p);
        let value = parse_number(raw).ok_or_else(|| {
            let shown: String = if raw.chars().count() > 24 {
                format!("{}…", raw.chars().take(20).collect::<String>())
            } else {
                raw.to_string()
            };
            Diagnostic::error(
                "E0106",
                span,
                format!("the number `{shown}` is too large for mqa"),
            )
            .with_hint("numbers must stay below about 1.8e308 (use the `k`, `M`, `B` suffixes for readability)")
        })?;
        Ok(Number {
            value,
            raw: raw.to_string(),
            span,
        })
    }

    fn duration(&self, p: P<'_>) -> R<Duration> {
        let raw = p.as_str();
        let span = self.span(&p);
        let seconds = parse_duration(raw).ok_or_else(|| {
            Diagnostic::error("E0106", span, format!("the duration `{raw}` is too long"))
                .with_hint("durations are counted in minutes (m), hours (h), days (d) or weeks (w)")
        })?;
        Ok(Duration {
            seconds,
            raw: raw.to_string(),
            span,
        })
    }

    fn string(&self, p: P<'_>) -> R<Str> {
        let span = self.span(&p);
        let raw = p.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        let value = unescape(body).map_err(|(at, msg)| {
            let start = span.start as usize + 1 + at;
            Diagnostic::error("E0105", Span::new(start, start + 2), msg)
                .with_hint("valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`")
        })?;
        Ok(Str { value, span })
    }

    fn timestamp(&self, p: P<'_>) -> R<Timestamp> {
        let span = self.span(&p);
        let raw = p.as_str();
        let micros = crate::time::parse_timestamp(raw).ok_or_else(|| {
            Diagnostic::error("E0107", span, format!("`{raw}` is not a valid date or time"))
                .with_hint("write a date as `2026-11-01` or a time as `2026-11-01T10:00:00Z` (with `Z` or an offset like `+02:00`)")
        })?;
        Ok(Timestamp {
            micros,
            raw: raw.to_string(),
            span,
        })
    }

    // ───────────────────────── tests ─────────────────────────

    fn test(&self, p: P<'_>) -> R<Test> {
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

    fn test_stmt(&self, p: P<'_>) -> R<TestStmt> {
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

    fn fixture(&self, p: P<'_>) -> R<Fixture> {
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

    fn fixture_value(&self, p: P<'_>) -> R<FixtureValue> {
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

    fn num_check(&self, p: P<'_>) -> R<NumCheck> {
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

    fn expectation(&self, p: P<'_>) -> R<Expectation> {
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

/// Blanks as the grammar's WHITESPACE knows them.
fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t'..=b'\r')
}

/// The end of the last token of `text[start..end]`: a pair may end with the
/// blanks and `//` comments that pest skipped after its last token.
fn token_end(text: &str, start: usize, end: usize) -> usize {
    let b = text.as_bytes();
    let mut e = end;
    while e > start && b.get(e - 1).copied().is_some_and(is_blank) {
        e -= 1;
    }
    // A skipped comment runs to the end of its line, and the skip goes on
    // over that line break: without a line break (or the end of the text)
    // after `e`, nothing before `e` is a comment.
    let line_break = b.get(e..end).is_some_and(|t| t.contains(&b'\n'));
    if !line_break && end < b.len() {
        return e;
    }
    // Even then, only a last line with a `/` can end in one.
    let body = text.get(start..e).unwrap_or("");
    let last_line = body
        .rfind('\n')
        .map_or(body, |p| body.get(p..).unwrap_or(""));
    if !last_line.as_bytes().contains(&b'/') {
        return e;
    }
    start + trimmed_len(body)
}

/// Length of `s` without trailing whitespace and trailing `//` comments.
fn trimmed_len(s: &str) -> usize {
    let mut t = s.trim_end();
    loop {
        let line_start = t.rfind('\n').map_or(0, |p| p + 1);
        let line = t.get(line_start..).unwrap_or("");
        match comment_start(line) {
            Some(c) => t = t.get(..line_start + c).unwrap_or("").trim_end(),
            None => return t.len(),
        }
    }
}

/// Where a `//` comment starts on a line (outside strings).
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `42`, `1_000`, `3.5`, `10M`, `1.2k`, `-5` → value.
pub fn parse_number(raw: &str) -> Option<f64> {
    let (neg, body) = match raw.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, raw),
    };
    let (digits, exp) = match body.as_bytes().last() {
        Some(b'k') => (body.get(..body.len() - 1)?, 3),
        Some(b'M') => (body.get(..body.len() - 1)?, 6),
        Some(b'B') => (body.get(..body.len() - 1)?, 9),
        _ => (body, 0),
    };
    let plain = |d: &str| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    let v: f64 = if exp == 0 && !digits.contains('_') {
        // The usual `25` or `3.5`: no copy needed.
        if !plain(digits) {
            return None;
        }
        digits.parse().ok()?
    } else {
        let clean: String = digits.chars().filter(|c| *c != '_').collect();
        if !plain(&clean) {
            return None;
        }
        format!("{clean}e{exp}").parse().ok()?
    };
    if !v.is_finite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// `90m`, `24h`, `14d`, `2w` → seconds.
pub fn parse_duration(raw: &str) -> Option<i64> {
    let unit = raw.as_bytes().last()?;
    let n: i64 = raw.get(..raw.len() - 1)?.parse().ok()?;
    let mult = match unit {
        b'm' => 60,
        b'h' => 3600,
        b'd' => 86_400,
        b'w' => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Unescapes a string body; on error, the byte offset of the bad escape and a message.
fn unescape(body: &str) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'u')) => {
                let rest = body.get(i + 2..).unwrap_or("");
                let hex: String = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .map(|(h, _)| h.to_string())
                    .unwrap_or_default();
                let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                match ch {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..hex.len() + 2 {
                            chars.next();
                        }
                    }
                    None => return Err((i, format!("`\\u{{{hex}}}` is not a Unicode character"))),
                }
            }
            Some((_, other)) => return Err((i, format!("`\\{other}` is not a known escape"))),
            None => return Err((i, "a string cannot end with a lone `\\`".to_string())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_suffixes() {
        assert_eq!(parse_number("10M"), Some(10_000_000.0));
        assert_eq!(parse_number("1.2k"), Some(1200.0));
        assert_eq!(parse_number("1_000_000"), Some(1_000_000.0));
        assert_eq!(parse_number("1B"), Some(1e9));
        assert_eq!(parse_number("-5"), Some(-5.0));
        assert_eq!(parse_number("3.5"), Some(3.5));
    }

    #[test]
    fn durations_in_seconds() {
        assert_eq!(parse_duration("90m"), Some(5400));
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("2w"), Some(1_209_600));
        assert_eq!(parse_duration("99999999999999999d"), None);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            unescape(r#"a\"b\\c\nd\te\u{e9}"#).unwrap(),
            "a\"b\\c\nd\te\u{e9}"
        );
        assert!(unescape(r"\q").is_err());
        assert!(unescape(r"\u{110000}").is_err());
    }
}
