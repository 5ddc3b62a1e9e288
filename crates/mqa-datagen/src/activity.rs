//! Engagement: each account's buying committee (`contacts.csv`) and the
//! activity of its people (`events.csv`), driven by one latent engagement
//! stage per account.

use crate::account::Account;
use crate::rng::Rng;
use crate::sink::{push_u64, CsvSink};
use crate::time::{push_timestamp, SECS_PER_DAY};
use crate::{Context, GenError};

/// How engaged an account is over the look-back period. The stage sets how
/// many events it produces, how many of its people take part, how much of
/// the activity falls in a recent burst and how bottom-of-funnel it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Cold,
    Warm,
    Active,
    Surging,
}

struct StageSpec {
    stage: Stage,
    /// Relative frequency among ICP accounts and among the others.
    weight_icp: u32,
    weight_other: u32,
    /// Chance of no activity at all, then a log-normal event count.
    silent_ppm: u32,
    events_median: f64,
    events_sigma: f64,
    /// Share of events in a burst that began `burst_days` days ago (a range:
    /// each account's burst starts on its own day); the rest spread evenly
    /// over the whole history.
    burst_ppm: u32,
    burst_days: (u64, u64),
    /// Range of the number of committee members who take part.
    engaged: (u64, u64),
    /// Weights of the event kinds, in the order of [`KINDS`].
    kinds: [u32; 7],
}

const STAGES: [StageSpec; 4] = [
    StageSpec {
        stage: Stage::Cold,
        weight_icp: 330,
        weight_other: 440,
        silent_ppm: 300_000,
        events_median: 2.5,
        events_sigma: 0.8,
        burst_ppm: 150_000,
        burst_days: (14, 45),
        engaged: (1, 2),
        kinds: [5, 30, 100, 60, 20, 300, 485],
    },
    StageSpec {
        stage: Stage::Warm,
        weight_icp: 350,
        weight_other: 330,
        silent_ppm: 0,
        events_median: 14.0,
        events_sigma: 0.6,
        burst_ppm: 300_000,
        burst_days: (14, 45),
        engaged: (1, 3),
        kinds: [15, 55, 120, 80, 40, 250, 440],
    },
    StageSpec {
        stage: Stage::Active,
        weight_icp: 210,
        weight_other: 160,
        silent_ppm: 0,
        events_median: 44.0,
        events_sigma: 0.5,
        burst_ppm: 450_000,
        burst_days: (14, 45),
        engaged: (2, 6),
        kinds: [30, 75, 130, 85, 45, 235, 400],
    },
    StageSpec {
        stage: Stage::Surging,
        weight_icp: 110,
        weight_other: 70,
        silent_ppm: 0,
        events_median: 130.0,
        events_sigma: 0.5,
        burst_ppm: 750_000,
        burst_days: (10, 30),
        engaged: (3, 10),
        kinds: [55, 115, 150, 80, 50, 210, 340],
    },
];

pub(crate) const KINDS: [&str; 7] = [
    "demo_request",
    "pricing_view",
    "download",
    "webinar",
    "event_attended",
    "email_click",
    "page_view",
];
const DEMO_REQUEST: usize = 0;
const PRICING_VIEW: usize = 1;
const DOWNLOAD: usize = 2;
/// Anonymous visitors only leave web traces.
const ANONYMOUS_KINDS: [u32; 7] = [0, 100, 100, 0, 0, 0, 800];
/// Share of downloads that are high-value assets.
const HIGH_ASSET_PPM: u32 = 450_000;

const ROLES: [&str; 4] = ["decision_maker", "champion", "influencer", "user"];
const ROLE_WEIGHTS: [u32; 4] = [10, 18, 26, 46];
const DEPARTMENTS: [&str; 7] = [
    "it",
    "security",
    "marketing",
    "finance",
    "operations",
    "engineering",
    "sales",
];
const DEPARTMENT_WEIGHTS: [u32; 7] = [17, 15, 15, 12, 16, 14, 11];

pub(crate) const MAX_COMMITTEE: u64 = 12;
const COMMITTEE_SIGMA: f64 = 0.45;
/// Look-back covered by the history.
pub(crate) const HISTORY_DAYS: i64 = 120;
/// Events, parts per million: after `as_of`, anonymous, unknown contact.
const FUTURE_PPM: u32 = 5_000;
const ANONYMOUS_PPM: u64 = 20_000;
const UNKNOWN_CONTACT_PPM: u64 = 2_000;
/// Share of a known contact's events not from the engaged core.
const STRAY_PPM: u32 = 30_000;

/// The latent engagement of one account.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub stage: Stage,
    spec: usize,
    pub committee: u64,
    engaged: u64,
}

impl Profile {
    pub(crate) fn draw(rng: &mut Rng, account: &Account) -> Profile {
        let mut weights = [0u32; STAGES.len()];
        for (w, s) in weights.iter_mut().zip(STAGES.iter()) {
            *w = if account.is_icp() {
                s.weight_icp
            } else {
                s.weight_other
            };
        }
        let spec = rng.weighted(&weights);
        // Committees of 1–12: log-normal around a median that grows with
        // head count (redrawn when outside 1–12), so mid-sized committees are
        // the most common.
        let median = match account.employees {
            0..=49 => 3.5,
            50..=199 => 5.5,
            200..=999 => 7.0,
            1000..=4999 => 8.5,
            _ => 10.0,
        };
        let mut committee = 0;
        for _ in 0..8 {
            committee = rng.log_normal(median, COMMITTEE_SIGMA).round() as u64;
            if (1..=MAX_COMMITTEE).contains(&committee) {
                break;
            }
        }
        let committee = committee.clamp(1, MAX_COMMITTEE);
        let (lo, hi) = STAGES[spec].engaged;
        let engaged = rng.range(lo, hi).min(committee);
        Profile {
            stage: STAGES[spec].stage,
            spec,
            committee,
            engaged,
        }
    }
}

