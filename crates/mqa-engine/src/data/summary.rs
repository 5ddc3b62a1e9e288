//! Row accounting of a load: per file,
//! `read = used + rejected + after_as_of + before_window`.

use std::path::{Path, PathBuf};

/// What happened to the rows of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub file: PathBuf,
    /// Rows read (blank lines and the header are not rows).
    pub read: u64,
    /// Rows kept.
    pub used: u64,
    /// Rows written to the rejects sink.
    pub rejected: u64,
    /// Valid event rows with `at > as_of`: dropped, not rejects.
    pub after_as_of: u64,
    /// Valid event rows at or before the start of the longest model window
    /// ([`super::LoadOptions::window_start`]): dropped, not rejects.
    pub before_window: u64,
}

impl FileSummary {
    pub fn new(file: &Path) -> Self {
        FileSummary {
            file: file.to_path_buf(),
            read: 0,
            used: 0,
            rejected: 0,
            after_as_of: 0,
            before_window: 0,
        }
    }
}

/// The run summary of [`super::load_dataset`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// Accounts, contacts and events files, in that order.
    pub files: Vec<FileSummary>,
    /// Kept events whose `contact_id` names no contact of their account.
    pub events_unknown_contact: u64,
    /// Kept events with an empty `contact_id`.
    pub events_anonymous: u64,
}

impl LoadSummary {
    pub fn total_read(&self) -> u64 {
        self.files.iter().map(|f| f.read).sum()
    }

    pub fn total_used(&self) -> u64 {
        self.files.iter().map(|f| f.used).sum()
    }

    pub fn total_rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }

    pub fn total_after_as_of(&self) -> u64 {
        self.files.iter().map(|f| f.after_as_of).sum()
    }

    /// Rejected rows over rows read, all files together (0 when nothing was read).
    pub fn reject_rate(&self) -> f64 {
        let read = self.total_read();
        if read == 0 {
            0.0
        } else {
            self.total_rejected() as f64 / read as f64
        }
    }

    /// The summary of the file whose name starts with `table` (`"events"` finds `events.csv.gz`).
    pub fn file(&self, table: &str) -> Option<&FileSummary> {
        self.files.iter().find(|f| {
            f.file
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.split('.').next() == Some(table))
        })
    }
}
