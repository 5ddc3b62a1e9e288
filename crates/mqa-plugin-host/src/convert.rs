//! Copies a plugin's [`MqaBatch`] into a host-owned [`SignalBatch`], checking
//! every rule of the ABI on the way (lengths, offsets, UTF-8, type codes,
//! booleans, non-empty keys). A batch that breaks one is refused whole: the
//! message says which column and row.

use mqa_engine::signals::{SignalBatch, SignalColumn, SignalReject};
use mqa_plugin_sdk::abi::{MqaBatch, MqaColumn, MqaReject, MqaStr, MqaText};
use mqa_syntax::FieldType;

/// A checked view of an [`MqaText`]: every range is in bounds and UTF-8.
struct TextView<'a> {
    offsets: &'a [u64],
    data: &'a [u8],
}

impl<'a> TextView<'a> {
    /// String `i` (checked in [`text_view`]).
    fn get(&self, i: usize) -> &'a str {
        let (a, b) = match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(a), Some(b)) => (*a as usize, *b as usize),
            _ => return "",
        };
        let bytes = self.data.get(a..b).unwrap_or_default();
        // SAFETY: `text_view` checked that every range is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

/// Borrows `n` items at `ptr`; NULL is allowed only when `n` is 0.
///
/// # Safety
/// A non-NULL `ptr` must be readable for `n` items for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, n: usize, what: &str) -> Result<&'a [T], String> {
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(format!("{what} is NULL but {n} entries are needed"));
    }
    // SAFETY: non-NULL, and the caller guarantees `n` readable items.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// Checks a text array of `rows` strings.
///
/// # Safety
/// The pointers must be readable as the ABI describes (`rows + 1` offsets,
/// `data_len` bytes).
unsafe fn text_view<'a>(t: &MqaText, rows: usize, what: &str) -> Result<TextView<'a>, String> {
    if rows == 0 {
        return Ok(TextView {
            offsets: &[],
            data: &[],
        });
    }
    // SAFETY: forwarded caller guarantee.
    let offsets = unsafe { slice(t.offsets, rows + 1, &format!("{what}: offsets")) }?;
    // SAFETY: forwarded caller guarantee.
    let data = unsafe { slice(t.data, t.data_len, &format!("{what}: data")) }?;
    let mut prev = 0u64;
    for (i, &o) in offsets.iter().enumerate() {
        if o < prev || o > data.len() as u64 {
            return Err(format!(
                "{what}: offset {i} is {o}, outside {prev}..={} (offsets must not decrease \
                 and must stay within data_len)",
                data.len()
            ));
        }
        prev = o;
    }
    // Fast path: the whole buffer is UTF-8, so only the cut points need checking.
    if let Ok(all) = std::str::from_utf8(data) {
        if let Some(i) = offsets
            .iter()
            .position(|&o| !all.is_char_boundary(o as usize))
        {
            return Err(format!("{what}: offset {i} cuts a UTF-8 character"));
        }
    } else {
        for (row, w) in offsets.windows(2).enumerate() {
            let (a, b) = match w {
                [a, b] => (*a as usize, *b as usize),
                _ => continue,
            };
            if std::str::from_utf8(data.get(a..b).unwrap_or_default()).is_err() {
                return Err(format!("{what}: row {} is not UTF-8", row + 1));
            }
        }
    }
    Ok(TextView { offsets, data })
}

fn lossy(s: MqaStr) -> String {
    if s.ptr.is_null() || s.len == 0 {
        return String::new();
    }
    // SAFETY: reject strings are readable per the ABI (checked non-NULL).
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    String::from_utf8_lossy(bytes).into_owned()
}

fn type_code(t: FieldType) -> u32 {
    use mqa_plugin_sdk::abi::*;
    match t {
        FieldType::Text => MQA_TYPE_TEXT,
        FieldType::Int => MQA_TYPE_INT,
        FieldType::Number => MQA_TYPE_NUMBER,
        FieldType::Bool => MQA_TYPE_BOOL,
        FieldType::Time => MQA_TYPE_TIME,
        // The host never builds a schema with list types (see load.rs).
        FieldType::ListText | FieldType::ListNumber => 0,
    }
}

