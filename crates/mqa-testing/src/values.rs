//! Fixture values as data cells. Each value is checked against the type of
//! its field and written the way a CSV export holds it (numbers in plain
//! digits, times in RFC 3339 UTC, lists `;`-joined, missing as an empty
//! cell), so that the data readers of `mqa score` read back exactly the
//! value the test author wrote. Values a CSV file cannot hold (an empty text
//! or list, which read as missing; a `;` inside a list item) are errors
//! rather than a silent change of meaning.

use mqa_syntax::ast::{FixtureValue, Span};
use mqa_syntax::time::{format_timestamp, Micros, MICROS_PER_SECOND};
use mqa_syntax::{Diagnostic, FieldType};

/// One data cell; `None` is missing (an empty cell).
pub(crate) type Cell = Option<String>;

/// Code of a fixture value of the wrong type or one the data cannot hold.
pub(crate) const E_VALUE: &str = "E0805";

/// The type a value has on its own (to type the fields of inline signals);
/// `None` when it does not say (missing, a bare name, an empty or mixed list).
pub(crate) fn value_type(v: &FixtureValue) -> Option<FieldType> {
    match v {
        FixtureValue::Str(_) => Some(FieldType::Text),
        FixtureValue::Number(_) => Some(FieldType::Number),
        FixtureValue::Bool(..) => Some(FieldType::Bool),
        FixtureValue::Time(_) => Some(FieldType::Time),
        FixtureValue::List(items, _) => {
            if !items.is_empty() && items.iter().all(|x| matches!(x, FixtureValue::Str(_))) {
                Some(FieldType::ListText)
            } else if !items.is_empty()
                && items.iter().all(|x| matches!(x, FixtureValue::Number(_)))
            {
                Some(FieldType::ListNumber)
            } else {
                None
            }
        }
        FixtureValue::Missing(_) | FixtureValue::Name(_) => None,
    }
}

/// The value in words, for messages.
fn describe(v: &FixtureValue) -> String {
    match v {
        FixtureValue::Str(s) => format!("the text \"{}\"", s.value),
        FixtureValue::Number(n) => format!("the number {}", n.raw),
        FixtureValue::Bool(b, _) => format!("`{b}`"),
        FixtureValue::Time(t) => format!("the time {}", t.raw),
        FixtureValue::Missing(_) => "`missing`".to_string(),
        FixtureValue::List(..) => "a list".to_string(),
        FixtureValue::Name(i) => format!("the name `{}`", i.name),
    }
}

fn type_hint(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Text => "write text in double quotes, e.g. \"software\"",
        FieldType::Int => "write a whole number, e.g. 1200 or 1.2k",
        FieldType::Number => "write a number, e.g. 3.5, 1200 or 50M",
        FieldType::Bool => "write `true` or `false`",
        FieldType::Time => {
            "write a date or an RFC 3339 time, without quotes: 2026-10-31 or 2026-10-31T10:00:00Z"
        }
        FieldType::ListText => "write a list of texts, e.g. [\"it\", \"security\"]",
        FieldType::ListNumber => "write a list of numbers, e.g. [1, 2.5]",
    }
}

/// A number as a data file writes it (plain digits, read back exactly).
pub(crate) fn format_number(v: f64) -> String {
    format!("{v}")
}

/// A time as RFC 3339 UTC, keeping sub-second digits when there are any.
pub(crate) fn format_time(t: Micros) -> String {
    let base = format_timestamp(t);
    let frac = t.rem_euclid(MICROS_PER_SECOND);
    if frac == 0 {
        return base;
    }
    let digits = format!("{frac:06}");
    let digits = digits.trim_end_matches('0');
    match base.strip_suffix('Z') {
        Some(head) => format!("{head}.{digits}Z"),
        None => base,
    }
}

fn mismatch(field: &str, ty: FieldType, v: &FixtureValue) -> Diagnostic {
    let hint = match (ty, v) {
        (FieldType::Time, FixtureValue::Str(_)) => {
            "times are written without quotes: 2026-10-31 or 2026-10-31T10:00:00Z".to_string()
        }
        (FieldType::Text, FixtureValue::Name(i)) => format!("write it in quotes: \"{}\"", i.name),
        (FieldType::Int | FieldType::Number, FixtureValue::Str(s))
            if mqa_syntax::parser::parse_number(&s.value).is_some() =>
        {
            format!("remove the quotes: {}", s.value)
        }
        _ => type_hint(ty).to_string(),
    };
    Diagnostic::error(
        E_VALUE,
        v.span(),
        format!("{field} is `{ty}`, but this value is {}", describe(v)),
    )
    .with_hint(hint)
}

fn empty_text(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        E_VALUE,
        span,
        format!("{what} reads as missing in the data files"),
    )
    .with_hint("write `missing` to leave the field without a value")
}

