//! Shared by the `semantics_*` tests: a small data set written from Rust
//! literals into a temp dir, a rule snippet compiled against a fixed schema
//! prelude, in-memory signal sources, and a loaded [`Session`] whose
//! decisions and details the tests read by account id.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mqa_compiler::compile;
use mqa_engine::data::{LoadOptions, MemoryRejects};
use mqa_engine::eval::Decision;
use mqa_engine::explain::{Detail, RuleResult};
use mqa_engine::run::{Session, SourceInput};
use mqa_engine::signals::{
    JoinKey, SignalBatch, SignalColumn, SignalError, SignalRequest, SignalSource, SourceInfo,
};
use mqa_syntax::time::parse_timestamp;
use mqa_syntax::{FieldType, SourceFile};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The moment most tests score at.
pub const AS_OF: &str = "2026-11-01T00:00:00Z";

/// Schemas every snippet gets (the CSV headers below match them).
pub const PRELUDE: &str = "
schema account {
  domain: text
  industry: text
  employees: int
  revenue: number
  tier: int
  regulated: bool
  seats: int
  seats_used: int
  founded: time
  tags: list<text>
}
schema contact {
  role: text
  department: text
}
schema event {
  kind: text
  asset_tier: text
  value: number
}
";

const ACCOUNT_COLS: &[&str] = &[
    "id",
    "domain",
    "industry",
    "employees",
    "revenue",
    "tier",
    "regulated",
    "seats",
    "seats_used",
    "founded",
    "tags",
];
const CONTACT_COLS: &[&str] = &["id", "account_id", "role", "department"];
const EVENT_COLS: &[&str] = &[
    "id",
    "account_id",
    "contact_id",
    "at",
    "kind",
    "asset_tier",
    "value",
];

/// Micros of a timestamp literal.
pub fn t(s: &str) -> i64 {
    parse_timestamp(s).unwrap_or_else(|| panic!("bad timestamp {s}"))
}

/// `AS_OF` minus `secs` seconds, as RFC 3339.
pub fn secs_ago(secs: i64) -> String {
    mqa_syntax::time::format_timestamp(t(AS_OF) - secs * 1_000_000)
}

/// `AS_OF` minus `days` days, as RFC 3339.
pub fn days_ago(days: i64) -> String {
    secs_ago(days * 86_400)
}

/// Models `NAME { threshold 0  score = EXPR }`, one per `(name, expr)`: each
/// model's score is the expression's value (NaN when it is missing).
pub fn score_models(exprs: &[(&str, &str)]) -> String {
    exprs
        .iter()
        .map(|(n, e)| format!("model {n} {{\n  threshold 0\n  score = {e}\n}}\n"))
        .collect()
}

/// Models `NAME { threshold 1  block b { 1 when COND } }`, one per `(name, cond)`:
/// each model's score is 1 when the condition is true, else 0.
pub fn cond_models(conds: &[(&str, &str)]) -> String {
    conds
        .iter()
        .map(|(n, c)| format!("model {n} {{\n  threshold 1\n  block b {{ 1 when {c} }}\n}}\n"))
        .collect()
}

