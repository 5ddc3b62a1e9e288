//! The `csv` decision format: rows written straight into text, in
//! parallel pieces, either from decisions ([`write_csv`]) or while the
//! accounts are scored ([`score_csv`]).

use super::push_score;
use crate::data::{Accounts, DataRef};
use crate::eval::Decision;
use crate::intern::Interner;
use crate::run::Session;
use mqa_compiler::graph::Program;
use mqa_syntax::time::Micros;
use std::io::Write;

/// Decisions formatted per piece, on the worker threads.
const CSV_PIECE: usize = 4096;

/// The header of the `csv` format.
pub(crate) const CSV_HEADER: &str =
    "model,account,score,qualified,grade,route,sla_due,failed_gates\n";

/// Writes decisions as CSV: `model,account,score,qualified,grade,route,sla_due,failed_gates`.
/// Pieces of decisions are formatted in parallel and written in order.
/// A field is quoted when it holds `,`, `"`, CR or LF (its quotes doubled),
/// as the `csv` crate writes it; the texts a model fixes (its name, routes
/// with their due times, gate names) are prepared once.
pub fn write_csv(
    session: &Session,
    decisions: &[Decision],
    only_qualified: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let rows = CsvRows::new(&session.program, session.as_of);
    let pieces: Vec<String> = decisions
        .par_chunks(CSV_PIECE)
        .map(|piece| {
            rows.format(
                piece,
                only_qualified,
                session.data.view(),
                &session.interner,
            )
        })
        .collect();
    write_pieces(&pieces, out)
}

/// Every account scored with `models` ([`Session::score_with`]) and its
/// decisions formatted as `csv` rows on the thread that made them, while
/// they are in its cache (what [`write_csv`] of [`Session::score_all`]'s
/// decisions writes, without holding the decisions).
pub fn score_csv(
    session: &Session,
    models: &[usize],
    only_qualified: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> ScoredCsv {
    let rows = CsvRows::new(&session.program, session.as_of);
    let pieces = session.score_with(models, progress, |decisions| {
        rows.piece(
            &decisions,
            only_qualified,
            session.data.view(),
            &session.interner,
        )
    });
    ScoredCsv::from_pieces(pieces)
}

/// Decisions already formatted as `csv` ([`score_csv`]).
#[derive(Debug, Clone)]
pub struct ScoredCsv {
    /// The rows, piece by piece in account order (no header).
    pub pieces: Vec<String>,
    /// Decisions made (every one, even with `only_qualified`).
    pub decisions: usize,
    pub qualified: usize,
}

impl ScoredCsv {
    /// The pieces of [`CsvRows::piece`], in account order.
    pub(crate) fn from_pieces(pieces: Vec<(String, usize, usize)>) -> Self {
        ScoredCsv {
            decisions: pieces.iter().map(|p| p.1).sum(),
            qualified: pieces.iter().map(|p| p.2).sum(),
            pieces: pieces.into_iter().map(|p| p.0).collect(),
        }
    }

    /// Writes the header and the rows.
    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        write_pieces(&self.pieces, out)
    }

    /// Appends the header and the rows to `sink`, and drops them here.
    pub(crate) fn send_to(&mut self, sink: &mut dyn CsvSink) -> std::io::Result<()> {
        sink.append(CSV_HEADER)?;
        for piece in self.pieces.drain(..) {
            sink.append(&piece)?;
        }
        Ok(())
    }
}

/// Where [`crate::run::Session::load_and_score_csv`] can write the `csv`
/// rows as it scores them, instead of keeping them all for the caller to
/// write at the end: the header, then the rows in account order, a piece at
/// a time (a file that is written while the events are still being read).
pub trait CsvSink {
    /// Appends `text`: the header, or whole rows.
    fn append(&mut self, text: &str) -> std::io::Result<()>;
    /// Forgets everything appended so far: the rows come again from the
    /// start (the events file could not be streamed, see
    /// [`crate::data::Streamed::Whole`]).
    fn restart(&mut self) -> std::io::Result<()>;
}

