//! A plugin's [`SignalBatch`] as the join sees it: made ready on the thread
//! that fetched it, its values read as the declared field types, and a
//! record as the rejects file shows it.
//!
//! A batch's text columns ([`TextValues`]) already store each distinct
//! text once (keys repeat on consecutive records, topics everywhere);
//! compacting drops the lookup tables the value columns used while being
//! filled, and their spare room, so that memory is freed before the data
//! load reaches its peak. A text column's value is then read once per distinct text,
//! not once per record.

use super::column::{Column, Staged, BOOL_MISSING};
use super::values::stage_bytes;
use crate::intern::{Interner, Sym};
use crate::signals::{SignalBatch, SignalColumn, TextValues};
use mqa_syntax::time::format_timestamp;
use mqa_syntax::FieldType;

/// Frees what the batch's text value columns needed only while being
/// filled (the keys keep their index: the join looks keys up by text).
pub(crate) fn compact(batch: &mut SignalBatch) {
    for c in &mut batch.columns {
        if let SignalColumn::Text(t) = c {
            t.seal();
        }
    }
}

/// Reads one batch column as the values of a declared field: checks each
/// record's value ([`FieldReader::check`]), then makes the field's column
/// of the records used, in the table's order ([`FieldReader::column`]).
pub(crate) struct FieldReader<'b> {
    name: &'b str,
    ty: FieldType,
    source: Source<'b>,
}

/// A [`FieldReader`]'s batch column.
enum Source<'b> {
    /// A text column for a text field: the symbol of each distinct text,
    /// interned when first checked.
    Symbols {
        values: &'b TextValues,
        memo: Vec<Option<Sym>>,
    },
    /// A text column for another type: each distinct text parsed once.
    Parsed {
        values: &'b TextValues,
        memo: Vec<Option<Staged>>,
    },
    /// A number column for a number or int field.
    Numbers(&'b [Option<f64>]),
    /// Any other column.
    Other(&'b SignalColumn),
}

impl<'b> FieldReader<'b> {
    /// A reader of `column` for the field `(name, ty)`.
    pub(crate) fn new(column: &'b SignalColumn, (name, ty): &'b (String, FieldType)) -> Self {
        let source = match (column, ty) {
            (SignalColumn::Text(values), FieldType::Text) => Source::Symbols {
                values,
                memo: vec![None; values.distinct()],
            },
            (SignalColumn::Text(values), _) => Source::Parsed {
                values,
                memo: vec![None; values.distinct()],
            },
            (SignalColumn::Number(values), FieldType::Number | FieldType::Int) => {
                Source::Numbers(values)
            }
            (column, _) => Source::Other(column),
        };
        FieldReader {
            name,
            ty: *ty,
            source,
        }
    }

    /// Checks record `i`'s value: why it does not fit the field, if it
    /// does not. Text values are parsed as a CSV cell would be (so a text
    /// column may feed any type; an empty text is missing), each distinct
    /// text once, when first checked (interning a text field's texts in
    /// the order records first use them).
    #[inline]
    pub(crate) fn check(&mut self, i: usize, interner: &mut Interner) -> Result<(), String> {
        let (name, ty) = (self.name, self.ty);
        match &mut self.source {
            Source::Symbols { values, memo } => {
                let Some(k) = values.code(i) else {
                    return Ok(());
                };
                if let Some(slot @ None) = memo.get_mut(k as usize) {
                    *slot = match text_value(values, k, name, ty, interner)? {
                        Staged::Text(sym) => Some(sym),
                        _ => Some(Sym::MISSING),
                    };
                }
            }
            Source::Parsed { values, memo } => {
                let Some(k) = values.code(i) else {
                    return Ok(());
                };
                if let Some(slot @ None) = memo.get_mut(k as usize) {
                    *slot = Some(text_value(values, k, name, ty, interner)?);
                }
            }
            Source::Numbers(values) => match values.get(i).copied().flatten() {
                Some(x) if !x.is_finite() => return Err(not_a(name, ty, x)),
                Some(x) if ty == FieldType::Int && x.fract() != 0.0 => {
                    return Err(not_a(name, ty, x))
                }
                _ => {}
            },
            Source::Other(column) => {
                stage_value(name, ty, column, i)?;
            }
        }
        Ok(())
    }

    /// The field's column: the values of records `order` (each checked).
    pub(crate) fn column(&self, order: &[u32]) -> Column {
        let (name, ty) = (self.name, self.ty);
        match &self.source {
            Source::Symbols { values, memo } => Column::Text(
                order
                    .iter()
                    .map(|&i| {
                        let k = values.code(i as usize);
                        k.and_then(|k| memo.get(k as usize).copied().flatten())
                            .unwrap_or(Sym::MISSING)
                    })
                    .collect(),
            ),
            Source::Numbers(values) => Column::Number(
                order
                    .iter()
                    .map(|&i| {
                        values
                            .get(i as usize)
                            .copied()
                            .flatten()
                            .unwrap_or(f64::NAN)
                    })
                    .collect(),
            ),
            Source::Parsed { values, memo } => {
                let mut out = Column::new(ty, order.len());
                for &i in order {
                    let k = values.code(i as usize);
                    match k.and_then(|k| memo.get(k as usize).cloned().flatten()) {
                        Some(v) => out.push(v),
                        None => out.push_missing(),
                    }
                }
                out
            }
            Source::Other(column) => {
                let mut out = Column::new(ty, order.len());
                for &i in order {
                    match stage_value(name, ty, column, i as usize) {
                        Ok(v) => out.push(v),
                        Err(_) => out.push_missing(),
                    }
                }
                out
            }
        }
    }
}

/// Distinct text `k` of a text column as a value of the declared type.
fn text_value(
    values: &TextValues,
    k: u32,
    name: &str,
    ty: FieldType,
    interner: &mut Interner,
) -> Result<Staged, String> {
    match values.text(k) {
        None | Some("") => Ok(Staged::missing(ty, Sym::MISSING)),
        Some(s) => stage_bytes(name, ty, s.as_bytes(), interner, true),
    }
}

fn not_a(name: &str, ty: FieldType, x: f64) -> String {
    format!("{name}: {x} is not {}", ty.as_str())
}

/// Record `i` of a column other than text as a value of the declared type.
fn stage_value(name: &str, ty: FieldType, col: &SignalColumn, i: usize) -> Result<Staged, String> {
    let missing = Staged::missing(ty, Sym::MISSING);
    match (col, ty) {
        (SignalColumn::Int(v), FieldType::Int | FieldType::Number) => Ok(v
            .get(i)
            .copied()
            .flatten()
            .map_or(missing, |x| Staged::Number(x as f64))),
        (SignalColumn::Number(v), FieldType::Int | FieldType::Number) => {
            match v.get(i).copied().flatten() {
                None => Ok(missing),
                Some(x) if !x.is_finite() => Err(not_a(name, ty, x)),
                Some(x) if ty == FieldType::Int && x.fract() != 0.0 => Err(not_a(name, ty, x)),
                Some(x) => Ok(Staged::Number(x)),
            }
        }
        (SignalColumn::Bool(v), FieldType::Bool) => Ok(Staged::Bool(
            v.get(i).copied().flatten().map_or(BOOL_MISSING, u8::from),
        )),
        (SignalColumn::Time(v), FieldType::Time) => {
            Ok(v.get(i).copied().flatten().map_or(missing, Staged::Time))
        }
        (c, _) => Err(format!(
            "{name}: the source gave {} values for a {} field",
            column_kind(c),
            ty.as_str()
        )),
    }
}

fn column_kind(c: &SignalColumn) -> &'static str {
    match c {
        SignalColumn::Text(_) => "text",
        SignalColumn::Int(_) => "int",
        SignalColumn::Number(_) => "number",
        SignalColumn::Bool(_) => "bool",
        SignalColumn::Time(_) => "time",
    }
}

