//! Turns pest's "expected rule X" into words a rule author knows, and adds
//! hints for the usual slips: a missing `}`, `=` instead of `==`, a duration
//! without unit, an unterminated string, a reserved word used as a name.

use crate::ast::Span;
use crate::diagnostic::Diagnostic;
use crate::parser::Rule;
use pest::error::{Error, ErrorVariant, InputLocation};

/// What a grammar rule means to a rule author (`None`: not worth naming).
fn phrase(r: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match r {
        expr | or_expr | and_expr | not_expr | cmp_expr | add_expr | mul_expr | unary | paren
        | path | call | list | neg => "a value or expression",
        k_or => "`or`",
        k_and => "`and`",
        k_not => "`not`",
        k_in => "`in`",
        k_between => "`between`",
        k_contains => "`contains`",
        k_starts_with => "`starts_with`",
        k_ends_with => "`ends_with`",
        k_is => "`is missing`",
        k_missing => "`missing`",
        k_when => "`when`",
        k_per => "`per`",
        k_where => "`where`",
        k_within => "`within`",
        k_cap => "`cap`",
        k_required => "`required`",
        k_true | k_false => "`true` or `false`",
        k_else => "`else`",
        compare | cmp_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        between | in_list | text_test | text_op | is_missing => "an operator",
        add_op | mul_op => "an arithmetic operator",
        ident | any_word => "a name",
        number | signed_number => "a number",
        duration => "a duration (like `30d`, `24h`, `90m`, `2w`)",
        string => "a text in double quotes",
        timestamp => "a date (`2026-11-01`) or time (`2026-11-01T10:00:00Z`)",
        type_name => "a type (`text`, `int`, `number`, `bool`, `time`, `list<text>`, `list<number>`)",
        lbrace => "`{`",
        rbrace => "`}`",
        lparen => "`(`",
        rparen => "`)`",
        lbrack => "`[`",
        rbrack => "`]`",
        colon => "`:`",
        comma => "`,`",
        assign => "`=`",
        dot => "`.`",
        band_ge => "`>=`",
        k_schema | schema => "`schema`",
        k_source | source => "`source`",
        k_let | let_item => "`let`",
        k_model | model | t_model => "`model`",
        k_use | use_item => "`use`",
        k_test | test => "`test`",
        k_plugin => "`plugin`",
        k_for | model_for => "`for`",
        k_threshold | threshold => "`threshold`",
        k_dequalify | dequalify => "`dequalify below`",
        k_below => "`below`",
        k_window | window => "`window`",
        k_block | block => "`block`",
        k_decay | block_decay => "`decay`",
        decay_kind | decay_half_life | decay_linear | decay_none | k_half_life | k_linear | k_none => {
            "a decay (`half_life 14d`, `linear 30d` or `none`)"
        }
        k_max | block_max => "`max`",
        block_within | agg_within | per_within => "`within`",
        agg_where | per_where => "`where`",
        per_cap => "`cap`",
        k_grade | grade => "`grade`",
        k_from => "`from`",
        k_gate | gate => "`gate`",
        k_score | score_item => "`score =`",
        k_route | route => "`route`",
        k_sla => "`sla`",
        route_when => "`when`",
        point_rule => "a rule (`25 when ...` or `10 per events ...`)",
        when_rule | per_rule => "`when` or `per`",
        field_decl => "a field (`name: type`)",
        config_entry => "a setting (`key: value`)",
        config_value | config_list => "a value (text, number, `true`/`false` or a list)",
        grade_band => "a grade band (`A >= 40`)",
        grade_else => "`else`",
        band_label => "a grade name",
        t_as_of | k_as_of => "`as_of`",
        t_account | k_account => "`account`",
        t_contact | k_contact => "`contact`",
        t_event | k_event => "`event`",
        t_signal | k_signal => "`signal`",
        t_expect | k_expect => "`expect`",
        fixture => "`{`",
        fixture_field => "a field (`name: value`)",
        fixture_value | fixture_list => "a value",
        e_qualified | e_not_qualified | e_no_decision | e_score | e_grade | e_gate | e_route
        | e_block | e_rule | k_qualified | k_no | k_decision | k_rule => {
            "an expectation (`qualified`, `not qualified`, `score ...`, `grade ...`, `gate ...`, `route ...`, `block ...`, `rule ...`)"
        }
        gate_state => "`passed` or `failed`",
        route_none => "`none`",
        rule_check | rule_fired | rule_not_fired | k_fired => "`fired`, `not fired` or a points check",
        num_check => "a check (`>= 75` or `between 10 and 20`)",
        EOI => "the end of the file",
        _ => return None,
    })
}

