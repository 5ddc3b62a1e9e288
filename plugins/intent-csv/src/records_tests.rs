use super::*;

type Rec = (u64, String, Vec<String>, Option<&'static str>);

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// The fields of a plain record: `raw` cut at `cuts`.
fn split_at_cuts(raw: &[u8], cuts: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    for &c in cuts {
        out.push(text(&raw[from..c]));
        from = c + 1;
    }
    out.push(text(&raw[from..]));
    out
}

/// Reads the records of one piece the way the intent reader does (the
/// one-pass path first, the full parser for a record with a quote); returns
/// them, the bytes consumed and the next line number.
fn read_piece(data: &[u8], first_line: u64, last: bool) -> (Vec<Rec>, usize, u64) {
    let mut r = Records::new(data, first_line, last);
    let mut rec = Record::default();
    let mut cuts = Vec::new();
    let mut out = Vec::new();
    loop {
        match r.next_plain(&mut cuts) {
            Next::Plain(line, raw) => out.push((line, text(raw), split_at_cuts(raw, &cuts), None)),
            Next::Quoted => {
                if !r.next_into(&mut rec) {
                    break;
                }
                out.push((
                    rec.line,
                    text(rec.raw),
                    rec.fields.iter().map(|f| text(f)).collect(),
                    rec.error,
                ));
            }
            Next::End => break,
        }
    }
    (out, r.consumed(), r.next_line())
}

fn all(data: &str) -> Vec<Rec> {
    let (recs, consumed, _) = read_piece(strip_bom(data.as_bytes()), 1, true);
    assert_eq!(consumed, strip_bom(data.as_bytes()).len());
    recs
}

/// Only the full parser (the reference for the one-pass path).
fn all_slow(data: &str) -> Vec<Rec> {
    let mut r = Records::new(data.as_bytes(), 1, true);
    let mut rec = Record::default();
    let mut out = Vec::new();
    while r.next_into(&mut rec) {
        out.push((
            rec.line,
            text(rec.raw),
            rec.fields.iter().map(|f| text(f)).collect(),
            rec.error,
        ));
    }
    out
}

/// Reads `data` in two pieces cut at `cut`, carrying over what the first
/// piece leaves unread, as the file reader does.
fn in_two_pieces(data: &str, cut: usize) -> Vec<Rec> {
    let data = data.as_bytes();
    let (mut recs, consumed, next) = read_piece(&data[..cut], 1, false);
    let (rest, all_consumed, _) = read_piece(&data[consumed..], next, true);
    assert_eq!(consumed + all_consumed, data.len());
    recs.extend(rest);
    recs
}

#[test]
fn plain_records_and_crlf() {
    let r = all("\u{feff}a,b\r\n1,2\n\n3, 4");
    assert_eq!(r.len(), 4);
    assert_eq!(r[0], (1, "a,b".into(), vec!["a".into(), "b".into()], None));
    assert_eq!(r[1].2, ["1", "2"]);
    assert_eq!(r[2], (3, "".into(), vec!["".into()], None));
    assert_eq!(
        r[3],
        (4, "3, 4".into(), vec!["3".into(), " 4".into()], None)
    );
}

#[test]
fn quoted_fields_with_commas_quotes_and_newlines() {
    let r = all("x,\"a,b\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",2\nlast,1\n");
    assert_eq!(r[0].2, ["x", "a,b", "say \"hi\""]);
    assert_eq!(r[0].1, "x,\"a,b\",\"say \"\"hi\"\"\"");
    assert_eq!(r[1].0, 2);
    assert_eq!(r[1].2, ["multi\nline", "2"]);
    assert_eq!(r[2].0, 4, "line numbers count the embedded newline");
    assert_eq!(r[2].2, ["last", "1"]);
}

#[test]
fn bad_quotes_are_marked() {
    let r = all("\"a\"b,1\nq\"uote,2\n\"open,3\n");
    assert_eq!(r[0].3, Some("text after the closing quote of a field"));
    assert_eq!(r[1].2, ["q\"uote", "2"]);
    assert_eq!(r[1].3, None);
    assert_eq!(r[2].3, Some("unterminated quoted field"));
    assert_eq!(r.len(), 3);
}

#[test]
fn the_one_pass_path_finds_every_comma_and_line_end() {
    // Commas and line ends at every position of the 16-byte blocks, CRs
    // inside and at the end of lines, empty cells, a last line without a
    // line end, a quote far into a line.
    let mut data = String::new();
    for n in 0..40 {
        let cell = "x".repeat(n % 11);
        data.push_str(&format!(
            "{cell},{},,{}{}\n",
            "y".repeat(n % 7),
            n,
            "\r".repeat(n % 3)
        ));
        if n % 5 == 0 {
            data.push_str("\r\n\n,\n");
        }
    }
    data.push_str("a,b\rc,d,\"e\nf\",g\nlast,line");
    let fast = all(&data);
    assert_eq!(fast, all_slow(&data));
    assert_eq!(fast.len(), 66);
    assert!(fast.iter().any(|r| r.2 == ["a", "b\rc", "d", "e\nf", "g"]));
    assert_eq!(fast.last().unwrap().2, ["last", "line"]);
}

#[test]
fn a_piece_leaves_a_cut_off_record_for_the_next() {
    let data = "h1,h2\r\nab,\"c\r\nd\",e\r\n\"x\"\"y\",z\r\nplain,row\r\n\r\n\"q\",\"open\r\nend";
    let whole = all(data);
    assert_eq!(whole.len(), 6, "{whole:?}");
    assert_eq!(
        whole[1],
        (
            2,
            "ab,\"c\r\nd\",e".into(),
            vec!["ab".into(), "c\r\nd".into(), "e".into()],
            None
        )
    );
    assert_eq!(whole[5].3, Some("unterminated quoted field"));
    for cut in 0..=data.len() {
        assert_eq!(in_two_pieces(data, cut), whole, "cut at byte {cut}");
    }
}

#[test]
fn a_piece_that_is_not_the_last_keeps_its_unfinished_last_line() {
    let (recs, consumed, next) = read_piece(b"a,b\nc,d", 7, false);
    assert_eq!(
        recs,
        [(7, "a,b".into(), vec!["a".into(), "b".into()], None)]
    );
    assert_eq!((consumed, next), (4, 8));
    let (recs, consumed, next) = read_piece(b"\"a\nb\",c", 1, false);
    assert!(recs.is_empty());
    assert_eq!(
        (consumed, next),
        (0, 1),
        "an unfinished quoted record is not counted"
    );
}

#[test]
fn the_sixteen_byte_search_finds_exactly_the_commas_line_ends_and_quotes() {
    let alphabet = [
        b',', b'\n', b'"', b'\r', b'a', b' ', 0xff, b'-', b'.', 0x2d, 0x0b, 0xac,
    ];
    let mut seed = 0x9e37_79b9_u32;
    for _ in 0..2000 {
        let mut block = [0u8; 16];
        for b in &mut block {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            *b = alphabet[seed as usize % alphabet.len()];
        }
        assert_eq!(specials(&block), specials_bytewise(&block), "{block:?}");
    }
    let mut block = [b'x'; 16];
    block[0] = b',';
    block[15] = b'"';
    block[7] = b'\n';
    assert_eq!(specials_bytewise(&block), 1 | 1 << 7 | 1 << 15);
}
