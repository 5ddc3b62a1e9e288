//! Random model items, declarations, test statements and whole files.

use super::*;
use mqa_syntax::FieldType;

// ───────────────────────────── models ─────────────────────────────

pub fn point_rule() -> BoxedStrategy<PointRule> {
    let when = (expr(), any::<bool>()).prop_map(|(condition, required)| RuleKind::When {
        condition,
        required,
    });
    let per = (
        name(),
        prop::option::of(duration()),
        prop::option::of(expr()),
        prop::option::of(signed()),
    )
        .prop_map(|(c, within, filter, cap)| RuleKind::Per {
            collection: id(c),
            within,
            filter,
            cap,
        });
    (signed(), prop_oneof![when, per], prop::option::of(string()))
        .prop_map(|(points, kind, label)| PointRule {
            points,
            kind,
            label,
            span: sp(),
        })
        .boxed()
}

/// Whether a rule's text ends in an expression, so that a following rule
/// with negative points would read as a subtraction (`... x -5 when ...`):
/// such a rule cannot be written in the language (reported to the lead).
pub fn ends_in_expr(r: &PointRule) -> bool {
    r.label.is_none()
        && match &r.kind {
            RuleKind::When { required, .. } => !required,
            RuleKind::Per { filter, cap, .. } => filter.is_some() && cap.is_none(),
        }
}

pub fn block() -> BoxedStrategy<Block> {
    let decay = prop_oneof![
        duration().prop_map(Decay::HalfLife),
        duration().prop_map(Decay::Linear),
        Just(Decay::None),
    ];
    (
        name(),
        prop::option::of(string()),
        prop::option::of(duration()),
        prop::option::of(decay),
        prop::option::of(signed()),
        prop::collection::vec(point_rule(), 0..4),
    )
        .prop_map(|(n, title, within, decay, max, mut rules)| {
            for i in 1..rules.len() {
                if rules[i].points.raw.starts_with('-') && ends_in_expr(&rules[i - 1]) {
                    rules[i - 1].label = Some(Str {
                        value: "label".into(),
                        span: sp(),
                    });
                }
            }
            Block {
                name: id(n),
                title,
                within,
                decay: decay.map(|d| (d, sp())),
                max,
                rules,
                span: sp(),
            }
        })
        .boxed()
}

pub fn model_item() -> BoxedStrategy<ModelItem> {
    let grade = (
        name(),
        expr(),
        prop::collection::vec((band_label(), signed()), 0..4),
        prop::option::of(band_label()),
    )
        .prop_map(|(n, from, bands, otherwise)| {
            ModelItem::Grade(Grade {
                name: id(n),
                from,
                bands: bands
                    .into_iter()
                    .map(|(label, bound)| GradeBand {
                        label,
                        bound,
                        span: sp(),
                    })
                    .collect(),
                otherwise,
                span: sp(),
            })
        });
    prop_oneof![
        1 => signed().prop_map(|n| ModelItem::Threshold(n, sp())),
        1 => signed().prop_map(|n| ModelItem::Dequalify(n, sp())),
        1 => duration().prop_map(|d| ModelItem::Window(d, sp())),
        3 => block().prop_map(ModelItem::Block),
        1 => (name(), expr()).prop_map(|(n, value)| ModelItem::Let(Let { name: id(n), value, span: sp() })),
        1 => grade,
        1 => (name(), expr()).prop_map(|(n, condition)| ModelItem::Gate(Gate { name: id(n), condition, span: sp() })),
        1 => expr().prop_map(|e| ModelItem::Score(e, sp())),
        1 => (string(), duration(), prop::option::of(expr())).prop_map(|(queue, sla, condition)| {
            ModelItem::Route(Route { queue, sla, condition, span: sp() })
        }),
    ]
    .boxed()
}

pub fn config_value() -> BoxedStrategy<ConfigValue> {
    prop_oneof![
        string().prop_map(ConfigValue::Str),
        signed().prop_map(ConfigValue::Number),
        any::<bool>().prop_map(|b| ConfigValue::Bool(b, sp())),
    ]
    .prop_recursive(2, 8, 3, |inner| {
        prop::collection::vec(inner, 0..3).prop_map(|xs| ConfigValue::List(xs, sp()))
    })
    .boxed()
}

pub fn field_type() -> BoxedStrategy<FieldType> {
    use FieldType::*;
    select(vec![Text, Int, Number, Bool, Time, ListText, ListNumber]).boxed()
}

// ───────────────────────────── tests ─────────────────────────────