/// Words that expressions reserve; they cannot name things.
const RESERVED: [&str; 19] = [
    "and", "or", "not", "in", "between", "contains", "starts_with", "ends_with", "is", "missing",
    "when", "per", "where", "within", "cap", "required", "true", "false", "else",
];

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The token found at `pos`, in words.
fn found_at(text: &str, pos: usize, chunk_end: usize) -> String {
    let rest = text.get(pos..chunk_end).unwrap_or("");
    let trimmed = rest.trim_start();
    if trimmed.is_empty() {
        return if chunk_end >= text.len() {
            "the end of the file".to_string()
        } else {
            "the next top-level item".to_string()
        };
    }
    let first = trimmed.chars().next().unwrap_or(' ');
    if first == '"' {
        return "a text in double quotes".to_string();
    }
    if first.is_alphanumeric() || first == '_' {
        let word: String = trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .take(40)
            .collect();
        return format!("`{word}`");
    }
    let two: String = trimmed.chars().take(2).collect();
    if ["==", "!=", "<=", ">=", "//"].contains(&two.as_str()) {
        return format!("`{two}`");
    }
    if first == '\n' {
        return "the end of the line".to_string();
    }
    format!("`{first}`")
}

/// Finds the innermost `{` still open at `pos` (outside strings and comments).
fn unclosed_brace(text: &str, start: usize, pos: usize) -> Option<usize> {
    let mut stack = Vec::new();
    let bytes = text.as_bytes();
    let mut i = start;
    let mut in_str = false;
    while i < pos {
        let c = *bytes.get(i)?;
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' || c == b'\n' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < pos && bytes.get(i) != Some(&b'\n') {
                i += 1;
            }
        } else if c == b'{' {
            stack.push(i);
        } else if c == b'}' {
            stack.pop();
        }
        i += 1;
    }
    stack.pop()
}

/// An unterminated string on the line holding `pos`: the offset of its opening quote.
fn unterminated_string(text: &str, pos: usize) -> Option<usize> {
    let line_start = text.get(..pos)?.rfind('\n').map_or(0, |p| p + 1);
    let line_end = text.get(pos..)?.find('\n').map_or(text.len(), |p| p + pos);
    let line = text.get(line_start..line_end)?;
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
    open.map(|o| line_start + o)
}

