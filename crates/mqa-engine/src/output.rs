//! Decision output: `csv` (the conformance format, in `csv`), the aligned
//! `table`, and the row view both share.

pub(crate) mod csv;
pub use self::csv::{score_csv, write_csv, CsvSink, ScoredCsv};

use crate::eval::Decision;
use crate::run::Session;
use mqa_syntax::time::format_timestamp;
use std::fmt::Write as _;

/// When a route's SLA falls due for a run at `as_of`, as RFC 3339.
pub(crate) fn sla_due(
    as_of: mqa_syntax::time::Micros,
    route: &mqa_compiler::graph::RouteInfo,
) -> String {
    format_timestamp(as_of.saturating_add(route.sla.saturating_mul(1_000_000)))
}

/// One decision as the `csv`/`table` formats show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'s> {
    pub model: &'s str,
    pub account: &'s str,
    pub score: f64,
    pub qualified: bool,
    pub grade: &'s str,
    pub route: &'s str,
    pub sla_due: String,
    pub failed_gates: Vec<&'s str>,
}

impl Session {
    /// When a route's SLA falls due: `as_of` plus the SLA, as RFC 3339.
    pub fn sla_due(&self, route: &mqa_compiler::graph::RouteInfo) -> String {
        sla_due(self.as_of, route)
    }

    /// The printable view of a decision.
    pub fn row<'s>(&'s self, d: &Decision) -> Row<'s> {
        let g = self.program.models.get(d.model as usize);
        let route = d
            .route
            .and_then(|r| g.and_then(|g| g.routes.get(r as usize)));
        Row {
            model: g.map_or("", |g| g.name.as_str()),
            account: self
                .data
                .accounts
                .id
                .get(d.account as usize)
                .map_or("", |s| self.interner.resolve(*s)),
            score: d.score,
            qualified: d.qualified,
            grade: d.grades.first().map_or("", |s| self.interner.resolve(*s)),
            route: route.map_or("", |r| r.queue.as_str()),
            sla_due: route.map_or(String::new(), |r| self.sla_due(r)),
            failed_gates: d
                .failed_gates
                .iter()
                .filter_map(|i| {
                    g.and_then(|g| g.gates.get(*i as usize))
                        .map(|x| x.name.as_str())
                })
                .collect(),
        }
    }
}

/// `score` with exactly 6 decimals (empty when the score is missing).
pub fn fmt_score(v: f64, decimals: usize) -> String {
    let mut s = String::new();
    push_score(&mut s, v, decimals);
    s
}

/// Appends [`fmt_score`]'s text to `out`.
pub fn push_score(out: &mut String, v: f64, decimals: usize) {
    if v.is_nan() {
        return;
    }
    if decimals == 6 && push_score6_fast(out, v) {
        return;
    }
    let s = format!("{v:.decimals$}");
    // Avoid "-0.000000" for tiny negative values.
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        out.push_str(s.trim_start_matches('-'));
    } else {
        out.push_str(&s);
    }
}

/// `v` with 6 decimals by integer arithmetic, when that is sure to give
/// the same text as `format!("{v:.6}")` (which rounds the exact binary
/// value): when `|v| < 2^31`, `v * 1e6` is below 2^51 and the computed
/// product is off the exact one by at most half a unit in its last place,
/// less than `scaled * EPSILON`; so when its fraction is further than that
/// from a half, the exact product rounds to the same integer. (The margin
/// was a flat 0.3, which sent three values in five to `format!`: a string
/// allocated per score.) Returns false (nothing written) otherwise.
fn push_score6_fast(out: &mut String, v: f64) -> bool {
    const LIMIT: f64 = 2_147_483_648.0; // 2^31
    if v.is_nan() || v.abs() >= LIMIT {
        return false;
    }
    let scaled = v.abs() * 1e6;
    let frac = scaled - scaled.floor();
    if (frac - 0.5).abs() <= scaled * f64::EPSILON {
        return false;
    }
    // Below 2^53, so exact as an integer.
    let n = scaled.round() as u64;
    if v < 0.0 && n != 0 {
        out.push('-');
    }
    // Integers format exactly and fast (the float algorithm was the slow
    // part); writing to a `String` cannot fail.
    let _ = write!(out, "{}.{:06}", n / 1_000_000, n % 1_000_000);
    true
}

