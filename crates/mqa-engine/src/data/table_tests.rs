//! Tests of `table.rs`.

use super::*;
use crate::data::assemble::account_keys;
use crate::data::csv_reader::CsvRows;
use crate::data::jsonl::JsonLines;
use crate::data::keymap::AccountKeys;
use crate::data::prepare::TableKind;
use crate::data::rejects::MemoryRejects;
use crate::intern::{hash_bytes, BlockIndex};
use mqa_syntax::FieldType;
use std::fmt::Write as _;

/// Events with bad values, duplicates and quoted newlines, for accounts a0..a49.
fn events_csv() -> String {
    let mut s = String::from("id,account_id,contact_id,at,kind,n\n");
    for k in 0..3000u32 {
        let acc = k % 53; // a50..a52 are unknown
        let id = if k % 97 == 5 { k - 3 } else { k }; // some duplicates
        let at = if k % 89 == 0 {
            "2027-01-01"
        } else {
            "2026-10-01T10:00:00Z"
        };
        let n = if k % 71 == 0 {
            "x".to_string()
        } else {
            k.to_string()
        };
        let kind = if k % 13 == 0 {
            "\"multi\nline, kind\""
        } else {
            "page_view"
        };
        let _ = writeln!(s, "e{id},a{acc},c{},{at},{kind},{n}", k % 3);
    }
    s
}

