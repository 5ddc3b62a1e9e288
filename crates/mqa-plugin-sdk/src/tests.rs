//! Drives the exported functions in-process, through the descriptor, the way
//! the host does after `dlsym`.

use std::ffi::c_void;

use crate::abi::*;
use crate::export::DescriptorCell;
use crate::{Batch, Field, FieldType, JoinKey, Metadata, Reject, Request, SignalPlugin, Value};

struct Demo {
    mode: String,
}

const FIELDS: &[Field] = &[
    Field {
        name: "t",
        ty: FieldType::Text,
    },
    Field {
        name: "i",
        ty: FieldType::Int,
    },
    Field {
        name: "n",
        ty: FieldType::Number,
    },
    Field {
        name: "b",
        ty: FieldType::Bool,
    },
    Field {
        name: "at2",
        ty: FieldType::Time,
    },
];

impl SignalPlugin for Demo {
    const METADATA: Metadata = Metadata {
        name: "demo",
        version: "0.0.1",
        vendor: "tests",
        join_key: JoinKey::Id,
        fields: FIELDS,
        thread_safe: false,
    };

    fn open(config_json: &str) -> Result<Self, String> {
        if config_json == "bad" {
            return Err("bad config".into());
        }
        if config_json == "panic" {
            panic!("open exploded");
        }
        Ok(Demo {
            mode: config_json.to_string(),
        })
    }

    fn fetch(&mut self, request: &Request) -> Result<Batch, String> {
        match self.mode.as_str() {
            "panic" => panic!("fetch exploded {}", 42),
            "error" => return Err("no data".into()),
            "wrong-schema" => return Ok(Batch::new(&FIELDS[..1])),
            _ => {}
        }
        let mut b = Batch::new(FIELDS);
        for key in &request.account_keys {
            b.push_row(
                key,
                request.to,
                &[
                    Value::Text("x"),
                    Value::Int(7),
                    Value::Number(1.5),
                    Value::Bool(true),
                    Value::Time(3),
                ],
            )?;
            b.push_row(key, request.to, &[Value::Missing; 5])?;
        }
        b.reject(Reject {
            origin: "mem".into(),
            line: 9,
            raw: "a,b".into(),
            reason: "why".into(),
        });
        Ok(b)
    }
}

static CELL: DescriptorCell = DescriptorCell::new();

fn descriptor() -> &'static MqaPluginDescriptor {
    let p = CELL.get::<Demo>();
    assert!(!p.is_null());
    // SAFETY: the cell lives in a static and is never mutated after init.
    unsafe { &*p }
}

fn text(s: MqaStr) -> String {
    // SAFETY: strings in this test come from the SDK and are live.
    unsafe { String::from_utf8(std::slice::from_raw_parts(s.ptr, s.len).to_vec()).unwrap() }
}

fn open(config: &str) -> Result<*mut c_void, (i32, String)> {
    let d = descriptor();
    let mut handle = std::ptr::null_mut();
    let mut err = MqaStr::EMPTY;
    // SAFETY: valid pointers per the ABI.
    let status = unsafe { (d.open.unwrap())(MqaStr::borrow(config), &mut handle, &mut err) };
    if status == MQA_STATUS_OK {
        Ok(handle)
    } else {
        let msg = text(err);
        // SAFETY: the message came from this plugin's open.
        unsafe { (d.free_error.unwrap())(err) };
        Err((status, msg))
    }
}

fn fetch(handle: *mut c_void, keys: &[&str]) -> Result<MqaBatch, (i32, String)> {
    let d = descriptor();
    let keys: Vec<MqaStr> = keys.iter().map(|k| MqaStr::borrow(k)).collect();
    let req = MqaRequest {
        struct_size: std::mem::size_of::<MqaRequest>() as u32,
        account_keys: keys.as_ptr(),
        account_key_count: keys.len(),
        from_micros: 0,
        to_micros: 100,
    };
    let mut batch = MqaBatch::EMPTY;
    let mut err = MqaStr::EMPTY;
    // SAFETY: valid pointers per the ABI.
    let status = unsafe { (d.fetch.unwrap())(handle, &req, &mut batch, &mut err) };
    if status == MQA_STATUS_OK {
        Ok(batch)
    } else {
        let msg = text(err);
        // SAFETY: the message came from this plugin's fetch.
        unsafe { (d.free_error.unwrap())(err) };
        Err((status, msg))
    }
}

fn close(handle: *mut c_void) {
    // SAFETY: handle from open, closed once.
    unsafe { (descriptor().close.unwrap())(handle) };
}

