//! Sorting a checked batch's kept events by account run, `(at, id)`
//! within each run (see [`sort_runs`]).

use super::{Column, Prepared};

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
        ..
    } = &mut *out;
    let id = |j: u32| -> &[u8] {
        let Some(&c) = kept_claim.get(j as usize) else {
            return &[];
        };
        let end = claims.get(c as usize).map_or(0, |c| c.id_end as usize);
        let start = match (c as usize).checked_sub(1) {
            Some(p) => claims.get(p).map_or(0, |c| c.id_end as usize),
            None => 0,
        };
        ids.get(start..end).unwrap_or_default()
    };
    order.clear();
    let mut moved = false;
    let mut s = 0usize;
    while s < n {
        let a = account.get(s).copied();
        let mut e = s + 1;
        while e < n && account.get(e).copied() == a {
            e += 1;
        }
        keys.clear();
        keys.extend((s..e).map(|j| (at.get(j).copied().unwrap_or(0), j as u32)));
        if !keys.windows(2).all(|w| w[0].0 < w[1].0) {
            // By time, then (rarely needed) by id among equal times.
            if keys.len() <= SMALL_RUN {
                insertion_sort(keys);
            } else {
                keys.sort_unstable();
            }
            let mut i = 0;
            while i < keys.len() {
                let t = keys.get(i).map_or(0, |k| k.0);
                let mut j = i + 1;
                while keys.get(j).is_some_and(|k| k.0 == t) {
                    j += 1;
                }
                if j - i > 1 {
                    if let Some(tie) = keys.get_mut(i..j) {
                        tie.sort_unstable_by(|x, y| id(x.1).cmp(id(y.1)));
                    }
                }
                i = j;
            }
            moved |= keys
                .iter()
                .enumerate()
                .any(|(k, &(_, j))| j as usize != s + k);
        }
        order.extend(keys.iter().map(|&(_, j)| j));
        s = e;
    }
    if !moved {
        return;
    }
    let order = std::mem::take(&mut out.order);
    permute(&mut out.contact, &order, &mut out.tmp_u32);
    permute(&mut out.kept_claim, &order, &mut out.tmp_u32);
    permute(&mut out.contact_id, &order, &mut out.tmp_sym);
    permute(&mut out.at, &order, &mut out.tmp_i64);
    out.tmp_fields
        .resize_with(out.fields.len(), || Column::Bool(Vec::new()));
    for (c, tmp) in out.fields.iter_mut().zip(&mut out.tmp_fields) {
        c.gather_into(&order, tmp);
        std::mem::swap(c, tmp);
    }
    out.order = order;
}

/// Runs up to this long are sorted by insertion (an account's events in
/// one batch: typically a few dozen, where a general sort's set-up costs
/// more than the moves).
const SMALL_RUN: usize = 64;

/// Sorts `(at, row)` keys ascending (rows are distinct, so the order is total).
fn insertion_sort(keys: &mut [(i64, u32)]) {
    for i in 1..keys.len() {
        let Some(&k) = keys.get(i) else { break };
        let mut j = i;
        while j > 0 {
            match keys.get(j - 1) {
                Some(&prev) if prev > k => {
                    if let Some(slot) = keys.get_mut(j) {
                        *slot = prev;
                    }
                    j -= 1;
                }
                _ => break,
            }
        }
        if let Some(slot) = keys.get_mut(j) {
            *slot = k;
        }
    }
}

/// `v = [v[order[0]], v[order[1]], ...]` (`order` a permutation of `v`'s
/// indices), through `tmp`, which ends up holding the old values.
fn permute<T: Copy>(v: &mut Vec<T>, order: &[u32], tmp: &mut Vec<T>) {
    tmp.clear();
    tmp.extend(order.iter().filter_map(|&i| v.get(i as usize).copied()));
    std::mem::swap(v, tmp);
}

#[cfg(test)]
mod sort_tests {
    use super::insertion_sort;

    #[test]
    fn insertion_sort_orders_like_sort_unstable() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..80usize {
            let mut keys: Vec<(i64, u32)> = (0..len as u32)
                .map(|j| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Few distinct times, so equal times occur.
                    ((x % 7) as i64 - 3, j)
                })
                .collect();
            let mut expected = keys.clone();
            expected.sort_unstable();
            insertion_sort(&mut keys);
            assert_eq!(keys, expected, "len {len}");
        }
    }
}
