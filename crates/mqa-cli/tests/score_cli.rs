//! `mqa score` end to end with the real binary (spec cli-and-data.md
//! "Commands", "Output formats"): formats, `--only-qualified`, `--out`,
//! `--model`, errors for a bad model, time or data folder, and plugin
//! failures with and without `--on-plugin-error skip`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Output;
use support::*;

const AS_OF: &str = "2026-11-01T00:00:00Z";

const RULES: &str = r#"
schema account {
  domain: text
  industry: text
  employees: int
  tier: int
}
schema contact { role: text }
schema event { kind: text }

source intent = plugin "intent-csv" { path: "${data}/intent.csv" }

model main {
  threshold 50
  window 90d
  block fit "Fit" {
    30 when account.employees between 200 and 5000 "Size, in range" required
    10 when account.industry == "software" "Software"
  }
  block act {
    10 per events where kind == "demo" "Demos"
    5 per events "Any"
  }
  block intent_b { 15 when max(intent.score) >= 60 "Intent" }
  grade fit_grade from fit { A >= 40, B >= 30, else C }
  route "named-ae" sla 24h when account.tier == 1
  route "sdr" sla 48h
}

model second {
  threshold 1
  block b { 1 when count(intent) >= 1 "has intent" }
}
"#;

/// zeta (big, software, tier 1, intent 72), alpha (small: its required
/// rule fails; intent 30), mid (no domain, so no intent).
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    w("rules.mqa", RULES);
    w(
        "accounts.csv",
        "id,domain,industry,employees,tier\n\
         zeta,zeta.example,software,1200,1\n\
         alpha,alpha.example,retail,50,2\n\
         mid,,software,300,2\n",
    );
    w(
        "contacts.csv",
        "id,account_id,role\nc1,zeta,decision_maker\nc2,alpha,user\n",
    );
    w(
        "events.csv",
        "id,account_id,contact_id,at,kind\n\
         e1,zeta,c1,2026-10-30T00:00:00Z,demo\n\
         e2,zeta,,2026-10-31T00:00:00Z,view\n\
         e3,alpha,c2,2026-10-15T00:00:00Z,demo\n",
    );
    w(
        "intent.csv",
        "domain,topic,score,week\n\
         zeta.example,siem,72,2026-10-26\n\
         alpha.example,siem,30,2026-10-19\n\
         zeta.example,old,99,2026-01-05\n",
    );
    dir
}

const CSV: &str = "model,account,score,qualified,grade,route,sla_due,failed_gates
main,zeta,75.000000,true,A,named-ae,2026-11-02T00:00:00Z,
second,zeta,1.000000,true,,,,
main,alpha,15.000000,false,C,,,\"Size, in range\"
second,alpha,1.000000,true,,,,
main,mid,40.000000,false,A,,,
second,mid,0.000000,false,,,,
";

fn score(dir: &Path, extra: &[&str]) -> Output {
    mqa()
        .current_dir(dir)
        .arg("score")
        .arg(dir.join("rules.mqa"))
        .arg("--data")
        .arg(dir)
        .args(["--as-of", AS_OF, "--plugin-dir"])
        .arg(plugin_dir())
        .args(extra)
        .output()
        .unwrap()
}

#[track_caller]
fn ok(o: &Output) {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(o));
}

#[test]
fn csv_format() {
    let dir = data_dir();
    let o = score(dir.path(), &["--format", "csv"]);
    ok(&o);
    assert_eq!(stdout(&o), CSV);
    let err = stderr(&o);
    assert!(
        err.contains("scored 3 accounts (6 decisions): 3 qualified, 0 rejected rows"),
        "{err}"
    );
    // The source's rows are accounted for (the plugin serves the model
    // window only: the January row is not read); nothing is skipped.
    assert!(
        err.contains("source intent: read 2 = used 2 + rejected 0"),
        "{err}"
    );
    assert!(!err.contains("SKIPPED"), "{err}");
}

#[test]
fn csv_is_the_default_when_stdout_is_not_a_terminal() {
    let dir = data_dir();
    let o = score(dir.path(), &[]);
    ok(&o);
    assert_eq!(stdout(&o), CSV);
}

