//! The Rust `intent-csv` plugin, built as a cdylib and loaded through the
//! ABI by the host: metadata, fetching the example export, filters, and the
//! trust checks (permissions, `mqa.lock`) and discovery around it.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use mqa_engine::signals::{JoinKey, SignalColumn, SignalRequest, SignalSource};
use mqa_plugin_host::{plugin_file_name, Lock, PluginHost, LOCK_FILE_NAME};
use mqa_syntax::time::parse_timestamp;
use mqa_syntax::FieldType;

fn intent_lib() -> std::path::PathBuf {
    cargo_plugin("intent-csv", "intent-csv")
}

fn all() -> SignalRequest {
    SignalRequest {
        account_keys: vec![],
        from: i64::MIN,
        to: i64::MAX,
    }
}

fn at(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

#[test]
fn loads_and_fetches_the_example_export() {
    let dir = private_dir();
    install(&intent_lib(), dir.path(), &plugin_file_name("intent-csv"));
    let host = PluginHost::new(vec![dir.path().join("missing"), dir.path().to_path_buf()]);
    let plugin = host.load("intent-csv").unwrap();
    let info = plugin.info();
    assert_eq!(info.name, "intent-csv");
    assert_eq!(info.vendor, "mqa project");
    assert_eq!((info.abi_major, info.abi_minor), (1, 0));
    assert_eq!(info.join_key, JoinKey::Domain);
    assert_eq!(info.schema_text(), "topic: text, score: number");
    assert_eq!(info.sha256.len(), 64);
    let si = plugin.source_info();
    assert_eq!(si.plugin, "intent-csv");
    assert_eq!(
        si.fields,
        vec![
            ("topic".to_string(), FieldType::Text),
            ("score".to_string(), FieldType::Number)
        ]
    );
    assert!(si.thread_safe);

    let mut src = plugin.open(&path_config(&intent_data())).unwrap();
    let b = src.fetch(&all()).unwrap();
    assert_eq!(b.account.len(), 157);
    assert_eq!(b.at.len(), 157);
    assert!(b.rejects.is_empty());
    assert_eq!(b.account.get(0), Some("company7x3.example"));
    assert_eq!(b.at[0], at("2026-10-26T00:00:00Z"));
    assert_eq!(b.account.get(156), Some("company7x56.example"));
    assert_eq!(b.at[156], at("2026-10-19"));
    let (SignalColumn::Text(topics), SignalColumn::Number(scores)) = (&b.columns[0], &b.columns[1])
    else {
        panic!("columns {:?}", b.columns);
    };
    assert_eq!(topics.get(0), Some("competitor:acme"));
    assert_eq!(topics.get(156), Some("data warehouse"));
    assert_eq!(scores[0], Some(81.0));
    assert_eq!(scores[156], Some(92.0));
    let total: f64 = scores.iter().map(|s| s.unwrap()).sum();
    assert_eq!(total, 8643.0);
    let mut domains: Vec<&str> = b.account.iter().map(Option::unwrap).collect();
    domains.sort();
    domains.dedup();
    assert_eq!(domains.len(), 16);

    let columnar = src.fetch_columnar(&all()).unwrap();
    assert_eq!(columnar.len(), 157);
    assert_eq!(columnar.to_signal_batch(), b);

    // (from, to] and key filters cross the ABI.
    let recent = src
        .fetch(&SignalRequest {
            account_keys: vec![],
            from: at("2026-10-12"),
            to: at("2026-11-01"),
        })
        .unwrap();
    assert_eq!(recent.account.len(), 63);
    let one = src
        .fetch(&SignalRequest {
            account_keys: vec!["company7x3.example".into()],
            from: at("2026-10-12"),
            to: at("2026-11-01"),
        })
        .unwrap();
    assert_eq!(one.account.len(), 3);
    assert!(one.account.iter().all(|a| a == Some("company7x3.example")));
}

#[test]
fn rejects_cross_the_abi_and_errors_name_the_file() {
    let dir = private_dir();
    install(&intent_lib(), dir.path(), &plugin_file_name("intent-csv"));
    let data = dir.path().join("bad.csv");
    std::fs::write(
        &data,
        "domain,topic,score,week\na.example,,,2026-10-26\n,crm,5,2026-10-26\na.example,crm,x,2026-10-26\n",
    )
    .unwrap();
    let plugin = PluginHost::new(vec![dir.path().to_path_buf()])
        .load("intent-csv")
        .unwrap();
    let mut src = plugin.open(&path_config(&data)).unwrap();
    let b = src.fetch(&all()).unwrap();
    assert_eq!(b.account, ["a.example"]);
    assert_eq!(
        b.columns[0],
        SignalColumn::Text([None].into()),
        "empty topic is missing"
    );
    assert_eq!(
        b.columns[1],
        SignalColumn::Number(vec![None]),
        "empty score is missing"
    );
    assert_eq!(b.rejects.len(), 2);
    assert_eq!(b.rejects[0].line, 3);
    assert_eq!(b.rejects[0].raw, ",crm,5,2026-10-26");
    assert_eq!(b.rejects[0].reason, "empty domain");
    assert_eq!(b.rejects[0].origin, data.to_str().unwrap());
    assert_eq!(b.rejects[1].reason, "score \"x\" is not a number");

    let missing = dir.path().join("nope.csv");
    let e = plugin.open(&path_config(&missing)).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("E0613 plugin `intent-csv`"), "{msg}");
    assert!(
        msg.contains(&format!("cannot open intent file `{}`", missing.display())),
        "{msg}"
    );
    assert!(msg.contains(&plugin_file_name("intent-csv")), "{msg}");

    // The file vanishes after open: fetch fails with a message, no crash.
    std::fs::remove_file(&data).unwrap();
    let e = src.fetch(&all()).unwrap_err().to_string();
    assert!(
        e.starts_with("plugin `intent-csv` failed: E0615 cannot read intent file"),
        "{e}"
    );
    assert!(e.contains("(plugin file `"), "{e}");
}

