//! The accounts' join keys as text ([`KeyTexts`]): what a source's batch is
//! joined on (`signals_table`). They are copied out of the interner once
//! the accounts are loaded, so that the join can run on another thread
//! while the interner takes the next files' texts.

use super::column::Column;
use super::text_pool::TextPool;
use super::Accounts;
use crate::intern::{Interner, Sym};
use crate::signals::JoinKey;

/// Each account's id and domain (by account row), as text.
#[derive(Debug, Clone, Default)]
pub struct KeyTexts {
    accounts: usize,
    id: KeyColumn,
    domain: KeyColumn,
}

/// One key of every account (none when the accounts have no such field).
#[derive(Debug, Clone, Default)]
struct KeyColumn {
    text: TextPool,
    /// Whether each account's key is missing (empty when none is held).
    missing: Vec<bool>,
}

impl KeyColumn {
    fn new(syms: &[Sym], interner: &Interner) -> Self {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(syms.len());
        for &s in syms {
            if !s.is_missing() {
                text.push_str(interner.resolve(s));
            }
            ends.push(text.len());
        }
        let mut pool = TextPool::default();
        pool.push_many(&text, ends.into_iter());
        KeyColumn {
            text: pool,
            missing: syms.iter().map(|s| s.is_missing()).collect(),
        }
    }

    fn get(&self, row: usize) -> Option<&str> {
        match self.missing.get(row) {
            Some(false) => Some(self.text.get(row)),
            _ => None,
        }
    }
}

impl KeyTexts {
    /// The keys of `accounts`: their ids, and their domains when
    /// `domain_column` (an index in `accounts.fields`) is a text column.
    pub fn new(accounts: &Accounts, domain_column: Option<usize>, interner: &Interner) -> Self {
        let domain = match domain_column.and_then(|c| accounts.fields.get(c)) {
            Some(Column::Text(v)) => KeyColumn::new(v, interner),
            _ => KeyColumn::default(),
        };
        KeyTexts {
            accounts: accounts.len(),
            id: KeyColumn::new(&accounts.id, interner),
            domain,
        }
    }

    /// The number of accounts.
    pub fn len(&self) -> usize {
        self.accounts
    }

    pub fn is_empty(&self) -> bool {
        self.accounts == 0
    }

    /// Account `row`'s key of kind `join` (`None`: missing).
    pub(crate) fn key(&self, join: JoinKey, row: usize) -> Option<&str> {
        match join {
            JoinKey::Id => self.id.get(row),
            JoinKey::Domain => self.domain.get(row),
        }
    }
}
