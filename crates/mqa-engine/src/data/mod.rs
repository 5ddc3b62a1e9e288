//! The data directory as typed columns: `accounts`, `contacts` and `events`
//! (CSV or JSONL, optionally gzip), read by declared type, with every bad
//! row sent to a [`RejectSink`] with its file, line and reason, and the
//! kept rows grouped by account for the evaluator; or, for `score`, the
//! events handed over in chunks of complete accounts as the file is read
//! ([`stream`]). Plugin signal batches become per-account tables in
//! [`signals_table`].
//!
//! Choices where the spec is silent:
//! - A row is checked in this order, and rejected with the first failure:
//!   shape (field count, quoting, JSON syntax), empty `id`, empty
//!   `account_id`, `contact_id` and `at`, declared fields in schema order,
//!   unknown `account_id`, duplicate `id`. Only rows that pass everything
//!   claim their id.
//! - Events after `as_of` are checked like any other row (a bad one is a
//!   reject, and it claims its id), then dropped and counted in
//!   [`FileSummary::after_as_of`]: the rejects do not depend on `as_of`.
//! - Blank lines are not rows. A `list<..>` cell with an empty item (`a;;b`)
//!   is rejected. A quote that is never closed ends its record at the end
//!   of its first line, so the rest of the file is still read.
//! - In JSONL, a number may stand for a text (`"id": 42` is `"42"`), and a
//!   string may hold a number, bool or time in the CSV spelling (`"1.2k"`);
//!   lists must be JSON arrays; `null` and `""` are missing.
//! - Rows are checked on `rayon::current_num_threads()` threads (the
//!   caller's pool) and committed in file order, so results do not depend
//!   on the thread count.

mod assemble;
mod claims;
mod column;
mod commit;
mod csv_batch;
mod csv_delims;
mod csv_reader;
mod csv_scan;
mod dict;
mod error;
pub mod files;
mod front;
mod jsonl;
mod keymap;
mod prepare;
mod rejects;
mod rows;
mod signals_compact;
mod signals_keys;
pub mod signals_table;
pub mod stream;
mod summary;
mod table;
mod text_pool;
pub mod values;

pub use claims::{EventIds, TextPool};
pub use column::{Column, BOOL_MISSING, TIME_MISSING};
pub use error::LoadError;
pub use mqa_syntax::time::Micros;
pub use rejects::{CsvRejectWriter, MemoryRejects, Reject, RejectSink};
pub use signals_keys::KeyTexts;
pub use signals_table::{
    build_signal_input, build_signal_table, SignalInput, SignalSummary, SignalTable,
};
pub use stream::{load_dataset_streaming, Scorer, Streamed};
pub use summary::{FileSummary, LoadSummary};
pub use table::on_checker_start;

use crate::intern::{Interner, Sym};
use files::{open, Format, InputFile};
use mqa_syntax::FieldType;
use prepare::TableSpec;
use rows::BatchReader;
use std::io::BufReader;
use std::ops::Range;
use std::path::Path;
use table::{load_file, RawTable, Spares};

/// Declared (non-built-in) fields of each table, in schema order, as the compiler gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSchema {
    pub account: Vec<(String, FieldType)>,
    pub contact: Vec<(String, FieldType)>,
    pub event: Vec<(String, FieldType)>,
}

/// How to load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadOptions {
    /// Events with `at > as_of` are dropped (counted, not rejected).
    pub as_of: Micros,
    /// Events with `at <= window_start` are dropped too (counted as
    /// [`FileSummary::before_window`], not rejected): the start of the
    /// longest model window ([`crate::run::window_start`]), outside which
    /// no model sees an event. `None` keeps them.
    pub window_start: Option<Micros>,
    /// The load fails with [`LoadError::TooManyRejects`] when rejected / read exceeds this.
    pub max_reject_rate: f64,
}