/// The rows in memory (what a test compares).
impl CsvSink for Vec<u8> {
    fn append(&mut self, text: &str) -> std::io::Result<()> {
        self.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn restart(&mut self) -> std::io::Result<()> {
        self.clear();
        Ok(())
    }
}

fn write_pieces(pieces: &[String], out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(CSV_HEADER.as_bytes())?;
    for piece in pieces {
        out.write_all(piece.as_bytes())?;
    }
    out.flush()
}

/// The `csv` rows of a program's decisions: what its models' rows repeat,
/// formatted once.
pub(crate) struct CsvRows {
    models: Vec<CsvModel>,
}

impl CsvRows {
    /// For a run of `program` at `as_of`.
    pub(crate) fn new(program: &Program, as_of: Micros) -> Self {
        let models = program
            .models
            .iter()
            .map(|m| CsvModel {
                name: csv_field(&m.name),
                routes: m
                    .routes
                    .iter()
                    .map(|r| (csv_field(&r.queue), csv_field(&super::sla_due(as_of, r))))
                    .collect(),
                gates: m.gates.iter().map(|g| g.name.clone()).collect(),
            })
            .collect();
        CsvRows { models }
    }

    /// The rows of `decisions` (only the qualified ones when asked), made
    /// over `data` (its accounts' ids) and `interner`.
    fn format(
        &self,
        decisions: &[Decision],
        only_qualified: bool,
        data: DataRef<'_>,
        interner: &Interner,
    ) -> String {
        let mut s = String::with_capacity(decisions.len() * 96);
        let mut gates = String::new();
        let names = Names {
            accounts: data.accounts,
            interner,
        };
        for d in decisions {
            if only_qualified && !d.qualified {
                continue;
            }
            let model = self.models.get(d.model as usize);
            push_csv_row(&mut s, &mut gates, &names, model, d);
        }
        s
    }

    /// [`CsvRows::format`], with the number of decisions and of qualified ones.
    pub(crate) fn piece(
        &self,
        decisions: &[Decision],
        only_qualified: bool,
        data: DataRef<'_>,
        interner: &Interner,
    ) -> (String, usize, usize) {
        let qualified = decisions.iter().filter(|d| d.qualified).count();
        let text = self.format(decisions, only_qualified, data, interner);
        (text, decisions.len(), qualified)
    }
}

/// Where a row's texts come from.
struct Names<'a> {
    accounts: &'a Accounts,
    interner: &'a Interner,
}

/// What a model's rows repeat, ready for `csv`.
struct CsvModel {
    name: String,
    /// `(queue, sla_due)` of each route, as fields.
    routes: Vec<(String, String)>,
    gates: Vec<String>,
}

/// Appends one decision as a `csv` row (`gates`: scratch for the failed
/// gates' list).
fn push_csv_row(
    s: &mut String,
    gates: &mut String,
    names: &Names<'_>,
    model: Option<&CsvModel>,
    d: &Decision,
) {
    s.push_str(model.map_or("", |m| m.name.as_str()));
    s.push(',');
    let account = names.accounts.id.get(d.account as usize);
    push_csv_field(s, account.map_or("", |&a| names.interner.resolve(a)));
    s.push(',');
    push_score(s, d.score, 6);
    s.push_str(if d.qualified { ",true," } else { ",false," });
    push_csv_field(
        s,
        d.grades.first().map_or("", |&g| names.interner.resolve(g)),
    );
    s.push(',');
    let route = d
        .route
        .and_then(|r| model.and_then(|m| m.routes.get(r as usize)));
    if let Some((queue, due)) = route {
        s.push_str(queue);
        s.push(',');
        s.push_str(due);
    } else {
        s.push(',');
    }
    s.push(',');
    gates.clear();
    for (i, g) in d.failed_gates.iter().enumerate() {
        if i > 0 {
            gates.push(';');
        }
        gates.push_str(
            model
                .and_then(|m| m.gates.get(*g as usize))
                .map_or("", String::as_str),
        );
    }
    push_csv_field(s, gates);
    s.push('\n');
}

/// `text` as a CSV field.
fn csv_field(text: &str) -> String {
    let mut s = String::new();
    push_csv_field(&mut s, text);
    s
}

/// Appends `text` as a CSV field: quoted when it holds `,`, `"`, CR or LF,
/// with its quotes doubled (the `csv` crate's `QuoteStyle::Necessary` with
/// a `\n` terminator); as it is otherwise.
fn push_csv_field(s: &mut String, text: &str) {
    if !text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        s.push_str(text);
        return;
    }
    s.push('"');
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            s.push_str("\"\"");
        }
        s.push_str(part);
    }
    s.push('"');
}
