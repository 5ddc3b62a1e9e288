//! `--out FILE`: the decisions go to a temporary file beside FILE, which
//! replaces FILE in one rename once every row is written. A run that fails
//! leaves FILE as it was (and no temporary file); the `csv` rows are
//! written while the events are still being read.

use anyhow::{Context, Result};
use mqa_engine::output::CsvSink;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The output file of a run, written under a temporary name.
pub struct OutFile {
    file: File,
    /// The temporary file (removed on drop unless [`OutFile::commit`]ted).
    temp: PathBuf,
    path: PathBuf,
    done: bool,
}

impl OutFile {
    /// Creates the temporary file for `path`, or `None` when `path` is not
    /// a plain file to replace (a symbolic link, a device such as
    /// `/dev/stdout`, a pipe): that one is opened and written as it is, at
    /// the end ([`OutFile::direct`]).
    pub fn create(path: &Path) -> Result<Option<OutFile>> {
        let old = match std::fs::symlink_metadata(path) {
            Ok(m) if !m.is_file() => return Ok(None),
            Ok(m) => Some(m.permissions()),
            Err(_) => None,
        };
        let name = path
            .file_name()
            .map_or_else(|| "decisions".into(), |n| n.to_string_lossy().into_owned());
        let temp = path.with_file_name(format!(".{name}.mqa-{}.tmp", std::process::id()));
        let file = File::create(&temp).with_context(|| {
            format!(
                "cannot create {} (the decisions are written there, then renamed to {})",
                temp.display(),
                path.display()
            )
        })?;
        if let Some(perms) = old {
            // The new file keeps the mode of the one it replaces.
            let _ = file.set_permissions(perms);
        }
        Ok(Some(OutFile {
            file,
            temp,
            path: path.to_path_buf(),
            done: false,
        }))
    }

    /// `path` opened for writing as it is (see [`OutFile::create`]).
    pub fn direct(path: &Path) -> Result<File> {
        File::create(path).with_context(|| format!("cannot create {}", path.display()))
    }

    /// Writing at the end (formats other than `csv`).
    pub fn writer(&mut self) -> &mut File {
        &mut self.file
    }

    /// Flushes the rows and puts the file in place of `path`.
    pub fn commit(mut self) -> Result<()> {
        self.file
            .flush()
            .and_then(|()| std::fs::rename(&self.temp, &self.path))
            .with_context(|| {
                format!(
                    "cannot move {} to {}",
                    self.temp.display(),
                    self.path.display()
                )
            })?;
        self.done = true;
        Ok(())
    }
}

impl CsvSink for OutFile {
    fn append(&mut self, text: &str) -> std::io::Result<()> {
        self.file.write_all(text.as_bytes())
    }

    fn restart(&mut self) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0)).map(|_| ())
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