#[test]
fn lock_pins_the_hash_and_refuses_changed_bytes() {
    let dir = private_dir();
    let lib = install(&intent_lib(), dir.path(), &plugin_file_name("intent-csv"));
    let host = PluginHost::new(vec![dir.path().to_path_buf()]);
    let lock_path = dir.path().join(LOCK_FILE_NAME);

    let lock = host.lock(&lock_path, &["intent-csv"], "test.mqa").unwrap();
    let pinned = lock.get("intent-csv").unwrap().clone();
    assert_eq!(pinned.sha256, mqa_plugin_host::sha256_file(&lib).unwrap());
    assert_eq!(pinned.file_name, plugin_file_name("intent-csv"));
    let text = std::fs::read_to_string(&lock_path).unwrap();
    assert!(text.contains(&format!(
        "intent-csv {} {}\n",
        pinned.sha256, pinned.file_name
    )));
    assert_eq!(Lock::read(&lock_path).unwrap().unwrap(), lock);

    let locked = PluginHost::new(vec![dir.path().to_path_buf()])
        .with_lock_file(&lock_path)
        .unwrap();
    assert!(locked.lock_in_force().is_some());
    locked.load("intent-csv").unwrap();

    // Same name, different bytes: refused before loading, both hashes shown.
    // (A new file renamed over the old one: the loaded library's pages stay
    // mapped, so writing into that file in place would crash this process.)
    let mut bytes = std::fs::read(&lib).unwrap();
    bytes.extend_from_slice(b"tampered");
    let tmp = dir.path().join("new.so");
    std::fs::write(&tmp, &bytes).unwrap();
    set_mode(&tmp, 0o755);
    std::fs::rename(&tmp, &lib).unwrap();
    let e = locked.load("intent-csv").unwrap_err();
    assert_eq!(e.code(), "E0604");
    let msg = e.to_string();
    let actual = mqa_plugin_host::sha256_file(&lib).unwrap();
    assert!(
        msg.contains(&pinned.sha256) && msg.contains(&actual),
        "{msg}"
    );
    assert!(
        msg.contains(&lib.canonicalize().unwrap().display().to_string()),
        "{msg}"
    );
    assert!(msg.contains(&lock_path.display().to_string()), "{msg}");

    // A plugin the lock does not pin is refused too.
    let other = Lock::new([]);
    let e = PluginHost::new(vec![dir.path().to_path_buf()])
        .with_lock(lock_path.clone(), other)
        .load("intent-csv")
        .unwrap_err();
    assert_eq!(e.code(), "E0605", "{e}");

    // Re-locking accepts the new bytes.
    host.lock(&lock_path, &["intent-csv"], "test.mqa").unwrap();
    PluginHost::new(vec![dir.path().to_path_buf()])
        .with_lock_file(&lock_path)
        .unwrap()
        .load("intent-csv")
        .unwrap();
}

