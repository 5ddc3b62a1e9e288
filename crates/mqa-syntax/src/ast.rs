//! The typed syntax tree of a rule or test file. Every node carries the byte
//! span of its source text. Literals keep the author's spelling (`10M`, `2w`)
//! next to their value so the formatter can print them back unchanged.

use crate::FieldType;
use serde::Serialize;

/// A byte range `[start, end)` in the source text.
///
/// Spans always compare equal, so `==` on AST nodes compares structure and
/// values only (what the formatter must preserve), never positions.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name with its position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A number literal: `42`, `3.5`, `1_000_000`, `10M`, `-5`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Number {
    pub value: f64,
    /// The literal as written (the formatter prints it back).
    pub raw: String,
    pub span: Span,
}

/// A duration literal: `90m`, `24h`, `14d`, `2w`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duration {
    /// Length in seconds.
    pub seconds: i64,
    pub raw: String,
    pub span: Span,
}

/// A string literal, unescaped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// A timestamp literal (tests only): RFC 3339 or a bare date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timestamp {
    /// Microseconds since the Unix epoch, UTC.
    pub micros: i64,
    pub raw: String,
    pub span: Span,
}

/// A whole file: rule items and, in `.test.mqa` files, `use` and `test` items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Schema(Schema),
    Source(Source),
    Let(Let),
    Model(Model),
    Use(Use),
    Test(Test),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Schema(x) => x.span,
            Item::Source(x) => x.span,
            Item::Let(x) => x.span,
            Item::Model(x) => x.span,
            Item::Use(x) => x.span,
            Item::Test(x) => x.span,
        }
    }
}

/// Which table a schema declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SchemaKind {
    Account,
    Contact,
    Event,
}

impl SchemaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaKind::Account => "account",
            SchemaKind::Contact => "contact",
            SchemaKind::Event => "event",
        }
    }
}

/// `schema account { domain: text ... }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    pub kind: SchemaKind,
    pub kind_span: Span,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: FieldType,
    pub ty_span: Span,
    pub span: Span,
}

/// `source intent = plugin "intent-csv" { path: "${data}/intent.csv" }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub name: Ident,
    pub plugin: Str,
    pub config: Vec<ConfigEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigEntry {
    pub key: Ident,
    pub value: ConfigValue,
    pub span: Span,
}

/// A plugin configuration value (passed to the plugin as JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ConfigValue {
    Str(Str),
    Number(Number),
    Bool(bool, Span),
    List(Vec<ConfigValue>, Span),
}

/// `let NAME = EXPR` at file or model level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `model NAME [for COND] { ITEMS }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    pub name: Ident,
    pub applies_when: Option<Expr>,
    pub items: Vec<ModelItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ModelItem {
    Threshold(Number, Span),
    Dequalify(Number, Span),
    Window(Duration, Span),
    Block(Block),
    Let(Let),
    Grade(Grade),
    Gate(Gate),
    Score(Expr, Span),
    Route(Route),
}

impl ModelItem {
    pub fn span(&self) -> Span {
        match self {
            ModelItem::Threshold(_, s)
            | ModelItem::Dequalify(_, s)
            | ModelItem::Window(_, s)
            | ModelItem::Score(_, s) => *s,
            ModelItem::Block(b) => b.span,
            ModelItem::Let(l) => l.span,
            ModelItem::Grade(g) => g.span,
            ModelItem::Gate(g) => g.span,
            ModelItem::Route(r) => r.span,
        }
    }
}

/// How per-record points fade with age.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Decay {
    /// factor = 0.5 ^ (age / D)
    HalfLife(Duration),
    /// factor = max(0, 1 − age / D)
    Linear(Duration),
    /// factor = 1
    None,
}

/// `block NAME ["Title"] [within D] [decay KIND] [max N] { RULES }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    pub name: Ident,
    pub title: Option<Str>,
    pub within: Option<Duration>,
    pub decay: Option<(Decay, Span)>,
    pub max: Option<Number>,
    pub rules: Vec<PointRule>,
    pub span: Span,
}

/// One line of a block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointRule {
    pub points: Number,
    pub kind: RuleKind,
    pub label: Option<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RuleKind {
    /// `POINTS when CONDITION [required]`
    When { condition: Expr, required: bool },
    /// `POINTS per COLLECTION [within D] [where CONDITION] [cap N]`
    Per {
        collection: Ident,
        within: Option<Duration>,
        filter: Option<Expr>,
        cap: Option<Number>,
    },
}

/// `grade NAME from EXPR { A >= 40, B >= 25, else D }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub name: Ident,
    pub from: Expr,
    pub bands: Vec<GradeBand>,
    pub otherwise: Option<BandLabel>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeBand {
    pub label: BandLabel,
    pub bound: Number,
    pub span: Span,
}

/// A grade value: written as a name (`A`) or a string (`"tier 1"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandLabel {
    pub value: String,
    pub quoted: bool,
    pub span: Span,
}

/// `gate NAME: CONDITION`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    pub name: Ident,
    pub condition: Expr,
    pub span: Span,
}

/// `route "QUEUE" sla D [when CONDITION]`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub queue: Str,
    pub sla: Duration,
    pub condition: Option<Expr>,
    pub span: Span,
}