/// The same events as JSONL (values as strings, as the CSV spells them).
fn events_jsonl() -> String {
    let text = events_csv();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let mut out = String::new();
    let mut pending = String::new();
    for line in lines {
        // Records with a quoted newline span two lines; join them back.
        pending.push_str(line);
        if pending.matches('"').count() % 2 == 1 {
            pending.push('\n');
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        for ch in pending.chars() {
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        let obj: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(fields)
            .map(|(h, v)| (h.to_string(), serde_json::Value::String(v)))
            .collect();
        out.push_str(&serde_json::Value::Object(obj).to_string());
        out.push('\n');
        pending.clear();
    }
    out
}

fn lines(t: &RawTable) -> Vec<u64> {
    (0..t.len()).map(|r| t.line(r)).collect()
}

/// An interner holding accounts `a0`..`a49`, and their keys.
fn accounts_a0_to_a49() -> (Interner, AccountKeys) {
    let mut interner = Interner::new();
    let ids: Vec<Sym> = (0..50).map(|a| interner.intern(&format!("a{a}"))).collect();
    let keys = account_keys(&ids, &interner);
    (interner, keys)
}

/// The declared fields of [`events_csv`].
fn event_fields() -> Vec<(String, FieldType)> {
    vec![
        ("kind".to_string(), FieldType::Text),
        ("n".to_string(), FieldType::Int),
    ]
}

/// How [`events_csv`] is checked, against `keys`.
fn events_spec<'a>(fields: &'a [(String, FieldType)], keys: &'a AccountKeys) -> TableSpec<'a> {
    TableSpec {
        kind: TableKind::Events,
        fields,
        accounts: Some(keys),
        contacts: None,
        as_of: mqa_syntax::time::parse_timestamp("2026-11-01").unwrap(),
        window_start: i64::MIN,
        size_hint: None,
        lines: true,
    }
}

fn run(buffer: usize, threads: usize) -> (RawTable, FileSummary, MemoryRejects, Vec<String>) {
    run_format(buffer, threads, false)
}

fn run_format(
    buffer: usize,
    threads: usize,
    jsonl: bool,
) -> (RawTable, FileSummary, MemoryRejects, Vec<String>) {
    run_with(buffer, threads, jsonl, false, &mut Spares::default())
}

/// [`run_format`] with the batches of `spares`; `swapped`: the declared
/// fields in the other order (`n` then `kind`: columns of other types).
fn run_with(
    buffer: usize,
    threads: usize,
    jsonl: bool,
    swapped: bool,
    spares: &mut Spares,
) -> (RawTable, FileSummary, MemoryRejects, Vec<String>) {
    let (mut interner, keys) = accounts_a0_to_a49();
    let mut fields = event_fields();
    if swapped {
        fields.reverse();
    }
    let spec = events_spec(&fields, &keys);
    let mut wanted = vec!["id", "account_id", "contact_id", "at"];
    wanted.extend(fields.iter().map(|(n, _)| n.as_str()));
    let path = Path::new("events");
    let mut rejects = MemoryRejects::new();
    let csv_text = events_csv();
    let json_text = events_jsonl();
    let open = || -> Result<Box<dyn BatchReader + '_>, LoadError> {
        Ok(if jsonl {
            Box::new(JsonLines::with_batch_bytes(
                json_text.as_bytes(),
                path,
                &wanted,
                buffer,
            ))
        } else {
            Box::new(CsvRows::with_buffer(
                csv_text.as_bytes(),
                path,
                &wanted,
                buffer,
            )?)
        })
    };
    let (t, s) = load_on(
        threads,
        &open,
        path,
        &spec,
        &mut interner,
        &mut rejects,
        spares,
    );
    let ids = (0..t.len()).map(|r| t.id(r).to_string()).collect();
    (t, s, rejects, ids)
}

#[test]
fn many_batches_on_many_threads_give_the_same_result() {
    let (t1, s1, r1, ids1) = run(1 << 20, 1);
    assert_eq!(s1.read, 3000);
    assert!(s1.rejected > 100 && s1.after_as_of > 10, "{s1:?}");
    assert_eq!(s1.read, s1.used + s1.rejected + s1.after_as_of);
    for (buffer, threads) in [(256, 3), (4096, 2), (100, 1)] {
        let (t, s, r, ids) = run(buffer, threads);
        assert_eq!(s, s1);
        assert_eq!(r.rows, r1.rows);
        assert_eq!(ids, ids1);
        assert_eq!(lines(&t), lines(&t1));
        assert_eq!(t.account, t1.account);
        assert_eq!(t.at, t1.at);
        assert_eq!(t.fields.len(), t1.fields.len());
        assert_eq!(t.fields[1], t1.fields[1]);
    }
    // The rejects are in file order.
    assert!(r1.rows.windows(2).all(|w| w[0].line < w[1].line));
    assert!(r1.rows.iter().any(|r| r.reason.starts_with("duplicate id")));
    assert!(r1
        .rows
        .iter()
        .any(|r| r.reason.starts_with("unknown account_id")));
    assert!(r1.rows.iter().any(|r| r.reason == "n: \"x\" is not an int"));
}

#[test]
fn jsonl_in_many_batches_on_many_threads_gives_the_same_result() {
    let (t_csv, s_csv, _, ids_csv) = run(1 << 20, 1);
    let (t1, s1, r1, ids1) = run_format(1 << 20, 1, true);
    // Same rows as the CSV (line numbers differ: no record spans two lines).
    assert_eq!(
        s1,
        FileSummary {
            file: s1.file.clone(),
            ..s_csv
        }
    );
    assert_eq!(ids1, ids_csv);
    assert_eq!(t1.at, t_csv.at);
    assert_eq!(t1.fields[1], t_csv.fields[1]);
    for (bytes, threads) in [(300, 3), (5000, 2)] {
        let (t, s, r, ids) = run_format(bytes, threads, true);
        assert_eq!(s, s1);
        assert_eq!(r.rows, r1.rows);
        assert_eq!(ids, ids1);
        assert_eq!(lines(&t), lines(&t1));
        assert_eq!(t.fields[1], t1.fields[1]);
    }
}

/// Batches left from one file's load fill the next file's: the columns of
/// the checked rows take the new file's types, a JSONL batch its wanted
/// fields, and the table is the one a load with new batches gives.
#[test]
fn batches_left_from_another_file_give_the_same_result() {
    for jsonl in [false, true] {
        for (buffer, threads) in [(4096, 2), (300, 3), (500, 1)] {
            let fresh = run_with(buffer, threads, jsonl, false, &mut Spares::default());
            let mut spares = Spares::default();
            let other = run_with(buffer, threads, jsonl, true, &mut spares);
            assert!(!spares.0.is_empty(), "the load gave its batches back");
            assert_eq!(other.0.fields[1], fresh.0.fields[0], "swapped columns");
            let (t, s, r, ids) = run_with(buffer, threads, jsonl, false, &mut spares);
            assert_eq!((s, r.rows, ids), (fresh.1, fresh.2.rows, fresh.3));
            assert_eq!(lines(&t), lines(&fresh.0));
            assert_eq!(t.account, fresh.0.account);
            assert_eq!(t.at, fresh.0.at);
            assert_eq!(t.fields, fresh.0.fields);
        }
    }
}

/// Contacts (c0.. with repeats, some rows rejected) loaded with `threads`
/// threads and blocks of `buffer` bytes: the table and its interner.
fn load_contacts(buffer: usize, threads: usize) -> (RawTable, Interner) {
    let mut text = String::from("id,account_id,role\n");
    for k in 0..4000u32 {
        let id = if k % 101 == 7 { k - 5 } else { k }; // repeats an earlier id
        let acc = if k % 67 == 3 { 99 } else { k % 50 }; // a99 is unknown
        if id == 1234 {
            // An id that is also an account's.
            let _ = writeln!(text, "a7,a{acc},role{}", k % 4);
        } else {
            let _ = writeln!(text, "c{id},a{acc},role{}", k % 4);
        }
    }
    load_contacts_text(&text, buffer, threads)
}

/// [`load_contacts`] of the contacts file `text` (accounts `a0`..`a49`).
fn load_contacts_text(text: &str, buffer: usize, threads: usize) -> (RawTable, Interner) {
    let mut interner = Interner::new();
    let ids: Vec<Sym> = (0..50).map(|a| interner.intern(&format!("a{a}"))).collect();
    let keys = account_keys(&ids, &interner);
    let fields = vec![("role".to_string(), FieldType::Text)];
    let spec = TableSpec {
        kind: TableKind::Contacts,
        fields: &fields,
        accounts: Some(&keys),
        contacts: None,
        as_of: mqa_syntax::time::parse_timestamp("2026-11-01").unwrap(),
        window_start: i64::MIN,
        size_hint: Some(text.len() as u64),
        lines: false,
    };
    let wanted = ["id", "account_id", "role"];
    let path = Path::new("contacts");
    let open = || -> Result<Box<dyn BatchReader + '_>, LoadError> {
        Ok(Box::new(CsvRows::with_buffer(
            text.as_bytes(),
            path,
            &wanted,
            buffer,
        )?))
    };
    let mut rejects = MemoryRejects::new();
    let spares = &mut Spares::default();
    let (t, _) = load_on(
        threads,
        &open,
        path,
        &spec,
        &mut interner,
        &mut rejects,
        spares,
    );
    (t, interner)
}

