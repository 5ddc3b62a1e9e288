//! The evaluation graph: the compiled form of a rule file that the engine
//! runs. Plain, serializable data. Each model is a flat list of account-level
//! [`Node`]s in topological order (a node only refers to earlier nodes, by
//! [`NodeId`]); identical sub-expressions are one node. Conditions that look
//! at one record of a collection (`where`, aggregated fields) are small
//! record-level expression trees ([`RecExpr`]) held by the scan nodes.

use serde::{Deserialize, Serialize};

/// Index of a node in [`ModelGraph::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of a string constant in [`Program::strings`] (interned by the engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StrId(pub u32);

/// The value types of the language. `int` and `number` are one numeric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ty {
    Text,
    Number,
    Bool,
    Time,
    ListText,
    ListNumber,
    /// A plugin field whose type is not known at compile time (plugin not loaded).
    Unknown,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Text => "text",
            Ty::Number => "number",
            Ty::Bool => "bool",
            Ty::Time => "time",
            Ty::ListText => "list<text>",
            Ty::ListNumber => "list<number>",
            Ty::Unknown => "unknown",
        }
    }

    pub fn from_field(t: mqa_syntax::FieldType) -> Ty {
        use mqa_syntax::FieldType as F;
        match t {
            F::Text => Ty::Text,
            F::Int | F::Number => Ty::Number,
            F::Bool => Ty::Bool,
            F::Time => Ty::Time,
            F::ListText => Ty::ListText,
            F::ListNumber => Ty::ListNumber,
        }
    }
}

/// A constant value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Const {
    Number(f64),
    Text(StrId),
    Bool(bool),
    TextList(Vec<StrId>),
    NumberList(Vec<f64>),
}

/// A collection of records per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    Events,
    Contacts,
    /// Contacts with at least one of the account's events in the window.
    Engaged,
    /// A declared source, by index into [`Program::sources`].
    Source(u16),
}

impl Collection {
    /// Whether records carry a time (`at`): windows and decay apply.
    pub fn is_timed(self) -> bool {
        matches!(self, Collection::Events | Collection::Source(_))
    }
}

/// A field of one record of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecField {
    /// Built-in `id` (events, contacts, engaged).
    Id,
    /// Built-in `account_id` (events, contacts) or a signal's `account` key.
    AccountKey,
    /// Event's `contact_id` (empty = missing).
    ContactId,
    /// `at` of an event or signal.
    At,
    /// A declared field of the collection's own record (index into the schema or the plugin's fields).
    Field(u16),
    /// A field of the contact an event joins (`contact.role`), by contact schema index.
    ContactField(u16),
    /// The joined contact's built-in `id` (`contact.id`).
    ContactOwnId,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Un {
    Neg,
    Not,
    IsMissing,
    IsNotMissing,
    Lower,
    DaysSince,
}

/// Binary operators (comparisons are typed by their operands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bin {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `list contains value`
    Contains,
    /// `value in list`
    In,
    NotIn,
    StartsWith,
    EndsWith,
    Add,
    Sub,
    Mul,
    Div,
}

/// A record-level expression (evaluated for one record of a scan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecExpr {
    Field(RecField),
    /// An account-level value (a let, an `account.x` field, a constant expression).
    Account(NodeId),
    Const(Const),
    Unary(Un, Box<RecExpr>),
    Binary(Bin, Box<RecExpr>, Box<RecExpr>),
    Between(Box<RecExpr>, Box<RecExpr>, Box<RecExpr>),
}

/// Aggregation kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggKind {
    Count,
    Distinct,
    Sum,
    Min,
    Max,
    Avg,
    Any,
    All,
}

/// How per-record points fade with age.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecayKind {
    None,
    /// Half-life in seconds.
    HalfLife(f64),
    /// Linear to zero over this many seconds.
    Linear(f64),
}

/// One collection scan: which records count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scan {
    pub collection: Collection,
    /// Window length in seconds (records with `as_of − window < at ≤ as_of`);
    /// for `engaged` the window of the events that make a contact engaged;
    /// ignored for `contacts`.
    pub window: i64,
    /// `where` condition; unknown counts as false.
    pub filter: Option<RecExpr>,
}

