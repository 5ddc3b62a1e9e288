//! # intent-csv: an mqa signal plugin for weekly intent exports
//!
//! Reads a Company-Surge-style weekly intent export, a CSV file with the
//! header `domain,topic,score,week` (any column order; extra columns are
//! allowed and ignored), and serves it as signals joined on the account's
//! `domain`:
//!
//! | signal field | from | type |
//! | --- | --- | --- |
//! | `account` | `domain` | join key (`domain`) |
//! | `at` | `week` (`YYYY-MM-DD`) | 00:00:00Z on that date |
//! | `topic` | `topic` | `text` (empty = missing) |
//! | `score` | `score` (0–100) | `number` (empty = missing) |
//!
//! Configuration (the rule file's block, as JSON): `{"path": "..."}`, the
//! file to read (the engine expands `${data}` and `${rules}` before `open`).
//! `open` fails, naming the path, when the file cannot be opened; `fetch`
//! re-reads it, so a run sees the file as it is when the engine asks.
//!
//! Rows are not de-duplicated. A row with an empty `domain` or `week`, a
//! `week` that is not a date, a `score` that is not a number in 0–100, the
//! wrong number of fields, or broken quoting is reported as a reject (line
//! number, raw row, reason), never skipped. Blank lines are not rows. Cells
//! are not trimmed. Each fetch returns the rows in the requested time range
//! and accounts, plus every rejected row of the file.
//!
//! The crate is a `cdylib` (the plugin) and an `rlib` (so benches and tests
//! can call [`read_intent`] directly).

mod records;

use std::borrow::Cow;

use mqa_plugin_sdk::{
    export_plugin, Batch, Field, FieldType, JoinKey, Metadata, Reject, Request, SignalPlugin, Value,
};
use mqa_syntax::time::parse_timestamp;

use records::{Record, Records};

/// The declared schema: `topic: text, score: number`.
pub const FIELDS: &[Field] = &[
    Field {
        name: "topic",
        ty: FieldType::Text,
    },
    Field {
        name: "score",
        ty: FieldType::Number,
    },
];

const COLUMNS: [&str; 4] = ["domain", "topic", "score", "week"];

/// An open intent export: the file's path.
#[derive(Debug)]
pub struct IntentCsv {
    path: String,
}

impl SignalPlugin for IntentCsv {
    const METADATA: Metadata = Metadata {
        name: "intent-csv",
        version: env!("CARGO_PKG_VERSION"),
        vendor: "mqa project",
        join_key: JoinKey::Domain,
        fields: FIELDS,
        thread_safe: true,
    };

    fn open(config_json: &str) -> Result<Self, String> {
        let config: serde_json::Value = serde_json::from_str(config_json)
            .map_err(|e| format!("the configuration is not JSON: {e}"))?;
        let obj = config
            .as_object()
            .ok_or("the configuration must be a JSON object like {\"path\": \"intent.csv\"}")?;
        if let Some(k) = obj.keys().find(|k| k.as_str() != "path") {
            return Err(format!(
                "unknown setting `{k}`: intent-csv takes only `path`"
            ));
        }
        let path = match obj.get("path") {
            Some(serde_json::Value::String(p)) if !p.is_empty() => p.clone(),
            Some(_) => return Err("the setting `path` must be a non-empty text".to_string()),
            None => return Err("the setting `path` is missing (the intent CSV file)".to_string()),
        };
        std::fs::File::open(&path).map_err(|e| format!("cannot open intent file `{path}`: {e}"))?;
        Ok(IntentCsv { path })
    }

    fn fetch(&mut self, request: &Request) -> Result<Batch, String> {
        let data = std::fs::read(&self.path)
            .map_err(|e| format!("cannot read intent file `{}`: {e}", self.path))?;
        read_intent(&data, &self.path, request)
    }
}

export_plugin!(IntentCsv);

/// A cell shown in a reason: quoted and escaped.
fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