#[cfg(unix)]
#[test]
fn writable_by_others_is_refused_with_the_path() {
    let dir = private_dir();
    let lib = install(&intent_lib(), dir.path(), &plugin_file_name("intent-csv"));
    let host = PluginHost::new(vec![dir.path().to_path_buf()]);
    set_mode(&lib, 0o666);
    let e = host.load("intent-csv").unwrap_err();
    assert_eq!(e.code(), "E0603");
    let msg = e.to_string();
    assert!(
        msg.contains("the file") && msg.contains("writable by group and others"),
        "{msg}"
    );
    assert!(
        msg.contains(&lib.canonicalize().unwrap().display().to_string()),
        "{msg}"
    );
    set_mode(&lib, 0o755);
    set_mode(dir.path(), 0o770);
    let msg = host.load("intent-csv").unwrap_err().to_string();
    assert!(
        msg.contains("the folder") && msg.contains("writable by group"),
        "{msg}"
    );
    set_mode(dir.path(), 0o700);
    host.load("intent-csv").unwrap();
}

#[test]
fn not_found_lists_the_folders_and_names_mismatch() {
    let dir = private_dir();
    let e = PluginHost::new(vec![dir.path().to_path_buf()])
        .load("intent-csv")
        .unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.code(), "E0601");
    assert!(msg.contains(&plugin_file_name("intent-csv")), "{msg}");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");

    // A file named for one plugin that declares another.
    install(&intent_lib(), dir.path(), &plugin_file_name("other"));
    let e = PluginHost::new(vec![dir.path().to_path_buf()])
        .load("other")
        .unwrap_err();
    assert_eq!(e.code(), "E0612");
    assert!(e.to_string().contains("calls itself `intent-csv`"), "{e}");
}

#[test]
fn list_shows_every_library_in_the_folders() {
    let a = private_dir();
    let b = private_dir();
    install(&intent_lib(), a.path(), &plugin_file_name("intent-csv"));
    install(&intent_lib(), b.path(), &plugin_file_name("intent-csv"));
    std::fs::write(b.path().join(plugin_file_name("junk")), b"not a library").unwrap();
    std::fs::write(b.path().join("notes.txt"), b"ignored").unwrap();
    let host = PluginHost::new(vec![a.path().to_path_buf(), b.path().to_path_buf()]);
    let list = host.list();
    assert_eq!(list.len(), 3, "{list:?}");
    let first = list[0].result.as_ref().unwrap().info();
    assert_eq!(first.name, "intent-csv");
    assert_eq!(
        first.path,
        a.path()
            .join(plugin_file_name("intent-csv"))
            .canonicalize()
            .unwrap()
    );
    assert_eq!(
        first.sha256,
        mqa_plugin_host::sha256_file(&list[0].path).unwrap()
    );
    assert!(list[1].result.is_ok());
    let junk = list
        .iter()
        .find(|l| l.path.ends_with(plugin_file_name("junk")))
        .unwrap();
    let e = junk.result.as_ref().unwrap_err();
    assert_eq!(e.code(), "E0608", "{e}");
    // The same file found twice: `load` takes the first folder.
    let loaded = host.load("intent-csv").unwrap();
    assert!(loaded
        .info()
        .path
        .starts_with(a.path().canonicalize().unwrap()));
}
