use super::*;
use mqa_plugin_sdk::Value;
use mqa_syntax::time::parse_timestamp;

const DAY: i64 = 86_400_000_000;

fn all() -> Request {
    Request {
        account_keys: vec![],
        from: i64::MIN,
        to: i64::MAX,
    }
}

fn day(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

#[test]
fn reads_rows_with_missing_values() {
    let data = "domain,topic,score,week\n\
                a.example,crm,81,2026-10-26\n\
                a.example,,35,2026-10-19\n\
                b.example,siem,,2026-10-12\n\
                a.example,crm,81,2026-10-26\n";
    let b = read_intent(data.as_bytes(), "f.csv", &all()).unwrap();
    assert_eq!(b.len(), 4, "rows are not de-duplicated");
    assert_eq!(b.account(0), Some("a.example"));
    assert_eq!(b.at(0), Some(day("2026-10-26T00:00:00Z")));
    assert_eq!(b.value(0, 0), Some(Value::Text("crm")));
    assert_eq!(b.value(0, 1), Some(Value::Number(81.0)));
    assert_eq!(b.value(1, 0), Some(Value::Missing));
    assert_eq!(b.value(2, 1), Some(Value::Missing));
    assert!(b.rejects().is_empty());
}

#[test]
fn bad_rows_are_rejected_with_line_and_raw_text() {
    let data = "domain,topic,score,week\r\n\
                ,crm,10,2026-10-26\r\n\
                a.example,crm,10,\r\n\
                a.example,crm,10,2026-02-30\r\n\
                a.example,crm,ten,2026-10-26\r\n\
                a.example,crm,10\r\n\
                \r\n\
                a.example,crm,101,2026-10-26\r\n\
                a.example,crm,10,2026-10-26T00:00:00Z\r\n\
                a.example,\"crm\"x,10,2026-10-26\r\n\
                a.example,crm,NaN,2026-10-26\r\n\
                ok.example,crm,10,2026-10-26\r\n";
    let b = read_intent(data.as_bytes(), "in/f.csv", &all()).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b.account(0), Some("ok.example"));
    let r: Vec<(u64, &str, &str)> = b
        .rejects()
        .iter()
        .map(|r| (r.line, r.raw.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        r,
        [
            (2, ",crm,10,2026-10-26", "empty domain"),
            (3, "a.example,crm,10,", "empty week"),
            (
                4,
                "a.example,crm,10,2026-02-30",
                "week \"2026-02-30\" is not a date (YYYY-MM-DD)"
            ),
            (
                5,
                "a.example,crm,ten,2026-10-26",
                "score \"ten\" is not a number"
            ),
            (
                6,
                "a.example,crm,10",
                "expected 4 fields (as in the header), found 3"
            ),
            (
                8,
                "a.example,crm,101,2026-10-26",
                "score 101 is outside 0–100"
            ),
            (
                9,
                "a.example,crm,10,2026-10-26T00:00:00Z",
                "week \"2026-10-26T00:00:00Z\" is not a date (YYYY-MM-DD)"
            ),
            (
                10,
                "a.example,\"crm\"x,10,2026-10-26",
                "text after the closing quote of a field"
            ),
            (
                11,
                "a.example,crm,NaN,2026-10-26",
                "score \"NaN\" is not a number"
            ),
        ]
    );
    assert!(b.rejects().iter().all(|r| r.origin == "in/f.csv"));
}

#[test]
fn filters_by_time_range_and_keys_but_reports_all_rejects() {
    let data = "week,score,topic,domain,extra\n\
                2026-10-05,1,t,a.example,x\n\
                2026-10-12,2,t,b.example,x\n\
                2026-10-19,3,t,a.example,x\n\
                2026-10-19,3,t,,x\n";
    let req = Request {
        account_keys: vec!["a.example".into()],
        from: day("2026-10-05"),
        to: day("2026-10-19"),
    };
    let b = read_intent(data.as_bytes(), "f", &req).unwrap();
    assert_eq!(b.len(), 1, "(from, to]: the 10-05 row is out, 10-19 is in");
    assert_eq!(b.value(0, 1), Some(Value::Number(3.0)));
    assert_eq!(b.at(0), Some(day("2026-10-05") + 14 * DAY));
    assert_eq!(b.rejects().len(), 1);
}

#[test]
fn header_problems_are_errors_naming_the_file() {
    let e = read_intent(b"domain,topic,score\nx,y,1\n", "p/f.csv", &all()).unwrap_err();
    assert_eq!(
        e,
        "`p/f.csv` line 1: the header has no `week` column (expected domain,topic,score,week)"
    );
    let e = read_intent(b"", "p/f.csv", &all()).unwrap_err();
    assert!(e.contains("`p/f.csv` is empty"), "{e}");
    let e = read_intent(b"domain,Domain,topic,score,week\n", "f", &all()).unwrap_err();
    assert!(e.contains("names `domain` twice"), "{e}");
}

#[test]
fn open_checks_config_and_file() {
    let e = IntentCsv::open("{}").unwrap_err();
    assert!(e.contains("`path` is missing"), "{e}");
    let e = IntentCsv::open("[1]").unwrap_err();
    assert!(e.contains("JSON object"), "{e}");
    let e = IntentCsv::open("{\"path\":\"x\",\"pth\":1}").unwrap_err();
    assert_eq!(e, "unknown setting `pth`: intent-csv takes only `path`");
    let e = IntentCsv::open("{\"path\":\"/nonexistent/intent.csv\"}").unwrap_err();
    assert!(
        e.starts_with("cannot open intent file `/nonexistent/intent.csv`"),
        "{e}"
    );
    assert!(IntentCsv::open("not json")
        .unwrap_err()
        .contains("not JSON"));
}

#[test]
fn fetch_reads_the_file() {
    let dir = std::env::temp_dir().join(format!("intent-csv-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("i.csv");
    std::fs::write(&path, "domain,topic,score,week\na,t,5,2026-01-01\n").unwrap();
    let cfg = serde_json::json!({ "path": path }).to_string();
    let mut p = IntentCsv::open(&cfg).unwrap();
    let b = p.fetch(&all()).unwrap();
    assert_eq!(b.len(), 1);
    std::fs::remove_file(&path).unwrap();
    let e = p.fetch(&all()).unwrap_err();
    assert!(e.starts_with("cannot read intent file"), "{e}");
    std::fs::remove_dir(&dir).unwrap();
}

fn rows(b: &Batch) -> Vec<(String, i64, Value<'_>, Value<'_>)> {
    (0..b.len())
        .map(|i| {
            (
                b.account(i).unwrap().to_string(),
                b.at(i).unwrap(),
                b.value(i, 0).unwrap(),
                b.value(i, 1).unwrap(),
            )
        })
        .collect()
}

fn rejects(b: &Batch) -> Vec<(u64, &str, &str)> {
    b.rejects()
        .iter()
        .map(|r| (r.line, r.raw.as_str(), r.reason.as_str()))
        .collect()
}

#[test]
fn non_ascii_cells_are_read_and_bad_utf8_is_rejected_with_its_line() {
    // Valid UTF-8 as a whole (the fast path), then the same rows in a file
    // with one bad byte (every cell checked on its own).
    let good = "domain,topic,score,week\n\
                b\u{fc}cher.example,caf\u{e9},7,2026-10-19\n\
                a.example,crm,8,2026-10-12\n";
    let b = read_intent(good.as_bytes(), "f", &all()).unwrap();
    assert_eq!(b.account(0), Some("b\u{fc}cher.example"));
    assert_eq!(b.value(0, 0), Some(Value::Text("caf\u{e9}")));
    assert!(b.rejects().is_empty());

    let mut bad = good.as_bytes().to_vec();
    bad.extend_from_slice(b"a.example,s\xffem,9,2026-10-05\nx\xfe.example,crm,9,\n");
    bad.extend_from_slice(b"a.example,\"q\xff\",9,2026-10-05\nc.example,,,2026-09-28\n");
    let b = read_intent(&bad, "f", &all()).unwrap();
    assert_eq!(b.len(), 3);
    assert_eq!(b.account(0), Some("b\u{fc}cher.example"));
    assert_eq!(b.value(0, 0), Some(Value::Text("caf\u{e9}")));
    assert_eq!(b.account(2), Some("c.example"));
    assert_eq!(
        rejects(&b),
        [
            (
                4,
                "a.example,s\u{fffd}em,9,2026-10-05",
                "the `topic` cell is not UTF-8 text"
            ),
            (
                5,
                "x\u{fffd}.example,crm,9,",
                "the `domain` cell is not UTF-8 text"
            ),
            (
                6,
                "a.example,\"q\u{fffd}\",9,2026-10-05",
                "the `topic` cell is not UTF-8 text"
            ),
        ]
    );
}

#[test]
fn crlf_and_quoted_cells() {
    let data = "domain,topic,score,week\r\n\
                a.example,\"crm, sales\",12,2026-10-19\r\n\
                \"b.example\",\"say \"\"hi\"\"\",,2026-10-12\r\n\
                c.example,\"two\r\nlines\",3,2026-10-05\r\n\
                d.example,x,4,2026-10-05";
    let b = read_intent(data.as_bytes(), "f", &all()).unwrap();
    let r = rows(&b);
    assert_eq!(r.len(), 4, "{:?}", b.rejects());
    assert_eq!(r[0].2, Value::Text("crm, sales"));
    assert_eq!(r[0].3, Value::Number(12.0));
    assert_eq!(r[1].0, "b.example");
    assert_eq!(r[1].2, Value::Text("say \"hi\""));
    assert_eq!(r[1].3, Value::Missing);
    assert_eq!(r[2].2, Value::Text("two\r\nlines"));
    assert_eq!(r[3].0, "d.example", "the last line has no line end");
    assert_eq!(r[3].1, day("2026-10-05"));
}

#[test]
fn scores_and_weeks_read_as_the_general_parsers_read_them() {
    let mut data = String::from("domain,topic,score,week\n");
    let scores = [
        "0", "7", "007", "99", "100", "0100", "5.5", "1e1", "-0", "101", "999", "+5", "x", "NaN",
    ];
    // 200 distinct weeks (more than the week cache holds), each seen twice,
    // plus impossible dates of the right length, seen twice too.
    let mut weeks: Vec<String> = (0..200)
        .map(|d| {
            mqa_syntax::time::format_timestamp(day("2025-01-01") + d * 3 * DAY)[..10].to_string()
        })
        .collect();
    weeks.extend(["2026-02-30", "2026-13-01", "2026-1O-01"].map(String::from));
    let mut expected = Vec::new();
    for (i, week) in weeks.iter().chain(weeks.iter()).enumerate() {
        let score = scores[i % scores.len()];
        data.push_str(&format!("a.example,t,{score},{week}\n"));
        let s = score.parse::<f64>().ok();
        let ok_score = s.is_some_and(|s| (0.0..=100.0).contains(&s));
        if let (Some(at), true) = (parse_timestamp(week), ok_score) {
            expected.push((at, Value::Number(s.unwrap())));
        }
    }
    let b = read_intent(data.as_bytes(), "f", &all()).unwrap();
    let got: Vec<(i64, Value<'_>)> = rows(&b).into_iter().map(|r| (r.1, r.3)).collect();
    assert_eq!(got, expected);
    let reasons: Vec<&str> = b.rejects().iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons.contains(&"score 101 is outside 0–100"));
    assert!(reasons.contains(&"score \"x\" is not a number"));
    assert!(reasons.contains(&"week \"2026-02-30\" is not a date (YYYY-MM-DD)"));
    assert_eq!(
        reasons.iter().filter(|r| r.contains("2026-02-30")).count(),
        2,
        "a bad week is rejected every time"
    );
}

/// An export with quoted records across lines, CRLF, blank lines, a BOM,
/// rejects and no final line end.
fn awkward_export() -> String {
    let mut data = String::from("\u{feff}\r\ndomain,topic,score,week\r\n");
    for i in 0..30 {
        match i % 6 {
            0 => data.push_str(&format!(
                "d{i}.example,\"multi\nline {i}\",{i},2026-10-19\r\n"
            )),
            1 => data.push_str("\r\n"),
            2 => data.push_str(&format!("d{i}.example,caf\u{e9},{i},2026-10-12\n")),
            3 => data.push_str(&format!("d{i}.example,\"x\"y,{i},2026-10-12\n")),
            4 => data.push_str(&format!(",crm,{i},2026-10-05\r\n")),
            _ => data.push_str(&format!("\"d{i}.example\",\"a,b\",,2026-09-28\n")),
        }
    }
    data.push_str("last.example,crm,1,2026-10-26");
    data
}

#[test]
fn pieces_of_any_size_read_the_same() {
    let data = awkward_export();
    let whole = read_intent(data.as_bytes(), "f", &all()).unwrap();
    assert_eq!(whole.len(), 16);
    assert_eq!(whole.rejects().len(), 10);
    assert_eq!(whole.account(whole.len() - 1), Some("last.example"));
    let expect = (rows(&whole), rejects(&whole));
    for piece in 1..=64 {
        let b = read_slice(data.as_bytes(), "f", &all(), piece).unwrap();
        assert_eq!((rows(&b), rejects(&b)), expect, "slices of {piece} bytes");
        let b = read_stream(&mut data.as_bytes(), "f", &all(), 0, piece).unwrap();
        assert_eq!((rows(&b), rejects(&b)), expect, "a buffer of {piece} bytes");
    }
    let b = read_intent_from(&mut data.as_bytes(), "f", &all(), data.len() as u64).unwrap();
    assert_eq!((rows(&b), rejects(&b)), expect);
}

#[test]
fn a_file_of_only_a_header_or_blank_lines() {
    for data in [
        "domain,topic,score,week",
        "\n\ndomain,topic,score,week\r\n\r\n",
    ] {
        let b = read_intent(data.as_bytes(), "f", &all()).unwrap();
        assert!(b.is_empty() && b.rejects().is_empty());
        let b = read_stream(&mut data.as_bytes(), "f", &all(), 0, 3).unwrap();
        assert!(b.is_empty() && b.rejects().is_empty());
    }
    let e = read_stream(&mut "\n\r\n".as_bytes(), "p/f.csv", &all(), 0, 2).unwrap_err();
    assert!(e.contains("`p/f.csv` is empty"), "{e}");
}

#[test]
fn the_batch_is_sized_from_the_file_size() {
    let mut data = String::from("domain,topic,score,week\n");
    for i in 0..5000 {
        data.push_str(&format!(
            "d{}.example,topic {},{},2026-10-19\n",
            i / 3,
            i % 7,
            i % 101
        ));
    }
    let b = read_intent(data.as_bytes(), "f", &all()).unwrap();
    assert_eq!(b.len(), 5000);
    assert_eq!(b.value(4999, 0), Some(Value::Text("topic 1")));
    assert_eq!(b.value(4999, 1), Some(Value::Number(50.0)));
}
