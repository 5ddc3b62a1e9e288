//! Structural identity of graph nodes, so that identical sub-expressions
//! become one node. Two nodes are the same when all their parts are equal,
//! numbers compared bit for bit (`0` and `-0` stay apart; every NaN is one
//! value), which is exactly when their `Debug` forms are equal — the key this
//! replaces, at a fraction of the cost of formatting every node.

use crate::graph::{Const, DecayKind, Node, NodeId, RecExpr, Scan};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The nodes added so far, by structural hash (already a hash: not hashed again).
#[derive(Default)]
pub(crate) struct Dedup {
    by_hash: HashMap<u64, Vec<NodeId>, BuildHasherDefault<KeyHasher>>,
}

/// A fast hasher for the structural key (multiply-rotate, as in rustc's
/// FxHash): the keys are compiler-made, so no protection against chosen
/// collisions is needed, and a collision only costs a comparison.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            if let Some(w) = word.get_mut(..chunk.len()) {
                w.copy_from_slice(chunk);
            }
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Dedup {
    /// The node among `nodes` that is the same as `node`, and `node`'s hash
    /// (to pass to [`Dedup::insert`] when there is none).
    pub fn find(&self, nodes: &[Node], node: &Node) -> (u64, Option<NodeId>) {
        let mut h = KeyHasher::default();
        node.key_hash(&mut h);
        let hash = h.finish();
        let found = self.by_hash.get(&hash).and_then(|ids| {
            ids.iter()
                .copied()
                .find(|id| nodes.get(id.index()).is_some_and(|n| n.same(node)))
        });
        (hash, found)
    }

    pub fn insert(&mut self, hash: u64, id: NodeId) {
        self.by_hash.entry(hash).or_default().push(id);
    }
}

/// Hashing and equality for the structural key.
trait Key {
    fn key_hash<H: Hasher>(&self, h: &mut H);
    fn same(&self, other: &Self) -> bool;
}

/// Types whose own `Hash` and `Eq` already are the structural key.
macro_rules! plain_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            fn key_hash<H: Hasher>(&self, h: &mut H) {
                self.hash(h);
            }
            fn same(&self, other: &Self) -> bool {
                self == other
            }
        }
    )*};
}

plain_key!(
    NodeId,
    crate::graph::StrId,
    crate::graph::Un,
    crate::graph::Bin,
    crate::graph::Collection,
    crate::graph::RecField,
    crate::graph::AggKind,
    u16,
    i64,
    bool
);

impl Key for f64 {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        bits(*self).hash(h);
    }
    fn same(&self, other: &Self) -> bool {
        bits(*self) == bits(*other)
    }
}

/// A number's bits, with one NaN for all (`Debug` prints every NaN alike).
fn bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

impl<T: Key> Key for Option<T> {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        match self {
            None => 0u8.hash(h),
            Some(x) => {
                1u8.hash(h);
                x.key_hash(h);
            }
        }
    }
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (None, None) => true,
            (Some(a), Some(b)) => a.same(b),
            _ => false,
        }
    }
}

impl<T: Key> Key for Vec<T> {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        self.len().hash(h);
        for x in self {
            x.key_hash(h);
        }
    }
    fn same(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(b))
    }
}

impl<T: Key> Key for Box<T> {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        (**self).key_hash(h);
    }
    fn same(&self, other: &Self) -> bool {
        (**self).same(other)
    }
}

impl<A: Key, B: Key> Key for (A, B) {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        self.0.key_hash(h);
        self.1.key_hash(h);
    }
    fn same(&self, other: &Self) -> bool {
        self.0.same(&other.0) && self.1.same(&other.1)
    }
}