/// Copies a batch, checking it against the schema. `origin` fills rejects
/// that do not say where they came from.
///
/// # Safety
/// `b` must be a batch filled by a successful `fetch` and not yet freed.
pub(crate) unsafe fn copy_batch(
    b: &MqaBatch,
    fields: &[(String, FieldType)],
    origin: &str,
) -> Result<SignalBatch, String> {
    let rows = b.rows;
    // SAFETY: forwarded caller guarantee (ABI layout of the account column).
    let account = unsafe { text_view(&b.account, rows, "account") }?;
    // SAFETY: `at` has `rows` entries per the ABI.
    let at = unsafe { slice(b.at, rows, "at") }?;
    // SAFETY: `columns` has `column_count` entries per the ABI.
    let cols = unsafe { slice(b.columns, b.column_count, "columns") }?;
    if cols.len() != fields.len() {
        return Err(format!(
            "it has {} columns but the plugin declares {} fields",
            cols.len(),
            fields.len()
        ));
    }
    let mut keys = Vec::with_capacity(rows);
    for i in 0..rows {
        let k = account.get(i);
        if k.is_empty() {
            return Err(format!(
                "record {} has an empty account key (such rows must be rejects)",
                i + 1
            ));
        }
        keys.push(k.to_owned());
    }
    let mut columns = Vec::with_capacity(cols.len());
    for (c, (name, ty)) in cols.iter().zip(fields) {
        if c.type_code != type_code(*ty) {
            return Err(format!(
                "column `{name}` has type code {} but the plugin declares it {ty} (code {})",
                c.type_code,
                type_code(*ty)
            ));
        }
        // SAFETY: the column's arrays have `rows` entries per the ABI.
        columns.push(unsafe { copy_column(c, *ty, rows, name) }?);
    }
    // SAFETY: `rejects` has `reject_count` entries per the ABI.
    let raw_rejects: &[MqaReject] = unsafe { slice(b.rejects, b.reject_count, "rejects") }?;
    let rejects = raw_rejects
        .iter()
        .map(|r| {
            let o = lossy(r.origin);
            SignalReject {
                origin: if o.is_empty() { origin.to_string() } else { o },
                line: r.line,
                raw: lossy(r.raw),
                reason: lossy(r.reason),
            }
        })
        .collect();
    Ok(SignalBatch {
        account: keys,
        at: at.to_vec(),
        columns,
        rejects,
    })
}

/// Copies one column.
///
/// # Safety
/// The array for `ty` (and `validity`, when non-NULL) has `rows` entries.
unsafe fn copy_column(
    c: &MqaColumn,
    ty: FieldType,
    rows: usize,
    name: &str,
) -> Result<SignalColumn, String> {
    let what = format!("column `{name}`");
    // SAFETY: forwarded caller guarantee.
    let validity: Option<&[u8]> = if c.validity.is_null() {
        None
    } else {
        Some(unsafe { slice(c.validity, rows, &what) }?)
    };
    let present = |i: usize| match validity {
        None => true,
        Some(v) => v.get(i).is_some_and(|b| *b != 0),
    };
    Ok(match ty {
        FieldType::Text => {
            // SAFETY: forwarded caller guarantee.
            let t = unsafe { text_view(&c.text, rows, &what) }?;
            SignalColumn::Text(
                (0..rows)
                    .map(|i| present(i).then(|| t.get(i).to_owned()))
                    .collect(),
            )
        }
        FieldType::Int | FieldType::Time => {
            // SAFETY: forwarded caller guarantee.
            let v = unsafe { slice(c.ints, rows, &format!("{what}: ints")) }?;
            let out = v
                .iter()
                .enumerate()
                .map(|(i, x)| present(i).then_some(*x))
                .collect();
            if ty == FieldType::Int {
                SignalColumn::Int(out)
            } else {
                SignalColumn::Time(out)
            }
        }
        FieldType::Number => {
            // SAFETY: forwarded caller guarantee.
            let v = unsafe { slice(c.numbers, rows, &format!("{what}: numbers")) }?;
            SignalColumn::Number(
                v.iter()
                    .enumerate()
                    .map(|(i, x)| present(i).then_some(*x))
                    .collect(),
            )
        }
        FieldType::Bool => {
            // SAFETY: forwarded caller guarantee.
            let v = unsafe { slice(c.bools, rows, &format!("{what}: bools")) }?;
            let mut out = Vec::with_capacity(rows);
            for (i, x) in v.iter().enumerate() {
                out.push(match (present(i), *x) {
                    (false, _) => None,
                    (true, 0) => Some(false),
                    (true, 1) => Some(true),
                    (true, other) => {
                        return Err(format!("{what}: row {} holds {other}, not 0 or 1", i + 1))
                    }
                });
            }
            SignalColumn::Bool(out)
        }
        FieldType::ListText | FieldType::ListNumber => {
            return Err(format!("{what}: list types cannot cross plugin ABI 1"))
        }
    })
}