pub fn fixture() -> BoxedStrategy<Fixture> {
    let value = prop_oneof![
        string().prop_map(FixtureValue::Str),
        signed().prop_map(FixtureValue::Number),
        any::<bool>().prop_map(|b| FixtureValue::Bool(b, sp())),
        timestamp().prop_map(FixtureValue::Time),
        Just(FixtureValue::Missing(sp())),
        name().prop_map(|n| FixtureValue::Name(id(n))),
    ]
    .prop_recursive(2, 8, 3, |inner| {
        prop::collection::vec(inner, 0..3).prop_map(|xs| FixtureValue::List(xs, sp()))
    });
    prop::collection::vec((word(), value), 0..4)
        .prop_map(|fields| Fixture {
            fields: fields
                .into_iter()
                .map(|(k, value)| FixtureField {
                    key: id(k),
                    value,
                    span: sp(),
                })
                .collect(),
            span: sp(),
        })
        .boxed()
}

pub fn num_check() -> BoxedStrategy<NumCheck> {
    use BinaryOp::*;
    prop_oneof![
        (select(vec![Eq, Ne, Lt, Le, Gt, Ge]), signed())
            .prop_map(|(op, n)| NumCheck::Compare(op, n)),
        (signed(), signed()).prop_map(|(a, b)| NumCheck::Between(a, b)),
    ]
    .boxed()
}

pub fn expectation() -> BoxedStrategy<Expectation> {
    prop_oneof![
        any::<bool>().prop_map(Expectation::Qualified),
        Just(Expectation::NoDecision),
        num_check().prop_map(Expectation::Score),
        (name(), band_label()).prop_map(|(g, value)| Expectation::Grade {
            grade: id(g),
            value
        }),
        (band_label(), any::<bool>()).prop_map(|(gate, passed)| Expectation::Gate { gate, passed }),
        prop::option::of(string()).prop_map(Expectation::Route),
        (name(), num_check()).prop_map(|(b, check)| Expectation::Block {
            block: id(b),
            check
        }),
        (
            string(),
            prop_oneof![
                any::<bool>().prop_map(RuleCheck::Fired),
                num_check().prop_map(RuleCheck::Points)
            ]
        )
            .prop_map(|(label, check)| Expectation::Rule { label, check }),
    ]
    .boxed()
}

pub fn test_stmt() -> BoxedStrategy<TestStmt> {
    prop_oneof![
        1 => name().prop_map(|n| TestStmt::Model(id(n), sp())),
        1 => timestamp().prop_map(|t| TestStmt::AsOf(t, sp())),
        1 => fixture().prop_map(|f| TestStmt::Account(f, sp())),
        1 => (name(), fixture()).prop_map(|(n, f)| TestStmt::Contact(id(n), f, sp())),
        1 => fixture().prop_map(|f| TestStmt::Event(f, sp())),
        1 => (name(), fixture()).prop_map(|(n, f)| TestStmt::Signal(id(n), f, sp())),
        3 => expectation().prop_map(|e| TestStmt::Expect(e, sp())),
    ]
    .boxed()
}

// ───────────────────────────── files ─────────────────────────────

pub fn item() -> BoxedStrategy<Item> {
    let schema = (
        select(vec![
            SchemaKind::Account,
            SchemaKind::Contact,
            SchemaKind::Event,
        ]),
        prop::collection::vec((name(), field_type()), 0..4),
    )
        .prop_map(|(kind, fields)| {
            Item::Schema(Schema {
                kind,
                kind_span: sp(),
                fields: fields
                    .into_iter()
                    .map(|(n, ty)| FieldDecl {
                        name: id(n),
                        ty,
                        ty_span: sp(),
                        span: sp(),
                    })
                    .collect(),
                span: sp(),
            })
        });
    let source = (
        name(),
        string(),
        prop::collection::vec((word(), config_value()), 0..3),
    )
        .prop_map(|(n, plugin, config)| {
            Item::Source(Source {
                name: id(n),
                plugin,
                config: config
                    .into_iter()
                    .map(|(k, value)| ConfigEntry {
                        key: id(k),
                        value,
                        span: sp(),
                    })
                    .collect(),
                span: sp(),
            })
        });
    let model = (
        name(),
        prop::option::of(expr()),
        prop::collection::vec(model_item(), 0..6),
    )
        .prop_map(|(n, applies_when, items)| {
            Item::Model(Model {
                name: id(n),
                applies_when,
                items,
                span: sp(),
            })
        });
    let test =
        (string(), prop::collection::vec(test_stmt(), 0..6)).prop_map(|(name, statements)| {
            Item::Test(Test {
                name,
                statements,
                span: sp(),
            })
        });
    prop_oneof![
        1 => schema,
        1 => source,
        1 => (name(), expr()).prop_map(|(n, value)| Item::Let(Let { name: id(n), value, span: sp() })),
        3 => model,
        1 => string().prop_map(|path| Item::Use(Use { path, span: sp() })),
        2 => test,
    ]
    .boxed()
}

pub fn file() -> BoxedStrategy<File> {
    prop::collection::vec(item(), 0..5)
        .prop_map(|items| File { items })
        .boxed()
}