impl Key for Const {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Const::Number(x) => x.key_hash(h),
            Const::Text(s) => s.key_hash(h),
            Const::Bool(b) => b.key_hash(h),
            Const::TextList(l) => l.key_hash(h),
            Const::NumberList(l) => l.key_hash(h),
        }
    }
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Const::Number(a), Const::Number(b)) => a.same(b),
            (Const::Text(a), Const::Text(b)) => a.same(b),
            (Const::Bool(a), Const::Bool(b)) => a.same(b),
            (Const::TextList(a), Const::TextList(b)) => a.same(b),
            (Const::NumberList(a), Const::NumberList(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Key for DecayKind {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            DecayKind::None => {}
            DecayKind::HalfLife(x) | DecayKind::Linear(x) => x.key_hash(h),
        }
    }
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (DecayKind::None, DecayKind::None) => true,
            (DecayKind::HalfLife(a), DecayKind::HalfLife(b))
            | (DecayKind::Linear(a), DecayKind::Linear(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Key for RecExpr {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            RecExpr::Field(f) => f.key_hash(h),
            RecExpr::Account(id) => id.key_hash(h),
            RecExpr::Const(c) => c.key_hash(h),
            RecExpr::Unary(op, x) => {
                op.key_hash(h);
                x.key_hash(h);
            }
            RecExpr::Binary(op, a, b) => {
                op.key_hash(h);
                a.key_hash(h);
                b.key_hash(h);
            }
            RecExpr::Between(x, lo, hi) => {
                x.key_hash(h);
                lo.key_hash(h);
                hi.key_hash(h);
            }
        }
    }
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (RecExpr::Field(a), RecExpr::Field(b)) => a.same(b),
            (RecExpr::Account(a), RecExpr::Account(b)) => a.same(b),
            (RecExpr::Const(a), RecExpr::Const(b)) => a.same(b),
            (RecExpr::Unary(o1, a), RecExpr::Unary(o2, b)) => o1.same(o2) && a.same(b),
            (RecExpr::Binary(o1, a1, b1), RecExpr::Binary(o2, a2, b2)) => {
                o1.same(o2) && a1.same(a2) && b1.same(b2)
            }
            (RecExpr::Between(x1, l1, h1), RecExpr::Between(x2, l2, h2)) => {
                x1.same(x2) && l1.same(l2) && h1.same(h2)
            }
            _ => false,
        }
    }
}

impl Key for Scan {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        let Scan {
            collection,
            window,
            filter,
        } = self;
        collection.key_hash(h);
        window.key_hash(h);
        filter.key_hash(h);
    }
    fn same(&self, other: &Self) -> bool {
        self.collection.same(&other.collection)
            && self.window.same(&other.window)
            && self.filter.same(&other.filter)
    }
}