impl LoadOptions {
    /// Options with the default reject limit (1 %).
    pub fn new(as_of: Micros) -> Self {
        LoadOptions {
            as_of,
            window_start: None,
            max_reject_rate: 0.01,
        }
    }
}

/// Kept accounts, in file order.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub id: Vec<Sym>,
    /// One column per declared field, in [`DataSchema::account`] order.
    pub fields: Vec<Column>,
    /// 1-based line (JSONL: line) where each account's row starts.
    pub line: Vec<u64>,
}

impl Accounts {
    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The row of the account with this id.
    pub fn row_of(&self, interner: &Interner, id: &str) -> Option<usize> {
        let s = interner.get(id)?;
        self.id.iter().position(|&x| x == s)
    }
}

/// Kept contacts, grouped by account (file order within an account).
#[derive(Debug, Clone, Default)]
pub struct Contacts {
    pub id: Vec<Sym>,
    /// Account row of each contact.
    pub account: Vec<u32>,
    /// One column per declared field, in [`DataSchema::contact`] order.
    pub fields: Vec<Column>,
    /// `len = accounts + 1`; contacts of account `a` are rows `account_start[a]..account_start[a + 1]`.
    pub account_start: Vec<u32>,
}

impl Contacts {
    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Rows of account `a`'s contacts.
    pub fn of_account(&self, a: usize) -> Range<usize> {
        csr_range(&self.account_start, a)
    }
}

/// Kept events (`at <= as_of`), grouped by account and sorted by `(at, id)` within each.
/// While `score` streams (see [`stream`]), a table holds the events of the
/// accounts from [`Events::first_account`] on, and has no ids.
#[derive(Debug, Clone, Default)]
pub struct Events {
    pub id: EventIds,
    /// Account row of each event.
    pub account: Vec<u32>,
    /// [`Sym::MISSING`] when empty (anonymous).
    pub contact_id: Vec<Sym>,
    /// Contact row; `u32::MAX` when anonymous, unknown, or a contact of another account.
    pub contact: Vec<u32>,
    pub at: Vec<Micros>,
    /// One column per declared field, in [`DataSchema::event`] order.
    pub fields: Vec<Column>,
    /// CSR index as in [`Contacts::account_start`], from `first_account` on.
    pub account_start: Vec<u32>,
    /// The account `account_start` starts with (0 but for a streamed chunk).
    pub first_account: usize,
}

impl Events {
    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Rows of account `a`'s events.
    pub fn of_account(&self, a: usize) -> Range<usize> {
        match a.checked_sub(self.first_account) {
            Some(k) => csr_range(&self.account_start, k),
            None => 0..0,
        }
    }
}

fn csr_range(start: &[u32], a: usize) -> Range<usize> {
    match (start.get(a), start.get(a + 1)) {
        (Some(&s), Some(&e)) => s as usize..e as usize,
        _ => 0..0,
    }
}

/// A loaded data directory.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub accounts: Accounts,
    pub contacts: Contacts,
    pub events: Events,
    pub summary: LoadSummary,
    /// Wall time of each step of the load, in order (for `--timings`).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

impl Dataset {
    /// The tables, borrowed (what an evaluator reads).
    pub fn view(&self) -> DataRef<'_> {
        DataRef {
            accounts: &self.accounts,
            contacts: &self.contacts,
            events: &self.events,
        }
    }
}

/// The three tables an evaluator reads: a whole [`Dataset`]'s, or while
/// `score` streams, the accounts and contacts with one chunk of events.
#[derive(Debug, Clone, Copy)]
pub struct DataRef<'a> {
    pub accounts: &'a Accounts,
    pub contacts: &'a Contacts,
    pub events: &'a Events,
}

