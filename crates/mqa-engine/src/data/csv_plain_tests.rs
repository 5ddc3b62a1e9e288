//! [`next_delimiter`] against a byte-by-byte search, and [`PlainRow`]'s
//! reading of records against their fields.

use super::{next_delimiter, PlainRow};

/// The first `,` or `\n` from `i`, byte by byte.
fn expected(bytes: &[u8], i: usize) -> usize {
    (i..bytes.len())
        .find(|&k| bytes[k] == b',' || bytes[k] == b'\n')
        .unwrap_or(bytes.len())
}

#[test]
fn next_delimiter_is_the_first_from_any_start() {
    // Every byte value at every place of a word, before and after a
    // delimiter (0x01 above a match is what the borrow could flag), and
    // every start.
    for v in 0..=255u8 {
        for at in 0..10 {
            for d in [b',', b'\n'] {
                let mut bytes = vec![v; 19];
                bytes[at] = d;
                bytes[(at + 1) % 19] = 0x01 ^ (v & 0x80);
                for i in 0..=bytes.len() + 1 {
                    assert_eq!(
                        next_delimiter(&bytes, i),
                        expected(&bytes, i.min(bytes.len())),
                        "byte {v:#x}, delimiter at {at}, from {i}"
                    );
                }
            }
        }
    }
    for len in 0..40 {
        let bytes: Vec<u8> = (0..len).map(|i| [b'a', 0x0b, 0x2d, 0x8a][i % 4]).collect();
        for i in 0..=len {
            assert_eq!(next_delimiter(&bytes, i), len, "{len} bytes from {i}");
        }
    }
}

fn row(bytes: &[u8], width: usize) -> PlainRow<'_> {
    PlainRow {
        bytes,
        pos: 0,
        n: 0,
        width,
        line: 1,
    }
}

#[test]
fn plain_rows_read_their_fields_and_only_theirs() {
    let text = b"ab,,2026-07-15T20:02:20Z,x\r\nnext";
    let mut r = row(text, 4);
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
    let mut r = row(b"a,b\nc,d,e\n", 3);
    assert_eq!(
        (r.next(), r.next(), r.next()),
        (Some(&b"a"[..]), None, None)
    );
    let mut r = row(b"a,b,c\n", 2);
    assert_eq!((r.next(), r.next()), (Some(&b"a"[..]), None));
    let mut r = row(b"a,b,c\n", 2);
    assert_eq!(r.next(), Some(&b"a"[..]));
    assert_eq!(r.next_if(1, |_| true), None, "a comma after the last field");
    let mut r = row(b"a\n", 2);
    assert_eq!(
        r.next_if(1, |_| true),
        None,
        "a line end after a field before the last"
    );
    // The last record of a file, without a line end.
    let mut r = row(b"a,bc", 2);
    assert_eq!(
        (r.next(), r.next_if(2, |_| true)),
        (Some(&b"a"[..]), Some(&b"bc"[..]))
    );
    let mut r = row(b"a,bc\r", 2);
    assert_eq!((r.next(), r.next()), (Some(&b"a"[..]), Some(&b"bc"[..])));
    assert_eq!(row(b"ab", 1).ahead::<4>(), None);
}
