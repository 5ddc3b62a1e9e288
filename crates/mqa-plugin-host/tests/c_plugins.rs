//! Plugins written in C from `mqa_plugin.h` alone, compiled here with the
//! machine's C compiler: the vendor proof (`intent-c` reads the example
//! export and must agree with the Rust plugin record for record), every field
//! type across the ABI, and each way a library can break the contract. Each
//! test prints SKIPPED and returns when there is no C compiler.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use mqa_engine::signals::{JoinKey, SignalBatch, SignalColumn, SignalRequest, SignalSource};
use mqa_plugin_host::{plugin_file_name, PluginHost};
use mqa_syntax::FieldType;

fn all() -> SignalRequest {
    SignalRequest {
        account_keys: vec![],
        from: i64::MIN,
        to: i64::MAX,
    }
}

#[test]
fn vendor_c_plugin_reads_the_example_like_the_rust_one() {
    let Some(cc) = c_compiler() else { return };
    let dir = private_dir();
    compile_plugin(
        &cc,
        "intent_c.c",
        dir.path(),
        &plugin_file_name("intent-c"),
        &[],
    );
    install(
        &cargo_plugin("intent-csv", "intent-csv"),
        dir.path(),
        &plugin_file_name("intent-csv"),
    );
    let host = PluginHost::new(vec![dir.path().to_path_buf()]);

    let c = host.load("intent-c").unwrap();
    let info = c.info();
    assert_eq!(
        (info.name.as_str(), info.version.as_str()),
        ("intent-c", "1.0.0")
    );
    assert_eq!(info.vendor, "Example C Vendor");
    assert_eq!(info.join_key, JoinKey::Domain);
    assert!(!info.thread_safe);
    assert_eq!(
        c.source_info().fields,
        vec![
            ("topic".to_string(), FieldType::Text),
            ("score".to_string(), FieldType::Number)
        ]
    );

    let config = path_config(&intent_data());
    let from_c = c.open(&config).unwrap().fetch(&all()).unwrap();
    assert_eq!(from_c.account.len(), 157);
    assert_eq!(from_c.account.get(0), Some("company7x3.example"));
    let SignalColumn::Text(topics) = &from_c.columns[0] else {
        panic!("{:?}", from_c.columns)
    };
    assert_eq!(topics.get(0), Some("competitor:acme"));
    let SignalColumn::Number(scores) = &from_c.columns[1] else {
        panic!()
    };
    assert_eq!(scores[0], Some(81.0));
    assert_eq!(scores.iter().map(|s| s.unwrap()).sum::<f64>(), 8643.0);

    let from_rust = host
        .load("intent-csv")
        .unwrap()
        .open(&config)
        .unwrap()
        .fetch(&all())
        .unwrap();
    assert_eq!(
        from_c, from_rust,
        "the C and Rust plugins agree record for record"
    );

    // Filters, missing values and rejects from the C side.
    let data = dir.path().join("mixed.csv");
    std::fs::write(
        &data,
        "domain,topic,score,week\na.example,,,2026-10-26\nb.example,crm,7,2026-10-19\n\
         ,crm,5,2026-10-26\na.example,crm,abc,2026-10-26\n",
    )
    .unwrap();
    let mut src = c.open(&path_config(&data)).unwrap();
    let b = src
        .fetch(&SignalRequest {
            account_keys: vec!["a.example".into()],
            ..all()
        })
        .unwrap();
    let expected = SignalBatch {
        account: ["a.example"].into(),
        at: vec![mqa_syntax::time::parse_timestamp("2026-10-26").unwrap()],
        columns: vec![
            SignalColumn::Text([None].into()),
            SignalColumn::Number(vec![None]),
        ],
        rejects: b.rejects.clone(),
    };
    assert_eq!(b, expected);
    let reasons: Vec<(u64, &str, &str)> = b
        .rejects
        .iter()
        .map(|r| (r.line, r.raw.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (4, ",crm,5,2026-10-26", "empty domain"),
            (
                5,
                "a.example,crm,abc,2026-10-26",
                "score is not a number in 0-100"
            ),
        ]
    );
    let e = c
        .open(&path_config(&dir.path().join("nope.csv")))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("E0613 plugin `intent-c`") && e.contains("nope.csv"),
        "{e}"
    );
}

