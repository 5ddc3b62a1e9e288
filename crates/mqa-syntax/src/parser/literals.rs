//! Literals: numbers (`10M`, `1.2k`), durations (`14d`), strings with
//! escapes, timestamps.

use super::*;

impl Builder {
    pub(super) fn number(&self, p: P<'_>) -> R<Number> {
        let raw = p.as_str();
        let span = self.span(&p);
        let value = parse_number(raw).ok_or_else(|| {
            let shown: String = if raw.chars().count() > 24 {
                format!("{}…", raw.chars().take(20).collect::<String>())
            } else {
                raw.to_string()
            };
            Diagnostic::error(
                "E0106",
                span,
                format!("the number `{shown}` is too large for mqa"),
            )
            .with_hint("numbers must stay below about 1.8e308 (use the `k`, `M`, `B` suffixes for readability)")
        })?;
        Ok(Number {
            value,
            raw: raw.to_string(),
            span,
        })
    }

    pub(super) fn duration(&self, p: P<'_>) -> R<Duration> {
        let raw = p.as_str();
        let span = self.span(&p);
        let seconds = parse_duration(raw).ok_or_else(|| {
            Diagnostic::error("E0106", span, format!("the duration `{raw}` is too long"))
                .with_hint("durations are counted in minutes (m), hours (h), days (d) or weeks (w)")
        })?;
        Ok(Duration {
            seconds,
            raw: raw.to_string(),
            span,
        })
    }

    pub(super) fn string(&self, p: P<'_>) -> R<Str> {
        let span = self.span(&p);
        let raw = p.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        let value = unescape(body).map_err(|(at, msg)| {
            let start = span.start as usize + 1 + at;
            Diagnostic::error("E0105", Span::new(start, start + 2), msg)
                .with_hint("valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`")
        })?;
        Ok(Str { value, span })
    }

    pub(super) fn timestamp(&self, p: P<'_>) -> R<Timestamp> {
        let span = self.span(&p);
        let raw = p.as_str();
        let micros = crate::time::parse_timestamp(raw).ok_or_else(|| {
            Diagnostic::error("E0107", span, format!("`{raw}` is not a valid date or time"))
                .with_hint("write a date as `2026-11-01` or a time as `2026-11-01T10:00:00Z` (with `Z` or an offset like `+02:00`)")
        })?;
        Ok(Timestamp {
            micros,
            raw: raw.to_string(),
            span,
        })
    }
}
