//! Typed columns with sentinel missing values, and the per-row staging that
//! lets a reader validate a whole row before committing any of it.

use crate::intern::{Interner, Sym};
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

    /// Whether the column holds values of type `ty`: it is the kind of
    /// column [`Column::new`] makes for `ty` (an empty one allocates nothing).
    pub fn holds(&self, ty: FieldType) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(&Column::new(ty, 0))
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

    pub(crate) fn truncate(&mut self, n: usize) {
        match self {
            Column::Text(c) => c.truncate(n),
            Column::Number(c) => c.truncate(n),
            Column::Bool(c) => c.truncate(n),
            Column::Time(c) => c.truncate(n),
            Column::ListText(c) => c.truncate(n),
            Column::ListNumber(c) => c.truncate(n),
        }
    }

    /// Appends the rows of a batch column `src` of the same type (rows
    /// whose `keep` is false are skipped when `keep` is given), passing
    /// texts through `text` (batch-local numbers to symbols).
    pub(crate) fn append(
        &mut self,
        src: &Column,
        keep: Option<&[bool]>,
        mut text: impl FnMut(Sym) -> Sym,
    ) {
        fn copy<T: Clone>(
            dst: &mut Vec<T>,
            src: &[T],
            keep: Option<&[bool]>,
            f: impl FnMut(&T) -> T,
        ) {
            match keep {
                None => dst.extend(src.iter().map(f)),
                Some(k) => {
                    let mut f = f;
                    dst.extend(src.iter().zip(k).filter(|(_, &k)| k).map(|(v, _)| f(v)));
                }
            }
        }
        match (self, src) {
            (Column::Text(d), Column::Text(s)) => copy(d, s, keep, |&x| text(x)),
            (Column::Number(d), Column::Number(s)) => match keep {
                None => d.extend_from_slice(s),
                k => copy(d, s, k, |&x| x),
            },
            (Column::Bool(d), Column::Bool(s)) => match keep {
                None => d.extend_from_slice(s),
                k => copy(d, s, k, |&x| x),
            },
            (Column::Time(d), Column::Time(s)) => match keep {
                None => d.extend_from_slice(s),
                k => copy(d, s, k, |&x| x),
            },
            (Column::ListText(d), Column::ListText(s)) => copy(d, s, keep, |l| {
                l.as_ref()
                    .map(|items| items.iter().map(|&x| text(x)).collect())
            }),
            (Column::ListNumber(d), Column::ListNumber(s)) => copy(d, s, keep, Clone::clone),
            (d, s) => {
                let n = match keep {
                    None => s.len(),
                    Some(k) => k.iter().filter(|&&k| k).count(),
                };
                for _ in 0..n {
                    d.push_missing();
                }
            }
        }
    }

    /// Reorders rows `start..start + order.len()` (see [`super::assemble::permute_range`]).
    pub(crate) fn permute_range(&mut self, start: usize, order: &[u32]) {
        use super::assemble::permute_range as p;
        match self {
            Column::Text(v) => p(v, start, order),
            Column::Number(v) => p(v, start, order),
            Column::Bool(v) => p(v, start, order),
            Column::Time(v) => p(v, start, order),
            Column::ListText(v) => p(v, start, order),
            Column::ListNumber(v) => p(v, start, order),
        }
    }

    /// [`Column::gather`] into `out`, reusing its buffer when it is a column
    /// of the same type.
    pub(crate) fn gather_into(&self, rows: &[u32], out: &mut Column) {
        fn pick<T: Clone>(v: &[T], rows: &[u32], missing: T, out: &mut Vec<T>) {
            out.clear();
            out.extend(rows.iter().map(|&r| {
                v.get(r as usize)
                    .cloned()
                    .unwrap_or_else(|| missing.clone())
            }));
        }
        match (self, out) {
            (Column::Text(v), Column::Text(o)) => pick(v, rows, Sym::MISSING, o),
            (Column::Number(v), Column::Number(o)) => pick(v, rows, f64::NAN, o),
            (Column::Bool(v), Column::Bool(o)) => pick(v, rows, BOOL_MISSING, o),
            (Column::Time(v), Column::Time(o)) => pick(v, rows, TIME_MISSING, o),
            (Column::ListText(v), Column::ListText(o)) => pick(v, rows, None, o),
            (Column::ListNumber(v), Column::ListNumber(o)) => pick(v, rows, None, o),
            (c, o) => *o = c.gather(rows),
        }
    }

    /// [`Column::gather`] on the rayon pool.
    pub(crate) fn par_gather(&self, rows: &[u32]) -> Column {
        match self {
            Column::Text(v) => Column::Text(par_gather(v, rows, Sym::MISSING)),
            Column::Number(v) => Column::Number(par_gather(v, rows, f64::NAN)),
            Column::Bool(v) => Column::Bool(par_gather(v, rows, BOOL_MISSING)),
            Column::Time(v) => Column::Time(par_gather(v, rows, TIME_MISSING)),
            Column::ListText(v) => Column::ListText(par_gather(v, rows, None)),
            Column::ListNumber(v) => Column::ListNumber(par_gather(v, rows, None)),
        }
    }

    /// Moves rows `at..` into a new column with room for `capacity` rows
    /// (the rows before `at` stay).
    /// Moves rows `at..` into a column of their own, with room for
    /// `capacity`, in `spare`'s buffer when it is a column of the same type.
    pub(crate) fn split_tail(
        &mut self,
        at: usize,
        capacity: usize,
        spare: Option<Column>,
    ) -> Column {
        use Column::*;
        match (self, spare) {
            (Text(v), Some(Text(o))) => Text(split_tail_into(v, at, capacity, o)),
            (Text(v), _) => Text(split_tail(v, at, capacity)),
            (Number(v), Some(Number(o))) => Number(split_tail_into(v, at, capacity, o)),
            (Number(v), _) => Number(split_tail(v, at, capacity)),
            (Bool(v), Some(Bool(o))) => Bool(split_tail_into(v, at, capacity, o)),
            (Bool(v), _) => Bool(split_tail(v, at, capacity)),
            (Time(v), Some(Time(o))) => Time(split_tail_into(v, at, capacity, o)),
            (Time(v), _) => Time(split_tail(v, at, capacity)),
            (ListText(v), _) => ListText(split_tail(v, at, capacity)),
            (ListNumber(v), _) => ListNumber(split_tail(v, at, capacity)),
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

/// Moves `v[at..]` into a new vector with room for `capacity` values
/// (`v` keeps `v[..at]`).
pub(crate) fn split_tail<T: Clone>(v: &mut Vec<T>, at: usize, capacity: usize) -> Vec<T> {
    split_tail_into(v, at, capacity, Vec::new())
}

/// [`split_tail`] into `out`'s buffer (cleared first), which is reused when
/// it has room (a recycled buffer: growing a new one faults its pages in).
pub(crate) fn split_tail_into<T: Clone>(
    v: &mut Vec<T>,
    at: usize,
    capacity: usize,
    mut out: Vec<T>,
) -> Vec<T> {
    let tail = v.get(at..).unwrap_or_default();
    out.clear();
    out.reserve(capacity.max(tail.len()));
    out.extend_from_slice(tail);
    v.truncate(at);
    out
}

/// `v[rows[0]], v[rows[1]], ...` (`missing` for indices out of range), on the rayon pool.
pub(crate) fn par_gather<T: Clone + Send + Sync>(v: &[T], rows: &[u32], missing: T) -> Vec<T> {
    use rayon::prelude::*;
    rows.par_iter()
        .with_min_len(1 << 14)
        .map(|&r| {
            v.get(r as usize)
                .cloned()
                .unwrap_or_else(|| missing.clone())
        })
        .collect()
}

/// Where staged text goes: straight into the [`Interner`], or into a
/// batch's [`super::dict::LocalDict`] to be interned when the batch is committed.
pub(crate) trait TextStore {
    type Ref: Copy;
    const MISSING: Self::Ref;
    /// Stores a text; `s` is valid UTF-8 (the caller checked it).
    fn put(&mut self, s: &[u8]) -> Self::Ref;
}

impl TextStore for Interner {
    type Ref = Sym;
    const MISSING: Sym = Sym::MISSING;
    #[inline]
    fn put(&mut self, s: &[u8]) -> Sym {
        match std::str::from_utf8(s) {
            Ok(s) => self.intern(s),
            Err(_) => Sym::MISSING,
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