/// Renders decisions as an aligned table: qualified first, then by score (highest first).
pub fn render_table(session: &Session, decisions: &[Decision], only_qualified: bool) -> String {
    let mut rows: Vec<Row<'_>> = decisions
        .iter()
        .filter(|d| d.qualified || !only_qualified)
        .map(|d| session.row(d))
        .collect();
    rows.sort_by(|a, b| {
        b.qualified
            .cmp(&a.qualified)
            // Highest score first; a missing score (NaN) last.
            .then(a.score.is_nan().cmp(&b.score.is_nan()))
            .then(b.score.total_cmp(&a.score))
            .then(a.account.cmp(b.account))
    });
    let header = [
        "MODEL",
        "ACCOUNT",
        "SCORE",
        "QUALIFIED",
        "GRADE",
        "ROUTE",
        "SLA DUE",
        "FAILED GATES",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.model.to_string(),
                r.account.to_string(),
                fmt_score(r.score, 2),
                if r.qualified {
                    "yes".into()
                } else {
                    "no".into()
                },
                r.grade.to_string(),
                r.route.to_string(),
                r.sla_due.clone(),
                r.failed_gates.join(", "),
            ]
        })
        .collect();
    let mut width = header.map(|h| h.chars().count());
    for c in &cells {
        for (i, v) in c.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(v.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, vals: &[&str]| {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            let w = width.get(i).copied().unwrap_or(0);
            // Numbers right-aligned, text left-aligned; no padding after the last column.
            if i == 2 {
                s.push_str(&format!("{v:>w$}"));
            } else if i + 1 == vals.len() {
                s.push_str(v);
            } else {
                s.push_str(&format!("{v:<w$}"));
            }
            if i + 1 < vals.len() {
                s.push_str("  ");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut out, &header);
    for c in &cells {
        let v: Vec<&str> = c.iter().map(String::as_str).collect();
        line(&mut out, &v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(v: f64) -> String {
        let s = format!("{v:.6}");
        if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }

    #[test]
    fn six_decimals_match_format_exactly() {
        let mut cases = vec![
            0.0,
            -0.0,
            1.0,
            -1.5,
            127.700475,
            0.0000005,
            0.0000015,
            0.0000025,
            -0.0000004,
            2.5e-7,
            999_999.999_999_5,
            2_147_483_647.9,
            2_147_483_648.0,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // A deterministic spread of magnitudes and fractions.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mag = 10f64.powi((x % 12) as i32 - 3);
            let v = (x >> 11) as f64 / (1u64 << 53) as f64 * mag;
            cases.push(if x & 1 == 0 { v } else { -v });
            // Values near a half of the last decimal.
            cases.push(((x % 10_000_000) as f64 + 0.5) / 1e6);
            // Exact halves (`k / 128`: `v * 1e6` ends in .5 exactly), and
            // the floats either side of them and of near-halves.
            let half = (x % 1_000_000) as f64 / 128.0;
            let near = ((x % 1_000_000_000) as f64 + 0.5) / 1e6;
            for h in [half, near] {
                cases.extend([
                    h,
                    f64::from_bits(h.to_bits() + 1),
                    f64::from_bits(h.to_bits().saturating_sub(1)),
                ]);
            }
        }
        for v in cases {
            assert_eq!(fmt_score(v, 6), slow(v), "value {v:e}");
        }
        assert_eq!(fmt_score(f64::NAN, 6), "");
        assert_eq!(fmt_score(12.5, 2), "12.50");
        assert_eq!(fmt_score(-0.001, 2), "0.00");
    }
}
