use super::*;

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