/// Loads `accounts`, `contacts` and `events` from `dir`. Bad rows go to
/// `rejects` (all of them, even when the load then fails with
/// [`LoadError::TooManyRejects`]); text values are interned into `interner`.
pub fn load_dataset(
    dir: &Path,
    schema: &DataSchema,
    opts: &LoadOptions,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
) -> Result<Dataset, LoadError> {
    let nothing = |_: &Accounts, _: &mut Interner, _: &mut dyn RejectSink| {};
    load_dataset_with(dir, schema, opts, interner, rejects, nothing).map(|(data, ())| data)
}

/// [`load_dataset`], running `while_grouping` on the loading thread while
/// another thread groups the events by account (once every file is read
/// and the reject rate is checked: its rejects come after every data
/// file's); gives what it returned.
pub fn load_dataset_with<R>(
    dir: &Path,
    schema: &DataSchema,
    opts: &LoadOptions,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    while_grouping: impl FnOnce(&Accounts, &mut Interner, &mut dyn RejectSink) -> R,
) -> Result<(Dataset, R), LoadError> {
    let mut front = front::load_front(dir, schema, opts, interner, rejects, |_, _| {})?;
    let mut spares = std::mem::take(&mut front.spares);
    let spec = front.events_spec(schema, opts);
    let (raw, s) = load_table(&front.ev_file, &spec, interner, rejects, None, &mut spares)?;
    drop(spares);
    let front::Read {
        ev_file,
        accounts,
        contacts,
        mut summary,
        laps,
    } = front.events_read(s, "  events: rows", opts)?;
    // The events are grouped on their own thread (with the pool for its
    // parallel steps) while the loading thread runs the caller's step.
    let (grouped, along) = std::thread::scope(|scope| {
        let contact_ids = &contacts.id;
        let summary = &mut summary;
        let accounts_len = accounts.len();
        let grouping = scope.spawn(move || {
            let started = std::time::Instant::now();
            let events = assemble::events(raw, accounts_len, contact_ids, summary);
            (events, started.elapsed())
        });
        let along = while_grouping(&accounts, interner, rejects);
        (grouping.join(), along)
    });
    let Ok((events, took)) = grouped else {
        return Err(LoadError::Internal {
            file: ev_file.path.clone(),
            message: "grouping the events failed unexpectedly".into(),
        });
    };
    let mut timings = laps.timings;
    timings.push(("  group events", took));
    Ok((
        Dataset {
            accounts,
            contacts,
            events,
            summary,
            timings,
        },
        along,
    ))
}

fn shrink(fields: &mut [Column]) {
    for c in fields {
        c.shrink_to_fit();
    }
}

/// Reads one table file of either format (streaming its rows to `stream`
/// when given: only for events, see [`stream`]), with the batches of the
/// file before in `spares`.
fn load_table(
    input: &InputFile,
    spec: &TableSpec<'_>,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    stream: Option<&mut dyn stream::Drain>,
    spares: &mut Spares,
) -> Result<(RawTable, FileSummary), LoadError> {
    let src = open(input)?;
    let size_hint = if input.gzip {
        None
    } else {
        std::fs::metadata(&input.path).ok().map(|m| m.len())
    };
    let spec = &TableSpec { size_hint, ..*spec };
    let mut wanted: Vec<&str> = spec.kind.builtins().to_vec();
    wanted.extend(spec.fields.iter().map(|(n, _)| n.as_str()));
    let wanted = &wanted;
    let reader = |src: Box<dyn std::io::Read + Send>| -> Result<Box<dyn BatchReader>, LoadError> {
        Ok(match input.format {
            Format::Csv => Box::new(csv_reader::CsvRows::new(src, &input.path, wanted)?),
            Format::Jsonl => Box::new(jsonl::JsonLines::new(
                BufReader::with_capacity(1 << 16, src),
                &input.path,
                wanted,
            )),
        })
    };
    let mut rows = reader(src)?;
    let reopen = || reader(open(input)?);
    load_file(
        rows.as_mut(),
        &reopen,
        &input.path,
        spec,
        interner,
        rejects,
        stream,
        spares,
    )
}
