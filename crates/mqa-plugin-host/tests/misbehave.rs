//! The Rust `misbehave` test plugin (plugins/test-plugins/misbehave): a
//! panic in `fetch` or `open` must come back as an error naming the plugin
//! file (the SDK's catch_unwind at work), an error must be told apart from
//! a panic, and the host must carry on after either.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use mqa_engine::signals::{SignalColumn, SignalError, SignalRequest, SignalSource};
use mqa_plugin_host::{plugin_file_name, PluginHost};

fn host() -> (tempfile::TempDir, PluginHost) {
    let dir = private_dir();
    install(
        &cargo_plugin("misbehave", "misbehave"),
        dir.path(),
        &plugin_file_name("misbehave"),
    );
    let host = PluginHost::new(vec![dir.path().to_path_buf()]);
    (dir, host)
}

fn req() -> SignalRequest {
    SignalRequest {
        account_keys: vec![],
        from: 0,
        to: 100,
    }
}

#[test]
fn a_panic_in_fetch_becomes_an_error_and_the_host_carries_on() {
    let (dir, host) = host();
    let p = host.load("misbehave").unwrap();
    let mut src = p.open(r#"{"mode":"panic"}"#).unwrap();
    let e = src.fetch(&req()).unwrap_err();
    let SignalError::Failed { plugin, message } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(plugin, "misbehave");
    assert!(
        message.starts_with("E0616 fetch crashed: panicked in fetch: fetch panicked on purpose"),
        "{message}"
    );
    assert!(
        message.contains("(at plugins/test-plugins/misbehave/src/lib.rs:"),
        "{message}"
    );
    let file = dir
        .path()
        .canonicalize()
        .unwrap()
        .join(plugin_file_name("misbehave"));
    assert!(message.contains(&file.display().to_string()), "{message}");
    // Again, on the same handle, then a healthy handle of the same plugin.
    assert!(src.fetch(&req()).is_err());
    drop(src);
    let mut ok = p.open(r#"{"mode":"ok"}"#).unwrap();
    let b = ok.fetch(&req()).unwrap();
    assert_eq!(b.account, ["acc-1", "acc-2"]);
    assert_eq!(b.at, [100, 100]);
    assert_eq!(b.columns, [SignalColumn::Int(vec![Some(1), None])]);
}

#[test]
fn an_error_in_fetch_is_distinguishable_from_a_panic() {
    let (_dir, host) = host();
    let p = host.load("misbehave").unwrap();
    let e = p
        .open(r#"{"mode":"error"}"#)
        .unwrap()
        .fetch(&req())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("plugin `misbehave` failed: E0615 fetch failed on purpose [status: error] (plugin file `"),
        "{e}"
    );
}

#[test]
fn open_errors_and_panics_name_the_plugin_file() {
    let (dir, host) = host();
    let p = host.load("misbehave").unwrap();
    let file = dir
        .path()
        .canonicalize()
        .unwrap()
        .join(plugin_file_name("misbehave"));
    let e = p.open(r#"{"mode":"open-panic"}"#).unwrap_err();
    assert_eq!(e.code(), "E0614");
    let prefix = format!(
        "E0614 plugin `misbehave` (`{}`) crashed in open: panicked in open: open panicked on purpose",
        file.display()
    );
    assert!(e.to_string().starts_with(&prefix), "{e}");
    let e = p.open(r#"{"mode":"open-error"}"#).unwrap_err();
    assert_eq!(e.code(), "E0613");
    assert!(e.to_string().contains("open failed on purpose"), "{e}");
    let e = p.open("not json").unwrap_err();
    assert!(e.to_string().contains("config is not JSON"), "{e}");
}

#[test]
fn not_thread_safe_plugins_are_called_one_at_a_time_from_many_threads() {
    let (_dir, host) = host();
    let p = host.load("misbehave").unwrap();
    assert!(!p.info().thread_safe);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut src = p.open(r#"{"mode":"ok"}"#).unwrap();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    assert_eq!(src.fetch(&req()).unwrap().account.len(), 2);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
