//! The owned Rust types a plugin author works with: metadata, the request,
//! field values and rejects. None of these cross the ABI as they are; the
//! SDK converts them.

use std::collections::HashSet;

use crate::abi;

/// The type of a signal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// UTF-8 text.
    Text,
    /// 64-bit signed integer.
    Int,
    /// 64-bit floating point number.
    Number,
    /// `true` / `false`.
    Bool,
    /// A point in time: microseconds since the Unix epoch, UTC.
    Time,
}

impl FieldType {
    /// The ABI type code (`MQA_TYPE_*`).
    pub fn code(self) -> u32 {
        match self {
            FieldType::Text => abi::MQA_TYPE_TEXT,
            FieldType::Int => abi::MQA_TYPE_INT,
            FieldType::Number => abi::MQA_TYPE_NUMBER,
            FieldType::Bool => abi::MQA_TYPE_BOOL,
            FieldType::Time => abi::MQA_TYPE_TIME,
        }
    }

    /// The type of an ABI type code; `None` for an unknown code.
    pub fn from_code(code: u32) -> Option<FieldType> {
        Some(match code {
            abi::MQA_TYPE_TEXT => FieldType::Text,
            abi::MQA_TYPE_INT => FieldType::Int,
            abi::MQA_TYPE_NUMBER => FieldType::Number,
            abi::MQA_TYPE_BOOL => FieldType::Bool,
            abi::MQA_TYPE_TIME => FieldType::Time,
            _ => return None,
        })
    }

    /// The spelling rule files use (`text`, `int`, `number`, `bool`, `time`).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Int => "int",
            FieldType::Number => "number",
            FieldType::Bool => "bool",
            FieldType::Time => "time",
        }
    }
}

/// Which account column a plugin's records join on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKey {
    /// The account's built-in `id`.
    Id,
    /// The account's `domain` field.
    Domain,
}

impl JoinKey {
    /// The ABI code (`MQA_JOIN_*`).
    pub fn code(self) -> u32 {
        match self {
            JoinKey::Id => abi::MQA_JOIN_ID,
            JoinKey::Domain => abi::MQA_JOIN_DOMAIN,
        }
    }

    /// The join key of an ABI code; `None` for an unknown code.
    pub fn from_code(code: u32) -> Option<JoinKey> {
        match code {
            abi::MQA_JOIN_ID => Some(JoinKey::Id),
            abi::MQA_JOIN_DOMAIN => Some(JoinKey::Domain),
            _ => None,
        }
    }

    /// `id` or `domain`.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKey::Id => "id",
            JoinKey::Domain => "domain",
        }
    }
}

/// One declared signal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name rule files use (`intent.topic`).
    pub name: &'static str,
    pub ty: FieldType,
}

/// What a plugin says about itself. Declared once, as
/// [`SignalPlugin::METADATA`](crate::SignalPlugin::METADATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    /// The name rule files use in `plugin "NAME"` (ASCII letters, digits,
    /// `-`, `_`, `.`). The library file must be `lib<NAME with - as _>.so`.
    pub name: &'static str,
    /// The plugin's version; `env!("CARGO_PKG_VERSION")` is a good choice.
    pub version: &'static str,
    /// Who ships the plugin.
    pub vendor: &'static str,
    /// Which account column the records' keys match.
    pub join_key: JoinKey,
    /// The record fields besides the built-in `account` and `at`.
    pub fields: &'static [Field],
    /// Whether two handles may be used from two threads at the same time.
    pub thread_safe: bool,
}

/// What the host asks for: records of these accounts whose `at` lies in
/// `(from, to]`. A plugin may return more (the engine filters), never fewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Account keys (ids or domains, per the join key). Empty means every account.
    pub account_keys: Vec<String>,
    /// Exclusive lower bound, microseconds since the Unix epoch UTC.
    pub from: i64,
    /// Inclusive upper bound, microseconds since the Unix epoch UTC.
    pub to: i64,
}

impl Request {
    /// Whether `at` lies in the requested `(from, to]`.
    pub fn wants_time(&self, at: i64) -> bool {
        self.from < at && at <= self.to
    }

    /// A filter on account keys: `None` when every account is wanted, else
    /// the set of wanted keys (build it once per fetch, not per row).
    pub fn key_set(&self) -> Option<HashSet<&str>> {
        if self.account_keys.is_empty() {
            None
        } else {
            Some(self.account_keys.iter().map(String::as_str).collect())
        }
    }
}

/// One field value of a record, borrowed. `Missing` is allowed for any field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Missing,
    Text(&'a str),
    Int(i64),
    Number(f64),
    Bool(bool),
    /// Microseconds since the Unix epoch, UTC.
    Time(i64),
}

impl Value<'_> {
    /// The field type this value fits; `None` for `Missing` (which fits all).
    pub fn field_type(&self) -> Option<FieldType> {
        Some(match self {
            Value::Missing => return None,
            Value::Text(_) => FieldType::Text,
            Value::Int(_) => FieldType::Int,
            Value::Number(_) => FieldType::Number,
            Value::Bool(_) => FieldType::Bool,
            Value::Time(_) => FieldType::Time,
        })
    }
}

/// An input row the plugin could not read. Report every one: the engine
/// writes them to its rejects file, so bad input is never silently skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Where the row came from (a file path, an API page).
    pub origin: String,
    /// 1-based line number in `origin`, 0 when the input is not line-based.
    pub line: u64,
    /// The row as read, untouched.
    pub raw: String,
    /// Why it was rejected.
    pub reason: String,
}
