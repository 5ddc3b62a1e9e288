//! `mqa.lock`: the sha256 pins of the plugins a rule file uses.
//!
//! The format is plain text, one plugin per line, three fields separated by
//! spaces: the plugin's name, the lowercase hex sha256 of its library file,
//! and the library's file name (informational: the hash is what is checked).
//! Blank lines and lines starting with `#` are ignored.
//!
//! ```text
//! # mqa.lock: sha256 pins of the signal plugins used by enterprise.mqa.
//! # Written by `mqa plugins lock`. Format: <name> <sha256> <file name>
//! intent-csv 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 libintent_csv.so
//! ```

use std::path::Path;

use crate::error::PluginError;

/// The conventional lock file name, next to the rule file.
pub const LOCK_FILE_NAME: &str = "mqa.lock";

/// One pinned plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    pub name: String,
    /// Lowercase hex, 64 digits.
    pub sha256: String,
    /// The library's file name when it was locked (e.g. `libintent_csv.so`).
    pub file_name: String,
}

/// The contents of an `mqa.lock`, sorted by plugin name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lock {
    entries: Vec<LockEntry>,
}

impl Lock {
    /// A lock of these entries (sorted by name; a later entry with the same
    /// name replaces an earlier one).
    pub fn new(entries: impl IntoIterator<Item = LockEntry>) -> Lock {
        let mut lock = Lock::default();
        for e in entries {
            lock.insert(e);
        }
        lock
    }

    fn insert(&mut self, entry: LockEntry) {
        match self.entries.binary_search_by(|e| e.name.cmp(&entry.name)) {
            Ok(i) => {
                if let Some(slot) = self.entries.get_mut(i) {
                    *slot = entry;
                }
            }
            Err(i) => self.entries.insert(i, entry),
        }
    }

    /// The pinned plugins, sorted by name.
    pub fn entries(&self) -> &[LockEntry] {
        &self.entries
    }

    /// The pin of plugin `name`.
    pub fn get(&self, name: &str) -> Option<&LockEntry> {
        self.entries
            .binary_search_by(|e| e.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// Parses the text of a lock file; `path` is used in messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Lock, PluginError> {
        let mut lock = Lock::default();
        for (i, line) in text.lines().enumerate() {
            let err = |message: String| PluginError::LockSyntax {
                path: path.to_path_buf(),
                line: i + 1,
                message,
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [name, sha256, file_name] = parts.as_slice() else {
                return Err(err(format!(
                    "expected `<plugin name> <sha256> <file name>`, found {} field(s) in `{line}`",
                    parts.len()
                )));
            };
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err(format!(
                    "`{sha256}` is not a sha256 (64 hexadecimal digits)"
                )));
            }
            if lock.get(name).is_some() {
                return Err(err(format!("plugin `{name}` is pinned twice")));
            }
            lock.insert(LockEntry {
                name: (*name).to_string(),
                sha256: sha256.to_ascii_lowercase(),
                file_name: (*file_name).to_string(),
            });
        }
        Ok(lock)
    }

    /// Reads a lock file; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<Lock>, PluginError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Lock::parse(&text, path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(PluginError::LockIo {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// The file's text; `about` names what the pins are for (e.g. the rule file).
    pub fn to_text(&self, about: &str) -> String {
        let mut s = format!(
            "# mqa.lock: sha256 pins of the signal plugins used by {about}.\n\
             # Written by `mqa plugins lock`. Format: <name> <sha256> <file name>\n"
        );
        for e in &self.entries {
            s.push_str(&format!("{} {} {}\n", e.name, e.sha256, e.file_name));
        }
        s
    }

    /// Writes the lock to `path` (through a temporary file renamed into place).
    pub fn write(&self, path: &Path, about: &str) -> Result<(), PluginError> {
        let io = |source| PluginError::LockIo {
            path: path.to_path_buf(),
            source,
        };
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp_name);
        std::fs::write(&tmp, self.to_text(about)).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA_A: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn round_trips_through_text_and_disk() {
        let lock = Lock::new([
            LockEntry {
                name: "zeta".into(),
                sha256: SHA_A.into(),
                file_name: "libzeta.so".into(),
            },
            LockEntry {
                name: "intent-csv".into(),
                sha256: SHA_A.into(),
                file_name: "libintent_csv.so".into(),
            },
        ]);
        assert_eq!(lock.entries()[0].name, "intent-csv");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE_NAME);
        assert_eq!(Lock::read(&path).unwrap(), None);
        lock.write(&path, "x.mqa").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("intent-csv {SHA_A} libintent_csv.so\n")),
            "{text}"
        );
        assert_eq!(Lock::read(&path).unwrap(), Some(lock.clone()));
        assert_eq!(lock.get("zeta").unwrap().file_name, "libzeta.so");
        assert!(lock.get("nope").is_none());
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        let p = Path::new("dir/mqa.lock");
        let e = Lock::parse("# c\n\nintent-csv abc libx.so\n", p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "E0606 dir/mqa.lock:3: `abc` is not a sha256 (64 hexadecimal digits)"
        );
        let e = Lock::parse("intent-csv\n", p).unwrap_err().to_string();
        assert!(e.starts_with("E0606 dir/mqa.lock:1: expected"), "{e}");
        let twice = format!("a {SHA_A} liba.so\na {SHA_A} liba.so\n");
        let e = Lock::parse(&twice, p).unwrap_err().to_string();
        assert_eq!(e, "E0606 dir/mqa.lock:2: plugin `a` is pinned twice");
    }
}