/// Loads the file `open` reads with `threads` threads and the batches of `spares`.
fn load_on<'r, F>(
    threads: usize,
    open: &F,
    path: &Path,
    spec: &TableSpec<'_>,
    interner: &mut Interner,
    rejects: &mut MemoryRejects,
    spares: &mut Spares,
) -> (RawTable, FileSummary)
where
    F: Fn() -> Result<Box<dyn BatchReader + 'r>, LoadError> + Sync + 'r,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut rows = open()?;
        load_file(
            rows.as_mut(),
            open,
            path,
            spec,
            interner,
            rejects,
            None,
            spares,
        )
    })
    .unwrap()
}

/// Contacts' ids are not interned as batches are committed: they are kept
/// with the index their duplicate check built, and become a block of the
/// interner (`front`): one symbol per kept row, naming the row's id, however
/// the file is cut and checked; an id interned before keeps its symbol, and
/// the block's ids are found by `intern` and `get` like any other text.
#[test]
fn contact_ids_become_a_block_of_the_interner() {
    let block = |buffer: usize, threads: usize| {
        let (mut t, mut i) = load_contacts(buffer, threads);
        assert!(t.id_syms.is_empty());
        let claims = t.ids.len();
        let (ids, mut index) = (std::mem::take(&mut t.ids), std::mem::take(&mut t.id_index));
        let before = i.len();
        // Filters built by the block (without them) or given, as the loader does.
        if threads == 1 {
            index.filters.clear();
        }
        assert!(i.add_block(ids, index));
        assert_eq!(i.len(), before + claims);
        let syms: Vec<Sym> = t.id_claim.iter().map(|&c| i.block_sym(c)).collect();
        (t, i, syms)
    };
    let (t1, mut i1, s1) = block(1 << 20, 1);
    assert!(t1.len() < 4000 && t1.len() > 3800, "{}", t1.len());
    let names = |syms: &[Sym], i: &Interner| -> Vec<String> {
        syms.iter().map(|&s| i.resolve(s).to_string()).collect()
    };
    // The kept rows, as `load_contacts` writes them: a known account, and
    // an id no earlier kept row has (the first clean row wins).
    let mut kept = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for k in 0..4000u32 {
        let id = if k % 101 == 7 { k - 5 } else { k };
        if k % 67 != 3 && seen.insert(id) {
            kept.push(if id == 1234 {
                "a7".to_string()
            } else {
                format!("c{id}")
            });
        }
    }
    assert_eq!(names(&s1, &i1), kept);
    // Each id has one symbol: `intern` and `get` find the block's, and the
    // id `a7`, an account's id interned before the block, keeps that one.
    let a7 = s1[kept.iter().position(|k| k == "a7").unwrap()];
    assert_eq!(a7, i1.get("a7").unwrap());
    assert!(a7.index() < 50);
    for (&sym, id) in s1.iter().zip(&kept).step_by(97) {
        assert_eq!(i1.get(id), Some(sym), "{id}");
        assert_eq!(i1.intern(id), sym, "{id}");
    }
    // Texts after the block get the next symbols, found and named as usual.
    let n = i1.len();
    let new = i1.intern("after the block");
    assert_eq!(new.index(), n);
    assert_eq!(i1.resolve(new), "after the block");
    assert_eq!(i1.intern("role2"), i1.get("role2").unwrap());
    assert!(i1.get("role2").unwrap().index() < 60);
    let many: Vec<String> = (0..3000).map(|k| format!("c{}", k * 2)).collect();
    let bulk = i1.intern_many(many.len(), |k| &many[k], |k| hash_bytes(many[k].as_bytes()));
    for (k, s) in bulk.iter().enumerate() {
        assert_eq!(i1.resolve(*s), many[k]);
        assert_eq!(i1.get(&many[k]), Some(*s));
    }
    assert!(
        !i1.add_block(TextPool::default(), BlockIndex::default()),
        "a second block"
    );
    for (buffer, threads) in [(300, 3), (4096, 2), (100, 1)] {
        let (_, i, s) = block(buffer, threads);
        assert!(
            names(&s, &i) == names(&s1, &i1),
            "{buffer} bytes, {threads} threads"
        );
        assert_eq!(s, s1);
    }
}

