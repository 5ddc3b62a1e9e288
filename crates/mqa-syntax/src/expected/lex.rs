//! Reading the raw text around a syntax error: the token found there, the
//! token before it, brackets still open, and strings that are not closed or
//! hold a bad escape. Strings never span lines, so line-based scans are exact.

/// Operators from other languages that deserve their own message.
const FOREIGN_OPS: [&str; 6] = ["<>", "&&", "||", "=>", "=<", "/*"];

/// Two-character tokens shown whole in messages.
const TWO_CHAR: [&str; 5] = ["==", "!=", "<=", ">=", "//"];

pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code of a line: everything before a `//` comment that is not inside a string.
pub(super) fn code_part(line: &str) -> &str {
    let mut in_str = false;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (in_str, c) {
            (false, '/') if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                return line.get(..i).unwrap_or(line);
            }
            (false, '"') => in_str = true,
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_str = false,
            _ => {}
        }
    }
    line
}

/// Start of the line holding `pos`.
pub(super) fn line_start(text: &str, pos: usize) -> usize {
    text.get(..pos)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |p| p + 1)
}

/// The first word of the line holding `pos` (`"25"` for a rule line).
pub(super) fn line_word(text: &str, pos: usize) -> &str {
    let start = line_start(text, pos);
    let rest = text
        .get(start..)
        .unwrap_or("")
        .trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let len = rest
        .chars()
        .take_while(|c| is_word_char(*c))
        .map(char::len_utf8)
        .sum();
    rest.get(..len).unwrap_or("")
}

/// Whether only blanks precede `pos` on its line.
pub(super) fn starts_line(text: &str, pos: usize) -> bool {
    text.get(line_start(text, pos)..pos)
        .is_some_and(|s| s.trim().is_empty())
}

/// The token that starts at `at` (a word or dotted path, a string, an operator).
pub(super) fn token_at(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "";
    };
    let len = if first == '"' {
        string_len(rest)
    } else if is_word_char(first) {
        let mut len = 0;
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let dot_then_word = c == '.' && chars.peek().is_some_and(|(_, n)| is_word_char(*n));
            if !(is_word_char(c) || dot_then_word) {
                break;
            }
            len = i + c.len_utf8();
        }
        len
    } else if FOREIGN_OPS
        .iter()
        .chain(TWO_CHAR.iter())
        .any(|op| rest.starts_with(op))
    {
        2
    } else {
        first.len_utf8()
    };
    rest.get(..len).unwrap_or(rest)
}

/// Length of the string literal at the start of `s`, up to its closing quote
/// or the end of the line.
fn string_len(s: &str) -> usize {
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return i + 1,
            '\n' => return i,
            _ => {}
        }
    }
    s.len()
}

/// A token as shown in a message: long strings are shortened.
pub(super) fn show(tok: &str) -> String {
    const MAX: usize = 32;
    if tok.chars().count() <= MAX {
        return format!("`{tok}`");
    }
    let short: String = tok.chars().take(MAX - 1).collect();
    if tok.starts_with('"') {
        format!("`{short}…\"`")
    } else {
        format!("`{short}…`")
    }
}

/// End of the last code before `pos` (skipping blanks and comments), not before `lo`.
pub(super) fn prev_code_end(text: &str, lo: usize, pos: usize) -> Option<usize> {
    let mut end = pos.min(text.len());
    loop {
        let start = line_start(text, end).max(lo);
        let code = code_part(text.get(start..end).unwrap_or("")).trim_end();
        if !code.is_empty() {
            return Some(start + code.len());
        }
        if start <= lo {
            return None;
        }
        end = start.saturating_sub(1);
    }
}

/// The token that ends at `end`.
pub(super) fn token_before(text: &str, end: usize) -> &str {
    let start = line_start(text, end);
    let code = text.get(start..end).unwrap_or("");
    if code.ends_with('"') {
        // The last string of the line that closes at `end`.
        let mut i = 0;
        while let Some(q) = code.get(i..).and_then(|r| r.find('"')).map(|q| q + i) {
            let len = string_len(code.get(q..).unwrap_or(""));
            if q + len >= code.len() {
                return code.get(q..).unwrap_or("");
            }
            i = q + len.max(1);
        }
        return "\"";
    }
    let word: usize = code
        .chars()
        .rev()
        .take_while(|c| is_word_char(*c) || *c == '.')
        .map(char::len_utf8)
        .sum();
    if word > 0 {
        return code.get(code.len() - word..).unwrap_or("");
    }
    let two = code.len().saturating_sub(2);
    match code.get(two..) {
        Some(t) if TWO_CHAR.contains(&t) => t,
        _ => {
            let last = code.chars().next_back().map_or(0, char::len_utf8);
            code.get(code.len() - last..).unwrap_or("")
        }
    }
}

