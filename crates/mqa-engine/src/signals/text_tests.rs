use super::*;

#[test]
fn get_tells_missing_from_empty_and_reads_multibyte_text() {
    let t = TextValues::from(vec![
        Some("crm".to_string()),
        None,
        Some(String::new()),
        Some("日本 é".to_string()),
        None,
        Some("z".to_string()),
    ]);
    assert_eq!(t.len(), 6);
    assert!(!t.is_empty());
    let got: Vec<Option<&str>> = t.iter().collect();
    assert_eq!(
        got,
        [Some("crm"), None, Some(""), Some("日本 é"), None, Some("z")]
    );
    assert_eq!(t.get(2), Some(""), "an empty text is not a missing one");
    assert!(t.is_present(2) && !t.is_present(1) && !t.is_present(6));
    assert_eq!(t.get(6), None, "out of range");
    assert!(t.has_missing());
}

#[test]
fn an_empty_column_and_one_without_missing_values() {
    let e = TextValues::new();
    assert!(e.is_empty());
    assert_eq!(e.get(0), None);
    assert_eq!(e.iter().count(), 0);
    assert_eq!(e, TextValues::default());

    let k: TextValues = ["a", "", "bc"].into_iter().collect();
    assert_eq!(k, ["a", "", "bc"]);
    assert_ne!(k, ["a", "", "b"]);
    assert_ne!(k, ["a", ""]);
    assert!(!k.has_missing());
    assert!(k.is_present(1));
}

#[test]
fn equality_is_by_values_not_layout() {
    // The missing slot holds bytes here, none in the pushed column.
    let from_parts = TextValues::from_parts(
        "axxé".to_string(),
        vec![1, 3, 5],
        Some(vec![true, false, true]),
    )
    .unwrap();
    let pushed = TextValues::from([Some("a"), None, Some("é")]);
    assert_eq!(from_parts, pushed);
    assert_eq!(format!("{pushed:?}"), r#"[Some("a"), None, Some("é")]"#);
    // All-present flags equal no flags.
    let flagged = TextValues::from_parts("ab".into(), vec![1, 2], Some(vec![true, true])).unwrap();
    assert_eq!(flagged, TextValues::from(["a", "b"]));
    // A missing value differs from an empty one, and from a present value.
    assert_ne!(TextValues::from([None]), TextValues::from([Some("")]));
    assert_ne!(
        TextValues::from([Some("a"), None]),
        TextValues::from([Some("a"), Some("x")])
    );
    assert_ne!(TextValues::from([None::<&str>]), ["x"]);
}

#[test]
fn from_parts_refuses_inconsistent_parts() {
    let bad = |bytes: &str, ends: Vec<usize>, present: Option<Vec<bool>>| {
        TextValues::from_parts(bytes.to_string(), ends, present).unwrap_err()
    };
    assert_eq!(
        bad("abc", vec![2, 1, 3], None),
        TextValuesError::Decreasing {
            index: 1,
            end: 1,
            previous: 2
        }
    );
    assert_eq!(
        bad("abc", vec![1, 4], None),
        TextValuesError::OutOfRange {
            index: 1,
            end: 4,
            len: 3
        }
    );
    assert_eq!(
        bad("é", vec![1, 2], None),
        TextValuesError::NotCharBoundary { index: 0, end: 1 }
    );
    assert_eq!(
        bad("abc", vec![1, 2], None),
        TextValuesError::TrailingBytes { end: 2, len: 3 }
    );
    assert_eq!(
        bad("", vec![], Some(vec![true])),
        TextValuesError::PresenceLength { flags: 1, texts: 0 }
    );
    assert_eq!(
        TextValues::from_parts(String::new(), vec![0, 0], None).unwrap(),
        ["", ""]
    );
}

#[test]
fn pushing_after_a_missing_value_keeps_the_values_in_place() {
    let mut t = TextValues::with_capacity(4, 8);
    t.push(Some("a"));
    t.push(Some("b"));
    t.push(None);
    t.push(Some("ü"));
    t.extend([Some("x"), None]);
    assert_eq!(
        t.iter().collect::<Vec<_>>(),
        [Some("a"), Some("b"), None, Some("ü"), Some("x"), None]
    );
    let strings: TextValues = vec!["a".to_string(), "b".to_string()].into();
    assert_eq!(strings, vec!["a", "b"]);
}

#[test]
fn each_distinct_text_is_stored_once_and_numbered_in_first_seen_order() {
    let values = [
        Some("b.example"),
        Some("b.example"),
        Some("a.example"),
        None,
        Some("b.example"),
        Some(""),
        Some("a.example"),
        Some(""),
    ];
    let t = TextValues::from(values);
    assert_eq!(t.distinct(), 3);
    let codes: Vec<Option<u32>> = (0..t.len()).map(|i| t.code(i)).collect();
    assert_eq!(
        codes,
        [
            Some(0),
            Some(0),
            Some(1),
            None,
            Some(0),
            Some(2),
            Some(1),
            Some(2)
        ]
    );
    assert_eq!(
        (t.text(0), t.text(1), t.text(2), t.text(3)),
        (Some("b.example"), Some("a.example"), Some(""), None)
    );
    assert_eq!(t.iter().collect::<Vec<_>>(), values);
    // Many texts, each repeated far apart: found through the index.
    let many: Vec<String> = (0..5000).map(|i| format!("k{}", i % 1234)).collect();
    let t: TextValues = many.iter().map(String::as_str).collect();
    assert_eq!(t.distinct(), 1234);
    assert_eq!(t.code(1234), t.code(0));
    assert!(t.iter().zip(&many).all(|(a, b)| a == Some(b.as_str())));
}

#[test]
fn a_sealed_column_takes_more_values_and_still_finds_its_texts() {
    let mut t = TextValues::from_parts(
        "xyzxy".into(),
        vec![2, 3, 5, 5],
        Some(vec![true, true, true, false]),
    )
    .unwrap();
    assert_eq!(t.distinct(), 2, "from_parts numbers equal texts alike");
    assert_eq!(t.code(0), t.code(2));
    t.seal();
    t.push(Some("z"));
    t.push(Some("xy"));
    t.push(Some("new"));
    assert_eq!(t.code(4), t.code(1));
    assert_eq!(t.code(5), t.code(0));
    assert_eq!(t.distinct(), 3);
    assert_eq!(
        t,
        TextValues::from([
            Some("xy"),
            Some("z"),
            Some("xy"),
            None,
            Some("z"),
            Some("xy"),
            Some("new")
        ])
    );
}