/// Describes a pest error for the stretch `chunk_start..chunk_end` of `text`.
pub(crate) fn describe(e: &Error<Rule>, text: &str, chunk_start: usize, chunk_end: usize) -> Diagnostic {
    let rel = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = chunk_start + rel;
    let positives: Vec<Rule> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let mut wanted: Vec<&str> = Vec::new();
    for r in &positives {
        if let Some(p) = phrase(*r) {
            if !wanted.contains(&p) {
                wanted.push(p);
            }
        }
    }
    // Name whole groups instead of listing every keyword that may start one.
    let model_items = ["`threshold`", "`dequalify below`", "`window`", "`block`", "`grade`", "`gate`", "`score =`", "`route`"];
    if model_items.iter().filter(|m| wanted.contains(m)).count() >= 3 {
        wanted.retain(|w| !model_items.contains(w) && *w != "`let`");
        wanted.insert(0, "a model item (`threshold`, `window`, `block`, `let`, `grade`, `gate`, `score =`, `route`)");
    }
    let items = ["`schema`", "`source`", "`let`", "`model`", "`use`", "`test`"];
    if items.iter().filter(|m| wanted.contains(m)).count() >= 4 {
        wanted.retain(|w| !items.contains(w));
        wanted.insert(0, "a top-level item (`schema`, `source`, `let`, `model`, `use` or `test`)");
    }
    let test_stmts = ["`model`", "`as_of`", "`account`", "`contact`", "`event`", "`signal`", "`expect`"];
    if test_stmts.iter().filter(|m| wanted.contains(m)).count() >= 4 {
        wanted.retain(|w| !test_stmts.contains(w));
        wanted.insert(0, "a test statement (`model`, `as_of`, `account`, `contact`, `event`, `signal`, `expect`)");
    }
    // `}` last: "expected a model item or `}`" reads best.
    wanted.sort_by_key(|w| if w.starts_with("`}`") { 1 } else { 0 });
    let found = found_at(text, pos, chunk_end);
    let rest = text.get(pos..).unwrap_or("");
    let at_tok = pos + (rest.len() - rest.trim_start().len());
    let tok_len = rest
        .trim_start()
        .chars()
        .next()
        .map_or(1, |c| if c.is_alphanumeric() || c == '_' {
            rest.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .map(char::len_utf8)
                .sum()
        } else {
            c.len_utf8()
        });

    // 1. Unterminated string.
    if let Some(q) = unterminated_string(text, pos.min(text.len())) {
        let line_end = text.get(q..).and_then(|r| r.find('\n')).map_or(text.len(), |p| p + q);
        return Diagnostic::error("E0102", Span::new(q, line_end), "this text is not closed")
            .with_hint("add a closing `\"` before the end of the line (write `\\\"` for a quote inside the text)");
    }

    let expected_text = if wanted.is_empty() {
        "something else".to_string()
    } else {
        join_or(&wanted)
    };
    let code_end = text
        .get(..pos.min(text.len()))
        .map_or(pos, |s| s.trim_end().len());

    // 2. Missing `}` at the end of an item.
    let at_end = text.get(pos..chunk_end).is_some_and(|r| r.trim().is_empty() || only_comments(r));
    if at_end && positives.contains(&Rule::rbrace) {
        let d = Diagnostic::error(
            "E0101",
            Span::new(code_end.saturating_sub(1), code_end),
            format!("expected `}}`, found {found}"),
        );
        return match unclosed_brace(text, chunk_start, pos) {
            Some(open) => d
                .with_related(Span::new(open, open + 1), "this `{` is never closed")
                .with_hint("add the missing `}` to close the block"),
            None => d.with_hint("add the missing `}`"),
        };
    }

    let span = Span::new(at_tok, at_tok + tok_len.max(1));
    let mut d = Diagnostic::error("E0101", span, format!("expected {expected_text}, found {found}"));

    // 3. `=` where a comparison was possible.
    let single_eq = rest.trim_start().starts_with('=') && !rest.trim_start().starts_with("==");
    if single_eq && positives.iter().any(|r| matches!(r, Rule::cmp_op | Rule::compare)) {
        d.message = "expected `==` to compare, found `=`".to_string();
        return d.with_hint("use `==` to compare two values (`=` only appears in `let` and `score =`)");
    }

    // 4. A duration without unit.
    if positives.contains(&Rule::duration) {
        let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            let after = rest.trim_start().get(digits.len()..).unwrap_or("");
            let unit_ok = after.starts_with(['m', 'h', 'd', 'w']);
            if !unit_ok {
                d.message = format!("expected a duration, found the number `{digits}`");
                d.span = Span::new(at_tok, at_tok + digits.len());
                return d.with_hint(format!(
                    "a duration needs a unit: `{digits}d` (days), `{digits}h` (hours), `{digits}m` (minutes) or `{digits}w` (weeks)"
                ));
            }
        }
    }

    // 5. A reserved word where a name was expected.
    let word: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if positives.iter().any(|r| matches!(r, Rule::ident)) && RESERVED.contains(&word.as_str()) {
        return d.with_hint(format!("`{word}` is a reserved word and cannot be used as a name"));
    }

    // 6. A misspelled keyword.
    if !word.is_empty() {
        let candidates = positives.iter().filter_map(|r| phrase(*r)).filter_map(|p| {
            let inner = p.strip_prefix('`')?.strip_suffix('`')?;
            inner.split(' ').next()
        });
        let near = candidates
            .chain(if wanted.iter().any(|w| w.starts_with("a model item")) {
                vec!["threshold", "dequalify", "window", "block", "let", "grade", "gate", "score", "route"]
            } else {
                vec![]
            })
            .chain(if wanted.iter().any(|w| w.starts_with("a top-level item")) {
                vec!["schema", "source", "let", "model", "use", "test"]
            } else {
                vec![]
            })
            .filter(|c| c.chars().all(|ch| ch.is_alphanumeric() || ch == '_'))
            .map(|c| (edit_distance(&word, c), c))
            .filter(|(d, c)| *d > 0 && *d <= (c.len() / 3).max(1))
            .min();
        if let Some((_, c)) = near {
            return d.with_hint(format!("did you mean `{c}`?"));
        }
    }

    // 7. `}` missing before the next item (the item was cut at a top-level keyword).
    if at_end && chunk_end < text.len() {
        if let Some(open) = unclosed_brace(text, chunk_start, pos) {
            return d
                .with_related(Span::new(open, open + 1), "this `{` is never closed")
                .with_hint("add the missing `}` before the next item");
        }
    }
    d
}

fn only_comments(s: &str) -> bool {
    s.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with("//")
    })
}

/// Levenshtein distance (small words only).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
