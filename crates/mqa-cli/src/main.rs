//! `mqa`: the command-line tool. It parses arguments, wires the library
//! crates together, and talks to the terminal (diagnostics and summaries on
//! stderr, data on stdout). It holds no scoring logic of its own.

mod cli;
mod commands;
mod output;
mod progress;
mod threads;

use clap::Parser;
use std::process::ExitCode;

/// Lets the allocator keep large blocks for reuse instead of giving them
/// back to the system. glibc's malloc serves a block above its threshold
/// (128 KB at first) with a mapping of its own and unmaps it when freed,
/// so the next large block's pages are faulted in again (2 µs a page on
/// the VM measured); freeing a mapped block raises the threshold to that
/// block's size (32 MB at most), and the heap then keeps up to twice that
/// free. One block just under 32 MB (never written), allocated and freed
/// here, does it: 41 000 -> 34 000 page faults in a run at 100 000
/// accounts, 10-15 MB more peak memory (see docs/performance.md). With
/// other allocators this is one short-lived allocation.
fn keep_freed_memory() {
    const MAX_THRESHOLD: usize = 32 << 20;
    // Below the maximum with the block's header and flags.
    let block: Vec<u8> = Vec::with_capacity(MAX_THRESHOLD - (64 << 10));
    drop(std::hint::black_box(block));
}

fn main() -> ExitCode {
    keep_freed_memory();
    let args = cli::Cli::parse();
    if matches!(
        args.command,
        cli::Command::Score(_) | cli::Command::Explain(_) | cli::Command::Test(_)
    ) {
        threads::place_worker_threads();
    }
    let result = match args.command {
        cli::Command::Check(a) => commands::check::run(&a),
        cli::Command::Fmt(a) => commands::fmt::run(&a),
        cli::Command::Graph(a) => commands::graph::run(&a),
        cli::Command::Score(a) => commands::score::run(&a),
        cli::Command::Explain(a) => commands::explain::run(&a),
        cli::Command::Plugins(c) => commands::plugin_cmds::run(&c),
        cli::Command::Generate(a) => commands::generate::run(&a),
        cli::Command::Test(a) => commands::test::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            output::error_line(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}
