//! Decision output: `csv` (the conformance format), the aligned `table`, and
//! the row view both share.

use crate::eval::Decision;
use crate::run::Session;
use mqa_syntax::time::format_timestamp;
use std::io::Write;

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
            sla_due: route.map_or(String::new(), |r| {
                format_timestamp(self.as_of.saturating_add(r.sla.saturating_mul(1_000_000)))
            }),
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
    if v.is_nan() {
        String::new()
    } else {
        let s = format!("{v:.decimals$}");
        // Avoid "-0.000000" for tiny negative values.
        if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }
}

/// Writes decisions as CSV: `model,account,score,qualified,grade,route,sla_due,failed_gates`.
pub fn write_csv(
    session: &Session,
    decisions: &[Decision],
    only_qualified: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    w.write_record([
        "model",
        "account",
        "score",
        "qualified",
        "grade",
        "route",
        "sla_due",
        "failed_gates",
    ])?;
    for d in decisions {
        if only_qualified && !d.qualified {
            continue;
        }
        let r = session.row(d);
        w.write_record([
            r.model,
            r.account,
            &fmt_score(r.score, 6),
            if r.qualified { "true" } else { "false" },
            r.grade,
            r.route,
            &r.sla_due,
            &r.failed_gates.join(";"),
        ])?;
    }
    w.flush()
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
