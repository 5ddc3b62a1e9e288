//! Sorting a checked batch's kept events by account run, `(at, id)`
//! within each run (see [`sort_runs`]).

use super::{claim_span, Column, Prepared};
use crate::intern::Sym;

/// Sorts each run of kept events of one account by `(at, id)`, moving all
/// their columns: when the file groups events by account (the usual
/// export), the grouped table needs no sort afterwards but for the
/// accounts whose events straddle two batches.
pub(super) fn sort_runs(out: &mut Prepared) {
    let n = out.at.len();
    let Prepared {
        claims,
        ids,
        account,
        at,
        kept_claim,
        order,
        keys,
        packed,
        ..
    } = &mut *out;
    let id = |j: usize| -> &[u8] {
        let Some(&c) = kept_claim.get(j) else {
            return &[];
        };
        ids.get(claim_span(claims, c as usize)).unwrap_or_default()
    };
    order.clear();
    let mut moved = false;
    let mut s = 0usize;
    while s < n {
        // The run of one account: whether its times rise, and their range.
        let (Some(&a), Some(&first)) = (account.get(s), at.get(s)) else {
            break;
        };
        let (mut e, mut rising, mut lo, mut hi, mut prev) = (s + 1, true, first, first, first);
        let rest = account.get(e..).unwrap_or_default();
        for (&b, &t) in rest.iter().zip(at.get(e..).unwrap_or_default()) {
            if b != a {
                break;
            }
            rising &= prev < t;
            lo = lo.min(t);
            hi = hi.max(t);
            prev = t;
            e += 1;
        }
        let run = at.get(s..e).unwrap_or_default();
        if rising {
            order.extend(s as u32..e as u32);
            s = e;
            continue;
        }
        // `(at - min) << bits | place in the run` when it fits a word: one
        // integer sort orders by `(at, row)`.
        let bits = usize::BITS - (e - s - 1).leading_zeros();
        let range = hi.wrapping_sub(lo) as u64;
        if bits < 64 && range >> (64 - bits) == 0 {
            let mask = (1u64 << bits) - 1;
            packed.clear();
            packed.extend(
                run.iter()
                    .enumerate()
                    .map(|(k, &t)| (t.wrapping_sub(lo) as u64) << bits | k as u64),
            );
            packed.sort_unstable();
            // Equal times (rare; a time is below 2^63, never `u64::MAX`).
            let (mut tie, mut was) = (false, u64::MAX);
            for &key in packed.iter() {
                tie |= key >> bits == was;
                was = key >> bits;
            }
            let mut i = 0;
            while tie && i < packed.len() {
                let t = packed.get(i).map_or(0, |k| k >> bits);
                let mut j = i + 1;
                while packed.get(j).is_some_and(|k| k >> bits == t) {
                    j += 1;
                }
                if j - i > 1 {
                    // Equal times by id, then row.
                    if let Some(tie) = packed.get_mut(i..j) {
                        tie.sort_unstable_by(|x, y| {
                            let (x, y) = ((x & mask) as usize, (y & mask) as usize);
                            id(s + x).cmp(id(s + y)).then(x.cmp(&y))
                        });
                    }
                }
                i = j;
            }
            // Moved rows, once equal times are in id order too.
            moved |= packed
                .iter()
                .enumerate()
                .any(|(k, &key)| (key & mask) as usize != k);
            order.extend(packed.iter().map(|&key| (s + (key & mask) as usize) as u32));
        } else {
            keys.clear();
            keys.extend(run.iter().enumerate().map(|(k, &t)| (t, (s + k) as u32)));
            // Rows are distinct, so `(at, row)` orders them totally.
            keys.sort_unstable();
            let mut i = 0;
            while i < keys.len() {
                let t = keys.get(i).map_or(0, |k| k.0);
                let mut j = i + 1;
                while keys.get(j).is_some_and(|k| k.0 == t) {
                    j += 1;
                }
                if j - i > 1 {
                    if let Some(tie) = keys.get_mut(i..j) {
                        tie.sort_unstable_by(|x, y| {
                            id(x.1 as usize).cmp(id(y.1 as usize)).then(x.1.cmp(&y.1))
                        });
                    }
                }
                i = j;
            }
            moved |= keys
                .iter()
                .enumerate()
                .any(|(k, &(_, j))| j as usize != s + k);
            order.extend(keys.iter().map(|&(_, j)| j));
        }
        s = e;
    }
    if !moved {
        return;
    }
    let order = std::mem::take(&mut out.order);
    permute(&mut out.contact, &order, &mut out.tmp_u32, 0);
    permute(&mut out.kept_claim, &order, &mut out.tmp_u32, 0);
    permute(&mut out.contact_id, &order, &mut out.tmp_sym, Sym::MISSING);
    permute(&mut out.at, &order, &mut out.tmp_i64, 0);
    out.tmp_fields
        .resize_with(out.fields.len(), || Column::Bool(Vec::new()));
    for (c, tmp) in out.fields.iter_mut().zip(&mut out.tmp_fields) {
        c.gather_into(&order, tmp);
        std::mem::swap(c, tmp);
    }
    out.order = order;
}

