//! The layout tree the formatter prints: one node per printed line or
//! braced block, anchored to the source text it came from. Comments are
//! placed into the tree by position, blank lines are read from the gaps
//! between neighbours, and the tree is rendered with two-space indents.

use crate::scan::{self, Comment};

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A statement printed on one line.
    Line(String),
    /// `HEADER {`, the children one level deeper, then `}`.
    Block {
        header: String,
        /// Byte offset of the `{` in the source (0 without a source).
        open: usize,
        children: Vec<Node>,
        /// A comment after the closing `}` (with the gap before it).
        close_trailing: Option<String>,
    },
    /// An own-line comment.
    Comment(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    /// Source range of the statement: from its first token to just after
    /// its last (never over whitespace or comments that follow it).
    pub start: usize,
    pub end: usize,
    /// An empty line goes before this node (ignored for a block's first node).
    pub blank_before: bool,
    /// A comment at the end of the node's (first) line, with the gap before it.
    pub trailing: Option<String>,
}

impl Node {
    pub fn new(kind: Kind, start: usize, end: usize) -> Node {
        Node {
            kind,
            start,
            end,
            blank_before: false,
            trailing: None,
        }
    }
}

/// The source text with its comments, for anchoring nodes.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    comments: Vec<Comment>,
    /// For each comment (same order): where its text ends, trailing spaces trimmed.
    ends: Vec<usize>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str) -> Source<'a> {
        let comments = scan::comments(text);
        let ends = comments
            .iter()
            .map(|c| c.span.start as usize + c.text.trim_end().len())
            .collect();
        Source {
            text,
            comments,
            ends,
        }
    }

    /// Moves `end` back over whitespace and comments, not before `start`.
    /// (Parser spans of some statements run on over what follows them.)
    pub fn tight_end(&self, start: usize, end: usize) -> usize {
        let b = self.text.as_bytes();
        let mut pos = end.min(b.len());
        loop {
            while pos > start && b.get(pos - 1).is_some_and(|c| c.is_ascii_whitespace()) {
                pos -= 1;
            }
            match self.ends.binary_search(&pos) {
                Ok(k) => match self.comments.get(k) {
                    Some(c) if c.span.start as usize >= start && (c.span.start as usize) < pos => {
                        pos = c.span.start as usize;
                    }
                    _ => return pos,
                },
                Err(_) => return pos,
            }
        }
    }

    /// The first `{` at or after `from` outside strings and comments.
    pub fn open_brace(&self, from: usize) -> usize {
        let b = self.text.as_bytes();
        let mut i = from;
        while let Some(&c) = b.get(i) {
            match c {
                b'{' => return i,
                b'"' => {
                    i += 1;
                    while let Some(&s) = b.get(i) {
                        if s == b'"' || s == b'\n' {
                            break;
                        }
                        i += if s == b'\\' { 2 } else { 1 };
                    }
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    while b.get(i).is_some_and(|&s| s != b'\n') {
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        from
    }

    fn gap_before(&self, c: &Comment) -> String {
        let start = c.span.start as usize;
        let before = self.text.get(..start).unwrap_or("");
        let code_end = before.trim_end_matches([' ', '\t']).len();
        let gap = before.get(code_end..).unwrap_or("");
        if gap.is_empty() {
            " ".to_string()
        } else {
            gap.to_string()
        }
    }

    fn has_newline(&self, from: usize, to: usize) -> bool {
        match self.text.get(from..to) {
            Some(s) => s.contains('\n'),
            None => true,
        }
    }

    /// Whether the text between two nodes holds an empty line.
    fn has_blank_line(&self, from: usize, to: usize) -> bool {
        let Some(gap) = self.text.get(from..to) else {
            return false;
        };
        let lines: Vec<&str> = gap.split('\n').collect();
        lines.len() > 2
            && lines
                .get(1..lines.len() - 1)
                .is_some_and(|mid| mid.iter().any(|l| l.trim().is_empty()))
    }
}

/// Places every comment of the source into the tree, then reads blank lines.
pub(crate) fn attach(src: &Source<'_>, nodes: &mut Vec<Node>) {
    let mut next = 0usize;
    fill(src, nodes, None, src.text.len(), &mut next);
    blank_lines(src, nodes);
}

/// Places the comments that start before `limit` into `nodes` (a block's
/// children, or the file's items). `opener_end` is the end of the enclosing
/// block's `{`; a comment on that line is returned as the opener's trailing one.
fn fill(
    src: &Source<'_>,
    nodes: &mut Vec<Node>,
    opener_end: Option<usize>,
    limit: usize,
    next: &mut usize,
) -> Option<String> {
    let mut opener_trailing = None;
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    let mut prev_end = opener_end;
    for mut node in std::mem::take(nodes) {
        while let Some(c) = take_before(src, node.start, next) {
            gap_comment(src, &c, &mut out, &mut prev_end, &mut opener_trailing);
        }
        // Comments inside a one-line statement (or a block's header) move above it.
        let inner_limit = match &node.kind {
            Kind::Block { open, .. } => open + 1,
            _ => node.end,
        };
        while let Some(c) = take_before(src, inner_limit, next) {
            out.push(Node::new(
                Kind::Comment(c.text.trim_end().to_string()),
                node.start,
                node.start,
            ));
        }
        if let Kind::Block { open, children, .. } = &mut node.kind {
            let close = node.end.saturating_sub(1);
            if let Some(t) = fill(src, children, Some(*open + 1), close, next) {
                node.trailing = Some(t);
            }
        }
        prev_end = Some(node.end);
        out.push(node);
    }
    while let Some(c) = take_before(src, limit, next) {
        gap_comment(src, &c, &mut out, &mut prev_end, &mut opener_trailing);
    }
    *nodes = out;
    opener_trailing
}

/// The next comment if it starts before `limit`.
fn take_before(src: &Source<'_>, limit: usize, next: &mut usize) -> Option<Comment> {
    let c = src.comments.get(*next)?;
    if (c.span.start as usize) < limit {
        *next += 1;
        Some(c.clone())
    } else {
        None
    }
}

/// A comment between statements: trailing the previous line if it shares
/// that line, else an own-line comment.
fn gap_comment(
    src: &Source<'_>,
    c: &Comment,
    out: &mut Vec<Node>,
    prev_end: &mut Option<usize>,
    opener_trailing: &mut Option<String>,
) {
    let start = c.span.start as usize;
    let text = c.text.trim_end();
    let same_line =
        c.trailing && prev_end.is_some_and(|p| p <= start && !src.has_newline(p, start));
    if same_line {
        let t = format!("{}{text}", src.gap_before(c));
        match out.last_mut() {
            None => {
                *opener_trailing = Some(t);
                return;
            }
            Some(n) => match &mut n.kind {
                Kind::Line(_) => {
                    n.trailing = Some(t);
                    return;
                }
                Kind::Block { close_trailing, .. } => {
                    *close_trailing = Some(t);
                    return;
                }
                Kind::Comment(_) => {}
            },
        }
    }
    let end = start + text.len();
    out.push(Node::new(Kind::Comment(text.to_string()), start, end));
    *prev_end = Some(end);
}

fn blank_lines(src: &Source<'_>, nodes: &mut [Node]) {
    let mut prev_end: Option<usize> = None;
    for n in nodes.iter_mut() {
        n.blank_before = prev_end.is_some_and(|p| src.has_blank_line(p, n.start));
        prev_end = Some(n.end);
        if let Kind::Block { children, .. } = &mut n.kind {
            blank_lines(src, children);
        }
    }
}

/// Renders the tree: two spaces per level, one newline at the end.
pub(crate) fn render(nodes: &[Node]) -> String {
    let mut out = String::new();
    render_level(nodes, 0, &mut out);
    out
}

fn render_level(nodes: &[Node], depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for (i, n) in nodes.iter().enumerate() {
        if i > 0 && n.blank_before {
            out.push('\n');
        }
        out.push_str(&indent);
        match &n.kind {
            Kind::Line(text) | Kind::Comment(text) => {
                out.push_str(text);
                push_trailing(out, &n.trailing);
            }
            Kind::Block {
                header,
                children,
                close_trailing,
                ..
            } => {
                out.push_str(header);
                if children.is_empty() && n.trailing.is_none() {
                    out.push_str(" {}");
                } else {
                    out.push_str(" {");
                    push_trailing(out, &n.trailing);
                    out.push('\n');
                    render_level(children, depth + 1, out);
                    out.push_str(&indent);
                    out.push('}');
                }
                push_trailing(out, close_trailing);
            }
        }
        out.push('\n');
    }
}

fn push_trailing(out: &mut String, t: &Option<String>) {
    if let Some(t) = t {
        out.push_str(t);
    }
}
