//! What a grammar rule means to a rule author, and how a list of wanted
//! rules becomes one readable phrase: whole groups are named once ("a model
//! item", "an operator"), and `}` and the end of the file come last.

use crate::parser::Rule;

const TOP_LEVEL: &str = "a top-level item (`schema`, `source`, `let`, `model`, `use` or `test`)";
const MODEL_ITEM: &str =
    "a model item (`threshold`, `window`, `block`, `let`, `grade`, `gate`, `score =`, `route`)";
const TEST_STMT: &str =
    "a test statement (`model`, `as_of`, `account`, `contact`, `event`, `signal`, `expect`)";
const RULE: &str = "a rule (`25 when ...` or `10 per events ...`)";
const EXPECTATION: &str = "an expectation (`qualified`, `not qualified`, `score ...`, `grade ...`, `gate ...`, `route ...`, `block ...`, `rule ...`)";
const VALUE: &str = "a value or expression";
const OPERATOR: &str = "an operator (like `==`, `and`, `in`, `+`)";
const END_OF_FILE: &str = "the end of the file";
/// Phrases for things that start a line of their own.
pub(super) const STARTERS: [&str; 5] = [TOP_LEVEL, MODEL_ITEM, TEST_STMT, RULE, END_OF_FILE];
/// Phrases for what may continue an expression.
const CONTINUATIONS: [&str; 9] = [
    "`and`",
    "`or`",
    "`not`",
    "`in`",
    "`between`",
    "`is missing`",
    "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
    "an operator",
    "an arithmetic operator",
];

/// What a grammar rule means to a rule author (`None`: not worth naming).
fn phrase(r: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match r {
        expr | unary | paren | call | list | neg => VALUE,
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
        type_name => {
            "a type (`text`, `int`, `number`, `bool`, `time`, `list<text>`, `list<number>`)"
        }
        lbrace => "`{`",
        rbrace => "`}`",
        lparen => "`(`",
        rparen => "`)`",
        lbrack => "`[`",
        rbrack => "`]`",
        colon => "`:`",
        comma => "`,`",
        assign => "`=`",
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
        k_none => "`none`",
        decay_kind | decay_half_life | decay_linear | decay_none | k_half_life | k_linear => {
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
        | e_block | e_rule | k_qualified | k_no | k_decision | k_rule => EXPECTATION,
        gate_state => "`passed` or `failed`",
        route_none => "`none`",
        rule_check | rule_fired | rule_not_fired | k_fired => {
            "`fired`, `not fired` or a points check"
        }
        num_check => "a check (`>= 75` or `between 10 and 20`)",
        EOI => END_OF_FILE,
        chunk => TOP_LEVEL,
        _ => return None,
    })
}

/// What the grammar wanted, in words, with whole groups named once.
pub(super) fn wanted_phrases(positives: &[Rule]) -> Vec<&'static str> {
    let mut wanted: Vec<&'static str> = Vec::new();
    for r in positives {
        let mut p = phrase(*r);
        // A number where `}` may also come is the start of the next rule.
        if *r == Rule::signed_number && positives.contains(&Rule::rbrace) {
            p = Some(RULE);
        }
        if let Some(p) = p {
            if !wanted.contains(&p) {
                wanted.push(p);
            }
        }
    }
    if wanted.contains(&EXPECTATION) {
        // `expect score ...` etc.: the keywords are part of the expectation.
        wanted.retain(|w| {
            ![
                "`score =`",
                "`grade`",
                "`gate`",
                "`route`",
                "`block`",
                "`not`",
            ]
            .contains(w)
        });
    }
    if wanted.contains(&VALUE) {
        // A `not` that could start an operand is part of "a value or expression".
        wanted.retain(|w| *w != "`not`");
    }
    if wanted.contains(&"`missing`") {
        // `is` was read: `missing` or `not missing` follows.
        wanted.retain(|w| *w != "`not`" && *w != "`missing`");
        wanted.insert(0, "`missing` (or `not missing`)");
    }
    let groups: [(&[&str], usize, &'static str); 3] = [
        (
            &[
                "`threshold`",
                "`dequalify below`",
                "`window`",
                "`block`",
                "`grade`",
                "`gate`",
                "`score =`",
                "`route`",
                "`let`",
            ],
            3,
            MODEL_ITEM,
        ),
        (
            &[
                "`schema`", "`source`", "`let`", "`model`", "`use`", "`test`",
            ],
            4,
            TOP_LEVEL,
        ),
        (
            &[
                "`model`",
                "`as_of`",
                "`account`",
                "`contact`",
                "`event`",
                "`signal`",
                "`expect`",
            ],
            4,
            TEST_STMT,
        ),
    ];
    for (members, min, name) in groups {
        if members.iter().filter(|m| wanted.contains(m)).count() >= min {
            wanted.retain(|w| !members.contains(w));
            if !wanted.contains(&name) {
                wanted.insert(0, name);
            }
        }
    }
    if CONTINUATIONS.iter().filter(|c| wanted.contains(c)).count() >= 4 {
        let at = wanted
            .iter()
            .position(|w| CONTINUATIONS.contains(w))
            .unwrap_or(0);
        wanted.retain(|w| !CONTINUATIONS.contains(w));
        wanted.insert(at.min(wanted.len()), OPERATOR);
    }
    // "... or `}`" reads best, and the end of the file comes last of all.
    wanted.sort_by_key(|w| match *w {
        "`}`" => 1,
        END_OF_FILE => 2,
        _ => 0,
    });
    wanted
}

pub(super) fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}
