//! Tests of `claims`: the text pool, monotonic values, claim sets (whole
//! and streamed).

use super::*;
use crate::intern::hash_bytes64;

#[test]
fn pool_finds_short_and_long_texts() {
    let texts: Vec<String> = (0..100)
        .map(|k| match k % 9 {
            3 => "x".repeat(255 + k),
            5 => String::new(),
            _ => format!("t{k}"),
        })
        .collect();
    let mut p = TextPool::default();
    for (k, t) in texts.iter().enumerate().take(50) {
        assert_eq!(p.push(t), k as u32);
    }
    let rest = &texts[50..];
    let ends: Vec<usize> = rest
        .iter()
        .scan(0, |at, s| {
            *at += s.len();
            Some(*at)
        })
        .collect();
    p.push_many(&rest.concat(), ends.into_iter());
    for (k, t) in texts.iter().enumerate() {
        assert_eq!(p.get(k), t, "text {k}");
    }
    assert!(p.iter().eq(texts.iter().map(String::as_str)));
    assert_eq!(p.get(100), "");
    let mut short = TextPool::default();
    for k in 0..40 {
        short.push(&format!("id-{k}"));
    }
    assert!((0..40).all(|k| short.get(k) == format!("id-{k}")));
}

#[test]
fn mono_keeps_high_parts() {
    let mut m = MonoU64::default();
    let vals = [
        0,
        7,
        u32::MAX as u64,
        1 << 32,
        (1 << 32) + 5,
        3 << 33,
        3 << 33,
    ];
    for &v in &vals {
        m.push(v);
    }
    for (i, &v) in vals.iter().enumerate() {
        assert_eq!(m.get(i), Some(v));
    }
    assert_eq!(m.get(vals.len()), None);
}

/// Where each of `ids` ends when they are put back to back.
fn ends_of(ids: &[String]) -> Vec<usize> {
    ids.iter()
        .scan(0, |at, s| {
            *at += s.len();
            Some(*at)
        })
        .collect()
}

/// Claims `ids` (hashed by `hash`) as one batch whose first row is at `line`.
fn add(set: &mut ClaimSet, ids: &[String], hash: impl Fn(&[u8]) -> u64, line: u64) {
    let ends = ends_of(ids);
    set.add_all(
        ids.len(),
        &ids.concat(),
        |k| ends[k],
        |k| hash(ids[k].as_bytes()),
        |k| line + k as u64,
    );
}

/// Claims `ids` (hashed by `hash`) in batches of `batch`; the repeats.
fn claim(ids: &[String], batch: usize, hash: fn(&[u8]) -> u32) -> (Vec<(u32, u32)>, ClaimSet) {
    let hash = |s: &[u8]| u64::from(hash(s)) << 32;
    let mut set = ClaimSet::new(true, true);
    for (b, part) in ids.chunks(batch).enumerate() {
        add(&mut set, part, hash, (b * batch) as u64 + 2);
    }
    (set.duplicates(), set)
}

/// The repeats as a map from id to first claim finds them.
fn expected(ids: &[String]) -> Vec<(u32, u32)> {
    let mut first: std::collections::HashMap<&str, u32> = Default::default();
    let mut out = Vec::new();
    for (c, s) in ids.iter().enumerate() {
        match first.get(s.as_str()) {
            Some(&f) => out.push((c as u32, f)),
            None => {
                first.insert(s, c as u32);
            }
        }
    }
    out
}

#[test]
fn first_claim_wins() {
    let ids: Vec<String> = (0..50_000).map(|k| format!("id-{}", k % 40_000)).collect();
    for batch in [50_000, 7_000, 100] {
        let (dups, set) = claim(&ids, batch, hash_bytes);
        assert_eq!(dups, expected(&ids));
        assert_eq!(dups[5_000], (45_000, 5_000));
        assert_eq!(set.len(), 50_000);
        let (pool, lines) = set.into_parts();
        assert_eq!(lines.and_then(|l| l.get(39_999)), Some(40_001));
        assert_eq!(pool.get(45_000), "id-5000");
        assert_eq!(pool.get(50_000), "");
    }
}

