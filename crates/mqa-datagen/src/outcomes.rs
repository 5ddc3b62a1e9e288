//! Sales outcomes (`outcomes.csv`, for calibration and backtests): whether an
//! account became an opportunity (and was then won or lost) or was rejected
//! by sales, with a probability that grows with the engagement generated for
//! it, dated shortly after a moment of that engagement and always before
//! `as_of`.

use crate::account::Account;
use crate::activity::{Engagement, HISTORY_DAYS};
use crate::rng::Rng;
use crate::sink::CsvSink;
use crate::time::{push_timestamp, SECS_PER_DAY};
use crate::{Context, GenError};

/// Chance (ppm) that an account has any outcome, by an engagement index:
/// recent distinct contacts + recent demo/pricing events (up to 6) + 2 for ICP.
fn outcome_ppm(index: u32) -> u32 {
    match index {
        0 => 20_000,
        1..=2 => 45_000,
        3..=5 => 120_000,
        6..=9 => 280_000,
        _ => 500_000,
    }
}

fn push_row(out: &mut CsvSink, account_id: &[u8], at: i64, outcome: &str) -> Result<(), GenError> {
    let buf = out.buf();
    buf.extend_from_slice(account_id);
    buf.push(b',');
    push_timestamp(buf, at);
    buf.push(b',');
    buf.extend_from_slice(outcome.as_bytes());
    out.end_row()
}

/// Writes the account's outcome rows, `account_id,at,outcome`, oldest first.
pub(crate) fn write_outcomes(
    ctx: &Context,
    rng: &mut Rng,
    account: &Account,
    engagement: &Engagement,
    account_id: &[u8],
    out: &mut CsvSink,
) -> Result<(), GenError> {
    let icp = account.is_icp();
    let index = engagement.recent_contacts + engagement.hot_events.min(6) + if icp { 2 } else { 0 };
    if !rng.chance(outcome_ppm(index)) {
        return Ok(());
    }
    let day = SECS_PER_DAY as u64;
    let anchor = match engagement.some_hot.or(engagement.some_event) {
        Some(at) => at,
        None => ctx.as_of - rng.below(HISTORY_DAYS as u64 * day) as i64,
    };
    // Sales reacts within two weeks, and never after as_of.
    let latest = ctx.as_of - 1 - rng.below(2 * day) as i64;
    let first = (anchor + rng.range(3_600, 14 * day) as i64).min(latest);
    let rejected_ppm = if icp || index >= 6 { 150_000 } else { 400_000 };
    if rng.chance(rejected_ppm) {
        return push_row(out, account_id, first, "rejected");
    }
    push_row(out, account_id, first, "opportunity")?;
    let closed = first + rng.range(7 * day, 45 * day) as i64;
    if closed < ctx.as_of && rng.chance(700_000) {
        let won_ppm = (300_000 + 40_000 * index).min(750_000);
        let outcome = if rng.chance(won_ppm) {
            "closed_won"
        } else {
            "closed_lost"
        };
        push_row(out, account_id, closed, outcome)?;
    }
    Ok(())
}
