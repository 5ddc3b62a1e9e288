//! Keeps plugins/include/mqa_plugin.h in sync with mqa-plugin-sdk's `abi`
//! module: a C program compiled from the header prints the size, alignment
//! and field offsets of every struct and the value of every constant; each
//! must equal the Rust side. Any drift fails this test.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of};

use mqa_plugin_sdk::abi::*;

macro_rules! layout {
    ($out:ident; $($t:ident { $($f:ident),* $(,)? })*) => {$(
        $out.insert(
            format!("size {}", stringify!($t)),
            format!("{} {}", size_of::<$t>(), align_of::<$t>()),
        );
        $(
            $out.insert(
                format!("field {}.{}", stringify!($t), stringify!($f)),
                offset_of!($t, $f).to_string(),
            );
        )*
    )*};
}

macro_rules! consts {
    ($out:ident; $($c:ident),* $(,)?) => {$(
        $out.insert(format!("const {}", stringify!($c)), ($c as i64).to_string());
    )*};
}

fn rust_side() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    layout!(m;
        MqaStr { ptr, len }
        MqaFieldDesc { name, type_code }
        MqaText { offsets, data, data_len }
        MqaColumn { type_code, validity, ints, numbers, bools, text }
        MqaReject { line, origin, raw, reason }
        MqaBatch { rows, account, at, columns, column_count, rejects, reject_count, private_data }
        MqaRequest { struct_size, account_keys, account_key_count, from_micros, to_micros }
        MqaDescriptorHeader { struct_size, abi_major, abi_minor }
        MqaPluginDescriptor {
            struct_size, abi_major, abi_minor, name, version, vendor, join_key, thread_safe,
            fields, field_count, open, fetch, free_batch, close, free_error,
        }
    );
    consts!(m;
        MQA_ABI_MAJOR, MQA_ABI_MINOR, MQA_STATUS_OK, MQA_STATUS_ERROR, MQA_STATUS_PANIC,
        MQA_STATUS_INVALID_ARGUMENT, MQA_TYPE_TEXT, MQA_TYPE_INT, MQA_TYPE_NUMBER, MQA_TYPE_BOOL,
        MQA_TYPE_TIME, MQA_JOIN_ID, MQA_JOIN_DOMAIN,
    );
    m.insert("entry".to_string(), MQA_ENTRY_SYMBOL_NAME.to_string());
    m
}

#[test]
fn header_matches_the_rust_abi() {
    let Some(cc) = common::c_compiler() else {
        return;
    };
    let dir = common::private_dir();
    let printed = common::compile_and_run(&cc, "layout.c", dir.path());
    let mut c_side = BTreeMap::new();
    for line in printed.lines() {
        let mut words = line.splitn(3, ' ');
        let (kind, name, value) = (words.next().unwrap(), words.next().unwrap(), words.next());
        match value {
            Some(v) => c_side.insert(format!("{kind} {name}"), v.to_string()),
            None => c_side.insert(kind.to_string(), name.to_string()),
        };
    }
    let rust = rust_side();
    let mut drift: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    for key in rust.keys().chain(c_side.keys()) {
        if rust.get(key) != c_side.get(key) && !drift.iter().any(|(k, ..)| k == key) {
            drift.push((
                key.clone(),
                rust.get(key).cloned(),
                c_side.get(key).cloned(),
            ));
        }
    }
    assert!(
        drift.is_empty(),
        "mqa_plugin.h and mqa_plugin_sdk::abi differ (item, Rust, C):\n{drift:#?}"
    );
    assert!(
        rust.len() > 60,
        "the comparison covers every item ({})",
        rust.len()
    );
    assert_eq!(MQA_ENTRY_SYMBOL, b"mqa_plugin_entry_v1\0");
}
