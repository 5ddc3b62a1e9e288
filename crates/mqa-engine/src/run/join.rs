//! Joining the sources' batches to the accounts. `Session::load` joins
//! them on the loading thread once the fetch is done (beside the grouping
//! of the events); `score` to `csv` joins them on the fetch thread itself,
//! beside the contacts, with the accounts' keys copied out of the interner
//! and an interner of its own, whose texts the loading thread takes over
//! when the events start ([`Prejoined::adopt`]).

use super::{fetch_all, field_types, Fetched, RunError, SourceStatus};
use crate::data::{build_signal_input, Accounts, Column, KeyTexts, MemoryRejects, RejectSink};
use crate::eval::SourceData;
use crate::intern::{Interner, Sym};
use crate::signals::{JoinKey, SignalError, SignalRequest};
use mqa_compiler::graph::Program;
use mqa_syntax::time::Micros;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Waits for the sources' fetch and joins their batches to `accounts`
/// (see [`join_sources`]); how long that took.
pub(super) fn join_fetched(
    fetcher: std::thread::ScopedJoinHandle<'_, Vec<Fetched>>,
    ask: JoinAsk<'_>,
    accounts: &Accounts,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
) -> (Result<Joined, RunError>, Duration) {
    let started = Instant::now();
    let fetched = fetcher.join().unwrap_or_else(|_| unavailable(ask.program));
    let keys = ask.keys(accounts, interner);
    let joined = join_sources(fetched, ask, &keys, interner, rejects);
    (joined, started.elapsed())
}

/// What a join is asked for: the program's sources, joined as of `as_of`
/// on the accounts' keys of kinds `joins` (those of the sources that
/// opened); with `skip_failed`, a source that failed is left empty and
/// reported.
#[derive(Clone, Copy)]
pub(super) struct JoinAsk<'a> {
    pub(super) program: &'a Program,
    pub(super) as_of: Micros,
    pub(super) skip_failed: bool,
    pub(super) joins: &'a [JoinKey],
}

impl JoinAsk<'_> {
    /// The accounts' keys the join needs: of the kinds the sources join on
    /// (none without a source).
    pub(super) fn keys(&self, accounts: &Accounts, interner: &Interner) -> KeyTexts {
        KeyTexts::new(accounts, domain_column(self.program), self.joins, interner)
    }
}

