//! Plugins as the commands see them: the host for a rule file, plugin
//! schemas for the compiler, and opened sources for a run.

use mqa_compiler::{graph::SourceDef, SourceSchemas};
use mqa_engine::run::SourceInput;
use mqa_plugin_host::{default_plugin_dirs, PluginHost, LOCK_FILE_NAME};
use mqa_syntax::FieldType;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The plugin host for a rule file: `--plugin-dir`s, `plugins/` next to the
/// file, the build output; the `mqa.lock` next to the file when it exists.
pub fn host_for(rule_file: &Path, plugin_dirs: &[PathBuf]) -> anyhow::Result<PluginHost> {
    let host = PluginHost::new(default_plugin_dirs(plugin_dirs, Some(rule_file)));
    Ok(host.with_lock_file(&rule_file.with_file_name(LOCK_FILE_NAME))?)
}

/// Plugin schemas for the compiler, loaded on demand; load failures are kept
/// so a run can report them.
pub struct HostSchemas<'h> {
    pub host: &'h PluginHost,
    pub failures: RefCell<HashMap<String, String>>,
}

impl<'h> HostSchemas<'h> {
    pub fn new(host: &'h PluginHost) -> Self {
        HostSchemas {
            host,
            failures: RefCell::new(HashMap::new()),
        }
    }
}

impl SourceSchemas for HostSchemas<'_> {
    fn fields(&self, plugin: &str) -> Option<Vec<(String, FieldType)>> {
        match self.host.load(plugin) {
            Ok(p) => Some(p.source_info().fields.clone()),
            Err(e) => {
                self.failures
                    .borrow_mut()
                    .insert(plugin.to_string(), e.to_string());
                None
            }
        }
    }
}

/// Replaces `${data}` and `${rules}` in every string of a config value.
pub fn expand_config(v: &serde_json::Value, data: &Path, rules: &Path) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => serde_json::Value::String(
            s.replace("${data}", &data.display().to_string())
                .replace("${rules}", &rules.display().to_string()),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(|x| expand_config(x, data, rules)).collect())
        }
        serde_json::Value::Object(o) => serde_json::Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), expand_config(x, data, rules)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Opens every declared source's plugin with its expanded configuration.
pub fn open_sources(
    host: &PluginHost,
    sources: &[SourceDef],
    failures: &HashMap<String, String>,
    data_dir: &Path,
    rule_file: &Path,
) -> Vec<SourceInput> {
    let rules_dir = match rule_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    sources
        .iter()
        .map(|s| -> SourceInput {
            if let Some(why) = failures.get(&s.plugin) {
                return Err(with_hint(why.clone()));
            }
            let plugin = host.load(&s.plugin).map_err(|e| with_hint(e.to_string()))?;
            let config = expand_config(&s.config, data_dir, &rules_dir).to_string();
            let src = plugin.open(&config).map_err(|e| e.to_string())?;
            Ok(Box::new(src))
        })
        .collect()
}

/// Adds what to do to a "plugin not found" message.
fn with_hint(msg: String) -> String {
    if msg.contains("E0601") {
        format!(
            "{msg}\n  hint: `cargo build --release` builds the bundled plugins next to `mqa`; or pass --plugin-dir DIR (see `mqa plugins list`)"
        )
    } else {
        msg
    }
}
