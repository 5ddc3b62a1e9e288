//! The first two files of a data directory, `accounts` then `contacts`,
//! loaded the same way whether the events that follow are kept
//! ([`super::load_dataset_with`]) or streamed ([`super::stream`]).

use super::assemble;
use super::error::LoadError;
use super::files::{find_input, InputFile};
use super::keymap::{AccountKeys, ContactKeys};
use super::prepare::{TableKind, TableSpec};
use super::rejects::RejectSink;
use super::summary::LoadSummary;
use super::table::Spares;
use super::{load_table, shrink, Accounts, Contacts, DataSchema, LoadOptions};
use crate::intern::Interner;
use mqa_syntax::time::Micros;
use std::path::Path;
use std::time::{Duration, Instant};

/// Wall time of each step of a load, in order, and the clock of the step
/// under way.
pub(super) struct Laps {
    pub(super) timings: Vec<(&'static str, Duration)>,
    clock: Instant,
}

impl Laps {
    pub(super) fn start() -> Self {
        Laps {
            timings: Vec::new(),
            clock: Instant::now(),
        }
    }

    /// Ends the step under way, named `name`.
    pub(super) fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.timings.push((name, now - self.clock));
        self.clock = now;
    }
}

/// The accounts and contacts, loaded, with what the events load needs.
pub(super) struct Front {
    pub(super) ev_file: InputFile,
    pub(super) accounts: Accounts,
    pub(super) contacts: Contacts,
    pub(super) account_keys: AccountKeys,
    pub(super) contact_keys: ContactKeys,
    pub(super) summary: LoadSummary,
    pub(super) laps: Laps,
    /// The contacts' batches, for the events file.
    pub(super) spares: Spares,
}

impl Front {
    /// How the events file is read: its rows joined to these accounts and contacts.
    pub(super) fn events_spec<'a>(
        &'a self,
        schema: &'a DataSchema,
        opts: &LoadOptions,
    ) -> TableSpec<'a> {
        TableSpec {
            kind: TableKind::Events,
            fields: &schema.event,
            accounts: Some(&self.account_keys),
            contacts: Some(&self.contact_keys),
            as_of: opts.as_of,
            window_start: opts.window_start.unwrap_or(Micros::MIN),
            size_hint: None,
            lines: false,
        }
    }
}

/// The accounts and contacts once the events file is read.
pub(super) struct Read {
    pub(super) ev_file: InputFile,
    pub(super) accounts: Accounts,
    pub(super) contacts: Contacts,
    pub(super) summary: LoadSummary,
    pub(super) laps: Laps,
}

impl Front {
    /// Once the events file is read (`file`, its step named `lap`): the
    /// account and contact keys are dropped (before any grouping), and the
    /// load fails when too many rows were rejected.
    pub(super) fn events_read(
        self,
        file: super::summary::FileSummary,
        lap: &'static str,
        opts: &LoadOptions,
    ) -> Result<Read, LoadError> {
        let Front {
            ev_file,
            accounts,
            contacts,
            account_keys,
            contact_keys,
            mut summary,
            mut laps,
            // Taken by the events' load already.
            spares: _,
        } = self;
        drop((account_keys, contact_keys));
        summary.files.push(file);
        laps.lap(lap);
        check_reject_rate(&summary, opts)?;
        Ok(Read {
            ev_file,
            accounts,
            contacts,
            summary,
            laps,
        })
    }
}

/// Finds the three files of `dir` and loads the accounts (then calls
/// `after_accounts` with them), then the contacts.
pub(super) fn load_front(
    dir: &Path,
    schema: &DataSchema,
    opts: &LoadOptions,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    after_accounts: impl FnOnce(&Accounts, &Interner) + Send,
) -> Result<Front, LoadError> {
    let acc_file = find_input(dir, TableKind::Accounts.name())?;
    let con_file = find_input(dir, TableKind::Contacts.name())?;
    let ev_file = find_input(dir, TableKind::Events.name())?;
    let mut summary = LoadSummary::default();
    let mut laps = Laps::start();
    let mut spares = Spares::default();

    let spec = TableSpec {
        kind: TableKind::Accounts,
        fields: &schema.account,
        accounts: None,
        contacts: None,
        as_of: opts.as_of,
        window_start: opts.window_start.unwrap_or(Micros::MIN),
        size_hint: None,
        lines: true,
    };
    let (raw, s) = load_table(&acc_file, &spec, interner, rejects, None, &mut spares)?;
    summary.files.push(s);
    laps.lap("  accounts: rows");
    let line = (0..raw.len()).map(|r| raw.line(r)).collect();
    let mut accounts = Accounts {
        id: raw.id_syms,
        line,
        fields: raw.fields,
    };
    shrink(&mut accounts.fields);
    let (mut account_keys, ()) = {
        let (accounts, interner) = (&accounts, &*interner);
        rayon::join(
            || assemble::account_keys(&accounts.id, interner),
            || after_accounts(accounts, interner),
        )
    };
    laps.lap("  accounts: index");

    let spec = TableSpec {
        kind: TableKind::Contacts,
        fields: &schema.contact,
        accounts: Some(&account_keys),
        contacts: None,
        as_of: opts.as_of,
        window_start: opts.window_start.unwrap_or(Micros::MIN),
        size_hint: None,
        lines: false,
    };
    let (mut raw, s) = load_table(&con_file, &spec, interner, rejects, None, &mut spares)?;
    summary.files.push(s);
    laps.lap("  contacts: rows");
    // The contacts' ids become symbols all at once, found by the index
    // their duplicate check built.
    let ids = std::mem::take(&mut raw.ids);
    if !interner.add_block(ids, std::mem::take(&mut raw.id_index)) {
        return Err(LoadError::Internal {
            file: con_file.path.clone(),
            message: "the contacts' ids were given symbols twice".into(),
        });
    }
    raw.id_syms = raw
        .id_claim
        .iter()
        .map(|&c| interner.block_sym(c))
        .collect();
    let (contacts, contact_keys) = assemble::contacts(raw, accounts.len(), interner);
    account_keys.set_contacts(&contacts.account_start);
    laps.lap("  contacts: index");
    Ok(Front {
        ev_file,
        accounts,
        contacts,
        account_keys,
        contact_keys,
        summary,
        laps,
        spares,
    })
}

/// Fails the load when more than the allowed share of rows was rejected.
fn check_reject_rate(summary: &LoadSummary, opts: &LoadOptions) -> Result<(), LoadError> {
    let rate = summary.reject_rate();
    if rate > opts.max_reject_rate {
        return Err(LoadError::TooManyRejects {
            rejected: summary.total_rejected(),
            read: summary.total_read(),
            rate,
            max: opts.max_reject_rate,
        });
    }
    Ok(())
}