/// Indexes of `domain`, `topic`, `score`, `week` in the header record.
fn header_columns(rec: &Record<'_>, origin: &str) -> Result<[usize; 4], String> {
    let mut idx = [usize::MAX; 4];
    for (i, f) in rec.fields.iter().enumerate() {
        if let Some(c) = COLUMNS
            .iter()
            .position(|c| c.as_bytes().eq_ignore_ascii_case(f))
        {
            if let Some(slot) = idx.get_mut(c).filter(|s| **s == usize::MAX) {
                *slot = i;
            } else {
                return Err(format!(
                    "`{origin}` line {}: the header names `{}` twice",
                    rec.line,
                    COLUMNS.get(c).unwrap_or(&"")
                ));
            }
        }
    }
    if let Some(missing) = idx.iter().position(|i| *i == usize::MAX) {
        return Err(format!(
            "`{origin}` line {}: the header has no `{}` column (expected domain,topic,score,week)",
            rec.line,
            COLUMNS.get(missing).unwrap_or(&"")
        ));
    }
    Ok(idx)
}

/// Why a row is rejected (the caller adds line, origin and raw text).
type RowResult<'a> = Result<(&'a str, i64, Value<'a>, Value<'a>), String>;

/// Reads one data row into (domain, at, topic, score).
fn read_row<'r>(rec: &'r Record<'_>, cols: &[usize; 4], width: usize) -> RowResult<'r> {
    if let Some(e) = rec.error {
        return Err(e.to_string());
    }
    if rec.fields.len() != width {
        return Err(format!(
            "expected {width} fields (as in the header), found {}",
            rec.fields.len()
        ));
    }
    let cell = |c: usize| -> Result<&'r str, String> {
        let b: &'r Cow<'_, [u8]> = cols
            .get(c)
            .and_then(|&i| rec.fields.get(i))
            .ok_or("missing field")?;
        std::str::from_utf8(b).map_err(|_| {
            format!(
                "the `{}` cell is not UTF-8 text",
                COLUMNS.get(c).unwrap_or(&"")
            )
        })
    };
    let (domain, topic, score, week) = (cell(0)?, cell(1)?, cell(2)?, cell(3)?);
    if domain.is_empty() {
        return Err("empty domain".to_string());
    }
    if week.is_empty() {
        return Err("empty week".to_string());
    }
    let at = match parse_timestamp(week) {
        Some(t) if week.len() == 10 => t,
        _ => {
            return Err(format!(
                "week {} is not a date (YYYY-MM-DD)",
                show(week.as_bytes())
            ))
        }
    };
    let score = if score.is_empty() {
        Value::Missing
    } else {
        match score.parse::<f64>() {
            Ok(s) if s.is_finite() && (0.0..=100.0).contains(&s) => Value::Number(s),
            Ok(s) if s.is_finite() => return Err(format!("score {score} is outside 0–100")),
            _ => return Err(format!("score {} is not a number", show(score.as_bytes()))),
        }
    };
    let topic = if topic.is_empty() {
        Value::Missing
    } else {
        Value::Text(topic)
    };
    Ok((domain, at, topic, score))
}

/// Parses a whole intent export. `origin` (the path) names the file in
/// messages and rejects. Returns the rows `request` wants, plus every
/// rejected row; fails only when the header is missing or incomplete.
pub fn read_intent(data: &[u8], origin: &str, request: &Request) -> Result<Batch, String> {
    let mut records = Records::new(data);
    let mut rec = Record::default();
    let cols = loop {
        if !records.next_into(&mut rec) {
            return Err(format!(
                "`{origin}` is empty: expected the header domain,topic,score,week"
            ));
        }
        if !rec.raw.is_empty() {
            break header_columns(&rec, origin)?;
        }
    };
    let width = rec.fields.len();
    let keys = request.key_set();
    // About one record per 48 bytes when every account is wanted.
    let rows_guess = if keys.is_none() { data.len() / 48 } else { 0 };
    let mut batch = Batch::with_capacity(FIELDS, rows_guess);
    while records.next_into(&mut rec) {
        if rec.raw.is_empty() {
            continue;
        }
        match read_row(&rec, &cols, width) {
            Ok((domain, at, topic, score)) => {
                let wanted = request.wants_time(at)
                    && match &keys {
                        None => true,
                        Some(k) => k.contains(domain),
                    };
                if wanted {
                    batch.push_row(domain, at, &[topic, score])?;
                }
            }
            Err(reason) => batch.reject(Reject {
                origin: origin.to_string(),
                line: rec.line,
                raw: String::from_utf8_lossy(rec.raw).into_owned(),
                reason,
            }),
        }
    }
    Ok(batch)
}

#[cfg(test)]
mod tests;
