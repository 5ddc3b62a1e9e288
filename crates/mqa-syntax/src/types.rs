//! Value types that appear in rule files (`schema` field types) and in plugin schemas.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The type of a declared field: a schema column or a plugin signal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Int,
    Number,
    Bool,
    Time,
    ListText,
    ListNumber,
}

impl FieldType {
    /// The spelling used in rule files (`list<text>` etc.).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Int => "int",
            FieldType::Number => "number",
            FieldType::Bool => "bool",
            FieldType::Time => "time",
            FieldType::ListText => "list<text>",
            FieldType::ListNumber => "list<number>",
        }
    }

    /// Parses the rule-file spelling; `None` for anything else.
    pub fn parse(s: &str) -> Option<FieldType> {
        Some(match s {
            "text" => FieldType::Text,
            "int" => FieldType::Int,
            "number" => FieldType::Number,
            "bool" => FieldType::Bool,
            "time" => FieldType::Time,
            "list<text>" => FieldType::ListText,
            "list<number>" => FieldType::ListNumber,
            _ => return None,
        })
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
