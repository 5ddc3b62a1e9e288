//! [`PluginError`]: everything that can go wrong finding, trusting, loading
//! and opening a plugin. Each message starts with a stable code (`E06xx`,
//! listed in docs/plugins.md) and names the file involved.
//!
//! Errors while fetching are the engine's [`SignalError`](mqa_engine::signals::SignalError);
//! their messages carry codes from the same range (see [`codes`]).

use std::path::{Path, PathBuf};

/// Stable codes of the errors that surface as `SignalError` during `fetch`.
pub mod codes {
    /// `fetch` returned `MQA_STATUS_ERROR` (or another non-panic failure status).
    pub const FETCH_FAILED: &str = "E0615";
    /// `fetch` returned `MQA_STATUS_PANIC`: the plugin panicked or crashed and caught it.
    pub const FETCH_PANICKED: &str = "E0616";
    /// `fetch` returned a batch that breaks the ABI rules (`SignalError::Malformed`).
    pub const MALFORMED_BATCH: &str = "E0617";
}

/// Why a plugin could not be found, trusted, loaded or opened.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error(
        "E0601 plugin `{name}` not found: no file `{file_name}` in {}",
        show_dirs(searched)
    )]
    NotFound {
        name: String,
        file_name: String,
        searched: Vec<PathBuf>,
    },

    #[error("E0602 cannot read plugin path `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "E0603 refusing plugin `{}`: the {what} `{}` is writable by {who} (mode {mode:04o}); \
         other users could change the code mqa runs. Run `chmod go-w {}`",
        plugin.display(), path.display(), path.display()
    )]
    Insecure {
        plugin: PathBuf,
        /// `file` or `folder`.
        what: &'static str,
        path: PathBuf,
        /// `group`, `others`, or `group and others`.
        who: &'static str,
        mode: u32,
    },

    #[error(
        "E0604 refusing plugin `{name}` at `{}`: its sha256 is {actual} but `{}` pins {expected}. \
         If the new file is trusted, run `mqa plugins lock` again",
        path.display(), lock.display()
    )]
    LockMismatch {
        name: String,
        path: PathBuf,
        lock: PathBuf,
        expected: String,
        actual: String,
    },

    #[error(
        "E0605 refusing plugin `{name}` at `{}` (sha256 {actual}): `{}` exists but does not pin it. \
         Run `mqa plugins lock` to pin it",
        path.display(), lock.display()
    )]
    NotLocked {
        name: String,
        path: PathBuf,
        lock: PathBuf,
        actual: String,
    },

    #[error("E0606 {}:{line}: {message}", path.display())]
    LockSyntax {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error("E0607 cannot access lock file `{}`: {source}", path.display())]
    LockIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("E0608 cannot load plugin `{}`: {message}", path.display())]
    Load { path: PathBuf, message: String },

    #[error("E0609 `{}` is not an mqa plugin: it has no `{symbol}` symbol{hint}", path.display())]
    MissingEntry {
        path: PathBuf,
        symbol: &'static str,
        /// Extra words when another ABI's entry symbol was found.
        hint: String,
    },

    #[error(
        "E0610 plugin `{}` was built for plugin ABI {plugin_major}.{plugin_minor}; \
         this mqa supports ABI {host_major}.0 to {host_major}.{host_minor}",
        path.display()
    )]
    AbiMismatch {
        path: PathBuf,
        plugin_major: u16,
        plugin_minor: u16,
        host_major: u16,
        host_minor: u16,
    },

    #[error("E0611 plugin `{}` has an invalid descriptor: {message}", path.display())]
    BadDescriptor { path: PathBuf, message: String },

    #[error(
        "E0612 plugin file `{}` calls itself `{found}`, but was looked up as `{expected}` \
         (the file for `{found}` must be named `{}`)",
        path.display(), crate::discover::plugin_file_name(found)
    )]
    NameMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },

    #[error("E0613 plugin `{name}` (`{}`) could not open its source: {message}", path.display())]
    Open {
        name: String,
        path: PathBuf,
        message: String,
    },

    #[error("E0614 plugin `{name}` (`{}`) crashed in open: {message}", path.display())]
    OpenPanicked {
        name: String,
        path: PathBuf,
        message: String,
    },
}

impl PluginError {
    /// The stable code at the start of the message (`E0601` ...).
    pub fn code(&self) -> &'static str {
        match self {
            PluginError::NotFound { .. } => "E0601",
            PluginError::Io { .. } => "E0602",
            PluginError::Insecure { .. } => "E0603",
            PluginError::LockMismatch { .. } => "E0604",
            PluginError::NotLocked { .. } => "E0605",
            PluginError::LockSyntax { .. } => "E0606",
            PluginError::LockIo { .. } => "E0607",
            PluginError::Load { .. } => "E0608",
            PluginError::MissingEntry { .. } => "E0609",
            PluginError::AbiMismatch { .. } => "E0610",
            PluginError::BadDescriptor { .. } => "E0611",
            PluginError::NameMismatch { .. } => "E0612",
            PluginError::Open { .. } => "E0613",
            PluginError::OpenPanicked { .. } => "E0614",
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> PluginError {
        PluginError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn show_dirs(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "any folder (no plugin folders were given)".to_string();
    }
    dirs.iter()
        .map(|d| format!("`{}`", d.display()))
        .collect::<Vec<_>>()
        .join(", ")
}