#[test]
fn a_streamed_set_keeps_hashes_and_the_ids_held() {
    let add = |set: &mut ClaimSet, ids: &[String]| add(set, ids, hash_bytes64, 2);
    let ids: Vec<String> = (0..30_000).map(|k| format!("ev-{k}")).collect();
    let mut set = ClaimSet::streamed();
    for part in ids.chunks(7_000) {
        add(&mut set, part);
    }
    assert!(!set.any_repeat());
    assert_eq!(set.duplicates(), []);
    // Only the ids held are kept.
    assert_eq!(set.ids().get(29_999), "");
    let held = [3, 20_002, 20_003, 20_004, 29_999];
    set.hold(held.iter().map(|&c| (c, ids[c as usize].as_str())));
    for c in held {
        assert_eq!(set.ids().get(c), ids[c as usize]);
    }
    assert_eq!(set.ids().get(20_005), "");
    // Rows before claim 20 003 were sent: their ids go, the others stay.
    set.drop_ids_before(20_003);
    assert_eq!(set.ids().get(3), "");
    assert_eq!(set.ids().get(20_002), "");
    assert_eq!(set.ids().get(20_003), "ev-20003");
    add(&mut set, &["x".repeat(300), "ev-5".to_string()]);
    set.hold([(30_000, "x".repeat(300).as_str()), (30_001, "ev-5")]);
    assert_eq!(set.ids().get(30_000), "x".repeat(300));
    set.drop_ids_before(29_990);
    assert_eq!(set.ids().get(20_004), "");
    assert_eq!(set.ids().get(29_999), "ev-29999");
    assert_eq!(set.ids().get(30_000), "x".repeat(300));
    assert_eq!(set.ids().get(30_001), "ev-5");
    // "ev-5" was claimed before (its text was never held; its hash was).
    assert!(set.any_repeat());
    // A set that is not streamed keeps every id, and holds none apart.
    let mut whole = ClaimSet::new(false, true);
    add(&mut whole, &ids);
    whole.hold([(0, "other")]);
    whole.drop_ids_before(20_000);
    assert_eq!(whole.ids().get(0), "ev-0");
    assert_eq!(whole.ids().get(29_999), "ev-29999");
}

#[test]
fn equal_hashes_are_told_apart_by_their_text() {
    let ids: Vec<String> = (0..1200).map(|k| format!("r{}", (k * 7) % 400)).collect();
    for weak in [
        |_: &[u8]| 5u32,
        |s: &[u8]| s.len() as u32,
        |s: &[u8]| hash_bytes(s) & 0xff00_00ff,
    ] {
        let (dups, _) = claim(&ids, 500, weak);
        assert_eq!(dups, expected(&ids));
    }
}

/// The index `duplicates_and_index` gives is the one `duplicates` finds
/// the repeats with, each table at most two thirds full, with a filter
/// that passes every text in its table (made as the ids went in, it may
/// be larger than one made from the table afterwards, never smaller).
#[test]
fn the_index_holds_each_first_claim_and_its_filter_passes_them() {
    let ids: Vec<String> = (0..30_000).map(|k| format!("c-{}", k % 25_000)).collect();
    let mut set = ClaimSet::new(false, true);
    for part in ids.chunks(4_000) {
        add(&mut set, part, hash_bytes64, 1);
    }
    let (dups, index) = set.duplicates_and_index();
    assert_eq!(dups, set.duplicates());
    assert_eq!(dups, expected(&ids));
    assert_eq!((index.tables.len(), index.filters.len()), (PARTS, PARTS));
    let mut firsts = 0;
    for (table, filter) in index.tables.iter().zip(&index.filters) {
        let held: Vec<u64> = table.iter().copied().filter(|&v| v != u64::MAX).collect();
        firsts += held.len();
        assert!(
            held.len() * 3 <= table.len() * 2,
            "{} of {}",
            held.len(),
            table.len()
        );
        assert!(filter.len() >= crate::intern::partition_filter(table).len());
        for v in held {
            let mut with = filter.clone();
            crate::intern::filter_add(&mut with, (v >> 32) as u32);
            assert_eq!(&with, filter, "the filter passes {v:x}");
        }
    }
    assert_eq!(firsts, 25_000);
}

/// One table serves every partition in turn without being cleared: the
/// hashes other partitions left in it count as empty, so each partition's
/// answer is the one a fresh table gives.
#[test]
fn a_reused_table_answers_as_a_fresh_one() {
    use super::any_repeat_in;
    // (Each partition goes through the table once, as in `any_repeat`.)
    // Partition `p`'s hashes: top byte `p`, low bits from `k` (colliding
    // home slots on purpose), one repeat when `repeat`.
    let part = |p: u64, n: u64, repeat: bool| -> Vec<u64> {
        let mut v: Vec<u64> = (0..n).map(|k| p << 56 | (k * 64) | (k % 3)).collect();
        if repeat {
            v.push(p << 56 | (n / 2 * 64) | (n / 2 % 3));
        }
        v
    };
    let mut table = vec![u64::MAX; 256];
    for (p, n, repeat) in [
        (7, 100, false),
        (3, 120, true),
        (9, 120, false),
        (255, 90, false),
        (0, 110, false),
        (8, 60, true),
        (12, 1, false),
    ] {
        let hashes = part(p, n, repeat);
        let fresh = any_repeat_in(&hashes, p, &mut vec![u64::MAX; 256]);
        assert_eq!(fresh, repeat, "part {p}");
        assert_eq!(
            any_repeat_in(&hashes, p, &mut table),
            repeat,
            "part {p} reused"
        );
    }
    // `u64::MAX` (top byte 255) is a hash like any other, noted apart.
    assert!(!any_repeat_in(&[u64::MAX, 255 << 56], 255, &mut table));
    assert!(any_repeat_in(&[u64::MAX, 1, u64::MAX], 255, &mut table));
}
