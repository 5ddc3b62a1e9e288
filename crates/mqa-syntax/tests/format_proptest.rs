//! Property tests: random ASTs (every expression form and operator nested,
//! models with every item, schemas, sources, test files with every
//! statement and expectation; see `format_gen/`) print to text that parses
//! back to the same AST, printing is stable, and formatting the printed
//! text (also with comments sprinkled between its tokens) keeps AST and
//! comments and is idempotent.

#![allow(clippy::unwrap_used, clippy::panic)]

mod format_gen;

use format_gen::{file, ITEM_WORDS};
use mqa_syntax::ast::File;
use mqa_syntax::format::{format_file, print_file};
use mqa_syntax::{parse, scan, SourceFile};
use proptest::prelude::*;

fn parse_text(text: &str) -> File {
    parse(&SourceFile::new("gen.mqa", text))
        .unwrap_or_else(|d| panic!("printed text does not parse: {d}\n{text}"))
}

/// Puts `// cN` comments into printed text: after some spaces between
/// tokens (the rest of that statement moves to the next line) and on lines
/// of their own.
fn sprinkle(text: &str, picks: &[(usize, bool)]) -> String {
    // Spaces outside strings whose next word does not start an item
    // (a line starting with an item word would start a new item).
    let b = text.as_bytes();
    let mut spaces = Vec::new();
    let mut line_starts = vec![0];
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'\n' {
            line_starts.push(i + 1);
        } else if c == b' ' && i > 0 && b[i - 1] != b' ' {
            let rest = &text[i + 1..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !ITEM_WORDS.contains(&word.as_str()) {
                spaces.push(i);
            }
        }
        i += 1;
    }
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for (k, (pick, own_line)) in picks.iter().enumerate() {
        if *own_line {
            let at = line_starts[pick % line_starts.len()];
            inserts.push((at, format!("// c{k}\n")));
        } else if !spaces.is_empty() {
            let at = spaces[pick % spaces.len()];
            inserts.push((at, format!(" // c{k}\n    ")));
        }
    }
    inserts.sort_by_key(|(at, _)| *at);
    inserts.dedup_by_key(|(at, _)| *at);
    let mut out = String::new();
    let mut last = 0;
    for (at, ins) in inserts {
        out.push_str(&text[last..at]);
        out.push_str(&ins);
        // A space replaced by a line break is consumed.
        last = if ins.starts_with(' ') { at + 1 } else { at };
    }
    out.push_str(&text[last..]);
    out
}

fn comment_texts(text: &str) -> Vec<String> {
    scan::comments(text).into_iter().map(|c| c.text).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn printed_ast_parses_back_and_prints_the_same(f in file()) {
        let once = print_file(&f);
        let back = parse_text(&once);
        prop_assert_eq!(&back, &f, "printed:\n{}", once);
        prop_assert_eq!(print_file(&back), once.clone());
        // Formatting printed text changes nothing (its blank lines are kept).
        let formatted = format_file(&SourceFile::new("gen.mqa", once.clone())).unwrap();
        prop_assert_eq!(formatted, once);
    }

    #[test]
    fn comments_survive_formatting(f in file(), picks in prop::collection::vec((0usize..10_000, any::<bool>()), 0..8)) {
        let text = sprinkle(&print_file(&f), &picks);
        prop_assert_eq!(&parse_text(&text), &f, "with comments:\n{}", text);
        let once = format_file(&SourceFile::new("gen.mqa", text.clone())).unwrap();
        prop_assert_eq!(&parse_text(&once), &f, "formatted:\n{}", once);
        prop_assert_eq!(comment_texts(&once), comment_texts(&text), "input:\n{}\nformatted:\n{}", text, once);
        let twice = format_file(&SourceFile::new("gen.mqa", once.clone())).unwrap();
        prop_assert_eq!(twice, once.clone(), "input:\n{}", text);
    }
}