/// Makes the contacts' ids of `raw` a block of `interner`, as the loader
/// does after the contacts file, and gives each row its id's symbol.
fn as_block(raw: &mut RawTable, interner: &mut Interner) {
    let (ids, index) = (
        std::mem::take(&mut raw.ids),
        std::mem::take(&mut raw.id_index),
    );
    assert!(interner.add_block(ids, index));
    raw.id_syms = raw
        .id_claim
        .iter()
        .map(|&c| interner.block_sym(c))
        .collect();
}

/// The contacts grouped by account (`assemble::contacts`), from a file in
/// account order with no repeated id (kept as they are, the keys read
/// from the interner's block) or from one out of order with repeats
/// (grouped, the keys copied): every account's range holds its contacts
/// in file order, and the keys find each contact in its account's range.
#[test]
fn contacts_group_by_account_and_their_keys_find_them() {
    let mut sorted = String::from("id,account_id,role\n");
    for k in 0..3000u32 {
        // Accounts a0..a49 in order, some without contacts.
        let acc = (k / 60) % 50;
        if acc % 7 != 3 {
            let _ = writeln!(sorted, "c{k},a{acc},role{}", k % 4);
        }
    }
    let (t, _) = load_contacts(1 << 20, 2);
    let unsorted_rows = t.len();
    for (text, shuffled) in [(Some(sorted), false), (None, true)] {
        let (mut raw, mut interner) = match &text {
            Some(text) => load_contacts_text(text, 4096, 2),
            None => load_contacts(4096, 2),
        };
        as_block(&mut raw, &mut interner);
        // (account, id) of each kept row, in file order.
        let rows: Vec<(u32, String)> = raw
            .account
            .iter()
            .zip(&raw.id_syms)
            .map(|(&a, &s)| (a, interner.resolve(s).to_string()))
            .collect();
        if shuffled {
            assert_eq!(rows.len(), unsorted_rows);
        }
        let (contacts, keys) = crate::data::assemble::contacts(raw, 50, &interner);
        assert_eq!(contacts.account_start.len(), 51);
        for a in 0..50u32 {
            let range = contacts.account_start[a as usize] as usize
                ..contacts.account_start[a as usize + 1] as usize;
            let want: Vec<&str> = rows
                .iter()
                .filter(|r| r.0 == a)
                .map(|r| r.1.as_str())
                .collect();
            let got: Vec<&str> = range
                .clone()
                .map(|r| interner.resolve(contacts.id[r]))
                .collect();
            assert_eq!(got, want, "account a{a}");
            assert!(range.clone().all(|r| contacts.account[r] == a));
            // Repeated ids were dropped before: each id names one row.
            for r in range.clone() {
                let id = interner.resolve(contacts.id[r]);
                assert_eq!(keys.find(range.clone(), id.as_bytes()), Some(r as u32));
            }
            assert_eq!(keys.find(range, b"nobody"), None);
        }
    }
}