/// Checks `v` against the field's type and gives its cell. `field` names
/// the field in messages (`the account field \`employees\``).
pub(crate) fn cell(ty: FieldType, v: &FixtureValue, field: &str) -> Result<Cell, Diagnostic> {
    match (ty, v) {
        (_, FixtureValue::Missing(_)) => Ok(None),
        (FieldType::Text, FixtureValue::Str(s)) => {
            if s.value.is_empty() {
                Err(empty_text(s.span, "an empty text"))
            } else {
                Ok(Some(s.value.clone()))
            }
        }
        (FieldType::Int, FixtureValue::Number(n)) => {
            if n.value.fract() == 0.0 {
                Ok(Some(format_number(n.value)))
            } else {
                Err(Diagnostic::error(
                    E_VALUE,
                    n.span,
                    format!("{field} is `int`, but {} is not a whole number", n.raw),
                )
                .with_hint("the data readers reject fractions in `int` columns; round it, or declare the field `number`"))
            }
        }
        (FieldType::Number, FixtureValue::Number(n)) => Ok(Some(format_number(n.value))),
        (FieldType::Bool, FixtureValue::Bool(b, _)) => Ok(Some(b.to_string())),
        (FieldType::Time, FixtureValue::Time(t)) => Ok(Some(format_time(t.micros))),
        (FieldType::ListText | FieldType::ListNumber, FixtureValue::List(items, span)) => {
            list_cell(ty, items, *span, field)
        }
        _ => Err(mismatch(field, ty, v)),
    }
}

fn list_cell(
    ty: FieldType,
    items: &[FixtureValue],
    span: Span,
    field: &str,
) -> Result<Cell, Diagnostic> {
    if items.is_empty() {
        return Err(empty_text(span, "an empty list"));
    }
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        match (ty, item) {
            (FieldType::ListText, FixtureValue::Str(s)) => {
                if s.value.is_empty() {
                    return Err(empty_text(s.span, "an empty list item"));
                }
                if s.value.contains(';') {
                    return Err(Diagnostic::error(
                        E_VALUE,
                        s.span,
                        "a list item cannot contain `;`: it separates the items in CSV data",
                    )
                    .with_hint("split it into two items, or use another character"));
                }
                parts.push(s.value.clone());
            }
            (FieldType::ListNumber, FixtureValue::Number(n)) => {
                parts.push(format_number(n.value));
            }
            _ => {
                let item_ty = if ty == FieldType::ListText {
                    FieldType::Text
                } else {
                    FieldType::Number
                };
                let d = mismatch(&format!("each item of {field}"), item_ty, item);
                return Err(d);
            }
        }
    }
    Ok(Some(parts.join(";")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqa_syntax::ast::{Number, Str, Timestamp};

    fn num(v: f64, raw: &str) -> FixtureValue {
        FixtureValue::Number(Number {
            value: v,
            raw: raw.into(),
            span: Span::default(),
        })
    }

    fn text(s: &str) -> FixtureValue {
        FixtureValue::Str(Str {
            value: s.into(),
            span: Span::default(),
        })
    }

    #[test]
    fn numbers_are_written_so_the_readers_get_them_back() {
        assert_eq!(
            cell(FieldType::Int, &num(1200.0, "1.2k"), "f").unwrap(),
            Some("1200".into())
        );
        assert_eq!(
            cell(FieldType::Number, &num(50e6, "50M"), "f").unwrap(),
            Some("50000000".into())
        );
        assert_eq!(
            cell(FieldType::Number, &num(-0.125, "-0.125"), "f").unwrap(),
            Some("-0.125".into())
        );
        let e = cell(FieldType::Int, &num(1.5, "1.5"), "the account field `x`").unwrap_err();
        assert!(e.message.contains("not a whole number"), "{}", e.message);
    }

    #[test]
    fn times_keep_fractions_and_are_utc() {
        assert_eq!(format_time(1_500_000), "1970-01-01T00:00:01.5Z");
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        let t = FixtureValue::Time(Timestamp {
            micros: 86_400_000_000,
            raw: "1970-01-02".into(),
            span: Span::default(),
        });
        assert_eq!(
            cell(FieldType::Time, &t, "f").unwrap(),
            Some("1970-01-02T00:00:00Z".into())
        );
    }

    #[test]
    fn values_csv_cannot_hold_are_errors() {
        assert!(cell(FieldType::Text, &text(""), "f").is_err());
        let l = FixtureValue::List(vec![text("a;b")], Span::default());
        assert!(cell(FieldType::ListText, &l, "f").is_err());
        let empty = FixtureValue::List(vec![], Span::default());
        assert!(cell(FieldType::ListText, &empty, "f").is_err());
        let ok = FixtureValue::List(vec![text("it"), text("hr")], Span::default());
        assert_eq!(
            cell(FieldType::ListText, &ok, "f").unwrap(),
            Some("it;hr".into())
        );
    }

    #[test]
    fn wrong_types_name_the_field_and_hint() {
        let e = cell(FieldType::Time, &text("2026-10-01"), "the event field `at`").unwrap_err();
        assert!(e.message.contains("the event field `at` is `time`"));
        assert!(e.hint.unwrap().contains("without quotes"));
        let e = cell(FieldType::Int, &text("1200"), "f").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("remove the quotes: 1200"));
        assert_eq!(
            cell(
                FieldType::Bool,
                &FixtureValue::Missing(Span::default()),
                "f"
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn value_types_for_signals() {
        assert_eq!(value_type(&num(1.0, "1")), Some(FieldType::Number));
        assert_eq!(value_type(&text("x")), Some(FieldType::Text));
        let l = FixtureValue::List(vec![text("a"), num(1.0, "1")], Span::default());
        assert_eq!(value_type(&l), None);
    }
}
