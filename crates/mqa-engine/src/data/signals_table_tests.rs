use super::*;
use crate::data::MemoryRejects;
use crate::intern::Sym;
use crate::signals::SignalColumn;

#[test]
fn sorting_by_time_keeps_batch_order_on_ties() {
    let at: Vec<Micros> = vec![5, 4, 3, 3, 9, 8, 3, 1, 5, 5, 2, 7, 7, 0, 6];
    let mut patterns: Vec<Vec<u32>> = vec![
        (0..15).collect(),
        vec![0, 1, 2, 3],
        vec![4, 5, 6, 7, 11, 12],
        vec![2, 3, 6, 8, 9, 13],
        vec![0, 1, 2, 4, 5, 7, 8, 9, 10, 13],
    ];
    // Longer accounts (the general sort): runs newest first, with ties.
    let at: Vec<Micros> = at
        .into_iter()
        .chain((0..100).map(|k| [9, 7, 7, 5, 3, 1][k % 6] + (k / 30) as i64))
        .collect();
    patterns.push((15..115).collect());
    patterns.push((15..115).step_by(3).collect());
    for recs in patterns {
        let mut expected = recs.clone();
        expected.sort_by_key(|&r| at[r as usize]);
        let mut got = recs.clone();
        sort_by_time(&mut got, &at);
        assert_eq!(got, expected, "{recs:?}");
    }
}

#[test]
fn a_text_column_for_a_number_field_is_parsed_once_per_text_and_rejected_every_time() {
    let mut i = Interner::new();
    let acc = Accounts {
        id: vec![i.intern("a1"), i.intern("a2")],
        fields: vec![],
        line: vec![2, 3],
    };
    let b = SignalBatch {
        account: ["a1", "a2", "a1", "a2", "a1"].into(),
        at: vec![30, 20, 10, 20, 5],
        columns: vec![
            SignalColumn::Text([Some("1.5"), Some("x"), Some("1.5"), Some("x"), None].into()),
            SignalColumn::Text([Some("t"), Some("u"), Some(""), Some("t"), Some("t")].into()),
        ],
        rejects: vec![],
    };
    let fields = vec![
        ("n".to_string(), FieldType::Number),
        ("topic".to_string(), FieldType::Text),
    ];
    let mut rejects = MemoryRejects::new();
    let (table, summary) = build_signal_table(
        b,
        JoinKey::Id,
        &fields,
        &acc,
        None,
        100,
        &mut i,
        &mut rejects,
        Path::new("src"),
    )
    .unwrap();
    assert_eq!((summary.used, summary.rejected), (3, 2));
    let reasons: Vec<&str> = rejects.rows.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "record 2: n: \"x\" is not a number",
            "record 4: n: \"x\" is not a number"
        ]
    );
    // a1's records 5, 3, 1 in time order; a2 has none left.
    assert_eq!(table.account_start, [0, 3, 3]);
    assert_eq!(table.at, [5, 10, 30]);
    let (Column::Number(n), Column::Text(topic)) = (&table.fields[0], &table.fields[1]) else {
        panic!("{:?}", table.fields)
    };
    assert!(n[0].is_nan());
    assert_eq!(&n[1..], [1.5, 1.5]);
    let t = i.get("t").unwrap();
    assert_eq!(topic, &[t, Sym::MISSING, t], "an empty text is missing");
}

/// Each account's key matches the batch's distinct key with its text,
/// whether the batch lists its keys in the accounts' order (found by
/// comparing with the one after the last match), in another order, with
/// gaps, repeats or keys of no account, and accounts share keys.
#[test]
fn key_rows_match_each_account_to_its_key_in_any_order() {
    let mut i = Interner::new();
    let ids: Vec<String> = (0..40).map(|k| format!("a{}", k % 37)).collect();
    let acc = Accounts {
        id: ids.iter().map(|s| i.intern(s)).collect(),
        fields: vec![],
        line: (0..40).collect(),
    };
    let keys = KeyTexts::new(&acc, None, &[JoinKey::Id], &i);
    let orders: Vec<Vec<String>> = vec![
        (0..37).map(|k| format!("a{k}")).collect(),
        (0..37).rev().map(|k| format!("a{k}")).collect(),
        (0..37).step_by(3).map(|k| format!("a{k}")).collect(),
        ["a5", "a6", "zz", "a7", "a1", "a2", "a3", "a36", "a0", "a0"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    ];
    for order in orders {
        let mut batch_keys: TextValues = order.iter().map(|s| Some(s.as_str())).collect();
        let rows = KeyRows::new(JoinKey::Id, &keys, &mut batch_keys);
        for k in 0..batch_keys.distinct() as u32 {
            let text = batch_keys.text(k).unwrap();
            let want: Vec<u32> = (0..40u32).filter(|&r| ids[r as usize] == text).collect();
            assert_eq!(rows.of(k).unwrap(), want, "{text} in {order:?}");
        }
    }
}
