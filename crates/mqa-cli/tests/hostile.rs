#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

//! Hostile input: `mqa check` must answer every file below with exit code 1
//! and an `error:` message, never a crash, a signal or a hang. Each case is
//! timed (the target is well under 2 s; the assertion is a gross 10 s hang
//! guard) and the times are printed for `--nocapture` runs.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const HANG_GUARD: Duration = Duration::from_secs(10);

/// A tiny deterministic PRNG (xorshift64*), so the random files never change.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 56) as u8).collect()
    }
}

fn check(path: &Path) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_mqa"))
        .arg("check")
        .arg(path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out, start.elapsed())
}

/// Writes `content` as NAME.mqa, checks it, and asserts a clean error exit.
fn rejects(name: &str, content: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.mqa"));
    std::fs::write(&path, content).unwrap();
    let (out, elapsed) = check(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!(
        "hostile {name}: {} bytes, {elapsed:?}, exit {:?}",
        content.len(),
        out.status.code()
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{name}: expected exit code 1 (a crash or signal has none); stderr:\n{}",
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(
        stderr.contains("error:"),
        "{name}: no `error:` in stderr:\n{}",
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(elapsed < HANG_GUARD, "{name}: took {elapsed:?}");
    // The report stays readable: a few lines, not a copy of the input.
    assert!(
        stderr.len() < 20_000,
        "{name}: {} bytes of diagnostics",
        stderr.len()
    );
}

#[test]
fn a_megabyte_of_open_parentheses() {
    rejects("open_parens", &vec![b'('; 1 << 20]);
}

#[test]
fn random_bytes() {
    rejects("random_bytes", &Rng(0x9E37_79B9_7F4A_7C15).bytes(64 << 10));
}

#[test]
fn random_printable_text() {
    // Valid UTF-8, so the parser itself (not the decoder) must cope.
    let alphabet = b"abcdefghijklmnopqrstuvwxyz_0123456789 \n\t{}()[]\"\\:,.=<>!+-*/";
    let mut rng = Rng(42);
    let bytes: Vec<u8> = (0..64 << 10)
        .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
        .collect();
    rejects("random_text", &bytes);
}

#[test]
fn invalid_utf8_inside_a_string() {
    let mut content = b"model m {\n  threshold 75\n  route \"sdr".to_vec();
    content.extend_from_slice(&[0xC3, 0x28, 0xFF, 0xFE]);
    content.extend_from_slice(b" queue\" sla 48h\n}\n");
    rejects("invalid_utf8", &content);
}

#[test]
fn ten_thousand_nested_parentheses() {
    let e = format!("let x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    rejects("deep_parens", e.as_bytes());
}

#[test]
fn ten_thousand_term_chain() {
    let e = format!("let x = 1{}\n", " + 1".repeat(9_999));
    rejects("long_chain", e.as_bytes());
}

#[test]
fn ten_thousand_nots() {
    let e = format!("let x = {}true\n", "not ".repeat(10_000));
    rejects("many_nots", e.as_bytes());
}

#[test]
fn a_megabyte_single_line_string() {
    // Unterminated: the string runs to the end of its (only) line.
    let e = format!("let x = \"{}\n", "a".repeat(1 << 20));
    rejects("long_string", e.as_bytes());
}

#[test]
fn a_megabyte_closed_string_in_a_bad_place() {
    let e = format!("model m {{\n  threshold \"{}\"\n}}\n", "a".repeat(1 << 20));
    rejects("long_string_closed", e.as_bytes());
}

#[test]
fn a_hundred_thousand_closing_braces() {
    rejects("closing_braces", &vec![b'}'; 100_000]);
}

/// 5 000 top-level items: schemas, lets and models (no plugin source, so
/// nothing depends on what is installed, and thresholds every model can
/// reach, so the file is clean: no error and no warning).
fn big_valid_file() -> String {
    let mut s = String::from(
        "schema account {\n  industry: text\n  employees: int\n  tier: int\n}\n\
         schema contact {\n  role: text\n}\n\
         schema event {\n  kind: text\n}\n",
    );
    let mut items = 3;
    let mut k = 0;
    while items < 5_000 {
        if k % 10 == 9 {
            s.push_str(&format!(
                "model m{k} for account.tier <= {t} {{\n  threshold {th}\n  window 90d\n  \
                 block b \"Block\" within 30d decay half_life 14d max 100 {{\n    \
                 25 when account.employees between 200 and 5000 \"Size\" required\n    \
                 15 per events where kind == \"download\" cap 30 \"Downloads\"\n  }}\n  \
                 grade g from b {{ A >= 40, B >= 20, else C }}\n  gate ok: g in [\"A\", \"B\"]\n  \
                 route \"sdr\" sla 48h\n}}\n",
                t = k % 3 + 1,
                th = 10 + k % 40
            ));
        } else {
            s.push_str(&format!(
                "let c{k} = [\"software\", \"fintech\"] // item {k}\n"
            ));
        }
        k += 1;
        items += 1;
    }
    s
}

#[test]
fn five_thousand_valid_items_check_fine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mqa");
    std::fs::write(&path, big_valid_file()).unwrap();
    let (out, elapsed) = check(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("valid 5000 items: {elapsed:?}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr:\n{}",
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(
        !stderr.contains("error") && !stderr.contains("warning"),
        "stderr:\n{}",
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(elapsed < HANG_GUARD, "took {elapsed:?}");
}

#[test]
fn the_prng_is_deterministic() {
    let (a, b) = (Rng(7).bytes(32), Rng(7).bytes(32));
    assert_eq!(a, b);
    assert_ne!(a, Rng(8).bytes(32));
    assert!(a.iter().any(|&x| x >= 0x80), "high bytes are produced");
}
