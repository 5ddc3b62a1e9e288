//! Streaming the events to the scorer (`mqa score`). The events file is
//! read, checked and committed as usual (`table`, `commit`), but once the
//! file has moved past an account, that account's rows are complete: the
//! rows of every complete account are grouped into a chunk of [`Events`]
//! and handed to the caller's [`Scorer`], which scores those accounts on
//! a thread of its own while the next rows are read (the chunk's buffers
//! then come back for the next chunks). The event columns of the whole
//! file are never held, and the accounts are scored while the file is
//! still being read.
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
use std::sync::{mpsc, OnceLock};

/// Kept event rows gathered before the complete accounts among them are
/// sent: about 1 200 accounts of the generated data, 0.9 MB of columns.
/// (Since chunks are scored on a thread of their own, 32 768 rows took
/// 16 alternating runs at 100 000 accounts from 355 to 348 ms and 129 to
/// 125 MB against 65 536; 131 072 were slower.)
const CHUNK_ROWS: usize = 1 << 15;

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
    /// Takes a chunk; gives back a chunk scored before, if any, whose
    /// buffers the next chunks reuse.
    send: &'s mut dyn FnMut(Events, &mut Interner) -> Option<Events>,
    /// Buffers for the rows held next and the next chunk's `contact_id`
    /// (new ones each chunk fault their pages in).
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
        let back = (self.send)(events, interner);
        self.next_account = upto;
        self.spare = RawTable {
            id_claim,
            ..RawTable::default()
        };
        if let Some(Events {
            account,
            contact_id,
            contact,
            at,
            fields,
            ..
        }) = back
        {
            self.spare.account = account;
            self.spare.contact = contact;
            self.spare.at = at;
            self.spare.fields = fields;
            self.spare_contact_id = contact_id;
        }
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

/// How a streamed load hands its chunks over: `before_events` runs once
/// the accounts and contacts are loaded (with them; in fact once the first
/// rows of events are read, so that it runs beside the threads that check
/// the next rows) and gives what scoring shares (`Sh`) and what the
/// loading thread keeps (`Lo`); `score` then scores each chunk on a
/// thread of its own while the next rows are read, and `take` gets each
/// chunk's result on the loading thread, in account order.
pub struct Scorer<B, F, T> {
    pub before_events: B,
    pub score: F,
    pub take: T,
}

/// Chunks waiting for the scoring thread beyond the one it scores: one
/// more lets the loading thread go on while the scorer finishes a chunk,
/// without holding the columns of many.
const CHUNKS_WAITING: usize = 1;

/// [`super::load_dataset`], but scoring as it reads: `after_accounts` runs
/// once the accounts are loaded (before the contacts), and the events go,
/// in account order, as chunks of complete accounts (an account in no
/// chunk has no events) to `scorer` while the events file is read (see
/// [`Scorer`]). Once `before_events` ran, the interner is frozen
/// ([`Interner::freeze`]) so that each chunk goes with a cheap snapshot of
/// it. See [`Streamed`] for a file that cannot be streamed.
pub fn load_dataset_streaming<Sh, Lo, R, B, F, T>(
    dir: &Path,
    schema: &DataSchema,
    opts: &LoadOptions,
    interner: &mut Interner,
    rejects: &mut dyn RejectSink,
    after_accounts: impl FnOnce(&Accounts, &Interner) + Send,
    scorer: Scorer<B, F, T>,
) -> Result<(Dataset, Streamed, Sh, Lo), LoadError>
where
    Sh: Send + Sync,
    R: Send,
    B: FnOnce(DataRef<'_>, &mut Interner) -> (Sh, Lo),
    F: Fn(&Sh, DataRef<'_>, &Interner) -> R + Sync,
    T: FnMut(&mut Lo, R),
{
    let Scorer {
        before_events,
        score,
        mut take,
    } = scorer;
    let mut front = front::load_front(dir, schema, opts, interner, rejects, after_accounts)?;
    let mut spares = std::mem::take(&mut front.spares);
    let spec = front.events_spec(schema, opts);
    let shared: OnceLock<Sh> = OnceLock::new();
    let mut local: Option<Lo> = None;
    let mut before = Some(before_events);
    let (read, abandoned, counts, scorer_ok) = std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<(Events, Interner)>(CHUNKS_WAITING);
        let (done_tx, done_rx) = mpsc::channel::<(R, Events)>();
        let (front_ref, shared_ref, score_ref) = (&front, &shared, &score);
        let scoring = scope.spawn(move || {
            for (events, texts) in job_rx {
                let Some(sh) = shared_ref.get() else {
                    break;
                };
                let data = DataRef {
                    accounts: &front_ref.accounts,
                    contacts: &front_ref.contacts,
                    events: &events,
                };
                let r = score_ref(sh, data, &texts);
                if done_tx.send((r, events)).is_err() {
                    break;
                }
            }
        });
        let mut scorer_gone = false;
        let mut send = |events: Events, interner: &mut Interner| -> Option<Events> {
            if let Some(f) = before.take() {
                let none = Events::default();
                let data = DataRef {
                    accounts: &front.accounts,
                    contacts: &front.contacts,
                    events: &none,
                };
                let (sh, lo) = f(data, interner);
                // Set once: `before` is taken.
                let _ = shared.set(sh);
                local = Some(lo);
                interner.freeze();
            }
            if job_tx.send((events, interner.snapshot())).is_err() {
                scorer_gone = true;
                return None;
            }
            let mut spare = None;
            while let Ok((r, events)) = done_rx.try_recv() {
                if let Some(lo) = local.as_mut() {
                    take(lo, r);
                }
                spare = Some(events);
            }
            spare
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
        // The scorer ends with the chunks; then every result is in.
        drop(job_tx);
        let ok = scoring.join().is_ok() && !scorer_gone;
        for (r, _) in done_rx.try_iter() {
            if let Some(lo) = local.as_mut() {
                take(lo, r);
            }
        }
        (read, abandoned, counts, ok)
    });
    if !scorer_ok {
        return Err(LoadError::Internal {
            file: front.ev_file.path.clone(),
            message: "the scoring thread stopped early".into(),
        });
    }
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
    if let Some(f) = before.take() {
        let (sh, lo) = f(data.view(), interner);
        let _ = shared.set(sh);
        local = Some(lo);
    }
    match (shared.into_inner(), local) {
        (Some(sh), Some(lo)) => Ok((data, streamed, sh, lo)),
        _ => Err(LoadError::Internal {
            file: dir.into(),
            message: "the scorer was not started".into(),
        }),
    }
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