/// Compiles abi_cases.c with `defines` as `lib<name>.so` in a fresh folder.
fn abi_case(cc: &str, defines: &[&str]) -> (tempfile::TempDir, PluginHost) {
    let dir = private_dir();
    compile_plugin(
        cc,
        "abi_cases.c",
        dir.path(),
        &plugin_file_name("c-types"),
        defines,
    );
    let host = PluginHost::new(vec![dir.path().to_path_buf()]);
    (dir, host)
}

#[test]
fn every_field_type_and_missing_values_cross_the_abi() {
    let Some(cc) = c_compiler() else { return };
    let (_dir, host) = abi_case(&cc, &[]);
    let p = host.load("c-types").unwrap();
    assert_eq!(
        p.info().schema_text(),
        "label: text, count: int, ratio: number, flag: bool, seen: time"
    );
    assert_eq!(p.info().join_key, JoinKey::Id);
    let mut src = p.open(r#"{"mode":"ok"}"#).unwrap();
    let b = src.fetch(&all()).unwrap();
    let columnar = src.fetch_columnar(&all()).unwrap();
    assert_eq!(columnar.len(), 3);
    assert_eq!(columnar.account.get(2), Some("k3"));
    assert!(!columnar.columns[0].is_present(1));
    assert_eq!(
        columnar.to_signal_batch(),
        b,
        "both copies hold the same records"
    );
    assert_eq!(b.account, ["k1", "k2", "k3"]);
    assert_eq!(b.at, [10, 20, 30]);
    assert_eq!(
        b.columns,
        [
            SignalColumn::Text([Some("a"), None, Some("ü")].into()),
            SignalColumn::Int(vec![Some(1), Some(2), None]),
            SignalColumn::Number(vec![Some(0.5), None, Some(-1.0)]),
            SignalColumn::Bool(vec![Some(true), Some(false), None]),
            SignalColumn::Time(vec![Some(1_000_000), None, Some(3_000_000)]),
        ]
    );
    assert_eq!(b.rejects.len(), 1);
    assert_eq!(b.rejects[0].origin, "api page 2");
    assert_eq!(b.rejects[0].line, 0);
    assert_eq!(b.rejects[0].raw, "{\"id\":null}");
    assert_eq!(b.rejects[0].reason, "no account id");
}

#[test]
fn texts_with_shifted_offsets_missing_slots_and_multibyte_utf8_round_trip() {
    let Some(cc) = c_compiler() else { return };
    let (_dir, host) = abi_case(&cc, &[]);
    let p = host.load("c-types").unwrap();
    let mut src = p.open(r#"{"mode":"offset-text"}"#).unwrap();
    let b = src.fetch(&all()).unwrap();
    assert_eq!(b.account, ["k1", "k2", "é"]);
    let SignalColumn::Text(labels) = &b.columns[0] else {
        panic!("{:?}", b.columns)
    };
    assert_eq!(
        labels.iter().collect::<Vec<_>>(),
        [Some("a"), None, Some("日本")],
        "offsets rebased; the missing slot's bytes (\"skip\") are no value"
    );
    assert_eq!(labels.get(2).map(str::len), Some(6));
    let columnar = src.fetch_columnar(&all()).unwrap();
    assert_eq!(columnar.account.get(2), Some("é"));
    assert_eq!(columnar.to_signal_batch(), b);
}

#[test]
fn malformed_batches_are_refused_naming_the_column() {
    let Some(cc) = c_compiler() else { return };
    let (_dir, host) = abi_case(&cc, &[]);
    let p = host.load("c-types").unwrap();
    let cases = [
        (
            "wrong-type",
            "column `count` has type code 3 but the plugin declares it int (code 2)",
        ),
        (
            "few-columns",
            "it has 4 columns but the plugin declares 5 fields",
        ),
        ("bad-offsets", "account: offset 2 is 2, outside 4..=6"),
        ("bad-utf8", "column `label`: row 3 is not UTF-8"),
        ("bad-bool", "column `flag`: row 2 holds 2, not 0 or 1"),
        ("empty-key", "record 2 has an empty account key"),
        (
            "null-values",
            "column `count`: ints is NULL but 3 entries are needed",
        ),
    ];
    for (mode, expected) in cases {
        let mut src = p.open(&format!("{{\"mode\":\"{mode}\"}}")).unwrap();
        let e = src.fetch(&all()).unwrap_err();
        assert!(
            matches!(e, mqa_engine::signals::SignalError::Malformed { .. }),
            "{mode}: {e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.starts_with("plugin `c-types` returned a malformed batch: E0617 "),
            "{msg}"
        );
        assert!(msg.contains(expected), "{mode}: {msg}");
        assert!(msg.contains(&plugin_file_name("c-types")), "{msg}");
        // The columnar copy makes the same checks; the handle survives.
        let e = src.fetch_columnar(&all()).unwrap_err().to_string();
        assert!(e.contains(expected), "{mode}: {e}");
    }
}

#[test]
fn errors_from_a_c_plugin_are_copied_and_freed() {
    let Some(cc) = c_compiler() else { return };
    let (_dir, host) = abi_case(&cc, &[]);
    let p = host.load("c-types").unwrap();
    let e = p
        .open(r#"{"mode":"error"}"#)
        .unwrap()
        .fetch(&all())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("plugin `c-types` failed: E0615 the vendor API said 503 [status: error]"),
        "{e}"
    );
    let e = p.open(r#"{"mode":"open-error"}"#).unwrap_err();
    assert_eq!(e.code(), "E0613");
    assert!(
        e.to_string()
            .contains("open refused on purpose [status: error]"),
        "{e}"
    );
}

#[test]
fn wrong_abi_versions_are_refused_naming_file_and_both_versions() {
    let Some(cc) = c_compiler() else { return };
    for (define, shown) in [
        ("-DMQA_TEST_ABI_MAJOR=2", "ABI 2.0"),
        ("-DMQA_TEST_ABI_MINOR=7", "ABI 1.7"),
    ] {
        let (dir, host) = abi_case(&cc, &[define]);
        let e = host.load("c-types").unwrap_err();
        assert_eq!(e.code(), "E0610", "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("was built for plugin {shown}")),
            "{msg}"
        );
        assert!(msg.contains("this mqa supports ABI 1.0 to 1.0"), "{msg}");
        let file = dir
            .path()
            .canonicalize()
            .unwrap()
            .join(plugin_file_name("c-types"));
        assert!(msg.contains(&file.display().to_string()), "{msg}");
    }
}

#[test]
fn missing_entry_symbol_and_bad_descriptors_are_refused() {
    let Some(cc) = c_compiler() else { return };
    let (dir, host) = abi_case(&cc, &["-DMQA_TEST_NO_ENTRY"]);
    let e = host.load("c-types").unwrap_err();
    assert_eq!(e.code(), "E0609");
    let file = dir
        .path()
        .canonicalize()
        .unwrap()
        .join(plugin_file_name("c-types"));
    assert_eq!(
        e.to_string(),
        format!(
            "E0609 `{}` is not an mqa plugin: it has no `mqa_plugin_entry_v1` symbol",
            file.display()
        )
    );

    let (_dir, host) = abi_case(&cc, &["-DMQA_TEST_ENTRY_V2"]);
    let msg = host.load("c-types").unwrap_err().to_string();
    assert!(
        msg.contains("it exports `mqa_plugin_entry_v2`: it was built for plugin ABI 2"),
        "{msg}"
    );

    let (_dir, host) = abi_case(&cc, &["-DMQA_TEST_BAD_TYPE"]);
    let msg = host.load("c-types").unwrap_err().to_string();
    assert!(msg.starts_with("E0611 plugin `"), "{msg}");
    assert!(msg.contains("field `count` has type code 9"), "{msg}");

    let (_dir, host) = abi_case(&cc, &["-DMQA_TEST_NULL_DESC"]);
    let msg = host.load("c-types").unwrap_err().to_string();
    assert!(msg.contains("`mqa_plugin_entry_v1` returned NULL"), "{msg}");
}
