//! Streaming the events to the scorer (`mqa score`). The events file is
//! read, checked and committed as usual (`table`, `commit`), but once the
//! file has moved past an account, that account's rows are complete: the
//! rows of every complete account are grouped into a chunk of [`Events`]
//! and handed to the caller, which scores those accounts, and then
//! dropped. The event columns of the whole file are never held, and the
//! accounts are scored while the file is still being read.
//!
//! That needs the events file grouped by account, in the accounts file's
//! order (as exports and `mqa generate` write it; accounts without events
//! may be anywhere), and no repeated event id (a repeat is only known at
//! the end of the file, and dropping it would change an account already
//! scored). When either fails, the chunks sent so far are void and the
//! events file is read again the usual way ([`Streamed::Whole`]): the same
//! decisions and the same rejects, only later.

use super::assemble;
use super::claims::ClaimIds;
use super::error::LoadError;
use super::front::{self, Front};
use super::rejects::RejectSink;
use super::summary::LoadSummary;
use super::table::RawTable;
use super::{load_table, Accounts, DataRef, DataSchema, Dataset, Events, LoadOptions};
use crate::intern::{Interner, Sym};
use std::path::Path;

/// Kept event rows gathered before the complete accounts among them are
/// sent: about 2 400 accounts of the generated data, 1.8 MB of columns.
const CHUNK_ROWS: usize = 1 << 16;

/// How a streamed load ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streamed {
    /// Every account's events went to the caller, chunk by chunk in account
    /// order; the data set's `events` is empty.
    Sent,
    /// The events file could not be streamed (see the module's doc): it was
    /// read again the usual way and the data set holds every event. The
    /// chunks sent before are void.
    Whole,
}

/// The events load's side of streaming ([`super::commit::Builder`] calls it
/// as it commits batches).
pub(crate) trait Drain {
    /// Whether kept rows of these accounts (a batch's, in file order) may
    /// follow the rows committed so far, whose last account is `last`.
    fn accepts(&self, last: Option<u32>, accounts: &[u32]) -> bool;
    /// Sends the rows of the complete accounts in `t` (every row and every
    /// account left when `end`), once `t` holds enough of them or at the
    /// end. `ids` holds the ids of `t`'s rows, by claim.
    fn drain(&mut self, t: &mut RawTable, ids: ClaimIds<'_>, interner: &mut Interner, end: bool);
    /// Records that the file cannot be streamed; the load then stops.
    fn abandon(&mut self);
}

/// [`Drain`] for a data set's accounts and contacts.
struct Chunks<'s> {
    front: &'s Front,
    /// First account whose events were not sent yet.
    next_account: usize,
    abandoned: bool,
    /// Anonymous events and events of unknown contacts, as chunks are made.
    counts: LoadSummary,
    send: &'s mut dyn FnMut(DataRef<'_>, &mut Interner),
    /// The buffers of the last chunk sent, for the rows held next and the
    /// next chunk's `contact_id` (new ones each chunk fault their pages in).
    spare: RawTable,
    spare_contact_id: Vec<Sym>,
}

impl Drain for Chunks<'_> {
    fn accepts(&self, last: Option<u32>, accounts: &[u32]) -> bool {
        continues(last, self.next_account, accounts)
    }

    fn drain(&mut self, t: &mut RawTable, ids: ClaimIds<'_>, interner: &mut Interner, end: bool) {
        let (cut, upto) = if end {
            (t.len(), self.front.accounts.len())
        } else {
            if t.len() < CHUNK_ROWS {
                return;
            }
            let Some(&last) = t.account.last() else {
                return;
            };
            // The last account's rows may go on in the next batch.
            let cut = t.account.partition_point(|&a| a < last);
            if cut == 0 {
                return;
            }
            (cut, last as usize)
        };
        let rows = split_front(t, cut, std::mem::take(&mut self.spare));
        let (events, id_claim) = assemble::event_chunk(
            rows,
            ids,
            self.next_account..upto,
            &self.front.contacts.id,
            &mut self.counts,
            std::mem::take(&mut self.spare_contact_id),
        );
        let data = DataRef {
            accounts: &self.front.accounts,
            contacts: &self.front.contacts,
            events: &events,
        };
        (self.send)(data, interner);
        self.next_account = upto;
        let Events {
            account,
            contact_id,
            contact,
            at,
            fields,
            ..
        } = events;
        self.spare = RawTable {
            id_claim,
            account,
            contact,
            at,
            fields,
            ..RawTable::default()
        };
        self.spare_contact_id = contact_id;
    }

    fn abandon(&mut self) {
        self.abandoned = true;
    }
}

/// Whether rows of `accounts` (in file order) keep the rows grouped by
/// account in account order, after rows whose last account is `last`
/// (`None`: no rows held, and every account before `next` was sent).
fn continues(last: Option<u32>, next: usize, accounts: &[u32]) -> bool {
    let mut prev = last.map_or(next, |l| l as usize);
    for &a in accounts {
        if (a as usize) < prev {
            return false;
        }
        prev = a as usize;
    }
    true
}