/// The kinds of key `sources` join on (those that opened), each once.
pub(super) fn join_kinds(sources: &[super::SourceInput]) -> Vec<JoinKey> {
    let mut kinds: Vec<JoinKey> = Vec::new();
    for s in sources.iter().flatten() {
        let k = s.info().join_key;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    kinds
}

/// Every source, when the thread that fetched them stopped unexpectedly.
fn unavailable(program: &Program) -> Vec<Fetched> {
    let failed = || Fetched::Unavailable("fetching the signals failed unexpectedly".into());
    program.sources.iter().map(|_| failed()).collect()
}

/// Where the accounts' `domain` field is, among their fields.
fn domain_column(program: &Program) -> Option<usize> {
    program
        .schemas
        .account
        .iter()
        .position(|f| f.name == "domain")
}

/// The sources and how each was handled.
pub(super) type Joined = (Vec<Option<SourceData>>, Vec<(String, SourceStatus)>);

/// Joins each fetched source's batch to the accounts (in program order).
/// With `skip_failed`, a source that failed is left empty and reported;
/// otherwise the first failure stops the run.
fn join_sources(
    fetched: Vec<Fetched>,
    ask: JoinAsk<'_>,
    keys: &KeyTexts,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
) -> Result<Joined, RunError> {
    let JoinAsk {
        program,
        as_of,
        skip_failed,
        ..
    } = ask;
    let mut loaded = Vec::new();
    let mut status = Vec::new();
    for (i, got) in fetched.into_iter().enumerate() {
        let Some(def) = program.sources.get(i) else {
            break;
        };
        let fail = |why: String,
                    status: &mut Vec<(String, SourceStatus)>,
                    loaded: &mut Vec<Option<SourceData>>| {
            status.push((def.name.clone(), SourceStatus::Skipped(why)));
            loaded.push(None);
        };
        let (input, join) = match got {
            Fetched::Unavailable(why) if skip_failed => {
                fail(why, &mut status, &mut loaded);
                continue;
            }
            Fetched::Unavailable(why) => {
                return Err(RunError::Signal {
                    source_name: def.name.clone(),
                    error: SignalError::Failed {
                        plugin: def.plugin.clone(),
                        message: why,
                    },
                })
            }
            Fetched::Failed(e) if skip_failed => {
                fail(e.to_string(), &mut status, &mut loaded);
                continue;
            }
            Fetched::Failed(e) => {
                return Err(RunError::Signal {
                    source_name: def.name.clone(),
                    error: e,
                })
            }
            Fetched::Ready(ready, join) => (ready?, join),
        };
        let types = field_types(def);
        let origin = PathBuf::from(format!("source:{}", def.name));
        let (table, summary) =
            build_signal_input(input, join, &types, keys, as_of, interner, rejects, &origin)
                .map_err(RunError::Load)?;
        status.push((def.name.clone(), SourceStatus::Loaded(summary)));
        loaded.push(Some(SourceData { table, join }));
    }
    while loaded.len() < program.sources.len() {
        let name = program
            .sources
            .get(loaded.len())
            .map(|s| s.name.clone())
            .unwrap_or_default();
        status.push((
            name,
            SourceStatus::Skipped("no plugin was given for this source".into()),
        ));
        loaded.push(None);
    }
    Ok((loaded, status))
}

/// A join made on the fetch thread ([`fetch_and_join`]): its texts are in
/// an interner of its own until the loading thread adopts them.
pub(super) struct Prejoined {
    joined: Result<Joined, RunError>,
    texts: Interner,
    rejects: MemoryRejects,
    took: Duration,
}

/// On the fetch thread: fetches every source, waits for the accounts' keys
/// (`keys`, sent once the accounts are loaded) and joins the batches to
/// them. The fetched batches, unjoined, when the keys never come.
pub(super) fn fetch_and_join(
    sources: Vec<super::SourceInput>,
    ask: JoinAsk<'_>,
    request: &SignalRequest,
    keys: Receiver<KeyTexts>,
) -> Result<Prejoined, Vec<Fetched>> {
    let fetched = fetch_all(sources, &ask.program.sources, request);
    let Ok(keys) = keys.recv() else {
        return Err(fetched);
    };
    let started = Instant::now();
    let mut texts = Interner::new();
    let mut rejects = MemoryRejects::new();
    let joined = join_sources(fetched, ask, &keys, &mut texts, &mut rejects);
    Ok(Prejoined {
        joined,
        texts,
        rejects,
        took: started.elapsed(),
    })
}

/// On the loading thread, when the events start: the join of the fetch
/// thread, adopted (see [`Prejoined::adopt`]), or made here when that
/// thread could not make it; its rejects go to `rejects`. How long the
/// join took (on the fetch thread, plus the wait and the adoption here).
pub(super) fn joined_on_fetch_thread(
    fetcher: std::thread::ScopedJoinHandle<'_, Result<Prejoined, Vec<Fetched>>>,
    ask: JoinAsk<'_>,
    accounts: &Accounts,
    interner: &mut Interner,
    rejects: &mut MemoryRejects,
) -> (Result<Joined, RunError>, Duration) {
    let started = Instant::now();
    let fetched = match fetcher.join() {
        Ok(Ok(pre)) => {
            let took = pre.took;
            return (pre.adopt(interner, rejects), took + started.elapsed());
        }
        Ok(Err(fetched)) => fetched,
        Err(_) => unavailable(ask.program),
    };
    let keys = ask.keys(accounts, interner);
    let joined = join_sources(fetched, ask, &keys, interner, rejects);
    (joined, started.elapsed())
}

impl Prejoined {
    /// Interns the join's texts into `interner` in the order the join met
    /// them (so each gets the symbol a join on the loading thread, at this
    /// point, would have given it), renumbers the tables' text values, and
    /// adds the join's rejects to `rejects`.
    fn adopt(
        self,
        interner: &mut Interner,
        rejects: &mut MemoryRejects,
    ) -> Result<Joined, RunError> {
        let Prejoined {
            joined,
            texts,
            rejects: own,
            ..
        } = self;
        rejects.rows.extend(own.rows);
        let (mut loaded, status) = joined?;
        let map: Vec<Sym> = (0..texts.len())
            .map(|i| interner.intern(texts.resolve(Sym(i as u32))))
            .collect();
        let renumber = |s: &mut Sym| {
            if let Some(&m) = map.get(s.index()) {
                *s = m;
            }
        };
        for source in loaded.iter_mut().flatten() {
            for column in &mut source.table.fields {
                match column {
                    Column::Text(v) => v.iter_mut().for_each(renumber),
                    Column::ListText(v) => v
                        .iter_mut()
                        .flatten()
                        .for_each(|l| l.iter_mut().for_each(renumber)),
                    _ => {}
                }
            }
        }
        Ok((loaded, status))
    }
}
