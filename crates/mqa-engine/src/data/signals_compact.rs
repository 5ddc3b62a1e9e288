//! A plugin's [`SignalBatch`] in compact form: every text (keys and text
//! values) stored once in a dictionary and referred to by number, the other
//! columns as given; and a record as the rejects file shows it. A batch
//! repeats its keys and topics on every record; the session compacts it on
//! the thread that fetched it, so the repeats are freed before the data load
//! reaches its peak.

use super::claims::TextPool;
use crate::intern::{hash_bytes, table_hash};
use crate::signals::{SignalBatch, SignalColumn, SignalReject};
use hashbrown::HashTable;
use mqa_syntax::time::{format_timestamp, Micros};

/// Marks a missing text value.
pub(crate) const NO_TEXT: u32 = u32::MAX;

/// Distinct texts, numbered in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct TextDict {
    texts: TextPool,
    table: HashTable<u32>,
}

impl TextDict {
    fn put(&mut self, s: &str) -> u32 {
        let hash = hash_bytes(s.as_bytes());
        let texts = &self.texts;
        if let Some(&i) = self
            .table
            .find(table_hash(hash), |&i| texts.get(i as usize) == s)
        {
            return i;
        }
        let i = self.texts.push(s);
        let texts = &self.texts;
        self.table.insert_unique(table_hash(hash), i, |&j| {
            table_hash(hash_bytes(texts.get(j as usize).as_bytes()))
        });
        i
    }

    /// Text `i` (`""` out of range).
    pub(crate) fn get(&self, i: u32) -> &str {
        self.texts.get(i as usize)
    }

    /// How many distinct texts.
    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }
}

/// One column of a [`CompactBatch`].
#[derive(Debug)]
pub(crate) enum CompactColumn {
    /// Text values as dictionary numbers ([`NO_TEXT`]: missing).
    Text(Vec<u32>),
    /// Any other column, as the source gave it.
    Other(SignalColumn),
}

/// A [`SignalBatch`] whose texts are numbers in [`CompactBatch::texts`].
#[derive(Debug)]
pub(crate) struct CompactBatch {
    pub texts: TextDict,
    /// The join key of each record.
    pub account: Vec<u32>,
    pub at: Vec<Micros>,
    pub columns: Vec<CompactColumn>,
    pub rejects: Vec<SignalReject>,
}

impl CompactBatch {
    /// Compacts `batch` (its strings are dropped as they are numbered).
    pub(crate) fn new(batch: SignalBatch) -> CompactBatch {
        let SignalBatch {
            account,
            at,
            columns,
            rejects,
        } = batch;
        let mut texts = TextDict::default();
        // A missing key reads as "" (rejected as an empty account).
        let account = account
            .iter()
            .map(|s| s.map_or(NO_TEXT, |s| texts.put(s)))
            .collect();
        let columns = columns
            .into_iter()
            .map(|c| match c {
                SignalColumn::Text(v) => CompactColumn::Text(
                    v.iter()
                        .map(|s| s.map_or(NO_TEXT, |s| texts.put(s)))
                        .collect(),
                ),
                other => CompactColumn::Other(other),
            })
            .collect();
        CompactBatch {
            texts,
            account,
            at,
            columns,
            rejects,
        }
    }

    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.account.len()
    }

    /// The join key of record `i`.
    pub(crate) fn key(&self, i: usize) -> &str {
        self.account.get(i).map_or("", |&k| self.texts.get(k))
    }

    /// Text value of record `i` in a text column (`None`: missing).
    pub(crate) fn text(&self, col: &[u32], i: usize) -> Option<&str> {
        match col.get(i) {
            Some(&t) if t != NO_TEXT => Some(self.texts.get(t)),
            _ => None,
        }
    }
}

/// [`describe`] for a compact batch (the same text).
pub(crate) fn describe_compact(batch: &CompactBatch, i: usize) -> String {
    let mut parts = vec![
        batch.key(i).to_string(),
        batch
            .at
            .get(i)
            .map(|&t| format_timestamp(t))
            .unwrap_or_default(),
    ];
    for c in &batch.columns {
        parts.push(match c {
            CompactColumn::Text(v) => batch.text(v, i).unwrap_or_default().to_string(),
            CompactColumn::Other(c) => value_text(c, i),
        });
    }
    parts.join(",")
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

    #[test]
    fn texts_are_stored_once_and_read_back() {
        let batch = SignalBatch {
            account: ["a.example", "b.example", "a.example"].into(),
            at: vec![1, 2, 3],
            columns: vec![
                SignalColumn::Text([Some("siem"), None, Some("a.example")].into()),
                SignalColumn::Number(vec![Some(1.5), None, Some(3.0)]),
            ],
            rejects: Vec::new(),
        };
        let c = CompactBatch::new(batch);
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c.key(0), c.key(1), c.key(2)),
            ("a.example", "b.example", "a.example")
        );
        let CompactColumn::Text(t) = &c.columns[0] else {
            unreachable!()
        };
        assert_eq!(c.text(t, 0), Some("siem"));
        assert_eq!(c.text(t, 1), None);
        assert_eq!(t[2], c.account[0], "a key and a value share their text");
        assert!(
            matches!(&c.columns[1], CompactColumn::Other(SignalColumn::Number(v)) if v[1].is_none())
        );
    }
}
