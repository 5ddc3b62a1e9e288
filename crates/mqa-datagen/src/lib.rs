//! `mqa-datagen` owns the synthetic data sets behind `mqa generate`: a
//! realistic, deterministic data directory (accounts, contacts, events, an
//! intent feed and sales outcomes) for demos, tests and benchmarks. The same
//! [`GenOptions`] give the same bytes on every platform: the generator uses its
//! own PRNG (xoshiro256**, one stream per account), formats every number as an
//! integer, and never iterates a hash map.
//!
//! # The model of the data
//!
//! The data imitates a marketing-automation and CRM export (and follows the
//! public conformance case `acme-small` in ids, columns and value formats),
//! shaped so that the `enterprise` model of the language spec (§2) has
//! something to decide: a realistic minority of accounts qualify (about 8 %),
//! each of its rules and gates both passes and fails for many accounts, and
//! the data format's edge cases (missing values, anonymous and unknown
//! contacts, activity after `as_of`) occur at low rates. At 100 000 accounts
//! it holds about 650 000 contacts, 2.77 million events and 310 000 intent
//! rows (about 250 MB).
//!
//! Each account draws from its own random stream, so a larger data set with
//! the same seed starts with the rows of every smaller one.
//!
//! **Accounts** (`accounts.csv`: `id,domain,name,industry,employees,revenue,tier,regulated`).
//! Ids are `acc-SEED-NNNNN`, domains `companySEEDxN.example`, names
//! `Company N`. The industry is drawn from eleven weighted industries, about
//! half of the accounts in the model's ICP list (software, fintech,
//! healthcare, cybersecurity). Head count is log-normal (median 320, σ = 1.35
//! in log space: from single digits to tens of thousands, about 60 % within
//! the model's 200–5000 band); revenue is head count times an
//! industry-specific log-normal revenue per employee ($120k–$420k median,
//! σ = 0.4), so the two correlate as in real firmographics. Tier 1 (named
//! accounts, about 15 %) is more common for large companies; most accounts are
//! tier 3. `regulated` follows the industry: nearly all fintech and
//! healthcare accounts, many energy and telecom ones, few others. About 0.5 %
//! of accounts lack employees, 0.5 % lack revenue and 0.3 % lack a domain
//! (those get no intent rows), to exercise missing values.
//!
//! **Engagement.** Each account has a latent stage — cold, warm, active or
//! surging — which is more often active or surging for ICP accounts (marketing
//! targets them). The stage sets a log-normal event count (cold accounts are
//! often silent, surging ones produce a hundred or more events), how many
//! committee members take part (1–2 for cold accounts, 3–10 for surging ones),
//! the share of activity in a recent burst that began on an account-specific
//! day 10–45 days ago (the rest spreads evenly over 120 days, so the total
//! ramps up smoothly towards `as_of`), and the mix of event kinds (surging
//! accounts ask for demos and view pricing more). The result is heavily
//! skewed: about 13 % of accounts have no events, the median account has 10,
//! the top tenth produce half of all events, and the mean is about 27.6.
//! Breadth is what the model's required rule tests: about 31 % of accounts
//! have 3 or more distinct contacts active in the last 30 days.
//!
//! **Contacts** (`contacts.csv`: `id,account_id,role,department`). Buying
//! committees of 1–12 people, log-normal around a median that grows with head
//! count (3.5 under 50 employees, 10 from 5000), so committees of 4–7 are the
//! most common and the mean is about 6.5. Roles: 46 % users, 26 %
//! influencers, 18 % champions, 10 % decision makers; departments it,
//! security, marketing, finance, operations, engineering and sales. Contact
//! ids are `ACCOUNT-cN`.
//!
//! **Events** (`events.csv`: `id,account_id,contact_id,at,kind,asset_tier`).
//! Ids are `eSEED-N`, unique over the file. Rows are grouped by account but
//! not sorted by time. A few engaged people do most of an account's
//! activity. Kinds: page views (about 39 %) and email clicks (22 %) are
//! common; downloads (13 %, `asset_tier` high for 45 % of them, standard
//! otherwise, empty for other kinds), pricing views, webinars and event
//! attendance less so; demo requests rare (under 4 %). About 2 % of events
//! are anonymous (empty `contact_id`, web kinds only), 0.2 % name a contact
//! that is not in `contacts.csv`, and 0.5 % fall after `as_of` (in the
//! following two weeks) and must be invisible to scoring. Timestamps are
//! whole seconds, `YYYY-MM-DDTHH:MM:SSZ`.
//!
//! **Intent** (`intent.csv`: `domain,topic,score,week`, the `intent-csv`
//! plugin's input). Weekly scores (0–100) for topics such as "zero trust",
//! "siem", "cloud security", "data warehouse" and "competitor:acme", in runs
//! of consecutive Monday-dated weeks within the 13 weeks up to `as_of`
//! (the latest is the Monday on or before it). About 28 % of accounts have
//! intent; engaged accounts more often, on more topics, with higher, rising
//! and more recent scores. About 3.1 rows per account on average.
//!
//! **Outcomes** (`outcomes.csv`: `account_id,at,outcome`). The chance of an
//! outcome grows with the account's generated engagement (distinct contacts
//! active in the last 30 days, demo requests and pricing views, ICP fit):
//! from 2 % for unengaged accounts to 50 % for the most engaged, about 15 %
//! overall. An account becomes an `opportunity` (followed by `closed_won` or
//! `closed_lost` when the sales cycle ended before `as_of`) or is `rejected`
//! by sales, dated shortly after one of its high-intent activities and always
//! before `as_of`. More engaged accounts are won more often.
//!
//! No generated value contains a comma, quote or line break, so no field
//! needs CSV quoting.

