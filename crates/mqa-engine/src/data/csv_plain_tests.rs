//! [`PlainRow`]'s reading of records against their fields (its field ends
//! come from the batch's delimiter index, tested in `csv_delims`).

use super::PlainRow;
use crate::data::csv_delims::delimiters;

/// A row over `bytes` from its start, with `bytes`' delimiter index
/// (kept in `index`).
fn row<'a>(bytes: &'a [u8], index: &'a mut Vec<u32>, width: usize) -> PlainRow<'a> {
    let n = delimiters(bytes, 0, index);
    index.truncate(n);
    PlainRow {
        bytes,
        delims: index,
        d: 0,
        pos: 0,
        n: 0,
        width,
        line: 1,
    }
}

#[test]
fn plain_rows_read_their_fields_and_only_theirs() {
    let mut ix = Vec::new();
    let text = b"ab,,2026-07-15T20:02:20Z,x\r\nnext";
    let mut r = row(text, &mut ix, 4);
    assert_eq!(r.ahead::<4>(), Some(b"ab,,"));
    assert_eq!(r.next(), Some(&b"ab"[..]));
    assert_eq!(r.next_if(0, |_| true), Some(&b""[..]));
    // Not taken: wrong length, or refused; nothing is read.
    assert_eq!(r.next_if(19, |_| true), None);
    assert_eq!(r.next_if(20, |_| false), None);
    assert_eq!(r.next_if(20, |_| true), Some(&b"2026-07-15T20:02:20Z"[..]));
    // The last field ends at the line end, less its `\r`; taken in place
    // only without one.
    assert_eq!(r.next_if(2, |_| true), None);
    assert_eq!(r.next_if(1, |_| true), None);
    assert_eq!(r.next(), Some(&b"x"[..]));
    assert_eq!((r.pos, r.n), (28, 4));

    // Fewer fields than the header, and more.
    let mut r = row(b"a,b\nc,d,e\n", &mut ix, 3);
    assert_eq!(
        (r.next(), r.next(), r.next()),
        (Some(&b"a"[..]), None, None)
    );
    let mut r = row(b"a,b,c\n", &mut ix, 2);
    assert_eq!((r.next(), r.next()), (Some(&b"a"[..]), None));
    let mut r = row(b"a,b,c\n", &mut ix, 2);
    assert_eq!(r.next(), Some(&b"a"[..]));
    assert_eq!(r.next_if(1, |_| true), None, "a comma after the last field");
    let mut r = row(b"a\n", &mut ix, 2);
    assert_eq!(
        r.next_if(1, |_| true),
        None,
        "a line end after a field before the last"
    );
    // The last record of a file, without a line end.
    let mut r = row(b"a,bc", &mut ix, 2);
    assert_eq!(
        (r.next(), r.next_if(2, |_| true)),
        (Some(&b"a"[..]), Some(&b"bc"[..]))
    );
    let mut r = row(b"a,bc\r", &mut ix, 2);
    assert_eq!((r.next(), r.next()), (Some(&b"a"[..]), Some(&b"bc"[..])));
    assert_eq!(row(b"ab", &mut ix, 1).ahead::<4>(), None);
}
