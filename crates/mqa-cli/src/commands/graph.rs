//! `mqa graph`: print a compiled model graph as DOT or JSON.

use crate::cli::{GraphArgs, GraphFormat};
use crate::commands::load;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &GraphArgs) -> Result<ExitCode> {
    let host = crate::commands::plugins::host_for(&args.file, &args.plugin_dir)?;
    let schemas = crate::commands::plugins::HostSchemas::new(&host);
    let Some(loaded) = load::load(&args.file, &schemas, true)? else {
        return Ok(ExitCode::from(1));
    };
    let p = &loaded.program;
    let models: Vec<_> = match &args.model {
        Some(name) => match p.model(name) {
            Some(m) => vec![m],
            None => {
                let names: Vec<_> = p.models.iter().map(|m| m.name.as_str()).collect();
                bail!(
                    "no model `{name}` in {} (models: {})",
                    args.file.display(),
                    names.join(", ")
                );
            }
        },
        None => p.models.iter().collect(),
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        GraphFormat::Dot => {
            let Some(m) = models.first() else {
                bail!("{} declares no model", args.file.display());
            };
            out.write_all(mqa_compiler::dot::model_to_dot(m).as_bytes())?;
        }
        GraphFormat::Json => {
            let json = if args.model.is_some() {
                serde_json::to_string_pretty(&models.first())?
            } else {
                serde_json::to_string_pretty(p)?
            };
            writeln!(out, "{json}").context("cannot write to stdout")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
