//! # mqa-plugin-host: find, trust, load and call signal plugins
//!
//! This crate owns the host side of the plugin ABI defined in
//! `mqa-plugin-sdk`: finding plugin libraries in a list of folders, the
//! trust checks (no group/world-writable file or folder; the sha256 pinned
//! in `mqa.lock`, computed from the opened file), loading with `libloading`
//! (never unloading), checking the ABI version and descriptor, and adapting
//! each plugin to the engine's [`SignalSource`](mqa_engine::signals::SignalSource)
//! with every returned string and batch copied into host memory and checked.
//!
//! For the CLI:
//!
//! ```no_run
//! use mqa_plugin_host::{default_plugin_dirs, PluginHost};
//! use mqa_engine::signals::{SignalRequest, SignalSource};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rules = std::path::Path::new("rules/enterprise.mqa");
//! let host = PluginHost::new(default_plugin_dirs(&[], Some(rules)))
//!     .with_lock_file(&rules.with_file_name("mqa.lock"))?;   // no file = no lock
//! // `mqa plugins list`
//! for entry in host.list() {
//!     match &entry.result {
//!         Ok(p) => { let i = p.info(); let _ = (&i.name, &i.version, &i.sha256, i.schema_text()); }
//!         Err(e) => { let _ = e.to_string(); }
//!     }
//! }
//! // `mqa plugins lock FILE`
//! host.lock(&rules.with_file_name("mqa.lock"), &["intent-csv"], "enterprise.mqa")?;
//! // `mqa score`
//! let mut source = host.load("intent-csv")?.open(r#"{"path":"data/intent.csv"}"#)?;
//! let batch = source.fetch(&SignalRequest { account_keys: vec![], from: i64::MIN, to: i64::MAX })?;
//! # let _ = batch; Ok(()) }
//! ```
//!
//! [`PluginSource`] implements `SignalSource` (copying into the engine's
//! `SignalBatch`: each text column's bytes copied once, its offsets rebased);
//! [`PluginSource::fetch_columnar`] returns the same records as a
//! [`ColumnarBatch`], the ABI's own shape, copied with a few `memcpy`s.
//!
//! Errors: [`PluginError`] (codes `E0601`–`E0614`) for find/trust/load/open;
//! during `fetch`, the engine's `SignalError` with codes `E0615`–`E0617`
//! ([`error::codes`]). Every message names the plugin file.

#![allow(unsafe_code)]

mod columnar;
mod convert;
mod descriptor;
mod discover;
pub mod error;
mod load;
mod lock;
mod source;
mod trust;

use std::path::{Path, PathBuf};

pub use columnar::{ColumnarBatch, HostColumn, HostText, HostValues};
pub use descriptor::PluginInfo;
pub use discover::{default_plugin_dirs, plugin_file_name};
pub use error::PluginError;
pub use load::Plugin;
pub use lock::{Lock, LockEntry, LOCK_FILE_NAME};
pub use source::PluginSource;
pub use trust::sha256_file;

use load::{load_file, LockCheck};

/// One library file found by [`PluginHost::list`], loaded or refused.
#[derive(Debug)]
pub struct ListedPlugin {
    /// The file (or, for an unreadable folder, the folder).
    pub path: PathBuf,
    pub result: Result<&'static Plugin, PluginError>,
}

/// Finds and loads plugins from an ordered list of folders, checking them
/// against a lock when one is set.
#[derive(Debug, Clone)]
pub struct PluginHost {
    dirs: Vec<PathBuf>,
    lock: Option<(PathBuf, Lock)>,
}

impl PluginHost {
    /// A host searching `dirs` in order (see [`default_plugin_dirs`]), with no lock.
    pub fn new(dirs: Vec<PathBuf>) -> PluginHost {
        PluginHost { dirs, lock: None }
    }

    /// Checks every plugin loaded by name against the lock file at `path`,
    /// if that file exists (if it does not, nothing changes).
    pub fn with_lock_file(self, path: &Path) -> Result<PluginHost, PluginError> {
        Ok(match Lock::read(path)? {
            Some(lock) => self.with_lock(path.to_path_buf(), lock),
            None => self,
        })
    }

    /// Checks every plugin loaded by name against `lock` (read from `path`,
    /// which messages name).
    pub fn with_lock(mut self, path: PathBuf, lock: Lock) -> PluginHost {
        self.lock = Some((path, lock));
        self
    }

    /// The folders searched, in order.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The lock in force, if any.
    pub fn lock_in_force(&self) -> Option<(&Path, &Lock)> {
        self.lock.as_ref().map(|(p, l)| (p.as_path(), l))
    }

    /// The file plugin `name` would be loaded from: the first folder holding
    /// [`plugin_file_name`]`(name)`.
    pub fn find(&self, name: &str) -> Result<PathBuf, PluginError> {
        let file_name = plugin_file_name(name);
        self.dirs
            .iter()
            .map(|d| d.join(&file_name))
            .find(|p| p.is_file())
            .ok_or_else(|| PluginError::NotFound {
                name: name.to_string(),
                file_name,
                searched: self.dirs.clone(),
            })
    }

    /// Finds, checks (permissions, lock) and loads plugin `name`. Loading the
    /// same unchanged file again returns the same plugin.
    pub fn load(&self, name: &str) -> Result<&'static Plugin, PluginError> {
        let path = self.find(name)?;
        let lock = self
            .lock
            .as_ref()
            .map(|(path, lock)| LockCheck { path, lock });
        load_file(&path, Some(name), lock)
    }

    /// Loads the plugin at `path` (no lock check); refuses one whose file
    /// name is not [`plugin_file_name`] of its own name.
    pub fn load_path(path: &Path) -> Result<&'static Plugin, PluginError> {
        load_file(path, None, None)
    }

    /// Every library file in the folders, each loaded (so its metadata can be
    /// shown) or with the reason it was refused, folder by folder, sorted by
    /// file name. Missing folders are skipped; the lock is not consulted.
    pub fn list(&self) -> Vec<ListedPlugin> {
        let mut out = Vec::new();
        for dir in &self.dirs {
            let entries = match std::fs::read_dir(dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    out.push(ListedPlugin {
                        path: dir.clone(),
                        result: Err(PluginError::io(dir, e)),
                    });
                    continue;
                }
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.file_name()
                            .and_then(|f| f.to_str())
                            .is_some_and(discover::is_library_name)
                })
                .collect();
            files.sort();
            for path in files {
                let result = load_file(&path, None, None);
                out.push(ListedPlugin { path, result });
            }
        }
        out
    }

    /// Writes a lock at `lock_path` pinning the current file of each plugin
    /// in `names` (the plugins a rule file uses), after loading each one to
    /// check it is the plugin it claims to be. The lock currently in force is
    /// ignored (re-locking is how a changed plugin is accepted); an existing
    /// lock file is replaced. `about` is written in the header comment.
    pub fn lock(&self, lock_path: &Path, names: &[&str], about: &str) -> Result<Lock, PluginError> {
        let mut entries = Vec::with_capacity(names.len());
        for name in names {
            let path = self.find(name)?;
            let plugin = load_file(&path, Some(name), None)?;
            let file_name = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            entries.push(LockEntry {
                name: (*name).to_string(),
                sha256: plugin.info().sha256.clone(),
                file_name,
            });
        }
        let lock = Lock::new(entries);
        lock.write(lock_path, about)?;
        Ok(lock)
    }
}
