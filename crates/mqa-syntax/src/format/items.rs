//! From AST to layout tree: the text of every statement line and block
//! header, anchored to the statement's source range when there is a source.

use super::expr::{band_label, config_value, expectation, fixture, print_expr, quote};
use super::layout::{Kind, Node, Source};
use crate::ast::*;

pub(crate) struct Builder<'a> {
    /// The parsed text; `None` when printing a bare AST (then blank lines
    /// follow a fixed rule, see `default_blank_lines`).
    pub src: Option<&'a Source<'a>>,
}

impl Builder<'_> {
    pub fn file(&self, f: &File) -> Vec<Node> {
        let mut nodes: Vec<Node> = f.items.iter().map(|i| self.item(i)).collect();
        if self.src.is_none() {
            for n in nodes.iter_mut().skip(1) {
                n.blank_before = true;
            }
        }
        nodes
    }

    fn range(&self, span: Span) -> (usize, usize) {
        let (s, e) = (span.start as usize, span.end as usize);
        match self.src {
            Some(src) => (s, src.tight_end(s, e)),
            None => (0, 0),
        }
    }

    fn line(&self, text: String, span: Span) -> Node {
        let (s, e) = self.range(span);
        Node::new(Kind::Line(text), s, e)
    }

    fn block(&self, header: String, span: Span, children: Vec<Node>) -> Node {
        let (s, e) = self.range(span);
        let open = self.src.map_or(0, |src| src.open_brace(s));
        Node::new(
            Kind::Block {
                header,
                open,
                children,
                close_trailing: None,
            },
            s,
            e,
        )
    }

    fn item(&self, item: &Item) -> Node {
        match item {
            Item::Schema(s) => {
                let fields = s
                    .fields
                    .iter()
                    .map(|f| self.line(format!("{}: {}", f.name.name, f.ty.as_str()), f.span))
                    .collect();
                self.block(format!("schema {}", s.kind.as_str()), s.span, fields)
            }
            Item::Source(s) => {
                let header = format!("source {} = plugin {}", s.name.name, quote(&s.plugin.value));
                if s.config.is_empty() {
                    self.line(header, s.span)
                } else {
                    let entries = s
                        .config
                        .iter()
                        .map(|e| {
                            self.line(
                                format!("{}: {}", e.key.name, config_value(&e.value)),
                                e.span,
                            )
                        })
                        .collect();
                    self.block(header, s.span, entries)
                }
            }
            Item::Let(l) => self.line(let_line(l), l.span),
            Item::Model(m) => self.model(m),
            Item::Use(u) => self.line(format!("use {}", quote(&u.path.value)), u.span),
            Item::Test(t) => {
                let stmts = t
                    .statements
                    .iter()
                    .map(|s| self.line(test_stmt(s), s.span()))
                    .collect();
                self.block(format!("test {}", quote(&t.name.value)), t.span, stmts)
            }
        }
    }

    fn model(&self, m: &Model) -> Node {
        let mut header = format!("model {}", m.name.name);
        if let Some(c) = &m.applies_when {
            header.push_str(" for ");
            header.push_str(&print_expr(c));
        }
        let mut items: Vec<Node> = m.items.iter().map(|i| self.model_item(i)).collect();
        if self.src.is_none() {
            default_blank_lines(&m.items, &mut items);
        }
        self.block(header, m.span, items)
    }

    fn model_item(&self, item: &ModelItem) -> Node {
        let text = match item {
            ModelItem::Threshold(n, _) => format!("threshold {}", n.raw),
            ModelItem::Dequalify(n, _) => format!("dequalify below {}", n.raw),
            ModelItem::Window(d, _) => format!("window {}", d.raw),
            ModelItem::Block(b) => {
                let rules = b
                    .rules
                    .iter()
                    .map(|r| self.line(point_rule(r), r.span))
                    .collect();
                return self.block(block_header(b), b.span, rules);
            }
            ModelItem::Let(l) => let_line(l),
            ModelItem::Grade(g) => grade_line(g),
            ModelItem::Gate(g) => format!("gate {}: {}", g.name.name, print_expr(&g.condition)),
            ModelItem::Score(e, _) => format!("score = {}", print_expr(e)),
            ModelItem::Route(r) => {
                let mut s = format!("route {} sla {}", quote(&r.queue.value), r.sla.raw);
                if let Some(c) = &r.condition {
                    s.push_str(" when ");
                    s.push_str(&print_expr(c));
                }
                s
            }
        };
        self.line(text, item.span())
    }
}

