//! Finding a table's file in the data directory (`NAME.csv`, `NAME.jsonl`,
//! either with `.gz`) and opening it as a byte stream.

use super::error::LoadError;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How a table's file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

/// The one file holding a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    pub format: Format,
    pub gzip: bool,
}

/// The file of `table` (`accounts`, `contacts`, `events`) in `dir`. Exactly
/// one of the four spellings must exist.
pub fn find_input(dir: &Path, table: &'static str) -> Result<InputFile, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::Io {
            path: dir.to_path_buf(),
            line: 0,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        });
    }
    let candidates = [
        (format!("{table}.csv"), Format::Csv, false),
        (format!("{table}.jsonl"), Format::Jsonl, false),
        (format!("{table}.csv.gz"), Format::Csv, true),
        (format!("{table}.jsonl.gz"), Format::Jsonl, true),
    ];
    let found: Vec<InputFile> = candidates
        .into_iter()
        .filter(|(name, _, _)| dir.join(name).is_file())
        .map(|(name, format, gzip)| InputFile {
            path: dir.join(name),
            format,
            gzip,
        })
        .collect();
    match found.as_slice() {
        [] => Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            table,
        }),
        [one] => Ok(one.clone()),
        many => Err(LoadError::AmbiguousFile {
            dir: dir.to_path_buf(),
            table,
            found: many
                .iter()
                .map(|f| {
                    f.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect(),
        }),
    }
}

/// Opens the file, decompressing when it is gzip.
pub fn open(input: &InputFile) -> Result<Box<dyn Read + Send>, LoadError> {
    let file = File::open(&input.path).map_err(|source| LoadError::Io {
        path: input.path.clone(),
        line: 0,
        source,
    })?;
    Ok(if input.gzip {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_one() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(
            find_input(d.path(), "accounts"),
            Err(LoadError::MissingFile {
                table: "accounts",
                ..
            })
        ));
        std::fs::write(d.path().join("accounts.jsonl.gz"), b"").unwrap();
        let f = find_input(d.path(), "accounts").unwrap();
        assert_eq!((f.format, f.gzip), (Format::Jsonl, true));
        std::fs::write(d.path().join("accounts.csv"), b"").unwrap();
        let e = find_input(d.path(), "accounts").unwrap_err();
        assert!(
            e.to_string().contains("accounts.csv and accounts.jsonl.gz"),
            "{e}"
        );
    }
}
