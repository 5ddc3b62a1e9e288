//! Random ASTs for the formatter's property tests (`format_proptest.rs`):
//! names, literals and expressions here, statements and files in `items.rs`.
//! Every generated tree is one the parser can produce (spans aside), except
//! where noted.

#![allow(clippy::unwrap_used)]

mod items;

pub use items::file;

use mqa_syntax::ast::*;
use mqa_syntax::parser::{parse_duration, parse_number};
use mqa_syntax::time::parse_timestamp;
use proptest::prelude::*;
use proptest::sample::select;

pub const RESERVED: [&str; 19] = [
    "and",
    "or",
    "not",
    "in",
    "between",
    "contains",
    "starts_with",
    "ends_with",
    "is",
    "missing",
    "when",
    "per",
    "where",
    "within",
    "cap",
    "required",
    "true",
    "false",
    "else",
];
pub const ITEM_WORDS: [&str; 6] = ["schema", "source", "let", "model", "use", "test"];
const AGG_NAMES: [&str; 8] = [
    "count", "distinct", "sum", "min", "max", "avg", "any", "all",
];

pub fn sp() -> Span {
    Span::default()
}

pub fn id(name: String) -> Ident {
    Ident { name, span: sp() }
}

pub fn ex(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

/// A name usable where the grammar wants `ident` (not a reserved word);
/// statement words such as `model` or `score` are allowed there.
pub fn name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,6}".prop_filter("reserved", |s| !RESERVED.contains(&s.as_str())),
        1 => select(vec!["account", "model", "score", "max", "window", "events", "A", "passed", "fired"])
            .prop_map(String::from),
    ]
    .boxed()
}

/// A word after a dot or as a key: any word, reserved ones included.
pub fn word() -> BoxedStrategy<String> {
    prop_oneof![3 => name(), 1 => select(RESERVED.to_vec()).prop_map(String::from)].boxed()
}

