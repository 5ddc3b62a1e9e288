//! Bad data end to end (spec cli-and-data.md "Data directory"): every reject
//! reason of tests/bad-data/every-reason goes to the rejects file untouched,
//! with its file, line and reason; the summary's row accounting adds up;
//! past `--max-reject-rate` the run writes the rejects file, no decisions,
//! and exits 1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::*;

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn fixture() -> PathBuf {
    root().join("tests/bad-data/every-reason")
}

/// (file, line, fragments of the reason) of every reject, in file order.
const EXPECTED: &[(&str, u64, &[&str])] = &[
    ("accounts.csv", 3, &["employees", "\"12x\"", "not an int"]),
    ("accounts.csv", 4, &["employees", "\"1.5\"", "not an int"]),
    ("accounts.csv", 5, &["revenue", "\"abc\"", "not a number"]),
    ("accounts.csv", 6, &["regulated", "\"maybe\"", "not a bool"]),
    (
        "accounts.csv",
        7,
        &["founded", "\"yesterday\"", "not a time"],
    ),
    ("accounts.csv", 8, &["founded", "offset"]),
    ("accounts.csv", 9, &["empty id"]),
    ("accounts.csv", 10, &["6 fields", "found 3"]),
    ("accounts.csv", 11, &["duplicate id", "a1"]),
    ("contacts.csv", 3, &["unknown account_id", "a2"]),
    ("contacts.csv", 4, &["empty id"]),
    ("contacts.csv", 5, &["empty account_id"]),
    ("contacts.csv", 6, &["unknown account_id", "nope"]),
    ("contacts.csv", 7, &["duplicate id", "c1"]),
    ("contacts.csv", 8, &["3 fields", "found 4"]),
    ("events.csv", 5, &["empty at"]),
    ("events.csv", 6, &["empty account_id"]),
    ("events.csv", 7, &["empty id"]),
    ("events.csv", 8, &["at", "offset"]),
    ("events.csv", 9, &["at", "\"not-a-time\"", "not a time"]),
    ("events.csv", 10, &["unknown account_id", "a3"]),
    ("events.csv", 11, &["value", "\"abc\"", "not a number"]),
    ("events.csv", 12, &["duplicate id", "e1"]),
    ("events.csv", 15, &["6 fields", "found 3"]),
];

fn score(data: &Path, extra: &[&str]) -> Output {
    mqa()
        .current_dir(data)
        .arg("score")
        .arg(data.join("rules.mqa"))
        .arg("--data")
        .arg(data)
        .args(["--as-of", AS_OF, "--format", "csv"])
        .args(extra)
        .output()
        .unwrap()
}

/// Rows of a rejects file: (file, line, reason, row).
fn read_rejects(path: &Path) -> Vec<(String, u64, String, String)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["file", "line", "reason", "row"]
    );
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[0].to_string(),
                x[1].parse().unwrap(),
                x[2].to_string(),
                x[3].to_string(),
            )
        })
        .collect()
}

/// Line `n` (1-based) of a fixture file, as written.
fn line_of(data: &Path, file: &str, n: u64) -> String {
    let text = std::fs::read_to_string(data.join(file)).unwrap();
    text.lines().nth(n as usize - 1).unwrap().to_string()
}

#[track_caller]
fn assert_every_reject(data: &Path, rejects: &Path) {
    let got = read_rejects(rejects);
    assert_eq!(got.len(), EXPECTED.len(), "{got:#?}");
    for ((file, line, reason, row), (want_file, want_line, parts)) in got.iter().zip(EXPECTED) {
        assert_eq!(
            Path::new(file).file_name().unwrap().to_str().unwrap(),
            *want_file,
            "{file}"
        );
        assert_eq!(Path::new(file).parent().unwrap(), data, "{file}");
        assert_eq!(line, want_line, "{file}: {reason}");
        for p in *parts {
            assert!(
                reason.contains(p),
                "{want_file}:{want_line}: reason {reason:?} lacks {p:?}"
            );
        }
        // The row, untouched.
        assert_eq!(*row, line_of(data, want_file, *want_line));
    }
}