/// Value `i` of a column as the rejects file shows it (empty when missing).
fn value_text(c: &SignalColumn, i: usize) -> String {
    fn shown<T: Copy>(v: &[Option<T>], i: usize, text: impl Fn(T) -> String) -> String {
        v.get(i).copied().flatten().map(text).unwrap_or_default()
    }
    match c {
        SignalColumn::Text(v) => v.get(i).unwrap_or_default().to_string(),
        SignalColumn::Int(v) => shown(v, i, |x| x.to_string()),
        SignalColumn::Number(v) => shown(v, i, |x| x.to_string()),
        SignalColumn::Bool(v) => shown(v, i, |x| x.to_string()),
        SignalColumn::Time(v) => shown(v, i, format_timestamp),
    }
}

/// A record written out for the rejects file: `account,at,field...`.
pub(crate) fn describe(batch: &SignalBatch, i: usize) -> String {
    let mut parts = vec![
        batch.account.get(i).unwrap_or_default().to_string(),
        batch
            .at
            .get(i)
            .map(|&t| format_timestamp(t))
            .unwrap_or_default(),
    ];
    for c in &batch.columns {
        parts.push(value_text(c, i));
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::TextValues;

    #[test]
    fn compacting_keeps_the_values_and_records_read_as_csv() {
        let mut batch = SignalBatch {
            account: ["a.example", "b.example", "a.example"].into(),
            at: vec![0, 86_400_000_000, 2],
            columns: vec![
                SignalColumn::Text([Some("siem"), None, Some("")].into()),
                SignalColumn::Number(vec![Some(1.5), None, Some(3.0)]),
            ],
            rejects: Vec::new(),
        };
        let before = batch.clone();
        compact(&mut batch);
        assert_eq!(batch, before);
        assert_eq!(batch.account.distinct(), 2);
        assert_eq!(
            describe(&batch, 0),
            "a.example,1970-01-01T00:00:00Z,siem,1.5"
        );
        assert_eq!(describe(&batch, 1), "b.example,1970-01-02T00:00:00Z,,");
        // Filling a compacted column again still finds its texts.
        let SignalColumn::Text(t) = &mut batch.columns[0] else {
            unreachable!()
        };
        t.push(Some("siem"));
        t.push(Some("new"));
        assert_eq!(t.code(3), t.code(0));
        assert_eq!(t.distinct(), 3);
        assert_eq!(
            *t,
            TextValues::from([Some("siem"), None, Some(""), Some("siem"), Some("new")])
        );
    }
}