/// An account-level node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    Const(Const),
    /// The account's built-in `id`.
    AccountId,
    /// A declared account field, by schema index.
    AccountField(u16),
    Unary(Un, NodeId),
    Binary(Bin, NodeId, NodeId),
    Between(NodeId, NodeId, NodeId),
    /// An aggregation over a collection; `field` for distinct/sum/min/max/avg.
    Aggregate {
        kind: AggKind,
        scan: Scan,
        field: Option<RecExpr>,
    },
    /// `POINTS per COLLECTION ...`: Σ points × decay(age), clipped to `cap`.
    PerRecord {
        points: f64,
        scan: Scan,
        decay: DecayKind,
        cap: Option<f64>,
    },
    /// `POINTS when COND`: points when the condition is true, else 0.
    When {
        points: f64,
        condition: NodeId,
    },
    /// Sum of rule values in order, clipped to `max` from above.
    BlockSum {
        rules: Vec<NodeId>,
        max: Option<f64>,
    },
    /// Sum of block values (the default score).
    Sum(Vec<NodeId>),
    /// The first band whose bound the value reaches, else `otherwise` (text).
    Grade {
        value: NodeId,
        bands: Vec<(StrId, f64)>,
        otherwise: StrId,
    },
}

/// What a point rule is, for explanations and static analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub label: String,
    /// The rule's value (a `When` or `PerRecord` node).
    pub node: NodeId,
    /// For `when` rules, the condition.
    pub condition: Option<NodeId>,
    pub points: f64,
    pub required: bool,
    /// Source line (1-based) of the rule, for explanations.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockInfo {
    pub name: String,
    pub title: Option<String>,
    pub node: NodeId,
    pub max: Option<f64>,
    pub rules: Vec<RuleInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeInfo {
    pub name: String,
    pub node: NodeId,
}

/// A gate: a `gate NAME: COND`, or a `required` rule's condition (named by its label).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateInfo {
    pub name: String,
    pub condition: NodeId,
    /// `Some((block, rule))` when the gate comes from a `required` rule.
    pub from_rule: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteInfo {
    pub queue: String,
    /// SLA in seconds: due = as_of + sla.
    pub sla: i64,
    pub condition: Option<NodeId>,
}

/// One compiled model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelGraph {
    pub name: String,
    pub threshold: f64,
    pub dequalify_below: f64,
    /// Model window in seconds.
    pub window: i64,
    /// Topologically ordered; shared sub-expressions appear once.
    pub nodes: Vec<Node>,
    /// Source text of each node (for explanations and DOT labels).
    pub labels: Vec<String>,
    /// `for` condition: the model applies when it is true.
    pub applies: Option<NodeId>,
    pub blocks: Vec<BlockInfo>,
    pub grades: Vec<GradeInfo>,
    /// In declaration order (required rules sit where they are declared).
    pub gates: Vec<GateInfo>,
    pub score: NodeId,
    pub routes: Vec<RouteInfo>,
    /// Model-level lets, by name.
    pub lets: Vec<(String, NodeId)>,
}

/// A declared field of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub ty: mqa_syntax::FieldType,
}

/// The declared schemas (built-in fields excluded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schemas {
    pub account: Vec<FieldDef>,
    pub contact: Vec<FieldDef>,
    pub event: Vec<FieldDef>,
}

/// A declared source of signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceDef {
    pub name: String,
    pub plugin: String,
    /// The configuration block as JSON (`${data}`/`${rules}` not yet expanded).
    pub config: serde_json::Value,
    /// The plugin's signal fields; empty with `schema_known == false` when the plugin was not available.
    pub fields: Vec<FieldDef>,
    pub schema_known: bool,
}

/// A compiled rule file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub schemas: Schemas,
    pub sources: Vec<SourceDef>,
    pub models: Vec<ModelGraph>,
    /// String constants compared against data (interned by the engine at load).
    pub strings: Vec<String>,
}

impl Program {
    pub fn string(&self, id: StrId) -> &str {
        self.strings.get(id.0 as usize).map_or("", String::as_str)
    }

    pub fn model(&self, name: &str) -> Option<&ModelGraph> {
        self.models.iter().find(|m| m.name == name)
    }
}

impl ModelGraph {
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    pub fn label(&self, id: NodeId) -> &str {
        self.labels.get(id.index()).map_or("", String::as_str)
    }
}