pub fn num_raw() -> BoxedStrategy<String> {
    prop_oneof![
        (0u32..100_000).prop_map(|n| n.to_string()),
        (1u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{a}_{b:03}")),
        (0u32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        (1u32..100, select(vec!["k", "M", "B"])).prop_map(|(a, s)| format!("{a}{s}")),
        (1u32..10, 1u32..10, select(vec!["k", "M"])).prop_map(|(a, b, s)| format!("{a}.{b}{s}")),
    ]
    .boxed()
}

pub fn number_of(raw: String) -> Number {
    Number {
        value: parse_number(&raw).unwrap(),
        raw,
        span: sp(),
    }
}

pub fn number() -> BoxedStrategy<Number> {
    num_raw().prop_map(number_of).boxed()
}

pub fn signed() -> BoxedStrategy<Number> {
    (num_raw(), any::<bool>())
        .prop_map(|(r, neg)| number_of(if neg { format!("-{r}") } else { r }))
        .boxed()
}

pub fn duration() -> BoxedStrategy<Duration> {
    (1u32..1000, select(vec!["m", "h", "d", "w"]))
        .prop_map(|(n, u)| {
            let raw = format!("{n}{u}");
            Duration {
                seconds: parse_duration(&raw).unwrap(),
                raw,
                span: sp(),
            }
        })
        .boxed()
}

pub fn timestamp() -> BoxedStrategy<Timestamp> {
    select(vec![
        "2026-11-01",
        "2026-10-31T10:00:00Z",
        "2026-10-30T10:00:00+02:00",
        "2026-01-01T00:00:00.250Z",
        "2025-12-31t23:59:59z",
    ])
    .prop_map(|raw| Timestamp {
        micros: parse_timestamp(raw).unwrap(),
        raw: raw.to_string(),
        span: sp(),
    })
    .boxed()
}

pub fn string() -> BoxedStrategy<Str> {
    let ch = prop_oneof![
        3 => any::<char>(),
        2 => select(vec!['"', '\\', '\n', '\t', '\r', '\u{1}', '\u{7f}', 'é', '{', '}', '/', ' ']),
        3 => select(vec!['a', 'b', 'z']),
    ];
    prop::collection::vec(ch, 0..8)
        .prop_map(|cs| Str {
            value: cs.into_iter().collect(),
            span: sp(),
        })
        .boxed()
}

pub fn band_label() -> BoxedStrategy<BandLabel> {
    prop_oneof![
        name().prop_map(|value| BandLabel {
            value,
            quoted: false,
            span: sp()
        }),
        string().prop_map(|s| BandLabel {
            value: s.value,
            quoted: true,
            span: sp()
        }),
    ]
    .boxed()
}

// ───────────────────────────── expressions ─────────────────────────────

pub fn path() -> BoxedStrategy<Expr> {
    (name(), prop::collection::vec(word(), 0..3))
        .prop_map(|(first, rest)| {
            let mut parts = vec![id(first)];
            parts.extend(rest.into_iter().map(id));
            ex(ExprKind::Path(parts))
        })
        .boxed()
}

pub fn leaf() -> BoxedStrategy<Expr> {
    prop_oneof![
        1 => number().prop_map(|n| ex(ExprKind::Number(n))),
        1 => string().prop_map(|s| ex(ExprKind::Str(s))),
        1 => any::<bool>().prop_map(|b| ex(ExprKind::Bool(b))),
        3 => path(),
    ]
    .boxed()
}

pub fn binop() -> BoxedStrategy<BinaryOp> {
    use BinaryOp::*;
    select(vec![
        Or, And, Eq, Ne, Lt, Le, Gt, Ge, Contains, StartsWith, EndsWith, Add, Sub, Mul, Div,
    ])
    .boxed()
}

pub fn aggfunc() -> BoxedStrategy<AggFunc> {
    use AggFunc::*;
    select(vec![Count, Distinct, Sum, Min, Max, Avg, Any, All]).boxed()
}

pub fn expr() -> BoxedStrategy<Expr> {
    leaf()
        .prop_recursive(5, 64, 4, |inner| {
            let b = |e: Expr| Box::new(e);
            prop_oneof![
                1 => inner.clone().prop_map(move |e| ex(ExprKind::Unary(UnaryOp::Not, b(e)))),
                1 => inner.clone().prop_map(move |e| ex(ExprKind::Unary(UnaryOp::Neg, b(e)))),
                4 => (binop(), inner.clone(), inner.clone())
                    .prop_map(move |(op, l, r)| ex(ExprKind::Binary(op, b(l), b(r)))),
                1 => (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(move |(v, lo, hi)| ex(ExprKind::Between(b(v), b(lo), b(hi)))),
                1 => (inner.clone(), any::<bool>())
                    .prop_map(move |(v, negated)| ex(ExprKind::IsMissing { value: b(v), negated })),
                1 => (inner.clone(), inner.clone(), any::<bool>()).prop_map(move |(v, l, negated)| ex(ExprKind::In {
                    value: b(v),
                    list: b(l),
                    negated
                })),
                1 => prop::collection::vec(inner.clone(), 0..4).prop_map(|xs| ex(ExprKind::List(xs))),
                1 => (
                    aggfunc(),
                    name(),
                    prop::collection::vec(word(), 1..3),
                    prop::option::of(duration()),
                    prop::option::of(inner.clone())
                )
                    .prop_map(|(func, coll, field, within, filter)| {
                        ex(ExprKind::Aggregate(Box::new(Aggregate {
                            func,
                            func_span: sp(),
                            collection: id(coll),
                            field: if func.takes_field() {
                                field.into_iter().map(id).collect()
                            } else {
                                Vec::new()
                            },
                            within,
                            filter,
                        })))
                    }),
                1 => (
                    name().prop_filter("aggregation", |n| !AGG_NAMES.contains(&n.as_str())),
                    prop::collection::vec(inner, 0..3)
                )
                    .prop_map(|(f, args)| ex(ExprKind::Call { function: id(f), args })),
            ]
        })
        .boxed()
}
