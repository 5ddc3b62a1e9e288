//! `mqa plugins list` and `mqa plugins lock`.

use crate::cli::PluginsCommand;
use crate::commands::{files, plugins};
use anyhow::{Context, Result};
use mqa_plugin_host::{default_plugin_dirs, PluginHost, LOCK_FILE_NAME};
use mqa_syntax::ast;
use std::io::Write;
use std::process::ExitCode;

pub fn run(cmd: &PluginsCommand) -> Result<ExitCode> {
    match cmd {
        PluginsCommand::List { plugin_dir } => list(plugin_dir),
        PluginsCommand::Lock { file, plugin_dir } => lock(file, plugin_dir),
    }
}

fn list(dirs: &[std::path::PathBuf]) -> Result<ExitCode> {
    let host = PluginHost::new(default_plugin_dirs(
        dirs,
        Some(std::path::Path::new("./x.mqa")),
    ));
    let mut out = std::io::stdout().lock();
    let entries = host.list();
    let mut bad = 0;
    writeln!(
        out,
        "searched: {}",
        host.dirs()
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    if entries.is_empty() {
        writeln!(out, "no plugins found")?;
    }
    for e in entries {
        match &e.result {
            Ok(p) => {
                let i = p.info();
                writeln!(
                    out,
                    "{} {} (vendor: {}, ABI {}.{})",
                    i.name, i.version, i.vendor, i.abi_major, i.abi_minor
                )?;
                writeln!(
                    out,
                    "  schema:  {} (joins on account {})",
                    i.schema_text(),
                    i.join_key_text()
                )?;
                writeln!(out, "  file:    {}", i.path.display())?;
                writeln!(out, "  sha256:  {}", i.sha256)?;
            }
            Err(err) => {
                bad += 1;
                writeln!(out, "REFUSED {}", e.path.display())?;
                writeln!(out, "  {err}")?;
            }
        }
    }
    Ok(if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn lock(file: &std::path::Path, dirs: &[std::path::PathBuf]) -> Result<ExitCode> {
    let src = match files::read_source(file)? {
        Ok(s) => s,
        Err(e) => {
            let (s, d) = *e;
            crate::output::print_diagnostics(&s, &[d]);
            return Ok(ExitCode::from(1));
        }
    };
    let parsed = match mqa_syntax::parse(&src) {
        Ok(f) => f,
        Err(ds) => {
            crate::output::print_diagnostics(&src, &ds.0);
            return Ok(ExitCode::from(1));
        }
    };
    let mut names: Vec<&str> = parsed
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Source(s) => Some(s.plugin.value.as_str()),
            _ => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    let host = plugins::host_for(file, dirs).or_else(|_| -> Result<PluginHost> {
        // A stale lock must not stop re-locking.
        Ok(PluginHost::new(default_plugin_dirs(dirs, Some(file))))
    })?;
    let lock_path = file.with_file_name(LOCK_FILE_NAME);
    let about = file
        .file_name()
        .map_or(String::new(), |f| f.to_string_lossy().into_owned());
    let lock = host
        .lock(&lock_path, &names, &about)
        .with_context(|| format!("cannot lock the plugins of {}", file.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} ({} plugins)",
        lock_path.display(),
        lock.entries().len()
    )?;
    for e in lock.entries() {
        writeln!(out, "  {}  {}  {}", e.name, e.sha256, e.file_name)?;
    }
    Ok(ExitCode::SUCCESS)
}