mod account;
mod activity;
mod intent;
mod outcomes;
mod rng;
mod sink;
mod time;

use std::path::{Path, PathBuf};

use account::{push_account_id, push_account_row, Account};
use activity::Profile;
use rng::Rng;
use sink::CsvSink;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenOptions {
    /// Number of accounts (default 1000).
    pub accounts: u64,
    /// Seed of the pseudo-random streams (default 7); it also appears in ids.
    pub seed: u64,
    /// The moment the data set is "exported", in microseconds since the Unix
    /// epoch, UTC (default 2026-11-01T00:00:00Z). History lies before it.
    pub as_of: i64,
}

/// 2026-11-01T00:00:00Z in microseconds since the epoch.
pub const DEFAULT_AS_OF: i64 = 1_793_491_200_000_000;

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            accounts: 1000,
            seed: 7,
            as_of: DEFAULT_AS_OF,
        }
    }
}

/// What was written: data rows per file (headers not counted), total bytes
/// and the files, in the order accounts, contacts, events, intent, outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenSummary {
    pub accounts: u64,
    pub contacts: u64,
    pub events: u64,
    pub intent_rows: u64,
    pub outcomes: u64,
    pub bytes: u64,
    pub files: Vec<PathBuf>,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("cannot create the output directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("as_of {as_of} (microseconds since the epoch) is too close to the years 0001–9999 this generator writes")]
    AsOfOutOfRange { as_of: i64 },
}

/// The header lines of the five files, without line ends.
pub const ACCOUNTS_HEADER: &str = "id,domain,name,industry,employees,revenue,tier,regulated";
pub const CONTACTS_HEADER: &str = "id,account_id,role,department";
pub const EVENTS_HEADER: &str = "id,account_id,contact_id,at,kind,asset_tier";
pub const INTENT_HEADER: &str = "domain,topic,score,week";
pub const OUTCOMES_HEADER: &str = "account_id,at,outcome";

/// How often (in accounts) `progress` is called.
const PROGRESS_EVERY: u64 = 1000;

/// Shared, per-run values.
pub(crate) struct Context {
    pub seed: u64,
    /// `as_of` in whole seconds (rounded down).
    pub as_of: i64,
    /// The Monday (00:00:00Z) of the week containing `as_of`: the intent
    /// feed's latest week.
    pub latest_week: i64,
}

/// Writes the data set for `opts` into `out_dir` (created if missing;
/// existing files are overwritten): `accounts.csv`, `contacts.csv`,
/// `events.csv`, `intent.csv` and `outcomes.csv`. `progress` is called with
/// the number of accounts done after every 1000 accounts and after the last
/// one (never for zero accounts).
pub fn generate(
    opts: &GenOptions,
    out_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<GenSummary, GenError> {
    let as_of = opts.as_of.div_euclid(1_000_000);
    if !time::formattable_around(as_of, 400) {
        return Err(GenError::AsOfOutOfRange { as_of: opts.as_of });
    }
    std::fs::create_dir_all(out_dir).map_err(|source| GenError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let ctx = Context {
        seed: opts.seed,
        as_of,
        latest_week: time::monday_on_or_before(as_of),
    };
    let mut accounts = CsvSink::create(out_dir, "accounts.csv", ACCOUNTS_HEADER)?;
    let mut contacts = CsvSink::create(out_dir, "contacts.csv", CONTACTS_HEADER)?;
    let mut events = CsvSink::create(out_dir, "events.csv", EVENTS_HEADER)?;
    let mut intent = CsvSink::create(out_dir, "intent.csv", INTENT_HEADER)?;
    let mut outcomes = CsvSink::create(out_dir, "outcomes.csv", OUTCOMES_HEADER)?;

    let mut account_id = Vec::with_capacity(32);
    let mut next_event_id = 0u64;
    let mut reported = 0u64;
    for index in 0..opts.accounts {
        let mut rng = Rng::for_stream(opts.seed, index);
        let account = Account::draw(&mut rng, index);
        let profile = Profile::draw(&mut rng, &account);
        account_id.clear();
        push_account_id(&mut account_id, opts.seed, index);

        push_account_row(accounts.buf(), opts.seed, &account_id, &account);
        accounts.end_row()?;
        activity::write_contacts(&mut rng, &profile, &account_id, &mut contacts)?;
        let engagement = activity::write_events(
            &ctx,
            &mut rng,
            &profile,
            &account_id,
            &mut next_event_id,
            &mut events,
        )?;
        intent::write_intent(&ctx, &mut rng, &account, &profile, &mut intent)?;
        outcomes::write_outcomes(
            &ctx,
            &mut rng,
            &account,
            &engagement,
            &account_id,
            &mut outcomes,
        )?;
        if index + 1 - reported == PROGRESS_EVERY {
            reported = index + 1;
            progress(reported);
        }
    }
    if reported != opts.accounts {
        progress(opts.accounts);
    }

    let mut summary = GenSummary {
        accounts: 0,
        contacts: 0,
        events: 0,
        intent_rows: 0,
        outcomes: 0,
        bytes: 0,
        files: Vec::with_capacity(5),
    };
    let counts = [
        &mut summary.accounts,
        &mut summary.contacts,
        &mut summary.events,
        &mut summary.intent_rows,
        &mut summary.outcomes,
    ];
    let sinks = [accounts, contacts, events, intent, outcomes];
    let mut bytes = 0;
    let mut files = Vec::with_capacity(5);
    for (sink, count) in sinks.into_iter().zip(counts) {
        let (path, rows, written) = sink.finish()?;
        *count = rows;
        bytes += written;
        files.push(path);
    }
    summary.bytes = bytes;
    summary.files = files;
    Ok(summary)
}