/// One CSV cell, quoted when needed (RFC 4180).
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn row(cols: &[&str], given: &[(&str, &str)]) -> String {
    for (k, _) in given {
        assert!(cols.contains(k), "unknown column `{k}` (columns: {cols:?})");
    }
    cols.iter()
        .map(|c| {
            given
                .iter()
                .find(|(k, _)| k == c)
                .map_or(String::new(), |(_, v)| cell(v))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Signals of one in-memory source.
#[derive(Debug, Clone)]
pub struct Signals {
    pub plugin: String,
    pub join: JoinKey,
    pub fields: Vec<(String, FieldType)>,
    pub batch: SignalBatch,
}

/// One intent signal row: key (domain or id), at, topic, score.
pub type IntentRow<'a> = (&'a str, &'a str, Option<&'a str>, Option<f64>);

impl Signals {
    /// A `topic: text, score: number` source (like intent-csv), under the plugin name `plugin`.
    pub fn intent(plugin: &str, join: JoinKey, rows: &[IntentRow<'_>]) -> Signals {
        Signals {
            plugin: plugin.to_string(),
            join,
            fields: vec![
                ("topic".to_string(), FieldType::Text),
                ("score".to_string(), FieldType::Number),
            ],
            batch: SignalBatch {
                account: rows.iter().map(|r| r.0.to_string()).collect(),
                at: rows.iter().map(|r| t(r.1)).collect(),
                columns: vec![
                    SignalColumn::Text(rows.iter().map(|r| r.2.map(String::from)).collect()),
                    SignalColumn::Number(rows.iter().map(|r| r.3).collect()),
                ],
                rejects: vec![],
            },
        }
    }
}

impl Signals {
    /// A source that hands back this batch whenever it is asked.
    pub fn source(&self) -> SourceInput {
        let src: Box<dyn SignalSource> = Box::new(FixedSource {
            info: SourceInfo {
                plugin: self.plugin.clone(),
                version: "0.0.0".into(),
                join_key: self.join,
                fields: self.fields.clone(),
                thread_safe: true,
            },
            batch: self.batch.clone(),
        });
        Ok(src)
    }
}

/// A source that hands back a fixed batch.
struct FixedSource {
    info: SourceInfo,
    batch: SignalBatch,
}

impl SignalSource for FixedSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn fetch(&mut self, _request: &SignalRequest) -> Result<SignalBatch, SignalError> {
        Ok(self.batch.clone())
    }
}

/// The data set of one test.
#[derive(Debug, Clone, Default)]
pub struct Data {
    accounts: Vec<String>,
    contacts: Vec<String>,
    events: Vec<String>,
    /// Raw file texts that replace the generated ones.
    raw: HashMap<&'static str, String>,
    /// Files written as given (`accounts.jsonl`, `events.csv.gz`); a table
    /// with such a file gets no generated `.csv`.
    files: Vec<(String, Vec<u8>)>,
    pub signals: Vec<Signals>,
}

impl Data {
    pub fn new() -> Data {
        Data::default()
    }

    /// An account; unnamed columns are empty (missing).
    pub fn account(mut self, id: &str, fields: &[(&str, &str)]) -> Data {
        let mut all = vec![("id", id)];
        all.extend_from_slice(fields);
        self.accounts.push(row(ACCOUNT_COLS, &all));
        self
    }

    pub fn contact(mut self, id: &str, account: &str, fields: &[(&str, &str)]) -> Data {
        let mut all = vec![("id", id), ("account_id", account)];
        all.extend_from_slice(fields);
        self.contacts.push(row(CONTACT_COLS, &all));
        self
    }

    /// An event; `contact` may be empty (anonymous).
    pub fn event(
        mut self,
        id: &str,
        account: &str,
        contact: &str,
        at: &str,
        fields: &[(&str, &str)],
    ) -> Data {
        let mut all = vec![
            ("id", id),
            ("account_id", account),
            ("contact_id", contact),
            ("at", at),
        ];
        all.extend_from_slice(fields);
        self.events.push(row(EVENT_COLS, &all));
        self
    }

    /// A file's exact text (`accounts`, `contacts` or `events`), header included.
    pub fn raw(mut self, table: &'static str, text: &str) -> Data {
        self.raw.insert(table, text.to_string());
        self
    }

    /// A file written as given, replacing the table's generated `.csv`
    /// (`accounts.jsonl`, `events.csv.gz`, ...).
    pub fn file(mut self, name: &str, bytes: impl Into<Vec<u8>>) -> Data {
        self.files.push((name.to_string(), bytes.into()));
        self
    }

    /// The generated CSV text of a table (`accounts`, `contacts`, `events`).
    pub fn csv_text(&self, table: &'static str) -> String {
        match table {
            "accounts" => self.text(table, ACCOUNT_COLS, &self.accounts),
            "contacts" => self.text(table, CONTACT_COLS, &self.contacts),
            _ => self.text(table, EVENT_COLS, &self.events),
        }
    }

    pub fn source(mut self, s: Signals) -> Data {
        self.signals.push(s);
        self
    }

    fn text(&self, table: &'static str, cols: &[&str], rows: &[String]) -> String {
        if let Some(r) = self.raw.get(table) {
            return r.clone();
        }
        let mut s = cols.join(",");
        s.push('\n');
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s
    }

    fn write(&self, dir: &std::path::Path) {
        for name in ["accounts", "contacts", "events"] {
            let replaced = self
                .files
                .iter()
                .any(|(f, _)| f.split('.').next() == Some(name));
            if !replaced {
                std::fs::write(dir.join(format!("{name}.csv")), self.csv_text(name)).unwrap();
            }
        }
        for (name, bytes) in &self.files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// A scored data set.
pub struct Run {
    pub session: Session,
    pub decisions: Vec<Decision>,
    pub rejects: MemoryRejects,
    /// Compiler warnings, as `message [code]`.
    pub warnings: Vec<String>,
    _dir: tempfile::TempDir,
}

/// Compiles `PRELUDE + rules`, panicking with the diagnostics on an error.
pub fn compile_rules(rules: &str, signals: &[Signals]) -> (mqa_compiler::Program, Vec<String>) {
    let text = format!("{PRELUDE}\n{rules}");
    let file = SourceFile::new("test.mqa", text.clone());
    let ast = match mqa_syntax::parse(&file) {
        Ok(a) => a,
        Err(d) => panic!("syntax errors:\n{}", render(&file, &d.0)),
    };
    let schemas: HashMap<String, Vec<(String, FieldType)>> = signals
        .iter()
        .map(|s| (s.plugin.clone(), s.fields.clone()))
        .collect();
    let compiled = compile(&ast, &text, &schemas);
    if compiled.has_errors() {
        panic!("compile errors:\n{}", render(&file, &compiled.diagnostics));
    }
    let warnings = compiled
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    (compiled.program.unwrap(), warnings)
}

fn render(file: &SourceFile, d: &[mqa_syntax::Diagnostic]) -> String {
    let mut s = String::new();
    for x in d {
        let (l, c) = file.line_col(x.span.start as usize);
        let _ = writeln!(s, "{l}:{c}: {x}");
    }
    s
}

/// Scores every account of `data` with every model of `rules` at `as_of`.
pub fn run_at(rules: &str, data: &Data, as_of: &str) -> Run {
    try_run_at(rules, data, as_of).unwrap_or_else(|e| panic!("load failed: {e}"))
}

/// Scores at [`AS_OF`].
pub fn run(rules: &str, data: &Data) -> Run {
    run_at(rules, data, AS_OF)
}

pub fn try_run_at(rules: &str, data: &Data, as_of: &str) -> Result<Run, mqa_engine::run::RunError> {
    let (program, warnings) = compile_rules(rules, &data.signals);
    let dir = tempfile::tempdir().unwrap();
    data.write(dir.path());
    let sources: Vec<SourceInput> = data.signals.iter().map(Signals::source).collect();
    let mut rejects = MemoryRejects::new();
    let opts = LoadOptions {
        as_of: t(as_of),
        window_start: None,
        max_reject_rate: 1.0,
    };
    let session = Session::load(program, dir.path(), &opts, sources, false, &mut rejects)?;
    let all = session.select_models(None).unwrap();
    let decisions = session.score_all(&all, &|_| {});
    Ok(Run {
        session,
        decisions,
        rejects,
        warnings,
        _dir: dir,
    })
}

impl Run {
    fn account_row(&self, account: &str) -> usize {
        let s = &self.session;
        s.data
            .accounts
            .id
            .iter()
            .position(|&id| s.interner.resolve(id) == account)
            .unwrap_or_else(|| panic!("no account `{account}`"))
    }

    fn model_index(&self, model: &str) -> usize {
        self.session
            .program
            .models
            .iter()
            .position(|m| m.name == model)
            .unwrap_or_else(|| panic!("no model `{model}`"))
    }

    /// The decision of `model` for `account`, if the model applies.
    pub fn decision_of(&self, model: &str, account: &str) -> Option<&Decision> {
        let (m, a) = (self.model_index(model), self.account_row(account));
        self.decisions
            .iter()
            .find(|d| d.model as usize == m && d.account as usize == a)
    }

    /// The decision of the file's only (first) model.
    pub fn decision(&self, account: &str) -> &Decision {
        let name = self.session.program.models[0].name.clone();
        self.decision_of(&name, account)
            .unwrap_or_else(|| panic!("no decision for `{account}`"))
    }

    /// The score of `model` for `account` (NaN when a `score =` is missing).
    pub fn value(&self, model: &str, account: &str) -> f64 {
        self.decision_of(model, account)
            .unwrap_or_else(|| panic!("no decision of `{model}` for `{account}`"))
            .score
    }

    /// Whether the condition of a [`cond_models`] model holds.
    pub fn holds(&self, model: &str, account: &str) -> bool {
        let v = self.value(model, account);
        assert!(
            v == 0.0 || v == 1.0,
            "`{model}` for `{account}`: score {v} is not 0 or 1"
        );
        v == 1.0
    }

    pub fn score(&self, account: &str) -> f64 {
        self.decision(account).score
    }

    pub fn qualified(&self, account: &str) -> bool {
        self.decision(account).qualified
    }

    /// The full decision of `model` for `account`.
    pub fn detail_of(&self, model: &str, account: &str) -> Detail {
        self.session
            .detail(self.model_index(model), self.account_row(account))
            .unwrap_or_else(|| panic!("no decision of `{model}` for `{account}`"))
    }

    /// The full decision of the first model.
    pub fn detail(&self, account: &str) -> Detail {
        let name = self.session.program.models[0].name.clone();
        self.detail_of(&name, account)
    }

    /// A block's points (first model).
    pub fn block(&self, account: &str, block: &str) -> f64 {
        self.detail(account)
            .blocks
            .iter()
            .find(|b| b.name == block)
            .unwrap_or_else(|| panic!("no block `{block}`"))
            .points
    }

    /// A rule's result by label (first model).
    pub fn rule(&self, account: &str, label: &str) -> RuleResult {
        let d = self.detail(account);
        d.blocks
            .iter()
            .flat_map(|b| b.rules.iter())
            .find(|r| r.label == label)
            .unwrap_or_else(|| panic!("no rule labelled `{label}`"))
            .clone()
    }

    /// A rule's points by label (first model).
    pub fn points(&self, account: &str, label: &str) -> f64 {
        self.rule(account, label).points
    }

    /// Names of failed gates, in the decision's order (first model).
    pub fn failed_gates(&self, account: &str) -> Vec<String> {
        let d = self.decision(account);
        let g = &self.session.program.models[d.model as usize];
        d.failed_gates
            .iter()
            .map(|i| g.gates[*i as usize].name.clone())
            .collect()
    }

    /// Whether the named gate passed (from the full decision, first model).
    pub fn gate(&self, account: &str, name: &str) -> bool {
        self.detail(account)
            .gates
            .iter()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("no gate `{name}`"))
            .passed
    }

    /// The value of the named grade (first model).
    pub fn grade(&self, account: &str, name: &str) -> String {
        self.detail(account)
            .grades
            .iter()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("no grade `{name}`"))
            .value
            .clone()
    }

    /// `(queue, sla_due)` of the first model's decision.
    pub fn route(&self, account: &str) -> Option<(String, String)> {
        self.detail(account)
            .route
            .map(|r| (r.queue.clone(), r.sla_due.clone()))
    }

    /// The decisions as `csv` output.
    pub fn csv(&self, only_qualified: bool) -> String {
        let mut out = Vec::new();
        mqa_engine::output::write_csv(&self.session, &self.decisions, only_qualified, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }
}

/// Asserts a score equals a hand-computed value (to 1e-9, relative above 1;
/// tighter than the conformance tolerance of 1e-6).
#[track_caller]
pub fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "expected {expected}, got {actual}"
    );
}
