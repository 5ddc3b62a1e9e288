//! Rule-file items: `schema`, `source`, `let`, `model` and what a model
//! holds (blocks, point rules, grades, gates, routes).

use super::*;

impl Builder {
    pub(super) fn schema(&self, p: P<'_>) -> R<Schema> {
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

    pub(super) fn source(&self, p: P<'_>) -> R<Source> {
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

    pub(super) fn config_value(&self, p: P<'_>) -> R<ConfigValue> {
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

    pub(super) fn let_item(&self, p: P<'_>) -> R<Let> {
        let span = self.span(&p);
        let mut it = inner(p).skip(1);
        let name = self.ident(self.next(&mut it, span, "let")?);
        let value = self.expr(self.next(&mut it, span, "let value")?)?;
        Ok(Let { name, value, span })
    }

    pub(super) fn model(&self, p: P<'_>) -> R<Model> {
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

    pub(super) fn model_item(&self, p: P<'_>) -> R<ModelItem> {
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

    pub(super) fn block(&self, p: P<'_>) -> R<Block> {
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

    pub(super) fn point_rule(&self, p: P<'_>) -> R<PointRule> {
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

    pub(super) fn grade(&self, p: P<'_>) -> R<Grade> {
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

    pub(super) fn band_label(&self, p: P<'_>) -> R<BandLabel> {
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
}