#[test]
fn descriptor_describes_the_plugin() {
    let d = descriptor();
    assert_eq!(
        d.struct_size as usize,
        std::mem::size_of::<MqaPluginDescriptor>()
    );
    assert_eq!((d.abi_major, d.abi_minor), (MQA_ABI_MAJOR, MQA_ABI_MINOR));
    assert_eq!(text(d.name), "demo");
    assert_eq!(text(d.vendor), "tests");
    assert_eq!(d.join_key, MQA_JOIN_ID);
    assert_eq!(d.thread_safe, 0);
    // SAFETY: fields points to field_count descriptors owned by the cell.
    let fields = unsafe { std::slice::from_raw_parts(d.fields, d.field_count) };
    let codes: Vec<u32> = fields.iter().map(|f| f.type_code).collect();
    assert_eq!(codes, [1, 2, 3, 4, 5]);
    assert_eq!(text(fields[4].name), "at2");
    assert_eq!(CELL.get::<Demo>(), d as *const _, "built once");
}

#[test]
fn batch_crosses_the_abi_columnar_with_missing_values() {
    let h = open("ok").unwrap();
    let b = fetch(h, &["a1", "bé"]).unwrap();
    assert_eq!(b.rows, 4);
    assert_eq!(b.column_count, 5);
    // SAFETY: the batch is live until free_batch below.
    unsafe {
        let offsets = std::slice::from_raw_parts(b.account.offsets, 5);
        assert_eq!(offsets, [0, 2, 4, 7, 10]);
        let at = std::slice::from_raw_parts(b.at, 4);
        assert_eq!(at, [100; 4]);
        let cols = std::slice::from_raw_parts(b.columns, 5);
        let valid = std::slice::from_raw_parts(cols[1].validity, 4);
        assert_eq!(valid, [1, 0, 1, 0]);
        assert_eq!(*cols[1].ints, 7);
        assert_eq!(*cols[2].numbers, 1.5);
        assert_eq!(*cols[3].bools, 1);
        assert_eq!(*cols[4].ints, 3);
        assert!(cols[0].ints.is_null() && cols[1].numbers.is_null());
        let rejects = std::slice::from_raw_parts(b.rejects, b.reject_count);
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].line, 9);
        assert_eq!(text(rejects[0].reason), "why");
        let mut b = b;
        (descriptor().free_batch.unwrap())(&mut b);
        assert!(b.private_data.is_null() && b.rows == 0);
    }
    close(h);
}

#[test]
fn panics_become_errors() {
    let (status, msg) = open("panic").unwrap_err();
    assert_eq!(status, MQA_STATUS_PANIC);
    assert!(
        msg.starts_with("panicked in open: open exploded (at "),
        "{msg}"
    );
    assert!(msg.contains("src/tests.rs:"), "the location is kept: {msg}");

    let mut p = open("ok").unwrap();
    // Switch the handle's mode, as a real plugin's state might change.
    // SAFETY: the handle is a Box<Demo> made by open::<Demo>.
    unsafe { (*p.cast::<Demo>()).mode = "panic".into() };
    let (status, msg) = fetch(p, &["a"]).unwrap_err();
    assert_eq!(status, MQA_STATUS_PANIC);
    assert!(
        msg.starts_with("panicked in fetch: fetch exploded 42 (at "),
        "{msg}"
    );
    // The handle is still usable after a caught panic.
    // SAFETY: as above.
    unsafe { (*p.cast::<Demo>()).mode = "ok".into() };
    let mut b = fetch(p, &["a"]).unwrap();
    assert_eq!(b.rows, 2);
    // SAFETY: batch from fetch, freed once.
    unsafe { (descriptor().free_batch.unwrap())(&mut b) };
    close(p);
    p = std::ptr::null_mut();
    close(p);
}

#[test]
fn errors_carry_status_and_message() {
    assert_eq!(
        open("bad").unwrap_err(),
        (MQA_STATUS_ERROR, "bad config".into())
    );
    let h = open("error").unwrap();
    assert_eq!(
        fetch(h, &[]).unwrap_err(),
        (MQA_STATUS_ERROR, "no data".into())
    );
    close(h);
    let h = open("wrong-schema").unwrap();
    let (status, msg) = fetch(h, &[]).unwrap_err();
    assert_eq!(status, MQA_STATUS_ERROR);
    assert!(
        msg.contains("schema other than the one it declares"),
        "{msg}"
    );
    close(h);
}

#[test]
fn invalid_arguments_are_refused() {
    let d = descriptor();
    let mut err = MqaStr::EMPTY;
    // SAFETY: deliberately NULL handle_out; error_out valid.
    let status = unsafe { (d.open.unwrap())(MqaStr::borrow("x"), std::ptr::null_mut(), &mut err) };
    assert_eq!(status, MQA_STATUS_INVALID_ARGUMENT);
    assert!(text(err).contains("NULL handle_out"));
    // SAFETY: message from this plugin.
    unsafe { (d.free_error.unwrap())(err) };

    let h = open("ok").unwrap();
    let bad = [0xffu8, 0xfe];
    let keys = [MqaStr {
        ptr: bad.as_ptr(),
        len: 2,
    }];
    let req = MqaRequest {
        struct_size: std::mem::size_of::<MqaRequest>() as u32,
        account_keys: keys.as_ptr(),
        account_key_count: 1,
        from_micros: 0,
        to_micros: 1,
    };
    let mut batch = MqaBatch::EMPTY;
    // SAFETY: valid pointers; the key is deliberately not UTF-8.
    let status = unsafe { (d.fetch.unwrap())(h, &req, &mut batch, &mut err) };
    assert_eq!(status, MQA_STATUS_INVALID_ARGUMENT);
    assert_eq!(text(err), "account key 1 is not UTF-8 text");
    // SAFETY: message from this plugin.
    unsafe { (d.free_error.unwrap())(err) };
    let short = MqaRequest {
        struct_size: 8,
        ..req
    };
    // SAFETY: valid pointers; struct_size deliberately too small.
    let status = unsafe { (d.fetch.unwrap())(h, &short, &mut batch, &mut err) };
    assert_eq!(status, MQA_STATUS_INVALID_ARGUMENT);
    // SAFETY: message from this plugin.
    unsafe { (d.free_error.unwrap())(err) };
    close(h);
}

