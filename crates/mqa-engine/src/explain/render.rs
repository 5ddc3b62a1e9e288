//! Explanations as output: `jsonl` lines (full decisions with their
//! context packet) and the text `mqa explain` prints.

use super::*;
use std::io::Write;

/// Writes full decisions, one JSON object per line.
pub fn write_jsonl(
    session: &Session,
    decisions: &[Decision],
    only_qualified: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let ev = session.evaluator();
    let mut scratch = Scratch::default();
    for d in decisions {
        if only_qualified && !d.qualified {
            continue;
        }
        ev.run_nodes(d.model as usize, d.account as usize, &mut scratch);
        let detail = session.detail_from(&ev, d, &mut scratch);
        serde_json::to_writer(&mut *out, &detail).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `mqa explain`: a decision in words.
pub fn render_explanation(d: &Detail, threshold: f64) -> String {
    let mut s = String::new();
    let w = |s: &mut String, line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    w(
        &mut s,
        format!(
            "{} / {} at {}: score {} (threshold {}) → {}",
            d.model,
            d.account,
            d.as_of,
            fmt_score(d.score, 2),
            fmt_num(threshold),
            if d.qualified {
                "QUALIFIED"
            } else {
                "not qualified"
            }
        ),
    );
    for b in &d.blocks {
        w(&mut s, String::new());
        let title = b
            .title
            .as_deref()
            .map(|t| format!(" \"{t}\""))
            .unwrap_or_default();
        w(
            &mut s,
            format!("block {}{title}: {}", b.name, fmt_score(b.points, 2)),
        );
        for r in &b.rules {
            let mark = if r.fired { "✓" } else { "✗" };
            w(
                &mut s,
                format!("  {mark} {:>8}  {}", format!("{:+.2}", r.points), r.label),
            );
            if !r.because.is_empty() {
                w(&mut s, format!("              {}", r.because));
            }
        }
    }
    w(&mut s, String::new());
    w(&mut s, "gates:".to_string());
    for gate in &d.gates {
        let mark = if gate.passed {
            "✓ passed"
        } else {
            "✗ FAILED"
        };
        w(&mut s, format!("  {mark}  {}", gate.name));
        w(&mut s, format!("              {}", gate.because));
    }
    for gr in &d.grades {
        w(&mut s, format!("grade {}: {}", gr.name, gr.value));
    }
    match &d.route {
        Some(r) => w(
            &mut s,
            format!("route: {} (SLA due {})", r.queue, r.sla_due),
        ),
        None if d.qualified => w(
            &mut s,
            "route: none (no route's condition holds)".to_string(),
        ),
        None => w(&mut s, "route: none (not qualified)".to_string()),
    }
    w(&mut s, String::new());
    w(&mut s, "context:".to_string());
    w(&mut s, "  top activities:".to_string());
    if d.context.top_activities.is_empty() {
        w(&mut s, "    (none scored)".to_string());
    }
    for act in &d.context.top_activities {
        w(
            &mut s,
            format!(
                "    {}  {:<14} {:<20} {:+.2}",
                act.at,
                act.kind.as_deref().unwrap_or("-"),
                act.contact.as_deref().unwrap_or("(anonymous)"),
                act.points
            ),
        );
    }
    w(
        &mut s,
        format!("  engaged contacts ({}):", d.context.engaged_contacts.len()),
    );
    for c in &d.context.engaged_contacts {
        let fields: Vec<String> = c
            .iter()
            .filter(|(k, _)| *k != "id")
            .map(|(k, v)| format!("{k}: {}", v.as_str().map_or(v.to_string(), str::to_string)))
            .collect();
        w(
            &mut s,
            format!(
                "    {}  {}",
                c.get("id").and_then(Json::as_str).unwrap_or(""),
                fields.join(", ")
            ),
        );
    }
    let topics = if d.context.intent_topics.is_empty() {
        "(none)".to_string()
    } else {
        d.context.intent_topics.join(", ")
    };
    w(&mut s, format!("  intent topics: {topics}"));
    let acct: Vec<String> = d
        .context
        .account
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.as_str().map_or(v.to_string(), str::to_string)))
        .collect();
    w(&mut s, format!("  account: {}", acct.join(", ")));
    if !d.skipped_sources.is_empty() {
        w(
            &mut s,
            format!(
                "  NOTE: sources skipped after a plugin error (empty here): {}",
                d.skipped_sources.join(", ")
            ),
        );
    }
    s
}
