//! Typed columns with sentinel missing values, and the per-row staging that
//! lets a reader validate a whole row before committing any of it.

use crate::intern::{hash_bytes, Interner, Sym};
use mqa_syntax::time::Micros;
use mqa_syntax::FieldType;

/// `Column::Bool` value of a missing cell.
pub const BOOL_MISSING: u8 = 2;
/// `Column::Time` value of a missing cell.
pub const TIME_MISSING: Micros = i64::MIN;

/// A typed column; missing values use sentinels so hot loops stay branch-light.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// [`Sym::MISSING`] = missing.
    Text(Vec<Sym>),
    /// `int` and `number` columns; `f64::NAN` = missing (non-finite input values are rejected).
    Number(Vec<f64>),
    /// 0 false, 1 true, [`BOOL_MISSING`] missing.
    Bool(Vec<u8>),
    /// [`TIME_MISSING`] (`i64::MIN`) = missing.
    Time(Vec<Micros>),
    ListText(Vec<Option<Box<[Sym]>>>),
    ListNumber(Vec<Option<Box<[f64]>>>),
}

impl Column {
    /// An empty column for values of type `ty` (`int` and `number` share [`Column::Number`]).
    pub fn new(ty: FieldType, capacity: usize) -> Column {
        match ty {
            FieldType::Text => Column::Text(Vec::with_capacity(capacity)),
            FieldType::Int | FieldType::Number => Column::Number(Vec::with_capacity(capacity)),
            FieldType::Bool => Column::Bool(Vec::with_capacity(capacity)),
            FieldType::Time => Column::Time(Vec::with_capacity(capacity)),
            FieldType::ListText => Column::ListText(Vec::with_capacity(capacity)),
            FieldType::ListNumber => Column::ListNumber(Vec::with_capacity(capacity)),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Text(v) => v.len(),
            Column::Number(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::Time(v) => v.len(),
            Column::ListText(v) => v.len(),
            Column::ListNumber(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `row` holds a missing value (rows out of range count as missing).
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Column::Text(v) => !matches!(v.get(row), Some(s) if !s.is_missing()),
            Column::Number(v) => !matches!(v.get(row), Some(x) if !x.is_nan()),
            Column::Bool(v) => !matches!(v.get(row), Some(&b) if b != BOOL_MISSING),
            Column::Time(v) => !matches!(v.get(row), Some(&t) if t != TIME_MISSING),
            Column::ListText(v) => !matches!(v.get(row), Some(Some(_))),
            Column::ListNumber(v) => !matches!(v.get(row), Some(Some(_))),
        }
    }

    /// A new column holding `self[rows[0]], self[rows[1]], ...`. Indices out
    /// of range give missing values.
    pub fn gather(&self, rows: &[u32]) -> Column {
        fn pick<T: Clone>(v: &[T], rows: &[u32], missing: T) -> Vec<T> {
            rows.iter()
                .map(|&r| {
                    v.get(r as usize)
                        .cloned()
                        .unwrap_or_else(|| missing.clone())
                })
                .collect()
        }
        match self {
            Column::Text(v) => Column::Text(pick(v, rows, Sym::MISSING)),
            Column::Number(v) => Column::Number(pick(v, rows, f64::NAN)),
            Column::Bool(v) => Column::Bool(pick(v, rows, BOOL_MISSING)),
            Column::Time(v) => Column::Time(pick(v, rows, TIME_MISSING)),
            Column::ListText(v) => Column::ListText(pick(v, rows, None)),
            Column::ListNumber(v) => Column::ListNumber(pick(v, rows, None)),
        }
    }

    /// Appends a staged value. A value of another type than the column's
    /// (which readers never produce) is stored as missing.
    pub(crate) fn push(&mut self, v: Staged) {
        match (self, v) {
            (Column::Text(c), Staged::Text(s)) => c.push(s),
            (Column::Number(c), Staged::Number(x)) => c.push(x),
            (Column::Bool(c), Staged::Bool(b)) => c.push(b),
            (Column::Time(c), Staged::Time(t)) => c.push(t),
            (Column::ListText(c), Staged::ListText(l)) => c.push(l),
            (Column::ListNumber(c), Staged::ListNumber(l)) => c.push(l),
            (c, _) => c.push_missing(),
        }
    }

    pub(crate) fn push_missing(&mut self) {
        match self {
            Column::Text(c) => c.push(Sym::MISSING),
            Column::Number(c) => c.push(f64::NAN),
            Column::Bool(c) => c.push(BOOL_MISSING),
            Column::Time(c) => c.push(TIME_MISSING),
            Column::ListText(c) => c.push(None),
            Column::ListNumber(c) => c.push(None),
        }
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        match self {
            Column::Text(c) => c.reserve(n),
            Column::Number(c) => c.reserve(n),
            Column::Bool(c) => c.reserve(n),
            Column::Time(c) => c.reserve(n),
            Column::ListText(c) => c.reserve(n),
            Column::ListNumber(c) => c.reserve(n),
        }
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        match self {
            Column::Text(c) => c.shrink_to_fit(),
            Column::Number(c) => c.shrink_to_fit(),
            Column::Bool(c) => c.shrink_to_fit(),
            Column::Time(c) => c.shrink_to_fit(),
            Column::ListText(c) => c.shrink_to_fit(),
            Column::ListNumber(c) => c.shrink_to_fit(),
        }
    }
}

/// Where staged text goes: straight into the [`Interner`], or into a
/// [`TextArena`] to be interned later on the loading thread.
pub(crate) trait TextStore {
    type Ref: Copy;
    const MISSING: Self::Ref;
    fn put(&mut self, s: &str) -> Self::Ref;
}

impl TextStore for Interner {
    type Ref = Sym;
    const MISSING: Sym = Sym::MISSING;
    #[inline]
    fn put(&mut self, s: &str) -> Sym {
        self.intern(s)
    }
}

/// A text copied into a [`TextArena`], with its hash (for the interner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextRef {
    start: u32,
    /// `u32::MAX`: missing.
    len: u32,
    pub(crate) hash: u32,
}

/// Texts of a batch of rows, waiting to be interned in order.
#[derive(Debug, Default)]
pub(crate) struct TextArena {
    text: String,
}

impl TextArena {
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    pub(crate) fn clear(&mut self) {
        self.text.clear();
    }

