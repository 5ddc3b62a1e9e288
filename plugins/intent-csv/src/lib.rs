//! # intent-csv: an mqa signal plugin for weekly intent exports
//!
//! Reads a Company-Surge-style weekly intent export, a CSV file with the
//! header `domain,topic,score,week` (any column order; extra columns are
//! allowed and ignored), and serves it as signals joined on the account's
//! `domain`:
//!
//! | signal field | from | type |
//! | --- | --- | --- |
//! | `account` | `domain` | join key (`domain`) |
//! | `at` | `week` (`YYYY-MM-DD`) | 00:00:00Z on that date |
//! | `topic` | `topic` | `text` (empty = missing) |
//! | `score` | `score` (0–100) | `number` (empty = missing) |
//!
//! Configuration (the rule file's block, as JSON): `{"path": "..."}`, the
//! file to read (the engine expands `${data}` and `${rules}` before `open`).
//! `open` fails, naming the path, when the file cannot be opened; `fetch`
//! re-reads it, so a run sees the file as it is when the engine asks.
//!
//! Rows are not de-duplicated. A row with an empty `domain` or `week`, a
//! `week` that is not a date, a `score` that is not a number in 0–100, the
//! wrong number of fields, or broken quoting is reported as a reject (line
//! number, raw row, reason), never skipped. Blank lines are not rows. Cells
//! are not trimmed. Each fetch returns the rows in the requested time range
//! and accounts, plus every rejected row of the file.
//!
//! The crate is a `cdylib` (the plugin) and an `rlib` (so benches and tests
//! can call [`read_intent`] directly).

mod reader;
mod records;

use std::io::Read;

use mqa_plugin_sdk::{
    export_plugin, Batch, Field, FieldType, JoinKey, Metadata, Request, SignalPlugin,
};

use reader::IntentReader;
use records::strip_bom;

/// The declared schema: `topic: text, score: number`.
pub const FIELDS: &[Field] = &[
    Field {
        name: "topic",
        ty: FieldType::Text,
    },
    Field {
        name: "score",
        ty: FieldType::Number,
    },
];

/// How many bytes of the file are read (and parsed) at a time: small enough
/// to stay in the CPU cache and to spare a file-sized buffer.
const PIECE: usize = 256 * 1024;

/// An open intent export: the file's path.
#[derive(Debug)]
pub struct IntentCsv {
    path: String,
}

impl SignalPlugin for IntentCsv {
    const METADATA: Metadata = Metadata {
        name: "intent-csv",
        version: env!("CARGO_PKG_VERSION"),
        vendor: "mqa project",
        join_key: JoinKey::Domain,
        fields: FIELDS,
        thread_safe: true,
    };

    fn open(config_json: &str) -> Result<Self, String> {
        let config: serde_json::Value = serde_json::from_str(config_json)
            .map_err(|e| format!("the configuration is not JSON: {e}"))?;
        let obj = config
            .as_object()
            .ok_or("the configuration must be a JSON object like {\"path\": \"intent.csv\"}")?;
        if let Some(k) = obj.keys().find(|k| k.as_str() != "path") {
            return Err(format!(
                "unknown setting `{k}`: intent-csv takes only `path`"
            ));
        }
        let path = match obj.get("path") {
            Some(serde_json::Value::String(p)) if !p.is_empty() => p.clone(),
            Some(_) => return Err("the setting `path` must be a non-empty text".to_string()),
            None => return Err("the setting `path` is missing (the intent CSV file)".to_string()),
        };
        std::fs::File::open(&path).map_err(|e| format!("cannot open intent file `{path}`: {e}"))?;
        Ok(IntentCsv { path })
    }

    fn fetch(&mut self, request: &Request) -> Result<Batch, String> {
        let mut file = std::fs::File::open(&self.path)
            .map_err(|e| format!("cannot read intent file `{}`: {e}", self.path))?;
        let size = file.metadata().map_or(0, |m| m.len());
        read_intent_from(&mut file, &self.path, request, size)
    }
}

export_plugin!(IntentCsv);

/// Parses a whole intent export. `origin` (the path) names the file in
/// messages and rejects. Returns the rows `request` wants, plus every
/// rejected row; fails only when the header is missing or incomplete.
pub fn read_intent(data: &[u8], origin: &str, request: &Request) -> Result<Batch, String> {
    read_slice(data, origin, request, PIECE)
}

/// [`read_intent`] in pieces of about `piece` bytes.
fn read_slice(
    data: &[u8],
    origin: &str,
    request: &Request,
    piece_len: usize,
) -> Result<Batch, String> {
    let data = strip_bom(data);
    let mut reader = IntentReader::new(origin, request, data.len() as u64);
    // In pieces of whole lines, so each piece's UTF-8 check and parse run
    // while it is in the cache.
    let mut pos = 0;
    let mut window = piece_len;
    loop {
        let rest = data.get(pos..).unwrap_or_default();
        let last = rest.len() <= window;
        let piece = if last {
            rest
        } else {
            whole_lines(rest.get(..window).unwrap_or_default())
        };
        let used = reader.feed(piece, last)?;
        if last {
            return reader.finish();
        }
        pos += used;
        // No whole record in the window: widen it.
        window = if used == 0 { window * 2 } else { piece_len };
    }
}

/// [`read_intent`] on a stream, read a piece at a time (the buffer grows
/// only for a record longer than a piece). `size_hint` is the stream's
/// length if known (0 if not): the batch is sized from it.
pub fn read_intent_from(
    input: &mut impl Read,
    origin: &str,
    request: &Request,
    size_hint: u64,
) -> Result<Batch, String> {
    read_stream(input, origin, request, size_hint, PIECE)
}

/// [`read_intent_from`] with a buffer of `piece` bytes to start with.
fn read_stream(
    input: &mut impl Read,
    origin: &str,
    request: &Request,
    size_hint: u64,
    piece: usize,
) -> Result<Batch, String> {
    let mut reader = IntentReader::new(origin, request, size_hint);
    // At least 3 bytes, so the first read holds any byte order mark whole.
    let mut buf = vec![0u8; piece.max(3)];
    let mut filled = 0;
    let mut first = true;
    loop {
        let mut end_of_file = false;
        while let Some(space) = buf.get_mut(filled..).filter(|s| !s.is_empty()) {
            match input.read(space) {
                Ok(0) => {
                    end_of_file = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("cannot read intent file `{origin}`: {e}")),
            }
        }
        let data = buf.get(..filled).unwrap_or_default();
        let from = if first {
            filled - strip_bom(data).len()
        } else {
            0
        };
        first = false;
        let data = data.get(from..).unwrap_or_default();
        // Whole lines only, unless this is the end of the file.
        let piece = if end_of_file { data } else { whole_lines(data) };
        let used = reader.feed(piece, end_of_file)?;
        if end_of_file {
            return reader.finish();
        }
        let keep = from + used;
        buf.copy_within(keep..filled, 0);
        filled -= keep;
        if filled == buf.len() {
            // No whole record in the buffer: make room for a longer one.
            buf.resize(buf.len() * 2, 0);
        }
    }
}

/// `b` up to and with its last line end (empty if it has none).
fn whole_lines(b: &[u8]) -> &[u8] {
    b.get(..b.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