impl Key for Node {
    fn key_hash<H: Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Node::Const(c) => c.key_hash(h),
            Node::AccountId => {}
            Node::AccountField(i) => i.key_hash(h),
            Node::Unary(op, x) => {
                op.key_hash(h);
                x.key_hash(h);
            }
            Node::Binary(op, a, b) => {
                op.key_hash(h);
                a.key_hash(h);
                b.key_hash(h);
            }
            Node::Between(x, lo, hi) => {
                x.key_hash(h);
                lo.key_hash(h);
                hi.key_hash(h);
            }
            Node::Aggregate { kind, scan, field } => {
                kind.key_hash(h);
                scan.key_hash(h);
                field.key_hash(h);
            }
            Node::PerRecord {
                points,
                scan,
                decay,
                cap,
            } => {
                points.key_hash(h);
                scan.key_hash(h);
                decay.key_hash(h);
                cap.key_hash(h);
            }
            Node::When { points, condition } => {
                points.key_hash(h);
                condition.key_hash(h);
            }
            Node::BlockSum { rules, max } => {
                rules.key_hash(h);
                max.key_hash(h);
            }
            Node::Sum(ids) => ids.key_hash(h),
            Node::Grade {
                value,
                bands,
                otherwise,
            } => {
                value.key_hash(h);
                bands.key_hash(h);
                otherwise.key_hash(h);
            }
        }
    }

    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Node::Const(a), Node::Const(b)) => a.same(b),
            (Node::AccountId, Node::AccountId) => true,
            (Node::AccountField(a), Node::AccountField(b)) => a.same(b),
            (Node::Unary(o1, a), Node::Unary(o2, b)) => o1.same(o2) && a.same(b),
            (Node::Binary(o1, a1, b1), Node::Binary(o2, a2, b2)) => {
                o1.same(o2) && a1.same(a2) && b1.same(b2)
            }
            (Node::Between(x1, l1, h1), Node::Between(x2, l2, h2)) => {
                x1.same(x2) && l1.same(l2) && h1.same(h2)
            }
            (
                Node::Aggregate {
                    kind: k1,
                    scan: s1,
                    field: f1,
                },
                Node::Aggregate {
                    kind: k2,
                    scan: s2,
                    field: f2,
                },
            ) => k1.same(k2) && s1.same(s2) && f1.same(f2),
            (
                Node::PerRecord {
                    points: p1,
                    scan: s1,
                    decay: d1,
                    cap: c1,
                },
                Node::PerRecord {
                    points: p2,
                    scan: s2,
                    decay: d2,
                    cap: c2,
                },
            ) => p1.same(p2) && s1.same(s2) && d1.same(d2) && c1.same(c2),
            (
                Node::When {
                    points: p1,
                    condition: c1,
                },
                Node::When {
                    points: p2,
                    condition: c2,
                },
            ) => p1.same(p2) && c1.same(c2),
            (Node::BlockSum { rules: r1, max: m1 }, Node::BlockSum { rules: r2, max: m2 }) => {
                r1.same(r2) && m1.same(m2)
            }
            (Node::Sum(a), Node::Sum(b)) => a.same(b),
            (
                Node::Grade {
                    value: v1,
                    bands: b1,
                    otherwise: o1,
                },
                Node::Grade {
                    value: v2,
                    bands: b2,
                    otherwise: o2,
                },
            ) => v1.same(v2) && b1.same(b2) && o1.same(o2),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Bin, Collection, RecField, StrId};

    /// The key this module replaces: nodes are the same exactly when their
    /// `Debug` forms are.
    fn debug_same(a: &Node, b: &Node) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    fn samples() -> Vec<Node> {
        let scan = |filter| Scan {
            collection: Collection::Events,
            window: 86_400,
            filter,
        };
        let field = |i| Some(RecExpr::Field(RecField::Field(i)));
        vec![
            Node::Const(Const::Number(0.0)),
            Node::Const(Const::Number(-0.0)),
            Node::Const(Const::Number(f64::NAN)),
            Node::Const(Const::Number(-f64::NAN)),
            Node::Const(Const::Number(1.5)),
            Node::Const(Const::Text(StrId(1))),
            Node::Const(Const::TextList(vec![StrId(1), StrId(2)])),
            Node::Const(Const::TextList(vec![StrId(2), StrId(1)])),
            Node::Const(Const::NumberList(vec![1.0])),
            Node::AccountId,
            Node::AccountField(1),
            Node::AccountField(2),
            Node::Binary(Bin::Eq, NodeId(1), NodeId(2)),
            Node::Binary(Bin::Eq, NodeId(2), NodeId(1)),
            Node::Binary(Bin::Ne, NodeId(1), NodeId(2)),
            Node::Aggregate {
                kind: crate::graph::AggKind::Count,
                scan: scan(None),
                field: None,
            },
            Node::Aggregate {
                kind: crate::graph::AggKind::Count,
                scan: scan(field(1)),
                field: None,
            },
            Node::Aggregate {
                kind: crate::graph::AggKind::Count,
                scan: scan(field(2)),
                field: None,
            },
            Node::PerRecord {
                points: 5.0,
                scan: scan(None),
                decay: DecayKind::HalfLife(3.0),
                cap: Some(10.0),
            },
            Node::PerRecord {
                points: 5.0,
                scan: scan(None),
                decay: DecayKind::Linear(3.0),
                cap: Some(10.0),
            },
            Node::BlockSum {
                rules: vec![NodeId(1)],
                max: None,
            },
            Node::BlockSum {
                rules: vec![NodeId(1)],
                max: Some(1.0),
            },
            Node::Sum(vec![NodeId(1), NodeId(2)]),
            Node::Grade {
                value: NodeId(1),
                bands: vec![(StrId(1), 40.0)],
                otherwise: StrId(2),
            },
        ]
    }

    #[test]
    fn same_exactly_when_debug_forms_are() {
        let a = samples();
        let b = samples();
        for x in &a {
            for y in &b {
                assert_eq!(x.same(y), debug_same(x, y), "{x:?} vs {y:?}");
                if x.same(y) {
                    let (mut h1, mut h2) = (KeyHasher::default(), KeyHasher::default());
                    x.key_hash(&mut h1);
                    y.key_hash(&mut h2);
                    assert_eq!(h1.finish(), h2.finish(), "{x:?}");
                }
            }
        }
    }

    #[test]
    fn finds_the_node_already_added() {
        let mut nodes: Vec<Node> = Vec::new();
        let mut d = Dedup::default();
        for n in samples() {
            let (hash, found) = d.find(&nodes, &n);
            let earlier = nodes.iter().position(|m| debug_same(m, &n));
            assert_eq!(found.map(NodeId::index), earlier, "{n:?}");
            if found.is_none() {
                d.insert(hash, NodeId(u32::try_from(nodes.len()).unwrap()));
                nodes.push(n);
            }
        }
        // -NaN is NaN for the key, as for `Debug`.
        assert_eq!(nodes.len(), samples().len() - 1);
    }
}