#[test]
fn only_qualified_csv() {
    let dir = data_dir();
    let o = score(dir.path(), &["--format", "csv", "--only-qualified"]);
    ok(&o);
    let want: String = CSV
        .lines()
        .filter(|l| !l.contains(",false,"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(stdout(&o), want);
    assert_eq!(want.lines().count(), 4);
}

/// (model, account, score) of each table row, in order.
fn table_rows(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn table_format_puts_qualified_first_then_highest_score() {
    let dir = data_dir();
    let o = score(dir.path(), &["--format", "table"]);
    ok(&o);
    let out = stdout(&o);
    let header: Vec<&str> = out.lines().next().unwrap().split("  ").collect();
    assert_eq!(header[0], "MODEL");
    assert!(
        out.lines().next().unwrap().contains("FAILED GATES"),
        "{out}"
    );
    let row = |m: &str, a: &str, s: &str| (m.to_string(), a.to_string(), s.to_string());
    assert_eq!(
        table_rows(&out),
        [
            row("main", "zeta", "75.00"),
            row("second", "alpha", "1.00"),
            row("second", "zeta", "1.00"),
            row("main", "mid", "40.00"),
            row("main", "alpha", "15.00"),
            row("second", "mid", "0.00"),
        ]
    );
    // Aligned: every row starts its score column at the same place.
    let col = out.lines().next().unwrap().find("SCORE").unwrap();
    for l in out.lines().skip(1) {
        assert!(l[..col + 5].trim_end().ends_with(char::is_numeric), "{l}");
    }
    let o = score(dir.path(), &["--format", "table", "--only-qualified"]);
    ok(&o);
    assert_eq!(table_rows(&stdout(&o)).len(), 3);
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn jsonl_format_writes_full_decisions() {
    let dir = data_dir();
    let o = score(dir.path(), &["--format", "jsonl"]);
    ok(&o);
    let lines = jsonl(&o);
    assert_eq!(lines.len(), 6);
    let zeta = &lines[0];
    assert_eq!(zeta["model"], "main");
    assert_eq!(zeta["account"], "zeta");
    assert_eq!(zeta["as_of"], AS_OF);
    assert_eq!(zeta["score"], 75.0);
    assert_eq!(zeta["qualified"], true);
    assert_eq!(zeta["grades"][0]["value"], "A");
    assert_eq!(zeta["gates"][0]["name"], "Size, in range");
    assert_eq!(zeta["gates"][0]["passed"], true);
    let blocks: Vec<(&str, f64)> = zeta["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["name"].as_str().unwrap(), b["points"].as_f64().unwrap()))
        .collect();
    assert_eq!(blocks, [("fit", 40.0), ("act", 20.0), ("intent_b", 15.0)]);
    assert_eq!(zeta["route"]["queue"], "named-ae");
    assert_eq!(zeta["route"]["sla_due"], "2026-11-02T00:00:00Z");
    assert_eq!(
        zeta["context"]["intent_topics"],
        serde_json::json!(["siem"])
    );
    assert_eq!(zeta["context"]["engaged_contacts"][0]["id"], "c1");
    assert!(zeta.get("skipped_sources").is_none(), "{zeta}");
    let alpha = &lines[2];
    assert_eq!(alpha["account"], "alpha");
    assert_eq!(alpha["qualified"], false);
    assert!(alpha["route"].is_null());
    assert_eq!(alpha["gates"][0]["passed"], false);

    let o = score(dir.path(), &["--format", "jsonl", "--only-qualified"]);
    ok(&o);
    let q = jsonl(&o);
    assert_eq!(q.len(), 3);
    assert!(q.iter().all(|d| d["qualified"] == true));
}

#[test]
fn out_writes_the_file_and_nothing_to_stdout() {
    let dir = data_dir();
    let out = dir.path().join("sub-out.csv");
    let o = score(dir.path(), &["--out", out.to_str().unwrap()]);
    ok(&o);
    assert_eq!(stdout(&o), "");
    // csv is the default with --out.
    assert_eq!(std::fs::read_to_string(&out).unwrap(), CSV);
    let o = score(
        dir.path(),
        &["--out", out.to_str().unwrap(), "--format", "jsonl"],
    );
    ok(&o);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 6);
    // No rejects: no rejects file.
    assert!(!dir.path().join("mqa-rejects.csv").exists());
}

/// The files of `dir` whose name starts with `.` (where `--out` writes first).
fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// `--out` replaces the file in one go once the run succeeds (keeping its
/// mode); a run that fails leaves it as it was; neither leaves the
/// temporary file it writes first. A path that is not a plain file (a
/// symbolic link) is written through, as before.
#[cfg(unix)]
#[test]
fn out_replaces_the_file_only_when_the_run_succeeds() {
    use std::os::unix::fs::PermissionsExt;
    let dir = data_dir();
    let out = dir.path().join("decisions.csv");
    std::fs::write(&out, "older decisions\n").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    for (extra, fails) in [
        (&["--model", "nope"][..], true),
        (&["--as-of", "2026-11-01T00:00:00"][..], true),
        (&[][..], false),
    ] {
        let mut args = vec!["--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = score(dir.path(), &args);
        assert_eq!(!o.status.success(), fails, "{extra:?}: {}", stderr(&o));
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text,
            if fails { "older decisions\n" } else { CSV },
            "{extra:?}"
        );
        assert!(
            hidden_files(dir.path()).is_empty(),
            "{:?}",
            hidden_files(dir.path())
        );
    }
    let mode = std::fs::metadata(&out).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    // Through a symbolic link: the link stays, its target gets the rows.
    let target = dir.path().join("target.csv");
    let link = dir.path().join("link.csv");
    std::fs::write(&target, "x\n").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    ok(&score(dir.path(), &["--out", link.to_str().unwrap()]));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), CSV);
}

#[test]
fn model_selects_one_model() {
    let dir = data_dir();
    let o = score(dir.path(), &["--format", "csv", "--model", "second"]);
    ok(&o);
    let want: String = CSV
        .lines()
        .filter(|l| !l.starts_with("main,"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(stdout(&o), want);
}

#[test]
fn unknown_model_is_an_error_naming_the_models() {
    let dir = data_dir();
    let o = score(dir.path(), &["--format", "csv", "--model", "nope"]);
    let code = o.status.code().unwrap();
    assert!(code == 1 || code == 2, "exit {code}");
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.contains("`nope`"), "{err}");
    assert!(err.contains("main, second"), "{err}");
}

#[test]
fn bad_as_of_is_an_error() {
    let dir = data_dir();
    for bad in ["yesterday", "2026-13-01", "2026-11-01T00:00:00"] {
        let o = mqa()
            .current_dir(dir.path())
            .arg("score")
            .arg(dir.path().join("rules.mqa"))
            .arg("--data")
            .arg(dir.path())
            .args(["--as-of", bad, "--plugin-dir"])
            .arg(plugin_dir())
            .output()
            .unwrap();
        let code = o.status.code().unwrap();
        assert!(code == 1 || code == 2, "{bad}: exit {code}");
        assert_eq!(stdout(&o), "");
        let err = stderr(&o);
        assert!(err.contains("--as-of"), "{err}");
        assert!(err.contains(bad), "{err}");
        // NO_COLOR: plain text.
        assert!(!err.contains('\x1b'), "{err:?}");
    }
}

#[test]
fn missing_data_folder_is_an_error() {
    let dir = data_dir();
    let missing = dir.path().join("no-such-folder");
    let o = mqa()
        .current_dir(dir.path())
        .arg("score")
        .arg(dir.path().join("rules.mqa"))
        .arg("--data")
        .arg(&missing)
        .args(["--as-of", AS_OF, "--plugin-dir"])
        .arg(plugin_dir())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.contains("no-such-folder"), "{err}");
}

#[test]
fn missing_data_file_is_an_error_naming_it() {
    let dir = data_dir();
    std::fs::remove_file(dir.path().join("events.csv")).unwrap();
    let o = score(dir.path(), &["--format", "csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("events"), "{}", stderr(&o));
}

const NO_PLUGIN: &str = r#"
schema account { domain: text }
source feed = plugin "no-such-plugin" { path: "${data}/feed.csv" }
model m {
  threshold 1
  block b {
    1 when count(feed) == 0 "no signals"
    10 when count(feed) >= 1 "signals"
  }
}
"#;

fn no_plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    w("rules.mqa", NO_PLUGIN);
    w(
        "accounts.csv",
        "id,domain\na1,one.example\na2,two.example\n",
    );
    w("contacts.csv", "id,account_id\n");
    w("events.csv", "id,account_id,contact_id,at\n");
    dir
}

#[test]
fn a_missing_plugin_fails_the_run_naming_it() {
    let dir = no_plugin_dir();
    let o = score(dir.path(), &["--format", "csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.contains("no-such-plugin"), "{err}");
    assert!(err.contains("feed"), "{err}");
}

#[test]
fn on_plugin_error_skip_goes_on_with_an_empty_source() {
    let dir = no_plugin_dir();
    let o = score(
        dir.path(),
        &["--format", "jsonl", "--on-plugin-error", "skip"],
    );
    ok(&o);
    let lines = jsonl(&o);
    assert_eq!(lines.len(), 2);
    for d in &lines {
        assert_eq!(d["score"], 1.0);
        assert_eq!(d["skipped_sources"], serde_json::json!(["feed"]));
    }
    let err = stderr(&o);
    assert!(err.contains("source feed: SKIPPED"), "{err}");
    assert!(err.contains("no-such-plugin"), "{err}");

    let o = score(
        dir.path(),
        &["--format", "csv", "--on-plugin-error", "skip"],
    );
    ok(&o);
    assert_eq!(
        stdout(&o),
        "model,account,score,qualified,grade,route,sla_due,failed_gates\n\
         m,a1,1.000000,true,,,,\n\
         m,a2,1.000000,true,,,,\n"
    );
}
