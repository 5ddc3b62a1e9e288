//! `cargo run -p mqa-syntax --example parse -- FILE...`: parse files and print
//! rendered diagnostics (a debugging aid for grammar work).
#![allow(clippy::print_stdout)]

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let src = match mqa_syntax::scan::decode(&path, bytes) {
            Ok(s) => s,
            Err(e) => {
                let (s, d) = *e;
                print!("{}", s.render(&d, false));
                continue;
            }
        };
        match mqa_syntax::parse(&src) {
            Ok(f) => println!("{path}: ok, {} items", f.items.len()),
            Err(ds) => {
                for d in ds.0 {
                    print!("{}", src.render(&d, false));
                }
            }
        }
    }
}
