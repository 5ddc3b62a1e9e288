//! Building a model's fused groups: members joined to the group of their
//! walk, the engaged contacts marked by the events walk, and each member's
//! condition split into its leading `field == "constant"` and the rest.

use super::{Acc, Group, Member, Walk};
use crate::eval::pred::Pred;
use crate::intern::Sym;
use mqa_compiler::graph::*;

/// Adds a member to the group of its walk (a new group for a new walk).
pub(super) fn add_member<'e>(
    groups: &mut Vec<Group<'e>>,
    scan: &Scan,
    decay: DecayKind,
    mut m: Member<'e>,
) {
    let walk = match scan.collection {
        Collection::Events => Walk::Events,
        Collection::Contacts => Walk::Contacts,
        Collection::Engaged => Walk::Engaged(scan.window),
        Collection::Source(s) => Walk::Source(s),
    };
    let g = match groups.iter().position(|g| g.walk == walk) {
        Some(i) => i,
        None => {
            groups.push(Group::new(walk));
            groups.len() - 1
        }
    };
    let Some(g) = groups.get_mut(g) else {
        return;
    };
    let timed = scan.collection.is_timed();
    let window = if timed { scan.window } else { 0 };
    m.window = index_of(&mut g.windows, window);
    if let Acc::Points { decay: d, .. } = &mut m.acc {
        if timed && decay != DecayKind::None {
            *d = Some(index_of(&mut g.decays, decay));
        }
    }
    g.members.push(m);
}

/// Has the (first) events walk mark the contacts each engaged walk reads,
/// so that the account's events are walked once; the events walk goes
/// first.
pub(super) fn mark_engaged(groups: &mut Vec<Group<'_>>) {
    if !groups.iter().any(|g| matches!(g.walk, Walk::Engaged(_))) {
        return;
    }
    let events = match groups.iter().position(|g| g.walk == Walk::Events) {
        Some(i) => i,
        None => {
            groups.push(Group::new(Walk::Events));
            groups.len() - 1
        }
    };
    let first = groups.remove(events);
    groups.insert(0, first);
    let mut slots: Vec<i64> = Vec::new();
    for g in groups.iter_mut().skip(1) {
        if let Walk::Engaged(w) = g.walk {
            g.marks = vec![(0, index_of(&mut slots, w))];
        }
    }
    if let Some(ev) = groups.first_mut() {
        for (slot, w) in slots.into_iter().enumerate() {
            let window = index_of(&mut ev.windows, w);
            ev.marks.push((window, slot));
        }
    }
}

impl Group<'_> {
    /// Splits each member's condition into its leading `field ==
    /// "constant"` and the rest.
    pub(super) fn finish(&mut self) {
        for m in &mut self.members {
            if let Some((col, s, rest)) = m.pred.as_ref().and_then(leading_eq) {
                let rest = rest.cloned();
                m.key = Some((col, s));
                m.pred = rest;
            }
        }
        if self.windows.is_empty() {
            self.windows.push(0);
        }
    }
}

/// The text column and constant a condition starts with (`col == s`, or
/// `col == s and …`), and the rest of it: the condition holds for a row
/// when the column's value is `s` (then not missing) and the rest holds,
/// as [`Pred::holds_row`] tests them.
fn leading_eq<'p, 'e>(p: &'p Pred<'e>) -> Option<(&'e [Sym], Sym, Option<&'p Pred<'e>>)> {
    match p {
        Pred::TextEq(col, s) if !s.is_missing() => Some((col, *s, None)),
        Pred::And(x, y) => match &**x {
            Pred::TextEq(col, s) if !s.is_missing() => Some((col, *s, Some(&**y))),
            _ => None,
        },
        _ => None,
    }
}

/// The index of `x` in `v`, added when absent.
fn index_of<T: PartialEq>(v: &mut Vec<T>, x: T) -> usize {
    match v.iter().position(|y| *y == x) {
        Some(i) => i,
        None => {
            v.push(x);
            v.len() - 1
        }
    }
}