// ───────────────────────────── expressions ─────────────────────────────

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    Number(Number),
    Str(Str),
    Bool(bool),
    List(Vec<Expr>),
    /// A name or dotted path: `employees`, `account.employees`, `events.contact_id`,
    /// `contact.role`. What it names is resolved by the compiler.
    Path(Vec<Ident>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `x between lo and hi` (inclusive)
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `x is missing` / `x is not missing`
    IsMissing {
        value: Box<Expr>,
        negated: bool,
    },
    /// `x in [..]` / `x not in [..]`
    In {
        value: Box<Expr>,
        list: Box<Expr>,
        negated: bool,
    },
    /// `count(events within 7d where kind == "webinar")`
    Aggregate(Box<Aggregate>),
    /// `lower(x)`, `days_since(t)`
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    StartsWith,
    EndsWith,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Contains => "contains",
            BinaryOp::StartsWith => "starts_with",
            BinaryOp::EndsWith => "ends_with",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Binding strength: higher binds tighter (`not` sits at 3).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Contains
            | BinaryOp::StartsWith
            | BinaryOp::EndsWith => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div => 6,
        }
    }
}

/// The aggregation functions of spec §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AggFunc {
    Count,
    Distinct,
    Sum,
    Min,
    Max,
    Avg,
    Any,
    All,
}

impl AggFunc {
    pub fn parse(name: &str) -> Option<AggFunc> {
        Some(match name {
            "count" => AggFunc::Count,
            "distinct" => AggFunc::Distinct,
            "sum" => AggFunc::Sum,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "avg" => AggFunc::Avg,
            "any" => AggFunc::Any,
            "all" => AggFunc::All,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Distinct => "distinct",
            AggFunc::Sum => "sum",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::Avg => "avg",
            AggFunc::Any => "any",
            AggFunc::All => "all",
        }
    }

    /// Whether the argument names a field (`sum(events.x)`) rather than a collection (`count(events)`).
    pub fn takes_field(self) -> bool {
        !matches!(self, AggFunc::Count | AggFunc::Any | AggFunc::All)
    }
}

/// `FUNC(COLLECTION[.FIELD...] [within D] [where CONDITION])`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub func: AggFunc,
    pub func_span: Span,
    pub collection: Ident,
    /// The field path after the collection (`contact_id`, or `contact.role`); empty for `count(events)`.
    pub field: Vec<Ident>,
    pub within: Option<Duration>,
    pub filter: Option<Expr>,
}

// ───────────────────────────── tests ─────────────────────────────

/// `use "../rules/enterprise.mqa"`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Use {
    pub path: Str,
    pub span: Span,
}

/// `test "name" { ... }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Test {
    pub name: Str,
    pub statements: Vec<TestStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TestStmt {
    Model(Ident, Span),
    AsOf(Timestamp, Span),
    Account(Fixture, Span),
    /// `contact ann { ... }` — the name is the contact's id.
    Contact(Ident, Fixture, Span),
    Event(Fixture, Span),
    /// `signal intent { ... }` — a record of the named source.
    Signal(Ident, Fixture, Span),
    Expect(Expectation, Span),
}

impl TestStmt {
    pub fn span(&self) -> Span {
        match self {
            TestStmt::Model(_, s)
            | TestStmt::AsOf(_, s)
            | TestStmt::Account(_, s)
            | TestStmt::Contact(_, _, s)
            | TestStmt::Event(_, s)
            | TestStmt::Signal(_, _, s)
            | TestStmt::Expect(_, s) => *s,
        }
    }
}

/// `{ key: value, ... }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fixture {
    pub fields: Vec<FixtureField>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixtureField {
    pub key: Ident,
    pub value: FixtureValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FixtureValue {
    Str(Str),
    Number(Number),
    Bool(bool, Span),
    Time(Timestamp),
    Missing(Span),
    List(Vec<FixtureValue>, Span),
    /// A bare name: a contact reference (`contact: ann`).
    Name(Ident),
}

impl FixtureValue {
    pub fn span(&self) -> Span {
        match self {
            FixtureValue::Str(s) => s.span,
            FixtureValue::Number(n) => n.span,
            FixtureValue::Bool(_, s) | FixtureValue::Missing(s) | FixtureValue::List(_, s) => *s,
            FixtureValue::Time(t) => t.span,
            FixtureValue::Name(i) => i.span,
        }
    }
}

/// A numeric check in an `expect`: `>= 75`, `between 150 and 180`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum NumCheck {
    Compare(BinaryOp, Number),
    Between(Number, Number),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expectation {
    Qualified(bool),
    /// The model does not apply to the account (`for` is false).
    NoDecision,
    Score(NumCheck),
    Grade {
        grade: Ident,
        value: BandLabel,
    },
    /// A gate by name, or a `required` rule's gate by its label (quoted).
    Gate {
        gate: BandLabel,
        passed: bool,
    },
    /// `route "q"`, or `route none`.
    Route(Option<Str>),
    Block {
        block: Ident,
        check: NumCheck,
    },
    Rule {
        label: Str,
        check: RuleCheck,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RuleCheck {
    Fired(bool),
    Points(NumCheck),
}