/// What the generated activity amounted to, for the intent and outcome steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct Engagement {
    /// Known contacts (by committee index) active in the last 30 days.
    pub recent_contacts: u32,
    /// Demo requests and pricing views in the last 90 days.
    pub hot_events: u32,
    /// One visible demo request or pricing view of the last 90 days, and one
    /// visible event of any kind, each picked at random (seconds).
    pub some_hot: Option<i64>,
    pub some_event: Option<i64>,
}

/// Appends `ACCOUNT-cN`.
fn push_contact_id(buf: &mut Vec<u8>, account_id: &[u8], n: u64) {
    buf.extend_from_slice(account_id);
    buf.extend_from_slice(b"-c");
    push_u64(buf, n);
}

/// Writes the account's contacts: `id,account_id,role,department`.
pub(crate) fn write_contacts(
    rng: &mut Rng,
    profile: &Profile,
    account_id: &[u8],
    out: &mut CsvSink,
) -> Result<(), GenError> {
    for n in 0..profile.committee {
        let role = ROLES[rng.weighted(&ROLE_WEIGHTS)];
        let department = DEPARTMENTS[rng.weighted(&DEPARTMENT_WEIGHTS)];
        let buf = out.buf();
        push_contact_id(buf, account_id, n);
        buf.push(b',');
        buf.extend_from_slice(account_id);
        buf.push(b',');
        buf.extend_from_slice(role.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(department.as_bytes());
        out.end_row()?;
    }
    Ok(())
}

enum Who {
    Anonymous,
    Known(u64),
    Unknown(u64),
}

/// Writes the account's events, `id,account_id,contact_id,at,kind,asset_tier`,
/// numbering them from `*next_id` on.
pub(crate) fn write_events(
    ctx: &Context,
    rng: &mut Rng,
    profile: &Profile,
    account_id: &[u8],
    next_id: &mut u64,
    out: &mut CsvSink,
) -> Result<Engagement, GenError> {
    let spec = &STAGES[profile.spec];
    let count = if rng.chance(spec.silent_ppm) {
        0
    } else {
        rng.log_normal(spec.events_median, spec.events_sigma)
            .round()
            .clamp(0.0, 5_000.0) as u64
    };
    let day = SECS_PER_DAY as u64;
    let history = HISTORY_DAYS as u64 * day;
    let burst = rng.range(spec.burst_days.0 * day, spec.burst_days.1 * day);
    let mut stats = Engagement::default();
    let mut recent_mask = 0u32;
    let mut visible = 0u64;
    for _ in 0..count {
        let r = rng.below(1_000_000);
        let who = if r < ANONYMOUS_PPM {
            Who::Anonymous
        } else if r < ANONYMOUS_PPM + UNKNOWN_CONTACT_PPM {
            // A contact id the CRM export no longer has.
            Who::Unknown(profile.committee + rng.below(4))
        } else if profile.engaged == 0 || rng.chance(STRAY_PPM) {
            Who::Known(rng.below(profile.committee))
        } else {
            // The engaged core, with a few people doing most of it.
            let j = rng.below(profile.engaged);
            if rng.chance(500_000) {
                Who::Known(j.min(rng.below(profile.engaged)))
            } else {
                Who::Known(j)
            }
        };
        let kind = match who {
            Who::Anonymous => rng.weighted(&ANONYMOUS_KINDS),
            _ => rng.weighted(&spec.kinds),
        };
        let high = kind == DOWNLOAD && rng.chance(HIGH_ASSET_PPM);
        let at = if rng.chance(FUTURE_PPM) {
            ctx.as_of + 1 + rng.below(14 * day) as i64
        } else if rng.chance(spec.burst_ppm) {
            ctx.as_of - rng.below(burst) as i64
        } else {
            ctx.as_of - rng.below(history) as i64
        };

        if at <= ctx.as_of {
            let age = ctx.as_of - at;
            visible += 1;
            if rng.below(visible) == 0 {
                stats.some_event = Some(at);
            }
            if let Who::Known(n) = who {
                if age < 30 * SECS_PER_DAY {
                    recent_mask |= 1 << n;
                }
            }
            if (kind == DEMO_REQUEST || kind == PRICING_VIEW) && age < 90 * SECS_PER_DAY {
                stats.hot_events += 1;
                if rng.below(u64::from(stats.hot_events)) == 0 {
                    stats.some_hot = Some(at);
                }
            }
        }

        *next_id += 1;
        let buf = out.buf();
        buf.push(b'e');
        push_u64(buf, ctx.seed);
        buf.push(b'-');
        push_u64(buf, *next_id);
        buf.push(b',');
        buf.extend_from_slice(account_id);
        buf.push(b',');
        match who {
            Who::Anonymous => {}
            Who::Known(n) | Who::Unknown(n) => push_contact_id(buf, account_id, n),
        }
        buf.push(b',');
        push_timestamp(buf, at);
        buf.push(b',');
        buf.extend_from_slice(KINDS[kind].as_bytes());
        buf.push(b',');
        if kind == DOWNLOAD {
            buf.extend_from_slice(if high { b"high" } else { b"standard" });
        }
        out.end_row()?;
    }
    stats.recent_contacts = recent_mask.count_ones();
    Ok(stats)
}