/// `v = [v[order[0]], v[order[1]], ...]` (`order` a permutation of `v`'s
/// indices; `fill` is never used), through `tmp`, which ends up holding the
/// old values.
fn permute<T: Copy>(v: &mut Vec<T>, order: &[u32], tmp: &mut Vec<T>, fill: T) {
    tmp.clear();
    // `map`, not `filter_map`: the length is known, so no check per push.
    tmp.extend(
        order
            .iter()
            .map(|&i| v.get(i as usize).copied().unwrap_or(fill)),
    );
    std::mem::swap(v, tmp);
}

#[cfg(test)]
mod sort_tests {
    use super::sort_runs;
    use crate::data::prepare::{Claim, Prepared};
    use crate::data::Column;
    use crate::intern::Sym;

    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// Batches of runs (short and long, sorted, reversed, random, with
    /// equal times and equal ids, in order but for the ids of equal times,
    /// times that do and do not fit a packed key): every column follows the order of a plain sort by
    /// `(account run, at, id, row)`.
    #[test]
    fn sort_runs_orders_each_run_by_time_then_id() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for batch in 0..300 {
            let mut p = Prepared::default();
            let mut row_ids: Vec<Vec<u8>> = Vec::new();
            let runs = 1 + next(&mut x) % 8;
            for r in 0..runs {
                let len = 1 + (next(&mut x) % [3, 20, 70, 300][(r % 4) as usize]) as usize;
                let shape = next(&mut x) % 7;
                let base = (next(&mut x) % 1_000_000_000) as i64 * 1_000_000;
                for k in 0..len {
                    let t = match shape {
                        0 => base + k as i64,
                        1 => base - k as i64 * 1000,
                        2 => base + (next(&mut x) % 4) as i64,
                        3 if k % 2 == 0 => i64::MIN + (next(&mut x) % 9) as i64,
                        3 => i64::MAX - (next(&mut x) % 9) as i64,
                        4 if batch % 2 == 0 => (next(&mut x) >> 1) as i64 - (1 << 62),
                        // In order but for equal times, whose ids are not.
                        5 => base + (k / 3) as i64,
                        _ => base + (next(&mut x) % 200_000_000_000) as i64,
                    };
                    let id = format!("e{}", next(&mut x) % [5, 1_000_000][k % 2]);
                    let row = p.at.len() as u32;
                    p.ids.extend_from_slice(id.as_bytes());
                    p.claims.push(Claim {
                        line: u64::from(row),
                        id_end: p.ids.len() as u32,
                        hash: 0,
                    });
                    row_ids.push(id.into_bytes());
                    p.kept_claim.push(row);
                    p.account.push(r as u32 + batch);
                    p.at.push(t);
                    p.contact.push(row * 3);
                    p.contact_id.push(Sym(row * 5));
                }
            }
            let rows = p.at.len();
            p.fields = vec![Column::Number((0..rows).map(|r| r as f64).collect())];
            let mut expected: Vec<usize> = (0..rows).collect();
            expected.sort_by(|&a, &b| {
                (p.account[a] - batch, p.at[a], &row_ids[a], a).cmp(&(
                    p.account[b] - batch,
                    p.at[b],
                    &row_ids[b],
                    b,
                ))
            });
            let at: Vec<i64> = expected.iter().map(|&r| p.at[r]).collect();
            let kept: Vec<u32> = expected.iter().map(|&r| r as u32).collect();
            sort_runs(&mut p);
            assert_eq!(p.at, at, "batch {batch}");
            assert_eq!(p.kept_claim, kept, "batch {batch}");
            assert_eq!(p.contact, kept.iter().map(|r| r * 3).collect::<Vec<_>>());
            assert_eq!(
                p.contact_id,
                kept.iter().map(|r| Sym(r * 5)).collect::<Vec<_>>()
            );
            match &p.fields[0] {
                Column::Number(v) => {
                    assert_eq!(v, &kept.iter().map(|&r| f64::from(r)).collect::<Vec<_>>())
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
