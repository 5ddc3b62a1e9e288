//! The third-party intent feed (`intent.csv`, the `intent-csv` plugin's
//! input): weekly topic scores per company domain, in runs of consecutive
//! weeks, more frequent and stronger for accounts that are engaging.

use crate::account::{push_domain, Account};
use crate::activity::{Profile, Stage};
use crate::rng::Rng;
use crate::sink::{push_u64, CsvSink};
use crate::time::{push_date, SECS_PER_WEEK};
use crate::{Context, GenError};

/// Topics in alphabetical order (the order rows are written in), with their
/// relative frequency.
const TOPICS: [(&str, u32); 10] = [
    ("cloud security", 12),
    ("competitor:acme", 9),
    ("competitor:globex", 6),
    ("competitor:initech", 5),
    ("crm software", 10),
    ("data warehouse", 12),
    ("endpoint security", 10),
    ("identity management", 8),
    ("siem", 14),
    ("zero trust", 14),
];

/// Weeks the feed covers, counting the week containing `as_of`.
pub(crate) const FEED_WEEKS: u64 = 13;

fn intent_ppm(stage: Stage) -> u32 {
    match stage {
        Stage::Cold => 110_000,
        Stage::Warm => 260_000,
        Stage::Active => 460_000,
        Stage::Surging => 800_000,
    }
}

/// Writes the account's intent rows, `domain,topic,score,week`: topics in
/// alphabetical order, latest week first. Accounts without a domain get none.
pub(crate) fn write_intent(
    ctx: &Context,
    rng: &mut Rng,
    account: &Account,
    profile: &Profile,
    out: &mut CsvSink,
) -> Result<(), GenError> {
    if !account.has_domain || !rng.chance(intent_ppm(profile.stage)) {
        return Ok(());
    }
    let surging = profile.stage == Stage::Surging;
    let mut topics = 1 + rng.below(3) + u64::from(surging);
    let mut chosen = [false; TOPICS.len()];
    let mut weights = [0u32; TOPICS.len()];
    for (w, t) in weights.iter_mut().zip(TOPICS.iter()) {
        *w = t.1;
    }
    while topics > 0 {
        let t = rng.weighted(&weights);
        chosen[t] = true;
        weights[t] = 0;
        topics -= 1;
    }
    let (base_lo, base_hi, trend) = match profile.stage {
        Stage::Surging => (55, 95, 3),
        Stage::Active => (40, 85, 2),
        Stage::Warm | Stage::Cold => (20, 75, 0),
    };
    for (t, _) in chosen.iter().enumerate().filter(|(_, &c)| c) {
        // A run of consecutive weeks ending `end` weeks before the latest.
        let end = match profile.stage {
            Stage::Surging => 0,
            Stage::Active => rng.below(2),
            Stage::Warm | Stage::Cold => rng.below(6).min(rng.below(6)),
        };
        let len = rng.range(1, 9).min(FEED_WEEKS - end);
        let base = rng.range(base_lo, base_hi) as i64;
        for w in end..end + len {
            let noise = rng.range(0, 30) as i64 - 15;
            let score = (base + noise - trend * (w - end) as i64).clamp(0, 100) as u64;
            let week = ctx.latest_week - w as i64 * SECS_PER_WEEK;
            let buf = out.buf();
            push_domain(buf, ctx.seed, account.index);
            buf.push(b',');
            buf.extend_from_slice(TOPICS[t].0.as_bytes());
            buf.push(b',');
            push_u64(buf, score);
            buf.push(b',');
            push_date(buf, week);
            out.end_row()?;
        }
    }
    Ok(())
}
