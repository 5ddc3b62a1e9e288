//! The engine's view of an external signal source (a plugin, or inline test
//! fixtures). The plugin host adapts each loaded plugin to [`SignalSource`];
//! the engine knows nothing of shared libraries.

use mqa_syntax::FieldType;

mod text;

pub use mqa_syntax::time::Micros;
pub use text::{TextValues, TextValuesError};

/// Which account column a source's `account` key joins on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKey {
    /// The account's built-in `id`.
    Id,
    /// The account's declared `domain` field.
    Domain,
}

/// What a source declares about itself: enough for the compiler to type-check
/// uses of its fields and for the engine to join its records.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// Plugin name (e.g. `intent-csv`).
    pub plugin: String,
    pub version: String,
    pub join_key: JoinKey,
    /// Declared signal fields besides the built-in `account` and `at`.
    pub fields: Vec<(String, FieldType)>,
    /// Whether distinct handles of this plugin may be used from different threads at once.
    pub thread_safe: bool,
}

/// What the engine asks a source for: signals of these accounts whose `at`
/// lies in `(from, to]`. A source may return more (the engine filters); it
/// must not return fewer.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRequest {
    /// Account keys (ids or domains, per the source's [`JoinKey`]). Empty means all.
    pub account_keys: Vec<String>,
    pub from: Micros,
    pub to: Micros,
}

/// One column of a batch, aligned with [`SignalBatch::account`]. `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum SignalColumn {
    /// Texts in one buffer ([`TextValues::get`] gives `None` for a missing one).
    Text(TextValues),
    Int(Vec<Option<i64>>),
    Number(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Time(Vec<Option<Micros>>),
}

impl SignalColumn {
    pub fn len(&self) -> usize {
        match self {
            SignalColumn::Text(v) => v.len(),
            SignalColumn::Int(v) => v.len(),
            SignalColumn::Number(v) => v.len(),
            SignalColumn::Bool(v) => v.len(),
            SignalColumn::Time(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A row the source could not read (bad value, missing key). Never dropped
/// silently: the engine writes it to the rejects file.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalReject {
    /// Where the row came from, as the source names it (a file path, an API page).
    pub origin: String,
    /// 1-based line number in `origin`, 0 when not line-based.
    pub line: u64,
    /// The row as read, untouched.
    pub raw: String,
    pub reason: String,
}

/// A columnar batch of signal records, owned by the host (copied out of the
/// plugin). Texts are stored column by column in one buffer each
/// ([`TextValues`]), not one `String` per value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignalBatch {
    /// The join key of each record. Keys are never missing: the engine
    /// rejects a record whose key is missing or empty.
    pub account: TextValues,
    /// The time of each record.
    pub at: Vec<Micros>,
    /// One column per declared field, in [`SourceInfo::fields`] order.
    pub columns: Vec<SignalColumn>,
    /// Rows the source rejected.
    pub rejects: Vec<SignalReject>,
}

/// Errors a source reports; the message is the plugin's own words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignalError {
    #[error("plugin `{plugin}` failed: {message}")]
    Failed { plugin: String, message: String },
    #[error("plugin `{plugin}` returned a malformed batch: {message}")]
    Malformed { plugin: String, message: String },
}

/// A supplier of signal records for one `source NAME = plugin "..." { ... }`.
pub trait SignalSource: Send {
    fn info(&self) -> &SourceInfo;
    fn fetch(&mut self, request: &SignalRequest) -> Result<SignalBatch, SignalError>;
}