    /// Forgets everything after `len` bytes (the texts of a rejected row).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.text.truncate(len);
    }

    /// The text of `r` (`""` when missing).
    #[inline]
    pub(crate) fn get(&self, r: TextRef) -> &str {
        if r.len == u32::MAX {
            return "";
        }
        let start = r.start as usize;
        self.text.get(start..start + r.len as usize).unwrap_or("")
    }

    /// Interns a text of this arena.
    #[inline]
    pub(crate) fn intern(&self, r: TextRef, interner: &mut Interner) -> Sym {
        if r.len == u32::MAX {
            return Sym::MISSING;
        }
        let start = r.start as usize;
        match self.text.get(start..start + r.len as usize) {
            Some(s) => interner.intern_hashed(s, r.hash),
            None => Sym::MISSING,
        }
    }

    /// Turns a staged value with arena texts into one with symbols.
    pub(crate) fn resolve(&self, v: &Staged<TextRef>, interner: &mut Interner) -> Staged<Sym> {
        match v {
            Staged::Text(r) => Staged::Text(self.intern(*r, interner)),
            Staged::Number(x) => Staged::Number(*x),
            Staged::Bool(b) => Staged::Bool(*b),
            Staged::Time(t) => Staged::Time(*t),
            Staged::ListText(l) => Staged::ListText(
                l.as_ref()
                    .map(|items| items.iter().map(|&r| self.intern(r, interner)).collect()),
            ),
            Staged::ListNumber(l) => Staged::ListNumber(l.clone()),
        }
    }
}

impl TextStore for TextArena {
    type Ref = TextRef;
    const MISSING: TextRef = TextRef {
        start: 0,
        len: u32::MAX,
        hash: 0,
    };
    #[inline]
    fn put(&mut self, s: &str) -> TextRef {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        TextRef {
            start,
            len: s.len() as u32,
            hash: hash_bytes(s.as_bytes()),
        }
    }
}

/// One parsed cell waiting for the rest of its row to parse; texts are `T`
/// (a [`Sym`], or a [`TextRef`] before interning).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Staged<T = Sym> {
    Text(T),
    Number(f64),
    Bool(u8),
    Time(Micros),
    ListText(Option<Box<[T]>>),
    ListNumber(Option<Box<[f64]>>),
}

impl<T> Staged<T> {
    /// The missing value of a field of type `ty`.
    pub(crate) fn missing(ty: FieldType, missing_text: T) -> Staged<T> {
        match ty {
            FieldType::Text => Staged::Text(missing_text),
            FieldType::Int | FieldType::Number => Staged::Number(f64::NAN),
            FieldType::Bool => Staged::Bool(BOOL_MISSING),
            FieldType::Time => Staged::Time(TIME_MISSING),
            FieldType::ListText => Staged::ListText(None),
            FieldType::ListNumber => Staged::ListNumber(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_reorders_and_fills_missing() {
        let c = Column::Number(vec![1.0, 2.0, 3.0]);
        let g = c.gather(&[2, 0, 7]);
        let Column::Number(v) = g else {
            unreachable!("gather keeps the type")
        };
        assert_eq!(v[..2], [3.0, 1.0]);
        assert!(v[2].is_nan());
    }

    #[test]
    fn arena_texts_intern_later() {
        let mut arena = TextArena::default();
        let a = arena.put("demo_request");
        let keep = arena.len();
        arena.put("dropped");
        arena.truncate(keep);
        let c = arena.put("pricing_view");
        let mut i = Interner::new();
        let sa = arena.intern(a, &mut i);
        assert_eq!(i.resolve(sa), "demo_request");
        let sc = arena.intern(c, &mut i);
        assert_eq!(i.resolve(sc), "pricing_view");
        assert_eq!(arena.intern(TextArena::MISSING, &mut i), Sym::MISSING);
        let l = arena.resolve(
            &Staged::ListText(Some(vec![a, c].into_boxed_slice())),
            &mut i,
        );
        assert!(matches!(l, Staged::ListText(Some(ref v)) if v.len() == 2 && v[0] == sa));
    }

    #[test]
    fn push_and_missing() {
        let mut c = Column::new(FieldType::Bool, 2);
        c.push(Staged::Bool(1));
        c.push(Staged::missing(FieldType::Bool, Sym::MISSING));
        c.push(Staged::Number(1.0));
        assert_eq!(c, Column::Bool(vec![1, BOOL_MISSING, BOOL_MISSING]));
        assert!(!c.is_missing(0));
        assert!(c.is_missing(1));
        assert!(c.is_missing(9));
    }
}