/// Moves rows `..cut` of `t` into a table of their own (the rows after
/// stay, renumbered from 0, with room for a chunk more, in `spare`'s
/// buffers).
fn split_front(t: &mut RawTable, cut: usize, spare: RawTable) -> RawTable {
    use super::column::split_tail_into;
    let room = CHUNK_ROWS + t.len().saturating_sub(cut);
    let k = t
        .unknown_contacts
        .partition_point(|&(r, _)| (r as usize) < cut);
    let unknown = t
        .unknown_contacts
        .get(k..)
        .unwrap_or_default()
        .iter()
        .map(|&(r, s)| (r - cut as u32, s))
        .collect();
    t.unknown_contacts.truncate(k);
    let first_left = t.account.get(cut).copied().unwrap_or(u32::MAX);
    let s = t.straddlers.partition_point(|&a| a < first_left);
    let mut spare_fields = spare.fields.into_iter();
    let mut rest = RawTable {
        id_claim: split_tail_into(&mut t.id_claim, cut, room, spare.id_claim),
        account: split_tail_into(&mut t.account, cut, room, spare.account),
        contact: split_tail_into(&mut t.contact, cut, room, spare.contact),
        unknown_contacts: unknown,
        straddlers: t.straddlers.split_off(s),
        at: split_tail_into(&mut t.at, cut, room, spare.at),
        fields: t
            .fields
            .iter_mut()
            .map(|c| c.split_tail(cut, room, spare_fields.next()))
            .collect(),
        ..RawTable::default()
    };
    std::mem::swap(t, &mut rest);
    rest
}

/// [`super::load_dataset`], but scoring as it reads: `after_accounts` runs
/// once the accounts are loaded (before the contacts), `before_events` runs
/// once the accounts and contacts are loaded (with them; in fact once the
/// first rows of events are read, so that it runs beside the threads that
/// check the next rows), and `on_chunk` gets, in account order, every
/// account's events as chunks of complete accounts (an account in no chunk
/// has no events) while the events file is read, with what `before_events`
/// gave. See [`Streamed`] for a file that cannot be streamed.
#[allow(clippy::too_many_arguments)]
pub fn load_dataset_streaming<S>(
    dir: &Path,
    schema: &DataSchema,
    opts: &LoadOptions,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    after_accounts: impl FnOnce(&Accounts, &Interner) + Send,
    before_events: impl FnOnce(DataRef<'_>, &mut Interner) -> S,
    mut on_chunk: impl FnMut(&mut S, DataRef<'_>, &Interner),
) -> Result<(Dataset, Streamed, S), LoadError> {
    let mut front = front::load_front(dir, schema, opts, interner, rejects, after_accounts)?;
    let mut spares = std::mem::take(&mut front.spares);
    let mut before = Some(before_events);
    let mut state: Option<S> = None;
    let mut begin = |data: DataRef<'_>, interner: &mut Interner| -> Option<S> {
        let none = Events::default();
        let data = DataRef {
            events: &none,
            ..data
        };
        before.take().map(|f| f(data, interner))
    };
    let spec = front.events_spec(schema, opts);
    let mut send = |data: DataRef<'_>, interner: &mut Interner| {
        if state.is_none() {
            state = begin(data, interner);
        }
        if let Some(s) = &mut state {
            on_chunk(s, data, interner);
        }
    };
    let mut chunks = Chunks {
        front: &front,
        next_account: 0,
        abandoned: false,
        counts: LoadSummary::default(),
        send: &mut send,
        spare: RawTable::default(),
        spare_contact_id: Vec::new(),
    };
    let read = load_table(
        &front.ev_file,
        &spec,
        interner,
        rejects,
        Some(&mut chunks),
        &mut spares,
    );
    let (abandoned, counts) = (chunks.abandoned, chunks.counts);
    let (streamed, raw, file) = if abandoned {
        let (raw, file) = load_table(&front.ev_file, &spec, interner, rejects, None, &mut spares)?;
        (Streamed::Whole, Some(raw), file)
    } else {
        let (_, file) = read?;
        (Streamed::Sent, None, file)
    };
    let lap = match streamed {
        Streamed::Sent => "  events: rows (scored as read)",
        Streamed::Whole => "  events: rows (not streamable: read twice)",
    };
    let front::Read {
        accounts,
        contacts,
        mut summary,
        mut laps,
        ..
    } = front.events_read(file, lap, opts)?;
    let events = match raw {
        Some(raw) => {
            let events = assemble::events(raw, accounts.len(), &contacts.id, &mut summary);
            laps.lap("  group events");
            events
        }
        None => {
            summary.events_anonymous += counts.events_anonymous;
            summary.events_unknown_contact += counts.events_unknown_contact;
            Events::default()
        }
    };
    let data = Dataset {
        accounts,
        contacts,
        events,
        summary,
        timings: laps.timings,
    };
    // No chunk was sent when the file was found unstreamable at once.
    let state = match state {
        Some(s) => s,
        None => match begin(data.view(), interner) {
            Some(s) => s,
            None => {
                return Err(LoadError::Internal {
                    file: dir.into(),
                    message: "the scorer was started twice".into(),
                })
            }
        },
    };
    Ok((data, streamed, state))
}

#[cfg(test)]
mod tests {
    use super::continues;

    #[test]
    fn rows_continue_only_in_account_order() {
        assert!(continues(None, 0, &[0, 0, 3, 3, 7]));
        assert!(continues(Some(3), 0, &[3, 4]));
        assert!(continues(None, 5, &[5, 6]));
        assert!(continues(Some(9), 0, &[]));
        // Within the rows, across the last rows held, before an account sent.
        assert!(!continues(None, 0, &[0, 2, 1]));
        assert!(!continues(Some(4), 0, &[3, 5]));
        assert!(!continues(None, 5, &[4, 6]));
    }
}
