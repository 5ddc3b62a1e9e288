//! A scoring session: a compiled program, its data set and signals, loaded
//! once; then every account scored in parallel chunks. `score` to `csv`
//! can also score while the events are read (`run/stream.rs`,
//! [`Session::load_and_score_csv`]).

use crate::data::{
    load_dataset_with, Accounts, DataSchema, Dataset, LoadError, LoadOptions, RejectSink,
    SignalInput, SignalSummary,
};
use crate::eval::{prepare, reads_event_ids, Decision, Evaluator, Prepared, Scratch, SourceData};
use crate::intern::Interner;
use crate::signals::{
    JoinKey, SignalBatch, SignalColumn, SignalError, SignalRequest, SignalSource,
};
use mqa_compiler::graph::{FieldDef, Program, SourceDef};
use mqa_syntax::time::Micros;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

mod join;
mod stream;
use join::{join_fetched, JoinAsk, Joined};
pub use stream::CsvRun;

/// What can stop a run before any decision is written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{} [{}]", .0, .0.code())]
    Load(#[from] LoadError),
    #[error("source `{source_name}`: {error}")]
    Signal {
        source_name: String,
        error: SignalError,
    },
    #[error("source `{source_name}` (plugin `{plugin}`): the rule file uses the field `{field}`, which the plugin does not declare (it declares: {declared})")]
    SourceField {
        source_name: String,
        plugin: String,
        field: String,
        declared: String,
    },
    #[error("no model named `{0}` in the rule file (models: {1})")]
    UnknownModel(String, String),
    /// Writing the rows to the caller's [`crate::output::CsvSink`] failed.
    #[error("cannot write the decisions: {0}")]
    Output(#[source] std::io::Error),
}

/// How a source was handled in a run.
#[derive(Debug, Clone)]
pub enum SourceStatus {
    Loaded(SignalSummary),
    /// Skipped after a plugin failure (`--on-plugin-error skip`): the source is empty.
    Skipped(String),
}

/// A source to fetch: the plugin (already opened), or why it could not be.
pub type SourceInput = Result<Box<dyn SignalSource>, String>;

/// A loaded scoring session.
pub struct Session {
    pub program: Program,
    pub interner: Interner,
    pub data: Dataset,
    pub sources: Vec<Option<SourceData>>,
    pub source_status: Vec<(String, SourceStatus)>,
    pub prepared: Prepared,
    pub as_of: Micros,
    pub data_dir: PathBuf,
    /// Wall time of each loading phase, in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// The schema the data readers need, from the compiled program.
pub fn data_schema(p: &Program) -> DataSchema {
    let conv = |v: &[FieldDef]| v.iter().map(|f| (f.name.clone(), f.ty)).collect();
    DataSchema {
        account: conv(&p.schemas.account),
        contact: conv(&p.schemas.contact),
        event: conv(&p.schemas.event),
    }
}

/// What fetching one source gave.
enum Fetched {
    /// The plugin could not be opened (or the fetch could not run): why.
    Unavailable(String),
    /// The plugin's fetch failed.
    Failed(SignalError),
    /// The batch, aligned with the program's fields, its text columns
    /// sealed (or why it does not fit them), and how it joins.
    Ready(Result<SignalInput, RunError>, JoinKey),
}

/// The program's fields of a source, with their types.
fn field_types(def: &SourceDef) -> Vec<(String, mqa_syntax::FieldType)> {
    def.fields.iter().map(|f| (f.name.clone(), f.ty)).collect()
}

/// Fetches every source, in order, and readies each batch for the join
/// (its fields checked and its text columns sealed here, while the data
/// loads).
fn fetch_all(
    sources: Vec<SourceInput>,
    defs: &[SourceDef],
    request: &SignalRequest,
) -> Vec<Fetched> {
    sources
        .into_iter()
        .zip(defs)
        .map(|(input, def)| match input {
            Ok(mut plugin) => match plugin.fetch(request) {
                Ok(batch) => {
                    let info = plugin.info();
                    let ready =
                        align_batch(batch, &info.fields, &def.fields, &def.name, &def.plugin)
                            .map(|b| SignalInput::new(b, &field_types(def)));
                    Fetched::Ready(ready, info.join_key)
                }
                Err(e) => Fetched::Failed(e),
            },
            Err(why) => Fetched::Unavailable(why),
        })
        .collect()
}

/// Reorders a batch's columns from the plugin's field order to the program's.
fn align_batch(
    mut batch: SignalBatch,
    plugin_fields: &[(String, mqa_syntax::FieldType)],
    wanted: &[FieldDef],
    source_name: &str,
    plugin: &str,
) -> Result<SignalBatch, RunError> {
    let mut cols: Vec<Option<SignalColumn>> = batch.columns.drain(..).map(Some).collect();
    let mut out = Vec::with_capacity(wanted.len());
    for f in wanted {
        let Some(i) = plugin_fields.iter().position(|(n, _)| *n == f.name) else {
            return Err(RunError::SourceField {
                source_name: source_name.to_string(),
                plugin: plugin.to_string(),
                field: f.name.clone(),
                declared: plugin_fields
                    .iter()
                    .map(|(n, t)| format!("{n}: {t}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        match cols.get_mut(i).and_then(Option::take) {
            Some(c) => out.push(c),
            None => {
                return Err(RunError::Signal {
                    source_name: source_name.to_string(),
                    error: SignalError::Malformed {
                        plugin: plugin.to_string(),
                        message: format!("no column for field `{}`", f.name),
                    },
                })
            }
        }
    }
    batch.columns = out;
    Ok(batch)
}

/// Model indices of `program` by name (`None`: all models).
pub fn select_models(program: &Program, name: Option<&str>) -> Result<Vec<usize>, RunError> {
    match name {
        None => Ok((0..program.models.len()).collect()),
        Some(n) => match program.models.iter().position(|m| m.name == n) {
            Some(i) => Ok(vec![i]),
            None => Err(RunError::UnknownModel(
                n.to_string(),
                program
                    .models
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        },
    }
}

/// The start of the longest model window before `as_of`: no model sees
/// an event or a signal at or before it (language §9, `window`). `None`
/// for a program without models. Loads pass it as
/// [`crate::data::LoadOptions::window_start`].
pub fn window_start(program: &Program, as_of: Micros) -> Option<Micros> {
    let window = program.models.iter().map(|m| m.window).max()?;
    Some(as_of.saturating_sub(window.saturating_mul(1_000_000)))
}

/// What every source is asked for: signals from the longest model window
/// before `as_of` up to it.
fn signal_request(program: &Program, as_of: Micros) -> SignalRequest {
    SignalRequest {
        account_keys: Vec::new(),
        from: window_start(program, as_of).unwrap_or(as_of),
        to: as_of,
    }
}

/// The decisions of `models` for `accounts`, in account order, then model order.
fn decide_accounts(
    ev: &Evaluator<'_>,
    models: &[usize],
    accounts: std::ops::Range<usize>,
) -> Vec<Decision> {
    let mut scratch = Scratch::default();
    let mut out = Vec::with_capacity(accounts.len() * models.len());
    for a in accounts {
        for &m in models {
            if let Some(d) = ev.decide(m, a, &mut scratch) {
                out.push(d);
            }
        }
    }
    out
}

impl Session {
    /// Loads the data directory and fetches every source's signals.
    ///
    /// `sources` holds, per declared source (in program order), the opened
    /// plugin or the reason it could not be opened. With `skip_failed`, a
    /// source that fails is left empty and reported in `source_status`;
    /// otherwise the first failure stops the run.
    pub fn load(
        program: Program,
        data_dir: &Path,
        opts: &LoadOptions,
        sources: Vec<SourceInput>,
        skip_failed: bool,
        rejects: &mut dyn RejectSink,
    ) -> Result<Session, RunError> {
        let started = std::time::Instant::now();
        let mut interner = Interner::new();
        let schema = data_schema(&program);
        let request = signal_request(&program, opts.as_of);
        // Sources are fetched on their own thread while the data loads (a
        // fetch does not depend on the data), and their batches are joined
        // to the accounts while another thread groups the events: neither
        // runs alone on one core.
        let joins = join::join_kinds(&sources);
        let (mut data, joined) = std::thread::scope(|scope| {
            let defs = &program.sources;
            let request = &request;
            let fetcher = scope.spawn(move || fetch_all(sources, defs, request));
            let while_grouping =
                |accounts: &Accounts, interner: &mut Interner, rejects: &mut dyn RejectSink| {
                    let ask = JoinAsk {
                        program: &program,
                        as_of: opts.as_of,
                        skip_failed,
                        joins: &joins,
                    };
                    join_fetched(fetcher, ask, accounts, interner, rejects)
                };
            load_dataset_with(
                data_dir,
                &schema,
                opts,
                &mut interner,
                rejects,
                while_grouping,
            )
        })?;
        let (joined, join_took) = joined;
        let (loaded, status) = joined?;
        if reads_event_ids(&program) {
            data.events.id.intern_all(&mut interner);
        }
        let mut timings = vec![("read data", started.elapsed())];
        timings.extend(data.timings.iter().copied());
        timings.push(("  join signals (beside grouping)", join_took));
        let started = std::time::Instant::now();
        let prepared = prepare(&program, &mut interner);
        timings.push(("prepare rules", started.elapsed()));
        Ok(Session {
            program,
            interner,
            data,
            sources: loaded,
            source_status: status,
            prepared,
            as_of: opts.as_of,
            data_dir: data_dir.to_path_buf(),
            timings,
        })
    }

    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator::new(
            &self.program,
            self.data.view(),
            &self.interner,
            &self.prepared,
            &self.sources,
            self.as_of,
        )
    }

    /// Model indices by name (`None`: all models).
    pub fn select_models(&self, name: Option<&str>) -> Result<Vec<usize>, RunError> {
        select_models(&self.program, name)
    }

    /// Scores every account with the given models, in parallel chunks.
    /// Decisions come in account-file order, then model order.
    /// `progress(n)` is called with the number of accounts just finished.
    pub fn score_all(&self, models: &[usize], progress: &(dyn Fn(u64) + Sync)) -> Vec<Decision> {
        let chunks = self.score_with(models, progress, |decisions| decisions);
        // One allocation for all (`flatten` would grow it by doubling).
        let mut all = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
        for c in chunks {
            all.extend(c);
        }
        all
    }

    /// Scores every account with `models`, in parallel chunks of accounts,
    /// and hands each chunk's decisions (in account order, then model
    /// order) to `each` on the thread that made them; gives what `each`
    /// returned, chunk by chunk in account order.
    pub fn score_with<T: Send>(
        &self,
        models: &[usize],
        progress: &(dyn Fn(u64) + Sync),
        each: impl Fn(Vec<Decision>) -> T + Sync,
    ) -> Vec<T> {
        let ev = self.evaluator();
        let n = self.data.accounts.len();
        const CHUNK: usize = 2048;
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let end = ((c + 1) * CHUNK).min(n);
                let out = decide_accounts(&ev, models, c * CHUNK..end);
                progress((end - c * CHUNK) as u64);
                each(out)
            })
            .collect()
    }
}
