//! [`LoadError`]: why a data directory could not be loaded. Row-level
//! problems are not errors (they are rejects); these stop the load.

use std::path::PathBuf;

/// Errors of [`super::load_dataset`] and the readers. Each message names the
/// file (and the line where there is one); [`LoadError::code`] is the stable
/// code users search for.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no {table} file in `{}`: expected {table}.csv, {table}.jsonl, {table}.csv.gz or {table}.jsonl.gz", dir.display())]
    MissingFile { dir: PathBuf, table: &'static str },

    #[error("`{}` holds {}: keep only one {table} file", dir.display(), found.join(" and "))]
    AmbiguousFile {
        dir: PathBuf,
        table: &'static str,
        found: Vec<String>,
    },

    #[error("{}: line 1: empty file, expected a header row", file.display())]
    EmptyFile { file: PathBuf },

    #[error("{}: line 1: missing required column{} {} (header: {})",
        file.display(),
        if missing.len() == 1 { "" } else { "s" },
        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
        header.join(","))]
    MissingColumns {
        file: PathBuf,
        missing: Vec<String>,
        header: Vec<String>,
    },

    #[error("{}: line 1: column `{column}` appears more than once in the header", file.display())]
    DuplicateColumn { file: PathBuf, column: String },

    #[error("{}: line 1: the header is not valid UTF-8", file.display())]
    BadHeader { file: PathBuf },

    #[error("{}{}: {source}", path.display(), if *line > 0 { format!(": line {line}") } else { String::new() })]
    Io {
        path: PathBuf,
        line: u64,
        #[source]
        source: std::io::Error,
    },

    #[error("writing the rejects file: {source}")]
    RejectSink {
        #[source]
        source: std::io::Error,
    },

    #[error("{}: internal error: {message}", file.display())]
    Internal { file: PathBuf, message: String },

    #[error("{rejected} of {read} rows rejected ({:.2}% > the limit of {:.2}%); the rejects file lists each with its reason", rate * 100.0, max * 100.0)]
    TooManyRejects {
        rejected: u64,
        read: u64,
        rate: f64,
        max: f64,
    },
}

impl LoadError {
    /// Stable code, listed in the user docs.
    pub fn code(&self) -> &'static str {
        match self {
            LoadError::MissingFile { .. } => "E0301",
            LoadError::AmbiguousFile { .. } => "E0302",
            LoadError::EmptyFile { .. } => "E0303",
            LoadError::MissingColumns { .. } => "E0304",
            LoadError::DuplicateColumn { .. } => "E0305",
            LoadError::BadHeader { .. } => "E0306",
            LoadError::Io { .. } => "E0307",
            LoadError::RejectSink { .. } => "E0308",
            LoadError::TooManyRejects { .. } => "E0309",
            LoadError::Internal { .. } => "E0310",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_and_columns() {
        let e = LoadError::MissingColumns {
            file: PathBuf::from("d/events.csv"),
            missing: vec!["at".into(), "kind".into()],
            header: vec!["id".into(), "account_id".into()],
        };
        assert_eq!(
            e.to_string(),
            "d/events.csv: line 1: missing required columns `at`, `kind` (header: id,account_id)"
        );
        let e = LoadError::MissingFile {
            dir: PathBuf::from("d"),
            table: "accounts",
        };
        assert_eq!(
            e.to_string(),
            "no accounts file in `d`: expected accounts.csv, accounts.jsonl, accounts.csv.gz or accounts.jsonl.gz"
        );
        let e = LoadError::TooManyRejects {
            rejected: 3,
            read: 100,
            rate: 0.03,
            max: 0.01,
        };
        assert!(e
            .to_string()
            .starts_with("3 of 100 rows rejected (3.00% > the limit of 1.00%)"));
        assert_eq!(e.code(), "E0309");
        let io = |line| LoadError::Io {
            path: PathBuf::from("d/events.csv.gz"),
            line,
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "corrupt deflate stream"),
        };
        assert_eq!(io(0).to_string(), "d/events.csv.gz: corrupt deflate stream");
        assert_eq!(
            io(12).to_string(),
            "d/events.csv.gz: line 12: corrupt deflate stream"
        );
    }
}
