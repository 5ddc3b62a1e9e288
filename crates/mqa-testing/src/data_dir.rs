//! A test's data on disk and in memory: `accounts.csv`, `contacts.csv` and
//! `events.csv` (RFC 4180, header = built-in columns + the declared schema
//! fields) written into a folder, exactly as an export would hold them, and
//! an in-memory [`SignalSource`] per declared source serving the inline
//! `signal` records (joined to accounts by `id`).

use crate::fixtures::{Row, SignalRow, TestData};
use mqa_compiler::graph::{FieldDef, Program, SourceDef};
use mqa_engine::run::SourceInput;
use mqa_engine::signals::{
    JoinKey, SignalBatch, SignalColumn, SignalError, SignalRequest, SignalSource, SourceInfo,
};
use std::io;
use std::path::Path;

fn header(builtins: &[&str], fields: &[FieldDef]) -> Vec<String> {
    builtins
        .iter()
        .map(|s| (*s).to_string())
        .chain(fields.iter().map(|f| f.name.clone()))
        .collect()
}

fn write_table(path: &Path, header: &[String], rows: &[&Row]) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(path)
        .map_err(io::Error::other)?;
    w.write_record(header).map_err(io::Error::other)?;
    for r in rows {
        w.write_record(r.cells.iter().map(|c| c.as_deref().unwrap_or("")))
            .map_err(io::Error::other)?;
    }
    w.flush()
}

/// The data files' names, in the order they are written.
pub(crate) const FILES: [&str; 3] = ["accounts.csv", "contacts.csv", "events.csv"];

/// Writes the three data files of a test into `dir`.
pub(crate) fn write(dir: &Path, program: &Program, data: &TestData) -> io::Result<()> {
    let s = &program.schemas;
    let [acc, con, ev] = FILES;
    write_table(
        &dir.join(acc),
        &header(&["id"], &s.account),
        &[&data.account],
    )?;
    write_table(
        &dir.join(con),
        &header(&["id", "account_id"], &s.contact),
        &data.contacts.iter().collect::<Vec<_>>(),
    )?;
    write_table(
        &dir.join(ev),
        &header(&["id", "account_id", "contact_id", "at"], &s.event),
        &data.events.iter().collect::<Vec<_>>(),
    )
}

/// Inline signal records of one source, served as a plugin would serve them.
pub(crate) struct InlineSource {
    info: SourceInfo,
    batch: SignalBatch,
}

impl InlineSource {
    /// Every value travels as text and is read by the field's declared type,
    /// as a CSV cell is.
    pub(crate) fn new(def: &SourceDef, rows: &[SignalRow]) -> InlineSource {
        let columns = (0..def.fields.len())
            .map(|i| {
                SignalColumn::Text(
                    rows.iter()
                        .map(|r| r.cells.get(i).and_then(|c| c.as_deref()))
                        .collect(),
                )
            })
            .collect();
        InlineSource {
            info: SourceInfo {
                plugin: def.plugin.clone(),
                version: "inline test fixtures".to_string(),
                join_key: JoinKey::Id,
                fields: def.fields.iter().map(|f| (f.name.clone(), f.ty)).collect(),
                thread_safe: true,
            },
            batch: SignalBatch {
                account: rows.iter().map(|r| r.account.as_str()).collect(),
                at: rows.iter().map(|r| r.at).collect(),
                columns,
                rejects: Vec::new(),
            },
        }
    }
}

impl SignalSource for InlineSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn fetch(&mut self, _request: &SignalRequest) -> Result<SignalBatch, SignalError> {
        Ok(self.batch.clone())
    }
}

/// One inline source per declared source, in program order.
pub(crate) fn sources(program: &Program, data: &TestData) -> Vec<SourceInput> {
    program
        .sources
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let rows = data.signals.get(i).map_or(&[][..], Vec::as_slice);
            Ok(Box::new(InlineSource::new(def, rows)) as Box<dyn SignalSource>)
        })
        .collect()
}