/// An interner frozen after its block ([`Interner::freeze`], as streamed
/// scoring does when the events start) gives every text the symbol an
/// interner never frozen gives it, finds and names them the same way; a
/// snapshot names them too, and what is interned into it stays its own.
#[test]
fn a_frozen_interner_numbers_texts_as_one_never_frozen() {
    let twin = || {
        let (mut t, mut i) = load_contacts(1 << 20, 1);
        as_block(&mut t, &mut i);
        i
    };
    let (mut plain, mut frozen) = (twin(), twin());
    frozen.freeze();
    assert_eq!(frozen.len(), plain.len());
    assert!(!frozen.add_block(TextPool::default(), BlockIndex::default()));
    assert_eq!(
        frozen.block_texts().map(|t| t.len()),
        plain.block_texts().map(|t| t.len())
    );
    // Block ids, texts interned before the block, new texts (twice).
    let texts: Vec<String> = (0..500)
        .map(|k| match k % 4 {
            0 => format!("c{}", k * 7),
            1 => "a7".to_string(),
            2 => format!("role{}", k % 3),
            _ => format!("new text {}", k / 8),
        })
        .collect();
    let mut snap = None;
    for (k, t) in texts.iter().enumerate() {
        let (a, b) = (plain.intern(t), frozen.intern(t));
        assert_eq!(a, b, "{t}");
        assert_eq!(frozen.resolve(b), t.as_str());
        assert_eq!(frozen.get(t), Some(b));
        if k == 300 {
            snap = Some(frozen.snapshot());
        }
    }
    let many: Vec<String> = (0..3000).map(|k| format!("bulk {}", k % 2500)).collect();
    let h = |k: usize| hash_bytes(many[k].as_bytes());
    assert_eq!(
        plain.intern_many(many.len(), |k| &many[k], h),
        frozen.intern_many(many.len(), |k| &many[k], h)
    );
    assert_eq!(frozen.len(), plain.len());
    for k in [0u32, 1, 17, 999] {
        assert_eq!(frozen.block_sym(k), plain.block_sym(k));
    }
    // The snapshot, taken midway, names what existed then; its own texts
    // do not reach the interner it came from.
    let mut snap = snap.unwrap();
    for t in texts.iter().take(301) {
        let sym = plain.get(t).unwrap();
        assert_eq!(snap.resolve(sym), t.as_str());
        assert_eq!(snap.get(t), Some(sym));
    }
    let len = frozen.len();
    let mine = snap.intern("only in the snapshot");
    assert_eq!(snap.resolve(mine), "only in the snapshot");
    assert_eq!(frozen.len(), len);
    assert_eq!(frozen.get("only in the snapshot"), None);
}

/// A source that gives `ok` bytes of `text`, then fails.
struct FailingAfter<'t> {
    text: &'t [u8],
    ok: usize,
}

impl std::io::Read for FailingAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ok == 0 {
            return Err(std::io::Error::other("disk went away"));
        }
        let n = buf.len().min(self.ok).min(self.text.len());
        if n == 0 {
            return Ok(0);
        }
        buf[..n].copy_from_slice(&self.text[..n]);
        self.text = &self.text[n..];
        self.ok -= n;
        Ok(n)
    }
}

/// A read that fails in the middle of the file fails the load with the
/// file's name and line, on any number of threads (the checking threads
/// stop; none is left waiting), with spares left from a load before.
#[test]
fn a_read_failing_midway_fails_the_load() {
    let text = events_csv();
    let fields = event_fields();
    let wanted = ["id", "account_id", "contact_id", "at", "kind", "n"];
    let path = Path::new("events");
    for threads in [1, 2, 3] {
        let (mut interner, keys) = accounts_a0_to_a49();
        let spec = events_spec(&fields, &keys);
        let open = || -> Result<Box<dyn BatchReader + '_>, LoadError> {
            let src = FailingAfter {
                text: text.as_bytes(),
                ok: text.len() / 2,
            };
            Ok(Box::new(CsvRows::with_buffer(src, path, &wanted, 512)?))
        };
        let mut spares = Spares::default();
        run_with(512, threads, false, true, &mut spares);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut rejects = MemoryRejects::new();
        let got = pool.install(|| {
            let mut rows = open()?;
            load_file(
                rows.as_mut(),
                &open,
                path,
                &spec,
                &mut interner,
                &mut rejects,
                None,
                &mut spares,
            )
        });
        match got {
            Err(LoadError::Io { path, line, source }) => {
                assert_eq!(path, Path::new("events"));
                assert!(line > 100, "{line}");
                assert_eq!(source.to_string(), "disk went away");
            }
            other => panic!("{threads} threads: {:?}", other.map(|(_, s)| s)),
        }
    }
}
