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
    /// The keys of `accounts` of the kinds `joins`: their ids, their
    /// domains when `domain_column` (an index in `accounts.fields`) is a
    /// text column (a kind not asked for is missing for every account).
    pub fn new(
        accounts: &Accounts,
        domain_column: Option<usize>,
        joins: &[JoinKey],
        interner: &Interner,
    ) -> Self {
        let domain = match domain_column.and_then(|c| accounts.fields.get(c)) {
            Some(Column::Text(v)) if joins.contains(&JoinKey::Domain) => {
                KeyColumn::new(v, interner)
            }
            _ => KeyColumn::default(),
        };
        let id = match joins.contains(&JoinKey::Id) {
            true => KeyColumn::new(&accounts.id, interner),
            false => KeyColumn::default(),
        };
        KeyTexts {
            accounts: accounts.len(),
            id,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Only the kinds of key asked for are copied; the others read as
    /// missing (no source joins on them). A missing domain stays missing.
    #[test]
    fn only_the_kinds_asked_for_are_copied() {
        let mut i = Interner::new();
        let accounts = Accounts {
            id: vec![i.intern("a1"), i.intern("a2")],
            fields: vec![Column::Text(vec![i.intern("one.example"), Sym::MISSING])],
            line: vec![2, 3],
        };
        let both = KeyTexts::new(&accounts, Some(0), &[JoinKey::Id, JoinKey::Domain], &i);
        assert_eq!(both.len(), 2);
        assert_eq!(both.key(JoinKey::Id, 1), Some("a2"));
        assert_eq!(both.key(JoinKey::Domain, 0), Some("one.example"));
        assert_eq!(both.key(JoinKey::Domain, 1), None);
        let domain = KeyTexts::new(&accounts, Some(0), &[JoinKey::Domain], &i);
        assert_eq!(domain.key(JoinKey::Domain, 0), Some("one.example"));
        assert_eq!(domain.key(JoinKey::Id, 0), None);
        let id = KeyTexts::new(&accounts, Some(0), &[JoinKey::Id], &i);
        assert_eq!(id.key(JoinKey::Id, 0), Some("a1"));
        assert_eq!(id.key(JoinKey::Domain, 0), None);
        let no_domain_field = KeyTexts::new(&accounts, None, &[JoinKey::Domain], &i);
        assert_eq!(no_domain_field.key(JoinKey::Domain, 0), None);
    }
}