/// Brackets (`(`, `[`, `{`) still open at `pos`, outermost first, as
/// (offset, bracket), scanning from `start` outside strings and comments.
pub(super) fn open_brackets(text: &str, start: usize, pos: usize) -> Vec<(usize, char)> {
    let mut stack = Vec::new();
    let mut offset = start;
    for line in text
        .get(start..pos.min(text.len()))
        .unwrap_or("")
        .split_inclusive('\n')
    {
        let code = code_part(line);
        let mut in_str = false;
        let mut chars = code.char_indices();
        while let Some((i, c)) = chars.next() {
            match (in_str, c) {
                (false, '"') => in_str = true,
                (true, '\\') => {
                    chars.next();
                }
                (true, '"') => in_str = false,
                (false, '(' | '[' | '{') => stack.push((offset + i, c)),
                (false, ')' | ']' | '}') => {
                    stack.pop();
                }
                _ => {}
            }
        }
        offset += line.len();
    }
    stack
}

pub(super) fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// An unterminated string on the line holding `pos`: the offset of its opening quote.
pub(super) fn unterminated_string(text: &str, pos: usize) -> Option<usize> {
    let start = line_start(text, pos);
    let end = text.get(pos..)?.find('\n').map_or(text.len(), |p| p + pos);
    let line = text.get(start..end)?;
    let mut open = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match (open, c) {
            (None, '/') if line.get(i..).is_some_and(|r| r.starts_with("//")) => break,
            (None, '"') => open = Some(i),
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(_), '"') => open = None,
            _ => {}
        }
    }
    open.map(|o| start + o)
}

/// A bad escape in the string starting at `at`: its offset, length and message.
pub(super) fn bad_escape(text: &str, at: usize) -> Option<(usize, usize, String)> {
    let s = text.get(at..)?;
    if !s.starts_with('"') {
        return None;
    }
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\n' => return None,
            '\\' => {
                let (_, next) = chars.next()?;
                match next {
                    '"' | '\\' | 'n' | 't' => {}
                    'u' => {
                        let rest = s.get(i + 2..).unwrap_or("");
                        let hex_len = rest
                            .strip_prefix('{')
                            .map(|r| r.chars().take_while(char::is_ascii_hexdigit).count());
                        let closed = hex_len.is_some_and(|n| {
                            (1..=6).contains(&n)
                                && rest.get(n + 1..).is_some_and(|r| r.starts_with('}'))
                        });
                        if !closed {
                            return Some((at + i, 2, "`\\u` must be followed by a character code in braces, like `\\u{e9}`".to_string()));
                        }
                    }
                    '\n' => return None,
                    other => {
                        return Some((
                            at + i,
                            1 + other.len_utf8(),
                            format!("`\\{other}` is not a known escape"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Optimal string alignment distance: Levenshtein plus swapped neighbours
/// (`wehn` is one step from `when`).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let get = |i: usize, j: usize| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let mut v = (get(i - 1, j) + 1)
                .min(get(i, j - 1) + 1)
                .min(get(i - 1, j - 1) + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                v = v.min(get(i - 2, j - 2) + 1);
            }
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = v;
            }
        }
    }
    d.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(token_at("account.tier = 1", 0), "account.tier");
        assert_eq!(token_at("\"a \\\" b\" x", 0), "\"a \\\" b\"");
        assert_eq!(token_at("<> 1", 0), "<>");
        assert_eq!(token_at("x.", 0), "x");
        let t = "let a = \"x\" // c\n  \n";
        let end = prev_code_end(t, 0, t.len()).unwrap();
        assert_eq!(token_before(t, end), "\"x\"");
        assert_eq!(token_before("a >=", 4), ">=");
    }

    #[test]
    fn brackets_ignore_strings_and_comments() {
        let t = "f(\"(\", [1 // (\n{";
        let open: Vec<char> = open_brackets(t, 0, t.len())
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert_eq!(open, ['(', '[', '{']);
    }

    #[test]
    fn escapes_and_distance() {
        assert!(bad_escape("\"a\\lb\"", 0).is_some_and(|(at, len, _)| at == 2 && len == 2));
        assert!(bad_escape("\"a\\u{e9}\"", 0).is_none());
        assert!(bad_escape("\"a\\u00e9\"", 0).is_some());
        assert_eq!(edit_distance("wehn", "when"), 1);
        assert_eq!(edit_distance("treshold", "threshold"), 1);
        assert_eq!(edit_distance("qualifies", "qualified"), 1);
        assert_eq!(edit_distance("shcema", "schema"), 1);
    }
}
