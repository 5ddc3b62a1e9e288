//! Generates a data set and reports counts, sizes and elapsed time:
//! `cargo run --release -p mqa-datagen --example gen -- OUT_DIR [ACCOUNTS] [SEED]`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Instant;

use mqa_datagen::{generate, GenOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: gen OUT_DIR [ACCOUNTS] [SEED]")?);
    let mut opts = GenOptions::default();
    if let Some(n) = args.next() {
        opts.accounts = n.parse()?;
    }
    if let Some(s) = args.next() {
        opts.seed = s.parse()?;
    }
    let start = Instant::now();
    let summary = generate(&opts, &out, &mut |_| {})?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} accounts, {} contacts, {} events, {} intent rows, {} outcomes",
        summary.accounts, summary.contacts, summary.events, summary.intent_rows, summary.outcomes
    );
    for path in &summary.files {
        println!("{:>12} {}", std::fs::metadata(path)?.len(), path.display());
    }
    println!(
        "{} bytes in {secs:.3} s ({:.0} MB/s)",
        summary.bytes,
        summary.bytes as f64 / 1e6 / secs
    );
    Ok(())
}
