//! The plain-batch fast path ([`super::check_plain`]) against the general
//! row checks: files whose rows alternate between usual rows and every kind
//! of unusual one must give the same kept values, claims and rejects.

use super::*;
use crate::data::csv_reader::CsvRows;
use crate::intern::Interner;
use std::path::Path;

struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const ACCOUNTS: usize = 50;

fn contacts_of(a: usize) -> usize {
    a % 7
}

fn keys() -> (AccountKeys, ContactKeys) {
    let mut accounts = AccountKeys::with_capacity(ACCOUNTS);
    let mut contacts = ContactKeys::with_capacity(ACCOUNTS * 7);
    let mut start = vec![0u32];
    for a in 0..ACCOUNTS {
        accounts.insert(format!("acc-{a}").as_bytes(), a as u32);
        for c in 0..contacts_of(a) {
            contacts.push(format!("acc-{a}-c{c}").as_bytes());
        }
        start.push(start.last().copied().unwrap_or(0) + contacts_of(a) as u32);
    }
    accounts.set_contacts(&start);
    (accounts, contacts)
}

/// One event row in the header's order
/// `at,extra,id,kind,account_id,contact_id,score,asset_tier,flag`:
/// mostly usual rows, now and then an unusual one.
fn event_row(rng: &mut Lcg, i: usize, a: usize) -> String {
    let c = match contacts_of(a) {
        0 => String::new(),
        n => format!("acc-{a}-c{}", rng.below(n as u64)),
    };
    let mut f: Vec<String> = vec![
        format!(
            "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        "x".into(),
        format!("e{i}"),
        ["download", "page_view", "demo_request"][rng.below(3) as usize].into(),
        format!("acc-{a}"),
        c,
        format!("{}", rng.below(100)),
        ["high", "", "low"][rng.below(3) as usize].into(),
        ["true", "no", ""][rng.below(3) as usize].into(),
    ];
    let mut end = "\n";
    match rng.below(60) {
        0 => end = "\r\n",
        1 => {
            f.pop();
        }
        2 => f.push("more".into()),
        3 => f[2].clear(),
        4 => f[4].clear(),
        5 => f[0] = "2026-13-01T00:00:00Z".into(),
        6 => f[0] = "2026-07-01T10:00:00+02:00".into(),
        7 => f[0] = "2026-07-01".into(),
        8 => f[0].clear(),
        9 => f[6] = "12x".into(),
        10 => f[6] = "1.5k".into(),
        11 => f[4] = "acc-unknown".into(),
        12 => f[5] = format!("acc-{a}-c99"),
        13 => f[5].clear(),
        14 => f[0] = "2027-01-01T00:00:00Z".into(),
        15 => f[8] = "maybe".into(),
        16 => f[3].clear(),
        17 => f[6].clear(),
        18 => f[0] = "2026-02-30T00:00:00Z".into(),
        19 => f[0] = "2026-07-01T24:00:00Z".into(),
        20 => return "\n".into(),
        21 => end = "\r\r\n",
        22 => f[7] = "a\u{e9}\u{1F600}".into(),
        23 => return format!("{},{}\n", f[0], f[2]),
        _ => {}
    }
    f.join(",") + end
}

/// What a batch's checks give, with local texts resolved (numbers may differ).
#[derive(Debug, PartialEq)]
struct Seen {
    claims: Vec<(u64, u32, u64)>,
    ids: Vec<u8>,
    rejects: Vec<(u64, (u32, u32), String)>,
    account: Vec<u32>,
    contact: Vec<u32>,
    contact_id: Vec<Option<String>>,
    at: Vec<Micros>,
    kept_claim: Vec<u32>,
    fields: Vec<Vec<String>>,
}

fn seen(p: &Prepared) -> Seen {
    let mut interner = Interner::new();
    let mut g = p.dict.globals();
    let mut resolve = |s: Sym| -> Option<String> {
        if s.is_missing() {
            return None;
        }
        let sym = g.sym(Sym(s.0 & !LOCAL), &mut interner);
        Some(interner.resolve(sym).to_string())
    };
    let contact_id = p.contact_id.iter().map(|&s| resolve(s)).collect();
    let fields = p
        .fields
        .iter()
        .map(|c| match c {
            Column::Text(v) => v.iter().map(|&s| format!("{:?}", resolve(s))).collect(),
            other => vec![format!("{other:?}")],
        })
        .collect();
    Seen {
        claims: p
            .claims
            .iter()
            .map(|c| (c.line, c.id_end, c.hash))
            .collect(),
        ids: p.ids.clone(),
        rejects: p
            .rejects
            .iter()
            .map(|r| (r.line, r.raw, r.reason.clone()))
            .collect(),
        account: p.account.clone(),
        contact: p.contact.clone(),
        contact_id,
        at: p.at.clone(),
        kept_claim: p.kept_claim.clone(),
        fields,
    }
}

/// Checks every batch of `text` both ways; returns (plain batches, plain
/// batches with rejects, rows).
fn both_ways(text: &[u8], spec: &TableSpec<'_>, buffer: usize) -> (usize, usize, u64) {
    let mut wanted: Vec<&str> = spec.kind.builtins().to_vec();
    wanted.extend(spec.fields.iter().map(|(n, _)| n.as_str()));
    let mut r = CsvRows::with_buffer(text, Path::new("t.csv"), &wanted, buffer).unwrap();
    let (mut plain, mut plain_rejects, mut rows) = (0, 0, 0);
    let (mut fast_out, mut slow_out) = (Prepared::default(), Prepared::default());
    while let Some(b) = r.next_csv_batch(None).unwrap() {
        let is_plain = b.for_each_plain(&mut (), &mut Vec::new(), |_, _| false, |_, _| {});
        let batch = RowBatch::Csv(b);
        fast_out = prepare_batch_with(&batch, spec, fast_out, true);
        slow_out = prepare_batch_with(&batch, spec, slow_out, false);
        assert_eq!(seen(&fast_out), seen(&slow_out));
        rows += fast_out.rows();
        if is_plain {
            plain += 1;
            plain_rejects += usize::from(!fast_out.rejects.is_empty());
        }
    }
    (plain, plain_rejects, rows)
}

fn events_file(rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = Lcg(seed);
    let mut s = String::from("at,extra,id,kind,account_id,contact_id,score,asset_tier,flag\n");
    let mut a = 0;
    for i in 0..rows {
        if rng.below(8) == 0 {
            a = rng.below(ACCOUNTS as u64) as usize;
        }
        let mut row = event_row(&mut rng, i, a);
        // Quotes in a few places: those blocks are not plain.
        if i % 3000 == 1500 {
            row = format!("2026-05-01T00:00:00Z,\"x,y\",q{i},kind,acc-{a},,1,,\n");
        }
        s.push_str(&row);
    }
    let mut bytes = s.into_bytes();
    // A byte that is not UTF-8 near the end: that batch takes the general path.
    if let Some(k) = bytes.len().checked_sub(200) {
        if let Some(b) = bytes.get_mut(k) {
            if b.is_ascii_alphanumeric() {
                *b = 0xff;
            }
        }
    }
    bytes
}

#[test]
fn plain_fast_path_equals_general_checks() {
    let (accounts, contacts) = keys();
    let fields = vec![
        ("kind".to_string(), FieldType::Text),
        ("asset_tier".to_string(), FieldType::Text),
        ("score".to_string(), FieldType::Int),
        ("flag".to_string(), FieldType::Bool),
    ];
    let spec = TableSpec {
        kind: TableKind::Events,
        fields: &fields,
        accounts: Some(&accounts),
        contacts: Some(&contacts),
        as_of: mqa_syntax::time::parse_timestamp("2026-11-01T00:00:00Z").unwrap(),
        window_start: i64::MIN,
        size_hint: None,
        lines: false,
    };
    for (seed, buffer) in [(1, 100_000), (2, 150_000), (3, 70_000)] {
        let text = events_file(12_000, seed);
        let (plain, plain_rejects, rows) = both_ways(&text, &spec, buffer);
        assert!(plain >= 2, "{plain} plain batches");
        assert!(
            plain_rejects >= 2,
            "rejects in {plain_rejects} plain batches"
        );
        assert!(rows > 11_000, "{rows} rows");
        // Without a final line end.
        let cut = text.strip_suffix(b"\n").unwrap_or(&text);
        both_ways(cut, &spec, buffer);
    }
}

#[test]
fn plain_fast_path_equals_general_checks_for_contacts_and_accounts() {
    let (accounts, _) = keys();
    let fields = vec![
        ("role".to_string(), FieldType::Text),
        ("seats".to_string(), FieldType::Number),
    ];
    let mut rng = Lcg(7);
    let mut s = String::from("seats,role,account_id,id\n");
    for i in 0..15_000 {
        let a = rng.below(ACCOUNTS as u64 + 2);
        let row = match rng.below(20) {
            0 => format!("1_0,champion,acc-{a},\n"),
            1 => format!("1__0,user,acc-{a},c{i}\n"),
            2 => format!(",,acc-{a},c{i}\r\n"),
            3 => format!("2,user,acc-{a}\n"),
            _ => format!("{}.5,user,acc-{a},c{i}\n", rng.below(9)),
        };
        s.push_str(&row);
    }
    let spec = TableSpec {
        kind: TableKind::Contacts,
        fields: &fields,
        accounts: Some(&accounts),
        contacts: None,
        as_of: 0,
        window_start: i64::MIN,
        size_hint: None,
        lines: false,
    };
    let (plain, plain_rejects, _) = both_ways(s.as_bytes(), &spec, 100_000);
    assert!(plain >= 2 && plain_rejects >= 2);
    let spec = TableSpec {
        kind: TableKind::Accounts,
        accounts: None,
        ..spec
    };
    let (plain, plain_rejects, _) = both_ways(s.as_bytes(), &spec, 100_000);
    assert!(plain >= 2 && plain_rejects >= 2);
}