/// Without a source to copy blank lines from, a block stands apart from
/// its neighbours and other model items follow each other directly.
fn default_blank_lines(items: &[ModelItem], nodes: &mut [Node]) {
    let is_block = |i: usize| matches!(items.get(i), Some(ModelItem::Block(_)));
    for (i, n) in nodes.iter_mut().enumerate().skip(1) {
        n.blank_before = is_block(i) || is_block(i - 1);
    }
}

fn let_line(l: &Let) -> String {
    format!("let {} = {}", l.name.name, print_expr(&l.value))
}

fn block_header(b: &Block) -> String {
    let mut s = format!("block {}", b.name.name);
    if let Some(t) = &b.title {
        s.push(' ');
        s.push_str(&quote(&t.value));
    }
    if let Some(d) = &b.within {
        s.push_str(" within ");
        s.push_str(&d.raw);
    }
    if let Some((decay, _)) = &b.decay {
        s.push_str(" decay ");
        match decay {
            Decay::HalfLife(d) => {
                s.push_str("half_life ");
                s.push_str(&d.raw);
            }
            Decay::Linear(d) => {
                s.push_str("linear ");
                s.push_str(&d.raw);
            }
            Decay::None => s.push_str("none"),
        }
    }
    if let Some(m) = &b.max {
        s.push_str(" max ");
        s.push_str(&m.raw);
    }
    s
}

/// `25 when COND "Label" required` or `15 per C within D where COND cap N "Label"`.
fn point_rule(r: &PointRule) -> String {
    let mut s = r.points.raw.clone();
    let mut required = false;
    match &r.kind {
        RuleKind::When {
            condition,
            required: req,
        } => {
            s.push_str(" when ");
            s.push_str(&print_expr(condition));
            required = *req;
        }
        RuleKind::Per {
            collection,
            within,
            filter,
            cap,
        } => {
            s.push_str(" per ");
            s.push_str(&collection.name);
            if let Some(d) = within {
                s.push_str(" within ");
                s.push_str(&d.raw);
            }
            if let Some(f) = filter {
                s.push_str(" where ");
                s.push_str(&print_expr(f));
            }
            if let Some(c) = cap {
                s.push_str(" cap ");
                s.push_str(&c.raw);
            }
        }
    }
    if let Some(l) = &r.label {
        s.push(' ');
        s.push_str(&quote(&l.value));
    }
    if required {
        s.push_str(" required");
    }
    s
}

/// `grade fit_grade from fit { A >= 40, B >= 25, else D }`
fn grade_line(g: &Grade) -> String {
    let mut bands: Vec<String> = g
        .bands
        .iter()
        .map(|b| format!("{} >= {}", band_label(&b.label), b.bound.raw))
        .collect();
    if let Some(e) = &g.otherwise {
        bands.push(format!("else {}", band_label(e)));
    }
    let body = if bands.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", bands.join(", "))
    };
    format!("grade {} from {} {body}", g.name.name, print_expr(&g.from))
}

fn test_stmt(s: &TestStmt) -> String {
    match s {
        TestStmt::Model(m, _) => format!("model {}", m.name),
        TestStmt::AsOf(t, _) => format!("as_of {}", t.raw),
        TestStmt::Account(f, _) => format!("account {}", fixture(f)),
        TestStmt::Contact(id, f, _) => format!("contact {} {}", id.name, fixture(f)),
        TestStmt::Event(f, _) => format!("event {}", fixture(f)),
        TestStmt::Signal(src, f, _) => format!("signal {} {}", src.name, fixture(f)),
        TestStmt::Expect(e, _) => format!("expect {}", expectation(e)),
    }
}