#[test]
fn push_row_checks_the_schema_and_keeps_the_batch_intact() {
    let mut b = Batch::new(FIELDS);
    assert!(b
        .push_row("", 0, &[Value::Missing; 5])
        .unwrap_err()
        .contains("empty"));
    assert!(b
        .push_row("a", 0, &[Value::Missing; 4])
        .unwrap_err()
        .contains("4 values"));
    let err = b
        .push_row(
            "a",
            0,
            &[
                Value::Int(1),
                Value::Missing,
                Value::Missing,
                Value::Missing,
                Value::Missing,
            ],
        )
        .unwrap_err();
    assert_eq!(
        err,
        "value 1 of a record is int but the schema declares text"
    );
    assert!(b.is_empty());
    b.push_row(
        "a",
        5,
        &[
            Value::Text("z"),
            Value::Missing,
            Value::Number(2.0),
            Value::Bool(false),
            Value::Time(9),
        ],
    )
    .unwrap();
    assert_eq!(b.account(0), Some("a"));
    assert_eq!(b.at(0), Some(5));
    assert_eq!(b.value(0, 0), Some(Value::Text("z")));
    assert_eq!(b.value(0, 1), Some(Value::Missing));
    assert_eq!(b.value(0, 3), Some(Value::Bool(false)));
    assert_eq!(b.value(0, 4), Some(Value::Time(9)));
    assert_eq!(b.value(1, 0), None);
}

#[test]
fn reserving_room_keeps_the_rows_and_the_ffi_view() {
    let row = |i: usize| {
        [
            Value::Text(["topic", ""][i % 2]),
            [Value::Missing, Value::Int(i as i64), Value::Int(i as i64)][i % 3],
            Value::Number(i as f64),
            Value::Bool(i & 1 == 1),
            Value::Time(i as i64),
        ]
    };
    let mut b = Batch::new(FIELDS);
    b.reserve(10);
    for i in 0..3 {
        b.push_row(&format!("acct{i}"), i as i64, &row(i)).unwrap();
    }
    // With a validity array, texts and rows so far: room for more of each.
    b.reserve(1000);
    for i in 3..1003 {
        b.push_row(&format!("acct{i}"), i as i64, &row(i)).unwrap();
    }
    assert_eq!(b.len(), 1003);
    for i in [0, 1, 2, 3, 500, 1002] {
        assert_eq!(b.account(i), Some(format!("acct{i}").as_str()));
        assert_eq!(b.at(i), Some(i as i64));
        for (f, v) in row(i).into_iter().enumerate() {
            assert_eq!(b.value(i, f), Some(v), "row {i} field {f}");
        }
    }
    let ffi = b.into_ffi();
    assert_eq!(ffi.rows, 1003);
    // SAFETY: `into_ffi` made the batch; the offsets array has rows + 1 entries.
    let last = unsafe { *ffi.account.offsets.add(1003) };
    assert_eq!(last as usize, ffi.account.data_len);
    let mut ffi = ffi;
    // SAFETY: a batch made by `into_ffi`, freed once.
    unsafe { crate::batch::free_ffi(&mut ffi) };
}

#[test]
fn request_helpers() {
    let r = Request {
        account_keys: vec![],
        from: 10,
        to: 20,
    };
    assert!(!r.wants_time(10) && r.wants_time(11) && r.wants_time(20) && !r.wants_time(21));
    assert!(r.key_set().is_none());
    let r = Request {
        account_keys: vec!["a".into()],
        ..r
    };
    assert!(r.key_set().unwrap().contains("a"));
}

#[test]
fn type_codes_round_trip() {
    for t in [
        FieldType::Text,
        FieldType::Int,
        FieldType::Number,
        FieldType::Bool,
        FieldType::Time,
    ] {
        assert_eq!(FieldType::from_code(t.code()), Some(t));
    }
    assert_eq!(FieldType::from_code(0), None);
    assert_eq!(
        JoinKey::from_code(JoinKey::Domain.code()),
        Some(JoinKey::Domain)
    );
    assert_eq!(JoinKey::from_code(3), None);
}