/// `(read, used, rejected, after_as_of)` per data file, from the summary lines
/// `  PATH: read R = used U + rejected J + after as_of A`.
fn accounting(stderr: &str) -> Vec<(String, [u64; 4])> {
    stderr
        .lines()
        .filter(|l| l.contains(": read ") && l.contains(" = used ") && !l.contains("source "))
        .map(|l| {
            let (path, rest) = l.trim().rsplit_once(": read ").unwrap();
            let nums: Vec<u64> = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let name = Path::new(path).file_name().unwrap().to_str().unwrap();
            (name.to_string(), [nums[0], nums[1], nums[2], nums[3]])
        })
        .collect()
}

#[test]
fn every_reject_reason_goes_to_the_rejects_file_untouched() {
    let data = copy_dir(&fixture());
    let out = tempfile::tempdir().unwrap();
    let rejects = out.path().join("rejects.csv");
    let o = score(
        data.path(),
        &[
            "--rejects",
            rejects.to_str().unwrap(),
            "--max-reject-rate",
            "1",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_every_reject(data.path(), &rejects);

    // Kept rows are scored: a1 (events e1, e2 anonymous, e3 unknown contact),
    // a10 (e11), a11 (1.2k employees).
    assert_eq!(
        stdout(&o),
        "model,account,score,qualified,grade,route,sla_due,failed_gates\n\
         m,a1,13.000000,true,,,,\n\
         m,a10,11.000000,true,,,,\n\
         m,a11,10.000000,true,,,,\n"
    );

    // Row accounting per file: read = used + rejected + after as_of.
    let err = stderr(&o);
    let acc = accounting(&err);
    assert_eq!(
        acc,
        [
            ("accounts.csv".to_string(), [12, 3, 9, 0]),
            ("contacts.csv".to_string(), [8, 2, 6, 0]),
            ("events.csv".to_string(), [14, 4, 9, 1]),
        ],
        "{err}"
    );
    for (file, [read, used, rejected, after]) in &acc {
        assert_eq!(*read, used + rejected + after, "{file}");
    }
    let total: u64 = acc.iter().map(|(_, n)| n[2]).sum();
    assert_eq!(total as usize, EXPECTED.len());
    assert!(err.contains("24 rejected rows"), "{err}");
    assert!(err.contains("1 unknown contact_id, 1 anonymous"), "{err}");
}

#[test]
fn past_the_default_reject_rate_no_decisions_but_the_rejects_file() {
    let data = copy_dir(&fixture());
    let out = tempfile::tempdir().unwrap();
    let rejects = out.path().join("rejects.csv");
    let decisions = out.path().join("decisions.csv");
    let o = score(
        data.path(),
        &[
            "--rejects",
            rejects.to_str().unwrap(),
            "--out",
            decisions.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(!decisions.exists(), "decisions were written");
    let err = stderr(&o);
    assert!(err.contains("24 of 34 rows rejected"), "{err}");
    assert_every_reject(data.path(), &rejects);
}

#[test]
fn default_rejects_file_is_next_to_the_output() {
    let data = copy_dir(&fixture());
    let out = tempfile::tempdir().unwrap();
    let decisions = out.path().join("decisions.csv");
    let o = score(
        data.path(),
        &[
            "--out",
            decisions.to_str().unwrap(),
            "--max-reject-rate",
            "1",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&decisions).unwrap().lines().count(),
        4
    );
    assert_every_reject(data.path(), &out.path().join("mqa-rejects.csv"));
}

/// A data set of `good` clean accounts, `bad` accounts with a bad int, and one event.
fn rate_data(good: usize, bad: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.mqa"),
        "schema account { employees: int }\nmodel m { threshold 0 }\n",
    )
    .unwrap();
    let mut acc = String::from("id,employees\n");
    for i in 0..good {
        acc.push_str(&format!("g{i},{i}\n"));
    }
    for i in 0..bad {
        acc.push_str(&format!("b{i},lots\n"));
    }
    std::fs::write(dir.path().join("accounts.csv"), acc).unwrap();
    std::fs::write(dir.path().join("contacts.csv"), "id,account_id\n").unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "id,account_id,contact_id,at\ne1,g0,,2026-10-01T00:00:00Z\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_default_reject_rate_is_one_percent_and_exceeding_it_fails() {
    // 1 reject in 100 rows is exactly 1%: allowed.
    let data = rate_data(98, 1);
    let rejects = data.path().join("r.csv");
    let o = score(data.path(), &["--rejects", rejects.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1 + 98);
    assert_eq!(read_rejects(&rejects).len(), 1);

    // 2 in 100 is over the limit.
    let data = rate_data(97, 2);
    let rejects = data.path().join("r.csv");
    let o = score(data.path(), &["--rejects", rejects.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(read_rejects(&rejects).len(), 2);

    // ... unless the limit is raised.
    let o = score(
        data.path(),
        &[
            "--rejects",
            rejects.to_str().unwrap(),
            "--max-reject-rate",
            "0.02",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1 + 97);
}

#[test]
fn events_after_as_of_are_not_rejects() {
    // 1 account, 1 clean event and 5 events after as_of: no rejects, and
    // the run passes the default 1% limit.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.mqa"),
        "model m { threshold 1 block b { 1 per events \"n\" } }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("accounts.csv"), "id\na1\n").unwrap();
    std::fs::write(dir.path().join("contacts.csv"), "id,account_id\n").unwrap();
    let mut ev = String::from("id,account_id,contact_id,at\ne0,a1,,2026-10-31T00:00:00Z\n");
    for i in 1..=5 {
        ev.push_str(&format!("e{i},a1,,2026-11-0{i}T00:00:01Z\n"));
    }
    std::fs::write(dir.path().join("events.csv"), ev).unwrap();
    let rejects = dir.path().join("r.csv");
    let o = score(dir.path(), &["--rejects", rejects.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().nth(1), Some("m,a1,1.000000,true,,,,"));
    assert!(!rejects.exists() || read_rejects(&rejects).is_empty());
    let acc = accounting(&stderr(&o));
    assert_eq!(acc[2], ("events.csv".to_string(), [6, 1, 0, 5]));
}

#[test]
fn events_before_the_longest_window_are_dropped_and_counted() {
    // Two models, windows 10d and 30d: events up to 30 days old are kept
    // (the 10-day model still ignores the older ones), older ones are
    // dropped and counted, never rejected; one exactly 30 days old is out
    // (`as_of - D < at`).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rules.mqa"),
        "model short { threshold 1 window 10d block b { 1 per events \"n\" } }\n\
         model long { threshold 1 window 30d block b { 1 per events \"n\" } }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("accounts.csv"), "id\na1\n").unwrap();
    std::fs::write(dir.path().join("contacts.csv"), "id,account_id\n").unwrap();
    let ev = "id,account_id,contact_id,at\n\
              e1,a1,,2026-10-31T00:00:00Z\n\
              e2,a1,,2026-10-15T00:00:00Z\n\
              e3,a1,,2026-10-02T00:00:00Z\n\
              e4,a1,,2026-10-01T23:59:59Z\n\
              e5,a1,,2026-10-02T00:00:01Z\n\
              e6,a1,,2026-08-01T00:00:00Z\n\
              e7,a1,,2026-11-02T00:00:00Z\n";
    std::fs::write(dir.path().join("events.csv"), ev).unwrap();
    let rejects = dir.path().join("r.csv");
    let o = score(dir.path(), &["--rejects", rejects.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(
        rows,
        ["short,a1,1.000000,true,,,,", "long,a1,3.000000,true,,,,"]
    );
    assert!(!rejects.exists() || read_rejects(&rejects).is_empty());
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("events.csv: read"))
        .unwrap();
    assert!(
        line.ends_with("read 7 = used 3 + rejected 0 + after as_of 1 + before the window 3"),
        "{line}"
    );
}
