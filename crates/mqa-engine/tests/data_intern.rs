//! The interner: one symbol per distinct string, bulk interning equal to
//! one-by-one interning, and hashes that spread over the table.

// Test helpers outside #[test] functions stop at the first failure too.
#![allow(clippy::unwrap_used, clippy::panic)]

use mqa_engine::intern::{hash_bytes, hash_bytes64, Interner, Sym};

#[test]
fn same_string_same_symbol() {
    let mut i = Interner::new();
    let a = i.intern("demo_request");
    let b = i.intern("pricing_view");
    assert_ne!(a, b);
    assert_eq!(i.intern("demo_request"), a);
    assert_eq!(i.len(), 2);
    assert_eq!(i.resolve(a), "demo_request");
    assert_eq!(i.resolve(b), "pricing_view");
    assert_eq!(i.get("pricing_view"), Some(b));
    assert_eq!(i.get("download"), None);
    assert_eq!(i.len(), 2);
}

#[test]
fn empty_and_missing() {
    let mut i = Interner::new();
    assert_eq!(i.resolve(Sym::MISSING), "");
    assert!(Sym::MISSING.is_missing());
    let e = i.intern("");
    assert!(!e.is_missing());
    assert_eq!(i.resolve(e), "");
    assert_eq!(i.get(""), Some(e));
}

#[test]
fn many_strings_survive_growth() {
    let mut i = Interner::new();
    let syms: Vec<Sym> = (0..100_000).map(|n| i.intern(&format!("e-{n}"))).collect();
    assert_eq!(i.len(), 100_000);
    for (n, s) in syms.iter().enumerate() {
        assert_eq!(i.resolve(*s), format!("e-{n}"));
        assert_eq!(i.get(&format!("e-{n}")), Some(*s));
    }
    // Unicode and long strings.
    let long = "ü".repeat(100);
    let s = i.intern(&long);
    assert_eq!(i.resolve(s), long);
}

#[test]
fn hash_depends_on_every_byte() {
    let base = b"abcdefghijklmnopq".to_vec();
    let h = hash_bytes(&base);
    for k in 0..base.len() {
        let mut v = base.clone();
        v[k] ^= 1;
        assert_ne!(hash_bytes(&v), h, "byte {k}");
    }
    assert_ne!(hash_bytes(b"a"), hash_bytes(b"a\0"));
}

#[test]
fn no_64_bit_collisions_among_similar_ids() {
    // A streamed events file keeps only each id's 64-bit hash: among a few
    // million ids that differ in their last characters (as generated and
    // exported ids do), none may share one (by chance: about 2^-24 here). A
    // hash that folds words in by a plain multiply gave 3 pairs for these.
    use std::collections::HashSet;
    for fmt in [
        |k: u64| format!("e7-{k}"),
        |k: u64| format!("acc-7-{:05}-c{}", k / 7, k % 7),
    ] {
        let mut seen = HashSet::new();
        for k in 0..2_000_000u64 {
            let id = fmt(k);
            assert!(seen.insert(hash_bytes64(id.as_bytes())), "{id}");
        }
    }
    assert_eq!(hash_bytes(b"e7-1"), (hash_bytes64(b"e7-1") >> 32) as u32);
}

#[test]
fn bucket_bits_are_spread() {
    // The table picks its home slot from the low bits: ids that differ only in
    // a few digits must still land in (nearly) as many buckets as random
    // keys would (n keys in 2n buckets fill about 39 % of them).
    use std::collections::HashSet;
    let n = 200_000u64;
    let mask = (1u64 << 19) - 1; // 524 288 buckets
    let expected = (mask + 1) as f64 * (1.0 - (-(n as f64) / (mask + 1) as f64).exp());
    for fmt in [
        |k: u64| format!("e-{k}"),
        |k: u64| format!("acc-{:06}-c{}", k / 7, k % 7),
    ] {
        let buckets: HashSet<u64> = (0..n)
            .map(|k| u64::from(hash_bytes(fmt(k).as_bytes())) & mask)
            .collect();
        assert!(
            buckets.len() as f64 > 0.97 * expected,
            "{} of {expected}",
            buckets.len()
        );
    }
}

#[test]
fn intern_many_matches_one_by_one() {
    // Repeats inside the batch, strings interned before, and enough
    // strings to take the bulk path and to grow the table.
    let texts: Vec<String> = (0..20_000u32)
        .map(|k| match k % 7 {
            0 => format!("kind-{}", k % 5),
            1 => format!("pre-{}", k % 300),
            _ => format!("e-{}", k / 2),
        })
        .collect();
    let mut one = Interner::new();
    let mut many = Interner::new();
    for i in [&mut one, &mut many] {
        for p in 0..100 {
            i.intern(&format!("pre-{p}"));
        }
    }
    let expect: Vec<Sym> = texts.iter().map(|t| one.intern(t)).collect();
    let got = many.intern_many(
        texts.len(),
        |k| texts[k].as_str(),
        |k| hash_bytes(texts[k].as_bytes()),
    );
    assert_eq!(got, expect);
    assert_eq!(many.len(), one.len());
    for (t, s) in texts.iter().zip(&got) {
        assert_eq!(many.resolve(*s), t);
        assert_eq!(many.get(t), Some(*s));
    }
    // The table still takes single strings afterwards.
    let x = many.intern("after");
    assert_eq!(many.get("after"), Some(x));
    assert_eq!(many.intern("e-3"), got[6]);
}
